"""Awkward inputs a reviewer found mishandled (two-digit years, blank lines, trailing commas,
zoned timestamps, several systems in one file, bad bytes, open quotes): each is reproduced and
checked."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import crime, run_cli, write_extract, write_request

HEADER = "crime_ref,recorded_date,offence,ho_code,outcome,status,text_mo\n"


def test_two_digit_year_stops_answer_with_its_line(tmp_path: Path) -> None:
    write_extract(
        tmp_path / "a.csv", [crime("A1", "01/02/2018", "x"), crime("A2", "01/02/19", "x")]
    )
    request = write_request(tmp_path, [("a.csv", "A")])
    proc = run_cli("answer", request, "--out", tmp_path / "case")
    assert proc.returncode == 2
    assert "a.csv: line 3: recorded_date '01/02/19' is not a date" in proc.stderr


def test_error_line_counts_blank_lines(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(
        "crime_ref,recorded_date,offence,ho_code,text\n"
        "A,2018-01-01,Poss,92E,x\n\n"
        'B,2018-01-01,Poss,92E,"two\nlines"\n\n'
        "C,2018-02-30,Poss,92E,x\n"
    )
    request = write_request(tmp_path, [("a.csv", "A")])
    proc = run_cli("answer", request, "--out", tmp_path / "case")
    assert "a.csv: line 7: recorded_date '2018-02-30'" in proc.stderr


def test_trailing_comma_header(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(
        "crime_ref,recorded_date,offence,ho_code,text,\nA,2018-01-01,Poss,92E,on Facebook,\n"
    )
    request = write_request(tmp_path, [("a.csv", "A")])
    proc = run_cli("answer", request, "--out", tmp_path / "case", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1].endswith(",1")


def test_ingest_keeps_the_last_state_of_a_record_that_changed_back(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        HEADER
        + "A1,2018-01-01,Poss,92E,UNDER INVESTIGATION,,x\n"
        + "A1,2018-01-01,Poss,92E,CHARGED,,x\n"
        + "A1,2018-01-01,Poss,92E,UNDER INVESTIGATION,,x\n"
    )
    proc = run_cli("ingest", path, "--system", "S", "--out", tmp_path / "snap")
    assert proc.returncode == 0, proc.stderr
    crimes = pq.read_table(tmp_path / "snap" / "crimes.parquet").to_pylist()
    assert [c["outcome"] for c in crimes] == ["UNDER INVESTIGATION"]
    manifest = json.loads((tmp_path / "snap" / "manifest.json").read_text())
    source = manifest["sources"][0]
    assert (source["rows_loaded"], source["duplicates"], source["rows_quarantined"]) == (1, 1, 1)
    quarantine = (tmp_path / "snap" / "quarantine.csv").read_text()
    assert 'x.csv,3,"superseded: crime_ref A1 appears again with different content at line 4' in (
        quarantine
    )


def test_zoned_timestamps_count_by_utc_date_on_any_machine(tmp_path: Path) -> None:
    utc = dt.UTC
    table = pa.table(
        {
            "crime_ref": ["Z1", "Z2"],
            "recorded_date": pa.array(
                [
                    dt.datetime(2019, 4, 30, 23, 30, tzinfo=utc),
                    dt.datetime(2014, 12, 31, 23, 30, tzinfo=utc),
                ],
                pa.timestamp("us", tz="UTC"),
            ),
            "offence": ["Poss", "Poss"],
            "ho_code": ["92E", "92E"],
            "text": ["on Facebook", "on Twitter"],
        }
    )
    pq.write_table(table, tmp_path / "z.parquet")
    request = write_request(tmp_path, [("z.parquet", "Z")], rows='["platform"]')
    outputs = set()
    for zone in ("UTC", "Europe/London", "Asia/Tokyo", "America/New_York"):
        env = dict(os.environ, TZ=zone)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "foidesk",
                "answer",
                str(request),
                "--out",
                str(tmp_path / zone.replace("/", "-")),
                "--format",
                "csv",
                "--quiet",
            ],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        outputs.add(proc.stdout)
    assert len(outputs) == 1
    assert "platform,Facebook,0,0,0,0,1,1" in outputs.pop()


def test_a_file_holding_two_systems_is_refused(tmp_path: Path) -> None:
    columns = ["crime_ref", "recorded_date", "offence", "ho_code", "system", "text_mo"]
    rows = [
        {
            "crime_ref": "M1",
            "recorded_date": "2018-06-01",
            "offence": "P",
            "ho_code": "92E",
            "system": "Athena",
            "text_mo": "x",
        },
        {
            "crime_ref": "M1",
            "recorded_date": "2018-03-01",
            "offence": "P",
            "ho_code": "92E",
            "system": "Legacy",
            "text_mo": "on facebook",
        },
    ]
    write_extract(tmp_path / "all.csv", rows, columns)
    request = write_request(tmp_path, [("all.csv", "All")])
    proc = run_cli("answer", request, "--out", tmp_path / "case")
    assert proc.returncode == 2
    assert "all.csv: holds records of 2 systems (Athena, Legacy)" in proc.stderr


def test_two_sources_of_one_system_give_one_coverage_block(tmp_path: Path) -> None:
    write_extract(tmp_path / "a.csv", [crime("S1", "2016-01-01", "on Facebook")])
    write_extract(
        tmp_path / "b.csv",
        [crime("S1", "2016-01-01", "on Facebook"), crime("S2", "2016-01-01", "x")],
    )
    request = write_request(tmp_path, [("a.csv", "Legacy"), ("b.csv", "Legacy")])
    run_cli("answer", request, "--out", tmp_path / "case", "--quiet")
    coverage = (tmp_path / "case" / "public" / "coverage.csv").read_text().splitlines()
    assert [line for line in coverage if line.startswith('"Legacy",Total')] == [
        '"Legacy",Total,2,1'
    ]
    method = (tmp_path / "case" / "public" / "method.md").read_text()
    assert "held on more than one system" not in method


def test_empty_offences_are_refused(tmp_path: Path) -> None:
    write_extract(tmp_path / "a.csv", [crime("A1", "2016-01-01", "x")])
    request = write_request(tmp_path, [("a.csv", "A")], offences="[]")
    proc = run_cli("answer", request, "--out", tmp_path / "case")
    assert proc.returncode == 2 and "population.offences" in proc.stderr


def test_jsonl_bad_byte_costs_one_line(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {"crime_ref": f"J{i}", "recorded_date": "2018-01-01", "offence": "P", "text": "x"}
        ).encode()
        for i in range(3000)
    ]
    lines[1499] = lines[1499].replace(b'"x"', b'"\xff"')
    (tmp_path / "j.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    proc = run_cli("ingest", tmp_path / "j.jsonl", "--system", "S", "--out", tmp_path / "snap")
    assert proc.returncode == 0, proc.stderr
    source = json.loads((tmp_path / "snap" / "manifest.json").read_text())["sources"][0]
    assert (source["rows_read"], source["rows_loaded"], source["rows_quarantined"]) == (
        3000,
        2999,
        1,
    )
    assert "j.jsonl,1500,bytes that are not valid UTF-8" in (
        (tmp_path / "snap" / "quarantine.csv").read_text()
    )


def test_unterminated_quote_is_quarantined_not_loaded_as_text(tmp_path: Path) -> None:
    """The record with the unclosed quote is quarantined alone (issue 11.2): the line after it
    is not swallowed into its text but read as the record it is."""
    path = tmp_path / "x.csv"
    path.write_text(
        HEADER
        + "A,2018-01-01,Poss,92E,,,fine\n"
        + 'B,2018-01-01,Poss,92E,,,"unterminated\n'
        + "C,2018-01-01,Poss,92E,,,not swallowed\n"
    )
    proc = run_cli("ingest", path, "--system", "S", "--out", tmp_path / "snap")
    assert proc.returncode == 0, proc.stderr
    crimes = pq.read_table(tmp_path / "snap" / "crimes.parquet").to_pylist()
    assert [(c["crime_ref"], c["text_mo"]) for c in crimes] == [
        ("A", "fine"),
        ("C", "not swallowed"),
    ]
    quarantine = (tmp_path / "snap" / "quarantine.csv").read_text()
    assert (
        "x.csv,3,a quote opened here is never closed (the file ends inside it); "
        "reading resumes at line 4"
    ) in quarantine.replace('"', "")


def test_replace_only_replaces_snapshots(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "l1.csv").write_text(HEADER + "A,2018-01-01,Poss,92E,,,x\n")
    (data / "other-work.txt").write_text("keep me")
    proc = run_cli("ingest", data / "l1.csv", "--system", "S", "--out", data, "--replace")
    assert proc.returncode == 2 and "is not a snapshot folder" in proc.stderr
    assert sorted(p.name for p in data.iterdir()) == ["l1.csv", "other-work.txt"]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("request-dir", "is a folder; give the request file"),
        ("snapshot-format-on-file", "is a file, not format 'snapshot'"),
        ("out-is-file", "is a file, not a folder for the case"),
        ("out-unwritable", "foidesk: error: "),
    ],
)
def test_user_errors_are_one_line(tmp_path: Path, setup: str, expected: str) -> None:
    write_extract(tmp_path / "a.csv", [crime("A1", "2016-01-01", "x")])
    request = write_request(tmp_path, [("a.csv", "A")])
    out: Path = tmp_path / "case"
    if setup == "request-dir":
        request = tmp_path
    elif setup == "snapshot-format-on-file":
        request.write_text(
            request.read_text().replace('system = "A"', 'system = "A"\nformat = "snapshot"')
        )
    elif setup == "out-is-file":
        out.write_text("not a folder")
    else:
        out = Path("/proc/foidesk-cannot-write-here")
    proc = run_cli("answer", request, "--out", out)
    assert proc.returncode == 2
    assert expected in proc.stderr and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr


def test_match_bad_bytes_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "b.jsonl").write_bytes(b'{"id": 1, "text": "caf\xe9"}\n')
    proc = run_cli("match", tmp_path / "b.jsonl")
    assert proc.returncode == 2 and "b.jsonl: line 1: not UTF-8" in proc.stderr
    (tmp_path / "c.csv").write_bytes(b"id,text\n1,caf\xe9\n")
    proc = run_cli("match", tmp_path / "c.csv")
    assert proc.returncode == 2 and "c.csv" in proc.stderr and "Traceback" not in proc.stderr


def test_jsonl_bad_byte_on_the_first_line_is_quarantined(tmp_path: Path) -> None:
    good = json.dumps(
        {"crime_ref": "J2", "recorded_date": "2018-01-01", "offence": "P", "text": "x"}
    ).encode()
    data = b'{"crime_ref": "J1", "text": "caf\xe9"}\n' + good + b"\n"
    (tmp_path / "j.jsonl").write_bytes(data)
    proc = run_cli("ingest", tmp_path / "j.jsonl", "--system", "S", "--out", tmp_path / "snap")
    assert proc.returncode == 0, proc.stderr
    source = json.loads((tmp_path / "snap" / "manifest.json").read_text())["sources"][0]
    assert (source["rows_read"], source["rows_loaded"], source["rows_quarantined"]) == (2, 1, 1)


def test_only_the_last_copy_within_a_source_is_searched(tmp_path: Path) -> None:
    write_extract(
        tmp_path / "a.csv",
        [crime("D1", "2018-03-01", "on Facebook"), crime("D1", "2018-03-01", "nothing")],
    )
    request = write_request(tmp_path, [("a.csv", "A")])
    proc = run_cli("answer", request, "--out", tmp_path / "case", "--format", "csv", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "total,,,,0,0,0,0,0,0"
