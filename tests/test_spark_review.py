"""An outsider's review of the Spark engine that reads raw Parquet on the executors (issue 20):
cases where its answer or refusal could differ from the embedded engine's.

Both engines answer the same request and must agree (``tests/helpers.py``): three raw and
snapshot sources with copies of a crime within one file and across sources, each ``prefer``,
financial years and the whole window, columns in other letter case or with spaces and dots in
their names, extra and missing optional columns, typed dates and timestamps, an empty file, and
refusals naming a bad row in a later row group. Spark runs with a tiny driver result size,
three partitions, 4 KB input splits and Arrow batches of 3 records, as in
``tests/test_spark_sources.py``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import foidesk
from foidesk.engines.duckdb.engine import DuckDBEngine
from foidesk.errors import FoideskError
from tests.conftest import crime, write_extract, write_request
from tests.helpers import SPARK_SMALL, answer_with_both, assert_same_answer

pytest.importorskip("pyspark", reason="PySpark is not installed (pip install 'foidesk[spark]')")
if shutil.which("java") is None:
    pytest.skip("no Java runtime for Spark (Debian: default-jre-headless)", allow_module_level=True)

from foidesk.engines.spark.engine import SparkEngine

SMALL = SPARK_SMALL
DRUG = "(B) STATE BASED: DRUGS - CLASS B CANNABIS - POSSESSION OF A CONTROLLED DRUG"


def _spark() -> SparkEngine:
    return SparkEngine(master="local[2]", conf=SMALL)


def _request(
    folder: Path,
    sources: list[tuple[str, str]],
    *,
    prefer: str = "later",
    columns: str = "year",
    offences: str = '["drugs"]',
    dq: dict[str, str] | None = None,
) -> Path:
    """``write_request`` with ``population.prefer`` and each system's ``data_quality_from``."""
    path = write_request(folder, sources, columns=columns, offences=offences)
    text = path.read_text(encoding="utf-8")
    text = text.replace("[population]\n", f'[population]\nprefer = "{prefer}"\n', 1)
    for system, day in (dq or {}).items():
        text = text.replace(
            f'system = "{system}"\n', f'system = "{system}"\ndata_quality_from = {day}\n'
        )
    path.write_text(text, encoding="utf-8")
    return path


def _refusal(request: Path, engine: object) -> str:
    """The one-line refusal of ``request`` by ``engine``."""
    with pytest.raises(FoideskError) as caught:
        foidesk.answer(request, engine=engine)
    return str(caught.value)


def _three_sources(folder: Path) -> list[tuple[str, str]]:
    """Legacy (a raw Parquet extract: headers in other letter case and padded, extra columns
    with dots and spaces, no status, outcome or ho_outcome, typed dates, several row groups,
    crimes held twice in the file), Athena (a snapshot with notes, made by foidesk ingest) and
    Niche (a raw Parquet extract: timestamps without a zone, a system column, an integer text
    column), with crimes held by two and three systems."""
    from foidesk.ingest.mapping import parse_mapping
    from foidesk.ingest.snapshot import ingest

    legacy = [
        # (ref, date, code, text)
        ("L1", dt.date(2018, 3, 31), "92E", "seen on Facebook"),  # financial year 2017
        ("L2", dt.date(2018, 4, 1), "92E", "via Snapchat"),  # financial year 2018
        ("L3", dt.date(2018, 5, 1), "92E", "on Instagram"),  # in scope, then
        ("L4", dt.date(2014, 2, 1), "92E", "old Facebook"),  # out of the window, then
        ("L5", dt.date(2018, 7, 1), "8N", "on Facebook"),  # not a drug crime
        ("M1", dt.date(2018, 8, 1), "92e ", "messaged on Twitter"),  # three systems
        ("W1", dt.date(2014, 5, 1), "92E", "old Facebook"),  # out of the window here
        ("L3", dt.date(2014, 1, 1), "92E", "on TikTok"),  # ... its last copy out of scope
        ("L4", dt.date(2018, 6, 1), "92E", "WhatsApp group"),  # ... its last copy in scope
        ("L6", dt.date(1200, 1, 1), "92E", "on Facebook"),  # before the Gregorian calendar
    ]
    pq.write_table(
        pa.table(
            {
                " Crime_Ref ": [r[0] for r in legacy],
                "RECORDED_DATE": pa.array([r[1] for r in legacy], pa.date32()),
                "Offence": [DRUG] * len(legacy),
                "HO_Code": [r[2] for r in legacy],
                "Text_MO": [r[3] for r in legacy],
                "text_summary": [""] * len(legacy),
                "Force.Area": ["North"] * len(legacy),
                "officer id": list(range(len(legacy))),
            }
        ),
        folder / "legacy.parquet",
        row_group_size=3,
    )
    write_extract(
        folder / "athena.csv",
        [
            crime("M1", "2018-08-02", "nothing"),
            crime("W1", "2018-09-01", "TikTok video"),
            crime("X1", "2018-10-01", "on Instagram", status="cancelled"),
            crime("A1", "2019-01-15", "nothing"),
        ],
    )
    (folder / "log.csv").write_text(
        "Occ,No,Text\nM1,1,shown Snapchat messages\nA1,1,WhatsApp group\nA1,2,nothing\n",
        encoding="utf-8",
    )
    mapping = parse_mapping(
        b'[notes]\n[notes.columns]\ncrime_ref = "Occ"\nentry = "No"\ntext = "Text"\n', "n.toml"
    )
    ingest(
        [str(folder / "athena.csv")],
        folder / "athena",
        mapping,
        system="Athena",
        notes=[str(folder / "log.csv")],
    )
    niche = [
        # (ref, timestamp, status, text, outcome, ho_outcome)
        ("M1", dt.datetime(2018, 8, 3, 10), "Recorded", "on Facebook", "CAUTION", "3"),
        ("X1", dt.datetime(2018, 10, 2, 9), "", "via Twitter", "CAUTION", "3"),
        ("N1", dt.datetime(2019, 3, 31, 23), "", "Snap chat", "CHARGED", "1"),
        ("N2", dt.datetime(2017, 1, 1), "RECORDED", "WhatsApp", "CHARGED", "1"),
        ("N3", dt.datetime(2017, 2, 1), "transferred", "on Instagram", "CHARGED", "1"),
        ("N4", dt.datetime(1000, 1, 1), "", "on Facebook", "CHARGED", "1"),  # the first day
    ]
    pq.write_table(
        pa.table(
            {
                "crime_ref": [r[0] for r in niche],
                "recorded_date": pa.array([r[1] for r in niche], pa.timestamp("us")),
                "offence": [DRUG] * len(niche),
                "ho_code": ["92E"] * len(niche),
                "status": [r[2] for r in niche],
                "outcome": [r[4] for r in niche],
                "ho_outcome": [r[5] for r in niche],
                "system": ["Niche"] * len(niche),
                "text": [r[3] for r in niche],
                "text_ref_no": pa.array(range(len(niche)), pa.int64()),
            }
        ),
        folder / "niche.parquet",
        row_group_size=2,
    )
    return [("legacy.parquet", "Legacy"), ("athena", "Athena"), ("niche.parquet", "Niche")]


@pytest.mark.parametrize(
    ("prefer", "columns", "offences"),
    [("Legacy", "financial_year", '["drugs"]'), ("earlier", "window", '"all"')],
)
def test_raw_parquet_snapshot_and_copies_give_the_embedded_answer(
    tmp_path: Path, prefer: str, columns: str, offences: str
) -> None:
    """Copies of a crime within one Parquet file (the last wins, even out of scope) and across
    a raw extract, a snapshot with notes and another raw extract, under a named system and
    ``earlier``; financial years and the whole window; a missing status, outcome and
    ho_outcome; an empty Parquet extract among the sources (for all offences); the evidence
    through a shared folder URI."""
    sources = _three_sources(tmp_path)
    if offences == '"all"':
        empty = pa.table(
            {"crime_ref": pa.array([], pa.string()), "recorded_date": pa.array([], pa.string())}
            | {"offence": pa.array([], pa.string()), "text": pa.array([], pa.string())}
        )
        pq.write_table(empty, tmp_path / "empty.parquet")
        sources.append(("empty.parquet", "Empty"))
    request = _request(
        tmp_path,
        sources,
        prefer=prefer,
        columns=columns,
        offences=offences,
        dq={"Niche": "2018-01-01"},
    )
    # under earlier, the evidence goes through a shared folder URI (``work``)
    shared = tmp_path / "shared"
    shared.mkdir()
    work = shared.as_uri() if prefer == "earlier" else None
    engine = SparkEngine(master="local[2]", conf=SMALL, work=work)
    duck, spark = answer_with_both(request, tmp_path, engine)
    assert_same_answer(duck, spark)
    assert list(shared.iterdir()) == []
    d = duck[0]
    counts = d.audit["counts"]
    evidence = {(e["crime_ref"], e["system"], e["field"], e["text"]) for e in duck[1].to_pylist()}
    # only the last copy in a file is searched: L4's earlier text is not, L3 is not counted
    assert ("L4", "Legacy", "text_mo", "WhatsApp") in evidence
    assert not any(e[0] == "L3" for e in evidence)
    assert ("M1", "Athena", "note 1", "Snapchat") in evidence  # the snapshot's notes
    # X1: Athena's copy (cancelled) wins under earlier; Niche's (the later source) under Legacy
    excluded = 1 if prefer == "earlier" else 0
    overlaps = {"Athena and Legacy and Niche": 1} | ({} if excluded else {"Athena and Niche": 1})
    assert d.audit["overlaps"] == overlaps  # M1, and X1 when it counts
    assert counts["excluded_cancelled"] == excluded
    assert counts["excluded_transferred"] == 1  # N3
    # W1: Legacy's copy, out of the window, wins under Legacy and earlier: not in population
    assert not any(e[0] == "W1" for e in evidence)


def _bad_rows_file(path: Path) -> None:
    """30 rows in row groups of 4: an out-of-range date in row 10, an unknown status in row 5
    and empty offences in rows 23 and 27 (1-based): the offence check comes first."""
    rows = [crime(f"R{i:02}", "2018-06-01", "on Facebook") for i in range(30)]
    rows[4]["status"] = "maybe"
    rows[9]["recorded_date"] = "2099-01-01"
    rows[22]["offence"] = "  "
    rows[26]["offence"] = ""
    names = list(rows[0])
    pq.write_table(pa.table({n: [r[n] for r in rows] for n in names}), path, row_group_size=4)


def test_a_bad_row_in_a_later_row_group_is_named_as_the_embedded_engine_names_it(
    tmp_path: Path,
) -> None:
    """The first row of the first check that fails, counted over every row group and split,
    in the first source that has one (a later source's bad row is not the one named)."""
    _bad_rows_file(tmp_path / "bad.parquet")
    rows = [crime("Q1", "2018-06-01", "x"), crime("", "2018-06-01", "x")]
    pq.write_table(pa.table({n: [r[n] for r in rows] for n in rows[0]}), tmp_path / "later.parquet")
    request = _request(tmp_path, [("bad.parquet", "Bad"), ("later.parquet", "Second")])
    embedded = _refusal(request, DuckDBEngine())
    assert embedded.endswith("bad.parquet: row 23: offence is empty (2 rows have this problem)"), (
        embedded
    )
    assert _refusal(request, _spark()) == embedded


def _extract(**columns: pa.Array | list[object]) -> pa.Table:
    """Two crimes in scope with a mention, and ``columns`` added or replacing the defaults."""
    base: dict[str, pa.Array | list[object]] = {
        "crime_ref": ["E1", "E2"],
        "recorded_date": ["2018-06-01", "2018-07-01"],
        "offence": [DRUG, DRUG],
        "ho_code": ["92E", "92E"],
        "text_mo": ["on Facebook", "via Snapchat"],
    }
    return pa.table(base | columns)


def test_no_mention_at_all_through_a_shared_folder(tmp_path: Path) -> None:
    """No text mentions a platform: the evidence Spark writes is empty, and is read back
    through the shared folder URI as an empty table (the embedded engine's answer)."""
    pq.write_table(_extract(text_mo=["nothing", "nothing here"]), tmp_path / "x.parquet")
    request = _request(tmp_path, [("x.parquet", "Athena")])
    shared = tmp_path / "shared"
    shared.mkdir()
    engine = SparkEngine(master="local[2]", conf=SMALL, work=shared.as_uri())
    duck, spark = answer_with_both(request, tmp_path, engine)
    assert_same_answer(duck, spark)
    assert duck[1].num_rows == 0 and duck[0].audit["counts"]["population"] == 2


# ---------------------------------------------------------------------------------------------
# Differences the review found, each mended in the engine since


@pytest.mark.parametrize(
    "table",
    [
        # pandas writes datetime64[ns]; pyarrow keeps nanoseconds in Parquet (format 2.6)
        _extract(
            recorded_date=pa.array(
                [dt.datetime(2018, 6, 1, 10), dt.datetime(2018, 7, 1)], pa.timestamp("ns")
            )
        ),
        _extract(
            recorded_date=pa.array(
                [dt.datetime(2018, 6, 1, 10), dt.datetime(2018, 7, 1)], pa.timestamp("ns", "UTC")
            )
        ),
        # an extra column the answer never reads: the time of day apart from the date
        _extract(recorded_time=pa.array([dt.time(10, 0), dt.time(11, 30)], pa.time64("us"))),
    ],
    ids=["timestamp-ns", "timestamp-ns-utc", "time-column"],
)
def test_a_parquet_extract_the_embedded_engine_reads_is_read_by_spark(
    tmp_path: Path, table: pa.Table
) -> None:
    pq.write_table(table, tmp_path / "x.parquet")
    request = _request(tmp_path, [("x.parquet", "Athena")])
    duck, spark = answer_with_both(request, tmp_path, _spark())
    assert_same_answer(duck, spark)


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_a_text_column_with_a_dot_in_its_name(tmp_path: Path, kind: str) -> None:
    """``text_mo.2`` is a text field (its name starts with ``text_``): Spark's ``select`` of
    the name unquoted reads the dot as a struct field."""
    if kind == "parquet":
        table = _extract()
        table = table.rename_columns([*table.column_names[:-1], "text_mo.2"])
        pq.write_table(table, tmp_path / "x.parquet")
    else:
        rows = [crime("E1", "2018-06-01", "on Facebook"), crime("E2", "2018-07-01", "Snapchat")]
        for row in rows:
            row["text_mo.2"] = row.pop("text_mo")
        write_extract(tmp_path / "x.csv", rows, list(rows[0]))
    request = _request(tmp_path, [(f"x.{kind}", "Athena")])
    duck, spark = answer_with_both(request, tmp_path, _spark())
    assert_same_answer(duck, spark)
    assert {e["field"] for e in duck[1].to_pylist()} == {"text_mo.2"}


def test_a_text_column_of_bytes_gives_the_same_evidence(tmp_path: Path) -> None:
    """A text column written as Parquet BYTE_ARRAY without the UTF-8 annotation (binary): the
    embedded engine reads it as a BLOB cast to VARCHAR (non-ASCII bytes as \\xNN escapes),
    Spark casts it to a string as UTF-8."""
    texts = ["Café meeting arranged on Facebook – café", "via Snapchat"]
    table = _extract(text_mo=pa.array([t.encode() for t in texts], pa.binary()))
    pq.write_table(table, tmp_path / "x.parquet")
    request = _request(tmp_path, [("x.parquet", "Athena")])
    duck, spark = answer_with_both(request, tmp_path, _spark())
    shown = ["crime_ref", "text", "start", "before", "after"]
    assert spark[1].select(shown).to_pylist() == duck[1].select(shown).to_pylist()
    assert_same_answer(duck, spark)


def _two_systems(path: Path) -> None:
    table = _extract(system=["Athena", "Legacy"])
    pq.write_table(table, path)


def test_an_out_of_range_zoned_timestamp_is_shown_in_utc_on_workers_in_local_time(
    tmp_path: Path,
) -> None:
    """The executors' DuckDB keeps the machine's time zone (a UK force's servers: Europe/London),
    where the embedded engine sets UTC: the value as written in the refusal differs."""
    when = pa.array(
        [dt.datetime(2018, 6, 1, tzinfo=dt.UTC), dt.datetime(2099, 7, 1, tzinfo=dt.UTC)],
        pa.timestamp("us", "UTC"),
    )
    pq.write_table(_extract(recorded_date=when), tmp_path / "x.parquet")
    request = _request(tmp_path, [("x.parquet", "Athena")])
    embedded = _refusal(request, DuckDBEngine())
    assert "row 2: recorded_date '2099-07-01 00:00:00+00' is out of range" in embedded, embedded
    london = SparkEngine(master="local[2]", conf=SMALL | {"spark.executorEnv.TZ": "Europe/London"})
    assert _refusal(request, london) == embedded


def test_the_population_s_copies_do_not_pass_through_the_driver(tmp_path: Path) -> None:
    """Issue 20: no record-level collect of the population. The copies of a population of
    60,000 crimes (random references) are broadcast, i.e. collected to the driver first, which
    a 2 MB ``spark.driver.maxResultSize`` shows."""
    import uuid

    n = 60_000
    refs = [uuid.uuid4().hex for _ in range(n)]
    table = pa.table(
        {
            "crime_ref": refs,
            "recorded_date": ["2018-06-01"] * n,
            "offence": [DRUG] * n,
            "ho_code": ["92E"] * n,
            "text_mo": ["x"] * (n - 1) + ["on Facebook"],
        }
    )
    pq.write_table(table, tmp_path / "x.parquet")
    request = _request(tmp_path, [("x.parquet", "Athena")])
    duck, spark = answer_with_both(request, tmp_path, _spark())
    assert_same_answer(duck, spark)


def test_a_label_holding_a_crime_reference_is_refused_naming_its_row(tmp_path: Path) -> None:
    """An outcome label that holds a crime reference refuses the answer naming where the
    label is; the embedded engine gives the row, Spark says to run the embedded engine for it,
    though for a raw Parquet extract it holds the row's position (``record_no``)."""
    table = _extract(outcome=["CAUTION", "Charged - see EX001"], ho_outcome=["3", "1"])
    table = table.set_column(0, "crime_ref", pa.array(["EX001", "EX002"]))
    pq.write_table(table, tmp_path / "x.parquet")
    request = _request(tmp_path, [("x.parquet", "Athena")])
    embedded = _refusal(request, DuckDBEngine())
    assert "x.parquet: row 2: outcome label 'Charged - see EX001' holds" in embedded, embedded
    assert _refusal(request, _spark()) == embedded
