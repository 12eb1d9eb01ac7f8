"""The first date with a four-digit year, 1 January 1000, is a date (a year before 1000 can
only come from fewer digits and is refused): found in review, the SQL once refused it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from foidesk.engines.duckdb.sources import _text_date_sql, _trim
from tests.conftest import crime, write_extract, write_request
from tests.helpers import answer_case

CON = duckdb.connect()


@pytest.mark.parametrize(
    "value",
    [
        "1000-01-01",
        "1000-1-1",
        "1000-01-01 10:11:12",
        "1000-01-01T10:11",
        "01/01/1000",
        "1/1/1000 10:11",
    ],
)
def test_the_first_of_january_1000_is_a_date(value: str) -> None:
    got = CON.execute(
        f"SELECT {_text_date_sql(_trim('v'))} FROM (SELECT ?::VARCHAR AS v)", [value]
    ).fetchone()
    assert got is not None and got[0] == date(1000, 1, 1)


def test_an_extract_with_a_row_dated_1000_01_01_is_still_answered(tmp_path: Path) -> None:
    write_extract(
        tmp_path / "legacy.csv",
        [crime("G1", "2018-03-01", "on Facebook"), crime("G2", "01/01/1000", "nothing")],
    )
    request = write_request(tmp_path, [("legacy.csv", "Legacy")])
    result = answer_case(request, tmp_path / "case")
    assert result.table.grand_total.total == 1
