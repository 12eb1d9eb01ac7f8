"""The SQL that reads a standard extract's values gives what the canonical rules say: trimming
takes exactly WHITESPACE off both ends, and a text date is read with the accepted formats only
(the fast path by length must give what trying the whole list gives)."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foidesk.engines.duckdb.sources import _text_date_sql, _trim
from foidesk.ingest.record import ISO_FORMATS, UK_FORMATS, WHITESPACE

CON = duckdb.connect()


def _sql(expr: str, value: str | None) -> object:
    return CON.execute(f"SELECT {expr} FROM (SELECT ?::VARCHAR AS v)", [value]).fetchall()[0][0]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([*WHITESPACE, "a", "é", "/", " ", "\u00a0"])))
def test_trim_takes_exactly_the_whitespace_off_both_ends(value: str) -> None:
    assert _sql(_trim("v"), value) == value.strip(WHITESPACE)


def _reference(value: str) -> date | None:
    """Python's reading of the accepted formats: the first that reads the value, 4-digit years."""
    value = value.strip(WHITESPACE)
    for fmt in UK_FORMATS if "/" in value else ISO_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.date() if parsed.year >= 1000 else None
    return None


@pytest.mark.parametrize(
    "value",
    [
        "2019-01-05",
        "2019-01-05 10:11:12",
        "2019-01-05 10:11",
        "2019-01-05T10:11:12",
        "2019-01-05T10:11",
        "2019-01-05T10:11:12Z",
        "2019-01-05 10:11:12.123456",
        "2019-1-5",
        "05/01/2019",
        "5/1/2019",
        "05/01/2019 10:11",
        "05/01/2019 10:11:12",
        "  05/01/2019\t",
        "01/02/19",
        "0019-01-01",
        "2019-13-01",
        "31/02/2019",
        "2019-01-05 25:00:00",
        "01/05/2019 1",
        "2019/01/05",
        "05-01-2019",
        "",
    ],
)
def test_text_dates_read_only_with_the_accepted_formats(value: str) -> None:
    assert _sql(_text_date_sql(_trim("v")), value) == _reference(value)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(2100, 12, 31)),
    st.sampled_from(ISO_FORMATS + UK_FORMATS),
)
def test_every_accepted_format_reads_its_own_dates(moment: datetime, fmt: str) -> None:
    value = moment.strftime(fmt)
    assert _sql(_text_date_sql(_trim("v")), value) == moment.date()
