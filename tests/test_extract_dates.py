"""Dates in extracts: explicit formats only, day first, never MM/DD; bad rows named by line."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import COLUMNS, crime, run_cli, write_extract, write_request
from tests.helpers import answer_case


def _years(tmp_path: Path, dates: list[str]) -> tuple[int, ...]:
    rows = [crime(f"A{i}", d, "on Facebook") for i, d in enumerate(dates)]
    write_extract(tmp_path / "a.csv", rows)
    request = write_request(
        tmp_path,
        [("a.csv", "A")],
        columns="financial_year",
        date_from="2017-04-01",
        date_to="2019-03-31",
    )
    return answer_case(request, tmp_path / "case").table.grand_total.counts


def test_dd_mm_with_no_day_above_12_is_day_first(tmp_path: Path) -> None:
    # 03/02/2018 is 3 February 2018: financial year 2017/18. Read as MM/DD (2 March) it would
    # still be 2017/18, so also check 01/04/2018 = 1 April (2018/19), not 4 January (2017/18).
    assert _years(tmp_path, ["03/02/2018", "01/04/2018"]) == (1, 1)


def test_dd_mm_with_a_day_above_12_and_unpadded(tmp_path: Path) -> None:
    assert _years(tmp_path, ["13/02/2018", "3/2/2018", "1/4/2018", "2018-04-01"]) == (2, 2)


@pytest.mark.parametrize(
    ("value", "line"),
    [("31/02/2018", 3), ("02/13/2018", 3), ("2018-13-01", 3), ("yesterday", 3), ("", 3)],
)
def test_bad_date_names_file_line_and_field(tmp_path: Path, value: str, line: int) -> None:
    write_extract(
        tmp_path / "a.csv",
        [crime("A1", "01/02/2018", "on Facebook"), crime("A2", value, "on Facebook")],
    )
    request = write_request(tmp_path, [("a.csv", "A")])
    proc = run_cli("answer", request, "--out", tmp_path / "case")
    assert proc.returncode == 2
    assert f"a.csv: line {line}: recorded_date" in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert not (tmp_path / "case").exists()


def test_line_numbers_count_multi_line_notes(tmp_path: Path) -> None:
    write_extract(
        tmp_path / "a.csv",
        [
            crime("A1", "01/02/2018", "first line\nsecond line\nthird line"),
            crime("A2", "31/02/2018", "on Facebook"),
        ],
    )
    request = write_request(tmp_path, [("a.csv", "A")])
    proc = run_cli("answer", request, "--out", tmp_path / "case")
    assert "a.csv: line 5: recorded_date '31/02/2018'" in proc.stderr


def test_missing_required_column(tmp_path: Path) -> None:
    columns = [c for c in COLUMNS if c != "offence"]
    rows = [{k: v for k, v in crime("A1", "2018-01-01").items() if k != "offence"}]
    write_extract(tmp_path / "a.csv", rows, columns)
    request = write_request(tmp_path, [("a.csv", "A")])
    proc = run_cli("answer", request, "--out", tmp_path / "case")
    assert proc.returncode == 2
    assert "a.csv: missing required column 'offence'" in proc.stderr


def test_unknown_status_is_refused(tmp_path: Path) -> None:
    write_extract(tmp_path / "a.csv", [crime("A1", "2018-01-01", status="maybe")])
    request = write_request(tmp_path, [("a.csv", "A")])
    proc = run_cli("answer", request, "--out", tmp_path / "case")
    assert "a.csv: line 2: status 'maybe'" in proc.stderr


def test_parquet_source_with_real_dates(tmp_path: Path) -> None:
    import datetime as dt

    table = pa.table(
        {
            "crime_ref": ["P1", "P2"],
            "recorded_date": [dt.date(2016, 2, 3), dt.date(2018, 12, 13)],
            "offence": ["Cannabis possession", "Cannabis possession"],
            "ho_code": ["92E", "92E"],
            "outcome": ["CAUTION", None],
            "text": ["via Instagram", None],
            "text_notes": [None, "What's App messages"],
        }
    )
    pq.write_table(table, tmp_path / "p.parquet")
    request = write_request(tmp_path, [("p.parquet", "P")], rows='["outcome", "platform"]')
    result = answer_case(request, tmp_path / "case")
    rows = {r.labels: r.total for r in result.table.rows}
    assert rows[("CAUTION", "Instagram")] == 1
    assert rows[("NO OUTCOME RECORDED", "WhatsApp")] == 1
    assert result.table.grand_total.counts == (0, 1, 0, 1, 0)
