"""``counting.coverage.build_coverage`` and ``Coverage.to_csv``: every system and period shown."""

from __future__ import annotations

import csv
import io
from datetime import date

from foidesk.casework.periods import periods
from foidesk.counting.coverage import build_coverage
from foidesk.engines.base import CoverageRow
from foidesk.release.coverage import Coverage, CoverageLine

YEARS = periods(date(2016, 3, 1), date(2018, 12, 31), "year")  # 2016*, 2017, 2018


def _lines(coverage: Coverage) -> list[tuple[str, str, int, int]]:
    return [
        (ln.system, ln.period, ln.records_searched, ln.records_with_hits) for ln in coverage.lines
    ]


def test_every_system_and_period_with_zeros_and_a_total_per_system() -> None:
    rows = [
        CoverageRow("Legacy", 2016, 10, 2),
        CoverageRow("Legacy", 2018, 5, 1),
        CoverageRow("Athena", 2018, 7, 3),
    ]
    coverage = build_coverage(rows, ["Legacy", "Athena"], YEARS, {})
    assert _lines(coverage) == [
        ("Legacy", "2016*", 10, 2),
        ("Legacy", "2017", 0, 0),
        ("Legacy", "2018", 5, 1),
        ("Legacy", "Total", 15, 3),
        ("Athena", "2016*", 0, 0),
        ("Athena", "2017", 0, 0),
        ("Athena", "2018", 7, 3),
        ("Athena", "Total", 7, 3),
    ]
    totals = coverage.totals()
    assert list(totals) == ["Legacy", "Athena"]
    assert (totals["Legacy"].records_searched, totals["Legacy"].records_with_hits) == (15, 3)
    assert coverage.overlaps == ()


def test_a_system_with_no_records_is_shown_with_zeros() -> None:
    coverage = build_coverage([CoverageRow("Legacy", 2017, 4, 0)], ["Legacy", "Empty"], YEARS, {})
    assert _lines(coverage)[4:] == [
        ("Empty", "2016*", 0, 0),
        ("Empty", "2017", 0, 0),
        ("Empty", "2018", 0, 0),
        ("Empty", "Total", 0, 0),
    ]
    assert coverage.totals()["Empty"].records_searched == 0


def test_rows_outside_the_window_or_the_request_are_not_shown() -> None:
    rows = [
        CoverageRow("Legacy", 2015, 99, 9),  # before the window
        CoverageRow("Legacy", 2017, 3, 1),
        CoverageRow("Other", 2017, 50, 5),  # not a system of the request
    ]
    coverage = build_coverage(rows, ["Legacy"], YEARS, {})
    assert [ln.system for ln in coverage.lines] == ["Legacy"] * 4
    assert coverage.totals()["Legacy"].records_searched == 3


def test_two_sources_of_one_system_are_one_block() -> None:
    rows = [CoverageRow("Legacy", 2016, 4, 1), CoverageRow("Athena", 2018, 2, 2)]
    coverage = build_coverage(rows, ["Legacy", "Athena", "Legacy"], YEARS, {})
    assert [ln.system for ln in coverage.lines] == ["Legacy"] * 4 + ["Athena"] * 4
    assert [ln.period for ln in coverage.lines if ln.period == "Total"] == ["Total", "Total"]
    assert coverage.totals()["Legacy"].records_searched == 4  # not counted twice


def test_financial_year_periods_are_labelled_as_in_the_table() -> None:
    fy = periods(date(2017, 4, 1), date(2019, 6, 30), "financial_year")
    coverage = build_coverage([CoverageRow("Legacy", 2018, 6, 1)], ["Legacy"], fy, {})
    assert _lines(coverage) == [
        ("Legacy", "2017/18", 0, 0),
        ("Legacy", "2018/19", 6, 1),
        ("Legacy", "2019/20*", 0, 0),
        ("Legacy", "Total", 6, 1),
    ]


def test_overlaps_are_sorted_by_name() -> None:
    overlaps = {"Niche and Legacy": 2, "Athena and Legacy": 5, "Athena and Niche": 0}
    coverage = build_coverage([], ["Legacy", "Athena", "Niche"], YEARS, overlaps)
    assert coverage.overlaps == (
        ("Athena and Legacy", 5),
        ("Athena and Niche", 0),
        ("Niche and Legacy", 2),
    )


def test_to_csv_header_lines_and_line_ends() -> None:
    coverage = build_coverage([CoverageRow("Legacy", 2017, 3, 1)], ["Legacy"], YEARS, {})
    text = coverage.to_csv()
    assert "\r" not in text and text.endswith("\n") and not text.endswith("\n\n")
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["system", "period", "records_searched", "records_with_hits"],
        ["Legacy", "2016*", "0", "0"],
        ["Legacy", "2017", "3", "1"],
        ["Legacy", "2018", "0", "0"],
        ["Legacy", "Total", "3", "1"],
    ]


def test_to_csv_quotes_a_system_name_with_a_comma_or_a_quote() -> None:
    names = ['Niche, "new" RMS', "Legacy, old", 'Athena "A"', "Line\nbreak"]
    coverage = Coverage(
        tuple(CoverageLine(name, "Total", i, 0) for i, name in enumerate(names)), ()
    )
    text = coverage.to_csv()
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0] == ["system", "period", "records_searched", "records_with_hits"]
    assert parsed[1:] == [[name, "Total", str(i), "0"] for i, name in enumerate(names)]
    assert '"Niche, ""new"" RMS",Total,0,0\n' in text
