"""``foidesk ingest``: every row loaded, quarantined with its line and reason, or counted."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from foidesk.errors import FoideskError
from foidesk.ingest.mapping import load_mapping, parse_mapping
from foidesk.ingest.snapshot import ingest
from tests.conftest import run_cli
from tests.helpers import answer_case

HEADER = "crime_ref,recorded_date,offence,ho_code,outcome,status,text_mo\n"


def _ingest(tmp_path: Path, text: str | bytes, name: str = "x.csv", **kw: object) -> dict:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    mapping = kw.pop("mapping", load_mapping(None))
    result = ingest([str(path)], tmp_path / "snap", mapping, system="Test", **kw)  # type: ignore[arg-type]
    return result.manifest


def _quarantine(tmp_path: Path) -> list[tuple[str, str]]:
    with (tmp_path / "snap" / "quarantine.csv").open(encoding="utf-8", newline="") as f:
        return [(row["line"], row["reason"]) for row in csv.DictReader(f)]


def _crimes(tmp_path: Path) -> list[dict]:
    return pq.read_table(tmp_path / "snap" / "crimes.parquet").to_pylist()


def _reconciles(manifest: dict) -> None:
    for s in manifest["sources"]:
        assert s["rows_read"] == s["rows_loaded"] + s["rows_quarantined"] + s["duplicates"]


def test_each_failure_is_quarantined_with_its_physical_line(tmp_path: Path) -> None:
    text = HEADER + (
        'A1,03/02/2018,Cannabis,92E,CAUTION,,"first line\nsecond line\nthird line"\n'  # 2-4
        "A2,31/02/2018,Cannabis,92E,CAUTION,,impossible date\n"  # 5
        "A3,2018-02-03,Cannabis,92E,CAUTION\n"  # 6: wrong column count
        ",2018-02-03,Cannabis,92E,CAUTION,,empty reference\n"  # 7
        "A5,2018-02-03,,92E,CAUTION,,empty offence\n"  # 8
        "A6,2018-02-03,Cannabis,92E,CAUTION,maybe,unknown status\n"  # 9
        "A7,next tuesday,Cannabis,92E,CAUTION,,unparseable date\n"  # 10
        "A8,02/13/2018,Cannabis,92E,CAUTION,,month first\n"  # 11
        "A9,13/02/2018,Cannabis,92E,CAUTION,cancelled,good\n"  # 12
    )
    manifest = _ingest(tmp_path, text)
    lines = dict(_quarantine(tmp_path))
    assert set(lines) == {"5", "6", "7", "8", "9", "10", "11"}
    assert lines["5"].startswith("recorded_date '31/02/2018' is not a date")
    assert lines["6"] == "expected 7 fields, found 5"
    assert lines["7"] == "crime_ref is empty"
    assert lines["8"] == "offence is empty"
    assert lines["9"].startswith("status 'maybe' is not recorded, cancelled or transferred")
    assert lines["11"].startswith("recorded_date '02/13/2018'")
    crimes = {c["crime_ref"]: c for c in _crimes(tmp_path)}
    assert set(crimes) == {"A1", "A9"}
    assert crimes["A1"]["text_mo"] == "first line\nsecond line\nthird line"  # kept whole
    assert str(crimes["A1"]["recorded_date"]) == "2018-02-03"  # 03/02 is 3 February
    assert crimes["A9"]["status"] == "cancelled"
    assert manifest["totals"] == {
        "rows_read": 9,
        "rows_loaded": 2,
        "rows_quarantined": 7,
        "duplicates": 0,
    }
    _reconciles(manifest)


def test_duplicates_exact_and_conflicting(tmp_path: Path) -> None:
    text = HEADER + (
        "B1,2018-01-01,Cannabis,92E,CAUTION,,same\n"  # 2
        "B1,2018-01-01,Cannabis,92E,CAUTION,,same\n"  # 3: exact duplicate
        "B2,2018-01-01,Cannabis,92E,,,open\n"  # 4: superseded by line 5
        "B2,2018-01-01,Cannabis,92E,CHARGED,,open\n"  # 5: kept (the later copy)
    )
    manifest = _ingest(tmp_path, text)
    assert manifest["sources"][0]["duplicates"] == 1
    assert _quarantine(tmp_path) == [
        (
            "4",
            "superseded: crime_ref B2 appears again with different content at line 5, "
            "which is kept",
        )
    ]
    crimes = {c["crime_ref"]: c for c in _crimes(tmp_path)}
    assert crimes["B2"]["outcome"] == "CHARGED"
    _reconciles(manifest)


def test_cp1252_with_pound_and_curly_quotes(tmp_path: Path) -> None:
    text = HEADER + "C1,2018-01-01,Cannabis,92E,CAUTION,,“Paid £20” on Snapchat – he’s known\n"
    manifest = _ingest(tmp_path, text.encode("cp1252"))
    assert manifest["sources"][0]["encoding"] == "cp1252"
    assert _crimes(tmp_path)[0]["text_mo"] == "“Paid £20” on Snapchat – he’s known"


def test_utf8_with_bom_and_other_delimiters(tmp_path: Path) -> None:
    text = "\ufeff" + HEADER.replace(",", ";") + "D1;2018-01-01;Cannabis;92E;CAUTION;;a;b\n"
    text = text.replace("a;b", '"a;b"')
    manifest = _ingest(tmp_path, text.encode("utf-8"))
    assert manifest["sources"][0]["encoding"] == "utf-8-sig"
    assert manifest["sources"][0]["delimiter"] == ";"
    crime = _crimes(tmp_path)[0]
    assert crime["crime_ref"] == "D1" and crime["text_mo"] == "a;b"


def test_tab_delimited(tmp_path: Path) -> None:
    text = HEADER.replace(",", "\t") + "T1\t2018-01-01\tCannabis\t92E\tCAUTION\t\tnote\n"
    manifest = _ingest(tmp_path, text, name="x.tsv")
    assert manifest["sources"][0]["delimiter"] == "\t"
    assert manifest["totals"]["rows_loaded"] == 1


def test_malformed_bytes_quarantine_the_row_not_the_file(tmp_path: Path) -> None:
    data = (HEADER + "E1,2018-01-01,Cannabis,92E,CAUTION,,fine\n").encode()
    data += b"E2,2018-01-01,Cannabis,92E,CAUTION,,bad \xff\xfe bytes\n"
    data += b"E3,2018-01-01,Cannabis,92E,CAUTION,,fine too\n"
    data += b"E4,2018-01-01,Cannabis,92E,CAUTION,,nul \x00 inside\n"
    utf8 = parse_mapping(b'encoding = "utf-8"\n', "u.toml")
    manifest = _ingest(tmp_path, data, mapping=utf8)
    reasons = dict(_quarantine(tmp_path))
    assert "not valid in the file's encoding" in reasons["3"]
    assert {c["crime_ref"] for c in _crimes(tmp_path)} >= {"E1", "E3"}
    _reconciles(manifest)


def test_bytes_undefined_in_cp1252_are_quarantined(tmp_path: Path) -> None:
    data = (HEADER + "G1,2018-01-01,Cannabis,92E,CAUTION,,£5 deal\n").encode("cp1252")
    data += b"G2,2018-01-01,Cannabis,92E,CAUTION,,undefined \x81 byte\n"
    manifest = _ingest(tmp_path, data)
    assert manifest["sources"][0]["encoding"] == "cp1252"
    assert "not valid in the file's encoding" in dict(_quarantine(tmp_path))["3"]
    assert _crimes(tmp_path)[0]["text_mo"] == "£5 deal"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("crime_ref,recorded_date,text\nA,2018-01-01,x\n", "missing required column 'offence'"),
        (b"PK\x03\x04rest of a zip", "is a ZIP/XLSX file, not CSV"),
        (b"PAR1xxxx", "is a Parquet file, not CSV"),
    ],
)
def test_refusals_leave_no_snapshot(tmp_path: Path, content: str | bytes, message: str) -> None:
    path = tmp_path / "x.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    proc = run_cli("ingest", path, "--system", "T", "--out", tmp_path / "snap")
    assert proc.returncode == 2
    assert message in proc.stderr and str(path) in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert not (tmp_path / "snap").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]  # no partial folder left either


def test_existing_snapshot_is_not_overwritten_without_replace(tmp_path: Path) -> None:
    _ingest(tmp_path, HEADER + "F1,2018-01-01,Cannabis,92E,CAUTION,,x\n")
    with pytest.raises(FoideskError, match="already exists"):
        _ingest(tmp_path, HEADER + "F2,2018-01-01,Cannabis,92E,CAUTION,,x\n")
    _ingest(tmp_path, HEADER + "F2,2018-01-01,Cannabis,92E,CAUTION,,x\n", replace=True)
    assert [c["crime_ref"] for c in _crimes(tmp_path)] == ["F2"]


def test_killed_part_way_leaves_no_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    row = "K{},2018-01-01,Cannabis,92E,CAUTION,,{}\n"
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER)
        for i in range(400_000):
            f.write(row.format(i, "some note text about the deal " * 3))
    out = tmp_path / "snap"
    # read line by line (FOIDESK_INGEST_SLOW): the fast path can finish these 400,000 rows
    # within the half second before the kill
    proc = subprocess.Popen(
        [sys.executable, "-m", "foidesk", "ingest", str(path), "--system", "T", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ | {"FOIDESK_INGEST_SLOW": "1"},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
        p.name.startswith(".snap.partial-") for p in tmp_path.iterdir()
    ):
        time.sleep(0.05)
    time.sleep(0.5)
    assert proc.poll() is None, "ingest finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not out.exists()


def test_xlsx_named_sheet_and_value_maps(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    import datetime as dt

    book = openpyxl.Workbook()
    book.active.title = "Cover"
    sheet = book.create_sheet("Crimes")
    sheet.append(["Ref", "Recorded", "Offence", "Class", "Disposal", "State", "MO"])
    sheet.append(
        [
            "X1",
            dt.datetime(2018, 2, 3, 14, 5),
            "Cannabis",
            "92E",
            "CW",
            "CONFIRMED",
            "via snap chat",
        ]
    )
    sheet.append(["X2", "31/02/2018", "Cannabis", "92E", "CW", "CONFIRMED", "bad"])
    sheet.append(["X3", dt.date(2018, 2, 4), "Cannabis", "92E", "CHG", "NFCR", "no"])
    book.save(tmp_path / "export.xlsx")
    mapping = parse_mapping(
        b'name = "t"\nformat = "xlsx"\nsheet = "Crimes"\ntext_prefix = ""\n'
        b'date_formats = ["%d/%m/%Y"]\n'
        b'[columns]\ncrime_ref = "Ref"\nrecorded_date = "Recorded"\noffence = "Offence"\n'
        b'ho_code = "Class"\noutcome = "Disposal"\nstatus = "State"\n'
        b'[text]\nmo = "MO"\n'
        b'[values.outcome]\n"CW" = "CANNABIS WARNING"\n"CHG" = "CHARGED"\n'
        b'[values.status]\n"CONFIRMED" = "recorded"\n"NFCR" = "cancelled"\n',
        "t.toml",
    )
    result = ingest([str(tmp_path / "export.xlsx")], tmp_path / "snap", mapping, system="Ath")
    crimes = {c["crime_ref"]: c for c in _crimes(tmp_path)}
    assert crimes["X1"]["outcome"] == "CANNABIS WARNING"
    assert str(crimes["X1"]["recorded_date"]) == "2018-02-03"
    assert crimes["X1"]["text_mo"] == "via snap chat"
    assert crimes["X3"]["status"] == "cancelled"
    assert dict(_quarantine(tmp_path))["3"].startswith("recorded_date '31/02/2018'")
    assert result.manifest["sources"][0]["encoding"] == "xlsx"
    bad = parse_mapping(b'format = "xlsx"\nsheet = "Nope"\n', "b.toml")
    with pytest.raises(FoideskError, match="no sheet named 'Nope'"):
        ingest([str(tmp_path / "export.xlsx")], tmp_path / "snap2", bad, system="A")


def test_month_first_only_when_the_mapping_says_so(tmp_path: Path) -> None:
    mapping = parse_mapping(b'date_formats = ["%m/%d/%Y"]\n', "us.toml")
    manifest = _ingest(
        tmp_path, HEADER + "M1,02/13/2018,Cannabis,92E,CAUTION,,x\n", mapping=mapping
    )
    assert manifest["totals"]["rows_loaded"] == 1
    assert str(_crimes(tmp_path)[0]["recorded_date"]) == "2018-02-13"


def test_parquet_and_json_lines(tmp_path: Path) -> None:
    table = pa.table(
        {
            "crime_ref": ["P1", None],
            "recorded_date": ["2018-01-01", "2018-01-02"],
            "offence": ["Cannabis", "Cannabis"],
            "text": ["on FB", "x"],
        }
    )
    pq.write_table(table, tmp_path / "p.parquet")
    result = ingest(
        [str(tmp_path / "p.parquet")], tmp_path / "snap", load_mapping(None), system="P"
    )
    assert result.manifest["totals"]["rows_loaded"] == 1
    assert _quarantine(tmp_path) == [("2", "crime_ref is empty")]
    lines = [
        {"crime_ref": "J1", "recorded_date": "2018-01-01", "offence": "Cannabis", "text": "a"},
        "not json",
        {"crime_ref": "J2", "recorded_date": "2018-01-01", "offence": "Cannabis", "text": "b"},
    ]
    path = tmp_path / "j.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    result = ingest([str(path)], tmp_path / "snap2", load_mapping(None), system="J")
    assert result.manifest["totals"] == {
        "rows_read": 3,
        "rows_loaded": 2,
        "rows_quarantined": 1,
        "duplicates": 0,
    }


def _sql_mapping() -> object:
    return parse_mapping(
        b'name = "sql"\ntable = "crimes"\n[columns]\ncrime_ref = "ref"\n'
        b'recorded_date = "recorded"\n[text]\nnotes = "notes"\n',
        "sql.toml",
    )


def test_sqlite_source(tmp_path: Path) -> None:
    db = tmp_path / "crimes.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE crimes (ref TEXT, recorded TEXT, offence TEXT, notes TEXT)")
        con.executemany(
            "INSERT INTO crimes VALUES (?, ?, ?, ?)",
            [
                ("S1", "2018-01-05", "Cannabis", "via Snapchat"),
                ("S2", "bad", "Cannabis", "x"),
                ("S3", "05/01/2018", "Cannabis", None),
            ],
        )
    result = ingest([f"sqlite:///{db}"], tmp_path / "snap", _sql_mapping(), system="SQL")
    assert result.manifest["totals"]["rows_loaded"] == 2
    assert _quarantine(tmp_path)[0][0] == "2"
    assert result.manifest["sources"][0]["path"] == f"sqlite:///{db}"


def test_postgresql_source(tmp_path: Path) -> None:
    url = os.environ.get("FOIDESK_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("FOIDESK_TEST_POSTGRES_URL is not set: .ci/run starts a server and sets it")
    sqlalchemy = pytest.importorskip("sqlalchemy")
    try:
        engine = sqlalchemy.create_engine(url)
        with engine.begin() as con:
            con.execute(sqlalchemy.text("DROP TABLE IF EXISTS crimes"))
            con.execute(
                sqlalchemy.text(
                    "CREATE TABLE crimes (ref TEXT, recorded DATE, offence TEXT, notes TEXT)"
                )
            )
            con.execute(
                sqlalchemy.text(
                    "INSERT INTO crimes VALUES ('G1', '2018-02-03', 'Cannabis', 'on What''s App'),"
                    "('', '2018-02-03', 'Cannabis', 'no ref'), ('G3', NULL, 'Cannabis', 'no date')"
                )
            )
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"no PostgreSQL server at {url}: {exc}")
    result = ingest([url], tmp_path / "snap", _sql_mapping(), system="PG")
    assert result.manifest["totals"] == {
        "rows_read": 3,
        "rows_loaded": 1,
        "rows_quarantined": 2,
        "duplicates": 0,
    }
    assert "***" in result.manifest["sources"][0]["path"] or "@" not in url
    crime = _crimes(tmp_path)[0]
    assert str(crime["recorded_date"]) == "2018-02-03" and crime["text_notes"] == "on What's App"


def test_notes_child_table_and_orphans(tmp_path: Path) -> None:
    (tmp_path / "log.csv").write_text(
        "Occ,No,Text\nN1,1,Spoke to IP\nN1,2,IP shown Snapchat messages\nNX,1,orphan\n"
    )
    mapping = parse_mapping(
        b'[notes]\n[notes.columns]\ncrime_ref = "Occ"\nentry = "No"\ntext = "Text"\n', "n.toml"
    )
    manifest = _ingest(
        tmp_path,
        HEADER + "N1,2018-03-01,Cannabis,92E,CAUTION,,nothing\n",
        mapping=mapping,
        notes=[str(tmp_path / "log.csv")],
    )
    assert manifest["notes"]["notes_loaded"] == 2
    assert manifest["notes"]["orphan_notes"] == 1
    assert ("4", "orphan note: no crime NX in this snapshot") in _quarantine(tmp_path)
    request = tmp_path / "r.toml"
    request.write_text(
        'reference = "R"\nreceived = 2019-01-01\n[population]\nfrom = 2018-01-01\n'
        'to = 2018-12-31\noffences = ["drugs"]\n[[source]]\npath = "snap"\n'
    )
    result = answer_case(request, tmp_path / "case")
    evidence = pq.read_table(result.folders["internal"] / "evidence.parquet").to_pylist()
    assert [(e["crime_ref"], e["field"], e["text"]) for e in evidence] == [
        ("N1", "note 2", "Snapchat")
    ]


def test_snapshot_as_the_source_of_answer(tmp_path: Path) -> None:
    manifest = _ingest(tmp_path, HEADER + "Q1,2018-03-01,Cannabis,92E,CAUTION,,on Facebook\n")
    request = tmp_path / "r.toml"
    request.write_text(
        'reference = "R"\nreceived = 2019-01-01\n[population]\nfrom = 2018-01-01\n'
        'to = 2018-12-31\noffences = ["drugs"]\n[[source]]\npath = "snap"\n'
    )
    result = answer_case(request, tmp_path / "case")
    assert result.answer.counted.grand_total.total == 1
    source = result.audit["sources"][0]
    assert source["sha256"] == manifest["snapshot_sha256"]  # read, not recomputed
    assert source["system"] == "Test" and source["format"] == "snapshot"


def test_across_systems_the_winner_is_configurable(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    for folder, outcome, system in (("old", "CAUTION", "Legacy"), ("new", "CHARGED", "Athena")):
        path = tmp_path / folder / "x.csv"
        path.write_text(HEADER + f"W1,2018-03-01,Cannabis,92E,{outcome},,on Facebook\n")
        ingest([str(path)], tmp_path / folder / "snap", load_mapping(None), system=system)
    base = (
        'reference = "R"\nreceived = 2019-01-01\n[population]\nfrom = 2018-01-01\n'
        'to = 2018-12-31\noffences = ["drugs"]\n{prefer}\n[table]\nrows = ["outcome"]\n'
        '[[source]]\npath = "old/snap"\n[[source]]\npath = "new/snap"\n'
    )
    outcomes = {}
    for prefer in ("", 'prefer = "earlier"', 'prefer = "Legacy"', 'prefer = "Athena"'):
        request = tmp_path / "r.toml"
        request.write_text(base.format(prefer=prefer))
        result = answer_case(request, tmp_path / "case", replace=True)
        outcomes[prefer] = [r.labels[0] for r in result.table.rows]
        assert result.coverage.overlaps == (("Athena and Legacy", 1),)
    assert outcomes == {
        "": ["CHARGED"],
        'prefer = "earlier"': ["CAUTION"],
        'prefer = "Legacy"': ["CAUTION"],
        'prefer = "Athena"': ["CHARGED"],
    }


def test_police_uk_open_data_loads_but_cannot_be_searched(tmp_path: Path) -> None:
    path = tmp_path / "2018-03-anyshire-street.csv"
    path.write_text(
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Crime type,Last outcome category,Context\n"
        "abc123,2018-03,Anyshire Constabulary,Anyshire Constabulary,-0.4,52.1,On or near X,"
        "E01000001,Anytown 001A,Drugs,Local resolution,\n"
        ",2018-03,Anyshire Constabulary,Anyshire Constabulary,-0.4,52.1,On or near Y,"
        "E01000002,Anytown 001B,Anti-social behaviour,,\n"
    )
    proc = run_cli("ingest", path, "--mapping", "police-uk-street", "--out", tmp_path / "snap")
    assert proc.returncode == 0, proc.stderr
    assert "No free-text fields" in proc.stderr
    manifest = json.loads((tmp_path / "snap" / "manifest.json").read_text())
    assert manifest["system"] == "police.uk"
    assert manifest["totals"]["rows_loaded"] == 1  # the ASB row has no Crime ID
    crime = _crimes(tmp_path)[0]
    assert (crime["ho_code"], str(crime["recorded_date"])) == ("92", "2018-03-01")
    request = tmp_path / "r.toml"
    request.write_text(
        'reference = "R"\nreceived = 2019-01-01\n[population]\nfrom = 2018-01-01\n'
        'to = 2018-12-31\noffences = ["92"]\n[[source]]\npath = "snap"\n'
    )
    proc = run_cli("answer", request, "--out", tmp_path / "case")
    assert proc.returncode == 2 and "no source has free text to search" in proc.stderr


def test_cli_summary(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(HEADER + "Z1,2018-01-01,Cannabis,92E,CAUTION,,x\nZ2,bad,C,92E,,,x\n")
    proc = run_cli("ingest", path, "--system", "Niche", "--out", tmp_path / "snap")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "2 rows read, 1 loaded, 1 quarantined, 0 exact duplicates merged" in proc.stderr
