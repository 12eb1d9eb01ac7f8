"""Issue 11, items 4 and 6: one rule for crime references' invisible ends and one range of
recorded dates, the same on every path (ingest, the embedded engine's direct read, Spark).

References: ``record.REF_TRIM`` (spaces, separators, control and format characters, the other
default-ignorable ones) is removed from both ends by ``record.trim_ref`` in Python and by
``sources._trim_ref`` in SQL; Hypothesis checks that the two agree. Dates: from 1000-01-01 to
the day of the run (``record.run_day``, fixed here with ``FOIDESK_TODAY``)."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import sys
import unicodedata
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foidesk.casework.request import _INVISIBLE
from foidesk.engines.duckdb.sources import _trim_ref
from foidesk.errors import FoideskError, SourceError
from foidesk.ingest.canonicalize import Canonicalizer, NotesCanonicalizer
from foidesk.ingest.mapping import load_mapping, parse_mapping
from foidesk.ingest.record import (
    REF_TRIM,
    REF_TRIM_RANGES,
    TODAY_VARIABLE,
    WHITESPACE,
    run_day,
    trim_ref,
)
from foidesk.ingest.snapshot import ingest
from tests.conftest import crime, write_extract, write_request
from tests.helpers import answer_case

CON = duckdb.connect()
TODAY = "2019-05-01"  # the day of the run in these tests
CATEGORIES = {"Zs", "Zl", "Zp", "Cc", "Cf"}
# characters around the edges of the set and others that look blank but are not in it
NEAR = "Z1a/-~!é\u0301\u2800\u00ac\u00ae\u034e\u0350\u1161\u200a\u2010\u2027\u2030\u3001"


def _sql(expr: str, value: str | None) -> object:
    return CON.execute(f"SELECT {expr} FROM (SELECT ?::VARCHAR AS v)", [value]).fetchall()[0][0]


# -------------------------------------------------------------------- the character set


def test_the_set_is_the_categories_and_the_other_invisible_characters() -> None:
    """Every listed character is Zs, Zl, Zp, Cc or Cf, or one of the default-ignorable
    characters a name may not hold; on Unicode 14.0 (Python 3.11) every character of those
    categories is listed (a newer Python may know more: then this test says which)."""
    assert list(REF_TRIM_RANGES) == sorted(REF_TRIM_RANGES)
    assert len(set(REF_TRIM)) == len(REF_TRIM) == 514
    for ch in REF_TRIM:
        assert unicodedata.category(ch) in CATEGORIES or ord(ch) in _INVISIBLE, hex(ord(ch))
    assert {chr(c) for c in _INVISIBLE} <= set(REF_TRIM)
    listed = set(REF_TRIM)
    missing = [
        f"U+{c:04X}"
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) in CATEGORIES and chr(c) not in listed
    ]
    assert not missing, f"Unicode {unicodedata.unidata_version} has more: {missing}"


def test_the_set_holds_every_whitespace_trimmed_before() -> None:
    """What ingest and the direct read trimmed from references before (ASCII whitespace), and
    what Python's str.strip() takes (notes' references), are all removed still."""
    assert set(WHITESPACE) <= set(REF_TRIM)
    assert {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()} <= set(REF_TRIM)


_REFS = st.text(
    alphabet=st.one_of(
        st.sampled_from(REF_TRIM),
        st.sampled_from(NEAR),
        st.characters(exclude_categories=("Cs",)),
    ),
    max_size=8,
)


@settings(max_examples=500, deadline=None)
@given(_REFS)
def test_python_and_sql_remove_the_same_characters(value: str) -> None:
    """ingest (``trim_ref``) and the direct read (``_trim_ref``, fast path and regular
    expression) give the same reference for any value."""
    assert trim_ref(value) == value.strip(REF_TRIM)
    assert _sql(_trim_ref("v"), value) == trim_ref(value)


@pytest.mark.parametrize(
    "value",
    [
        "Z1",
        "Z1\u200b",
        "Z1\u00a0",
        "\ufeffZ1",
        "\u2060\u202eZ1\u2066\u3164",
        "\x00Z1\x85",
        "Z1\ufe0f\U000e0100",
        " \tZ1\r\n",
    ],
)
def test_invisible_ends_are_removed(value: str) -> None:
    assert trim_ref(value) == "Z1"
    assert _sql(_trim_ref("v"), value) == "Z1"


@pytest.mark.parametrize("value", ["Z\u200b1", "Z\u00a01", "Z 1", "\u00e9Z1\u0301", "Z1\u2800"])
def test_nothing_inside_or_visible_is_removed(value: str) -> None:
    assert trim_ref(value) == value
    assert _sql(_trim_ref("v"), value) == value


@pytest.mark.parametrize("value", ["", "\u200b", "\u00a0", "\ufeff", "\u200b\ufeff \u3000"])
def test_a_reference_of_invisible_characters_only_is_empty(value: str) -> None:
    assert trim_ref(value) == ""
    assert _sql(f"nullif({_trim_ref('v')}, '')", value) is None


# ------------------------------------------------------------------------ references


def _invisible_rows() -> list[dict[str, str]]:
    return [
        crime("Z1", "2018-03-01", "Seen on Facebook"),
        crime("Z1\u200b", "2018-03-01", "Seen on Facebook"),
        crime("Z1\u00a0", "2018-03-01", "Seen on Facebook"),
        crime("\ufeffZ1", "2018-03-01", "Seen on Facebook"),
        crime("Z2", "2018-03-02", "nothing"),
    ]


@pytest.mark.parametrize("kind", ["csv", "parquet", "snapshot"])
def test_the_direct_read_and_a_snapshot_count_one_crime(tmp_path: Path, kind: str) -> None:
    """Z1 with a zero-width space, a no-break space or a BOM is the crime Z1, read directly
    (CSV, Parquet) or from a snapshot: one crime, four copies in one system."""
    csv_path = write_extract(tmp_path / "a.csv", _invisible_rows())
    name = "a.csv"
    if kind == "parquet":
        rows = _invisible_rows()
        pq.write_table(pa.Table.from_pylist(rows), tmp_path / "a.parquet")
        name = "a.parquet"
    elif kind == "snapshot":
        ingest([str(csv_path)], tmp_path / "snap", load_mapping(None), system="A")
        name = "snap"
    request = write_request(tmp_path, [(name, "A")])
    result = answer_case(request, tmp_path / "case")
    assert result.table.grand_total.total == 1
    assert result.audit["counts"]["population"] == 2


def test_the_direct_read_refuses_a_reference_of_invisible_characters(tmp_path: Path) -> None:
    write_extract(
        tmp_path / "a.csv",
        [crime("Z1", "2018-03-01", "on Facebook"), crime("\u200b\u00a0", "2018-03-01", "x")],
    )
    request = write_request(tmp_path, [("a.csv", "A")])
    with pytest.raises(SourceError, match=r"a\.csv: line 3: crime_ref is empty"):
        answer_case(request, tmp_path / "case")


def test_notes_references_are_trimmed_as_the_crimes_are() -> None:
    canon = NotesCanonicalizer({}, ["crime_ref", "text"], "notes.csv")
    row, problem = canon(["\ufeffZ1\u200b", "a note"])
    assert problem is None and row is not None and row["crime_ref"] == "Z1"
    assert canon(["\u200b", "a note"]) == (None, "note's crime_ref is empty")


# ----------------------------------------------------------------------------- dates


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    monkeypatch.setenv(TODAY_VARIABLE, TODAY)
    return dt.date.fromisoformat(TODAY)


def test_the_day_of_the_run_is_today_in_utc_unless_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TODAY_VARIABLE, raising=False)
    assert run_day() in {
        dt.datetime.now(dt.UTC).date(),
        (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)).date(),
    }
    monkeypatch.setenv(TODAY_VARIABLE, "2019-05-01")
    assert run_day() == dt.date(2019, 5, 1)
    monkeypatch.setenv(TODAY_VARIABLE, "01/05/2019")
    with pytest.raises(FoideskError, match="FOIDESK_TODAY='01/05/2019' is not a date"):
        run_day()


def _canonical(mapping_text: str | None, value: object) -> tuple[object, str | None]:
    mapping = parse_mapping(mapping_text.encode(), "m.toml") if mapping_text else None
    columns = ["crime_ref", "recorded_date", "offence", "text"]
    canon = Canonicalizer(mapping or load_mapping(None), columns, "a.csv")
    row, problem = canon(["R1", value, "Possession of cannabis", "x"])
    return (row["recorded_date"] if row else None), problem


@pytest.mark.parametrize(
    ("mapping", "value", "loaded"),
    [
        (None, "1000-01-01", dt.date(1000, 1, 1)),
        (None, "01/01/1000", dt.date(1000, 1, 1)),
        (None, "0999-12-31", None),
        (None, "0219-05-01", None),
        (None, "2019-05-01", dt.date(2019, 5, 1)),
        (None, "2019-05-01 23:59:59", dt.date(2019, 5, 1)),
        (None, "02/05/2019", None),
        (None, dt.date(219, 5, 1), None),  # a date cell (XLSX, Parquet)
        (None, dt.date(2019, 5, 2), None),
        (None, dt.datetime(2019, 5, 1, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-2))), None),
        (
            None,
            dt.datetime(2019, 5, 2, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            dt.date(2019, 5, 1),
        ),
        ('date_formats = ["%d.%m.%Y"]', "01.05.0219", None),
        ('date_formats = ["%d.%m.%Y"]', "02.05.2019", None),
        ('date_formats = ["%d.%m.%Y"]', "01.05.2019", dt.date(2019, 5, 1)),
        ('date_formats = ["%Y-%m-%dT%H:%M:%S%z"]', "2019-05-01T23:30:00-01:00", None),
        (
            'date_formats = ["%Y-%m-%dT%H:%M:%S%z"]',
            "2019-05-02T00:30:00+01:00",
            dt.date(2019, 5, 1),
        ),
    ],
)
def test_ingest_keeps_dates_from_1000_to_the_day_of_the_run(
    today: dt.date, mapping: str | None, value: object, loaded: dt.date | None
) -> None:
    """The standard formats, a mapping's own formats, date cells and zoned times (by their
    date in UTC) share one range; a date outside it is quarantined saying so."""
    got, problem = _canonical(mapping, value)
    assert got == loaded
    if loaded is None:
        assert problem is not None and "is out of range" in problem and TODAY in problem


def test_ingest_quarantines_dates_after_the_day_of_the_run(tmp_path: Path, today: dt.date) -> None:
    path = write_extract(
        tmp_path / "a.csv",
        [crime("D1", "2019-05-01", "x"), crime("D2", "2019-05-02", "x"), crime("D3", "02/05/2019")],
    )
    result = ingest([str(path)], tmp_path / "snap", load_mapping(None), system="A")
    source = result.manifest["sources"][0]
    assert (source["rows_loaded"], source["rows_quarantined"]) == (1, 2)
    with (tmp_path / "snap" / "quarantine.csv").open(encoding="utf-8", newline="") as f:
        reasons = {row["line"]: row["reason"] for row in csv.DictReader(f)}
    why = "is out of range (dates run from 1000-01-01 to the day of the run, 2019-05-01)"
    assert reasons == {
        "3": f"recorded_date '2019-05-02' {why}",
        "4": f"recorded_date '02/05/2019' {why}",
    }


@pytest.mark.parametrize("value", ["2019-05-02", "02/05/2019", "2019-05-02T00:00:00Z"])
def test_the_direct_read_refuses_a_date_after_the_day_of_the_run(
    tmp_path: Path, today: dt.date, value: str
) -> None:
    write_extract(
        tmp_path / "a.csv", [crime("D1", "2019-05-01", "on Facebook"), crime("D2", value)]
    )
    request = write_request(tmp_path, [("a.csv", "A")])
    with pytest.raises(SourceError) as refused:
        answer_case(request, tmp_path / "case")
    assert str(refused.value) == (
        f"{tmp_path / 'a.csv'}: line 3: recorded_date {value!r} is out of range "
        "(dates run from 1000-01-01 to the day of the run, 2019-05-01)"
    )


def test_the_direct_read_takes_the_day_of_the_run(tmp_path: Path, today: dt.date) -> None:
    write_extract(tmp_path / "a.csv", [crime("D1", "2019-04-30 23:59", "on Facebook")])
    request = write_request(tmp_path, [("a.csv", "A")])
    assert answer_case(request, tmp_path / "case").table.grand_total.total == 1


def test_the_direct_read_still_refuses_a_text_year_before_1000(tmp_path: Path) -> None:
    write_extract(tmp_path / "a.csv", [crime("D1", "2018-05-01", "x"), crime("D2", "0219-05-01")])
    request = write_request(tmp_path, [("a.csv", "A")])
    with pytest.raises(SourceError, match=r"line 3: recorded_date '0219-05-01' is not a date"):
        answer_case(request, tmp_path / "case")


MINUS_ONE = dt.timezone(dt.timedelta(hours=-1))


@pytest.mark.parametrize(
    "column",
    [
        pa.array([dt.date(2018, 5, 1), dt.date(219, 5, 1)]),
        pa.array([dt.date(2018, 5, 1), dt.date(2019, 5, 2)]),
        pa.array(  # 23:30 at UTC-1 on the day of the run is the next day in UTC
            [
                dt.datetime(2018, 5, 1, tzinfo=MINUS_ONE),
                dt.datetime(2019, 5, 1, 23, 30, tzinfo=MINUS_ONE),
            ],
            pa.timestamp("us", tz="-01:00"),
        ),
    ],
)
def test_the_direct_read_refuses_parquet_dates_out_of_range(
    tmp_path: Path, today: dt.date, column: pa.Array
) -> None:
    """A Parquet date or timestamp column has the same range (a zoned one by its UTC date)."""
    table = pa.table(
        {
            "crime_ref": ["P1", "P2"],
            "recorded_date": column,
            "offence": ["Cannabis possession"] * 2,
            "ho_code": ["92E"] * 2,
            "text": ["via Instagram", "x"],
        }
    )
    pq.write_table(table, tmp_path / "p.parquet")
    request = write_request(tmp_path, [("p.parquet", "P")])
    with pytest.raises(SourceError, match=r"row 2: recorded_date .* is out of range") as refused:
        answer_case(request, tmp_path / "case")
    assert "1000-01-01 to the day of the run, 2019-05-01" in str(refused.value)


# ------------------------------------------------------------------------------ Spark


def test_spark_follows_ingest(tmp_path: Path, today: dt.date) -> None:
    """Spark ingests a raw source with the shared code: the invisible ends and the date range
    are the embedded engine's."""
    pytest.importorskip("pyspark", reason="PySpark is not installed (pip install 'foidesk[spark]')")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime for Spark (Debian: default-jre-headless)")
    from foidesk.engines.spark.engine import SparkEngine

    engine = SparkEngine(master="local[1]")
    write_extract(tmp_path / "a.csv", _invisible_rows())
    request = write_request(tmp_path, [("a.csv", "A")])
    spark = answer_case(request, tmp_path / "spark", engine=engine)
    duck = answer_case(request, tmp_path / "duck")
    assert spark.table == duck.table
    assert spark.audit["counts"]["population"] == duck.audit["counts"]["population"] == 2

    write_extract(tmp_path / "b.csv", [crime("D1", "2019-05-01", "x"), crime("D2", "2019-05-02")])
    request = write_request(tmp_path, [("b.csv", "B")])
    with pytest.raises(SourceError, match=r"b\.csv: line 3: recorded_date '2019-05-02' is out"):
        answer_case(request, tmp_path / "spark-b", engine=engine)
