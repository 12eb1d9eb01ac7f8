"""Table columns: calendar and financial years of a request window, part years and their notes."""

from __future__ import annotations

from datetime import date

import pytest

from foidesk.casework.periods import Period, long_date, period_key, periods


def _labels(found: list[Period]) -> list[str]:
    return [p.label for p in found]


def test_calendar_years_every_year_of_the_window_with_part_years_marked() -> None:
    found = periods(date(2015, 3, 5), date(2019, 4, 30), "year")
    assert _labels(found) == ["2015", "2016", "2017", "2018", "2019"]
    assert [p.key for p in found] == [2015, 2016, 2017, 2018, 2019]
    assert [p.partial for p in found] == [True, False, False, False, True]
    assert [p.marked_label for p in found] == ["2015*", "2016", "2017", "2018", "2019*"]
    # each period is cut to the window
    assert (found[0].first, found[0].last) == (date(2015, 3, 5), date(2015, 12, 31))
    assert (found[2].first, found[2].last) == (date(2017, 1, 1), date(2017, 12, 31))
    assert (found[-1].first, found[-1].last) == (date(2019, 1, 1), date(2019, 4, 30))
    assert found[0].note == "2015 covers 5 March 2015 to 31 December 2015 only"
    assert found[-1].note == "2019 covers 1 January 2019 to 30 April 2019 only"


def test_whole_calendar_years_are_not_part_years() -> None:
    found = periods(date(2016, 1, 1), date(2018, 12, 31), "year")
    assert _labels(found) == ["2016", "2017", "2018"]
    assert not any(p.partial for p in found)
    assert [p.marked_label for p in found] == ["2016", "2017", "2018"]


def test_financial_years_run_april_to_march_and_are_labelled_by_both_years() -> None:
    found = periods(date(2017, 4, 1), date(2019, 6, 30), "financial_year")
    assert _labels(found) == ["2017/18", "2018/19", "2019/20"]
    assert [p.key for p in found] == [2017, 2018, 2019]
    assert [p.partial for p in found] == [False, False, True]
    assert (found[0].first, found[0].last) == (date(2017, 4, 1), date(2018, 3, 31))
    assert (found[1].first, found[1].last) == (date(2018, 4, 1), date(2019, 3, 31))
    assert found[-1].marked_label == "2019/20*"
    assert found[-1].note == "2019/20 covers 1 April 2019 to 30 June 2019 only"


def test_financial_year_label_across_a_century() -> None:
    found = periods(date(1999, 4, 1), date(2001, 3, 31), "financial_year")
    assert _labels(found) == ["1999/00", "2000/01"]
    assert not any(p.partial for p in found)


def test_financial_window_starting_in_january_begins_with_the_year_before() -> None:
    # 1 January 2015 falls in 2014/15, which the window covers only from January
    found = periods(date(2015, 1, 1), date(2015, 12, 31), "financial_year")
    assert _labels(found) == ["2014/15", "2015/16"]
    assert [p.partial for p in found] == [True, True]
    assert found[0].note == "2014/15 covers 1 January 2015 to 31 March 2015 only"
    assert found[1].note == "2015/16 covers 1 April 2015 to 31 December 2015 only"


def test_window_inside_one_year_is_one_part_year_column() -> None:
    (only,) = periods(date(2018, 5, 23), date(2018, 9, 1), "year")
    assert (only.key, only.label, only.partial) == (2018, "2018", True)
    assert (only.first, only.last) == (date(2018, 5, 23), date(2018, 9, 1))
    assert only.note == "2018 covers 23 May 2018 to 1 September 2018 only"
    (fy,) = periods(date(2018, 5, 23), date(2018, 9, 1), "financial_year")
    assert (fy.label, fy.partial) == ("2018/19", True)
    assert fy.note == "2018/19 covers 23 May 2018 to 1 September 2018 only"


def test_single_day_window() -> None:
    (only,) = periods(date(2019, 4, 30), date(2019, 4, 30), "year")
    assert only.partial
    assert only.note == "2019 covers 30 April 2019 to 30 April 2019 only"


def test_window_starting_1_april() -> None:
    # a whole financial year is one full column ...
    (fy,) = periods(date(2018, 4, 1), date(2019, 3, 31), "financial_year")
    assert (fy.label, fy.partial, fy.first, fy.last) == (
        "2018/19",
        False,
        date(2018, 4, 1),
        date(2019, 3, 31),
    )
    # ... but two part calendar years
    found = periods(date(2018, 4, 1), date(2019, 3, 31), "year")
    assert _labels(found) == ["2018", "2019"]
    assert [p.partial for p in found] == [True, True]
    assert found[0].note == "2018 covers 1 April 2018 to 31 December 2018 only"
    assert found[1].note == "2019 covers 1 January 2019 to 31 March 2019 only"


def test_window_ending_31_march_does_not_open_the_next_financial_year() -> None:
    found = periods(date(2017, 4, 1), date(2019, 3, 31), "financial_year")
    assert _labels(found) == ["2017/18", "2018/19"]
    found = periods(date(2017, 4, 1), date(2019, 4, 1), "financial_year")
    assert _labels(found) == ["2017/18", "2018/19", "2019/20"]
    assert found[-1].note == "2019/20 covers 1 April 2019 to 1 April 2019 only"


@pytest.mark.parametrize(
    ("day", "year", "financial_year"),
    [
        (date(2019, 3, 31), 2019, 2018),
        (date(2019, 4, 1), 2019, 2019),
        (date(2019, 1, 1), 2019, 2018),
        (date(2018, 12, 31), 2018, 2018),
        (date(2020, 2, 29), 2020, 2019),
    ],
)
def test_period_key(day: date, year: int, financial_year: int) -> None:
    assert period_key(day, "year") == year
    assert period_key(day, "financial_year") == financial_year


def test_period_keys_match_the_columns() -> None:
    """Every day of the window falls in the column whose key ``period_key`` gives."""
    for kind in ("year", "financial_year"):
        found = periods(date(2019, 1, 1), date(2021, 6, 30), kind)
        by_key = {p.key: p for p in found}
        for day in (date(2019, 1, 1), date(2019, 3, 31), date(2019, 4, 1), date(2021, 6, 30)):
            column = by_key[period_key(day, kind)]
            assert column.first <= day <= column.last, (kind, day)


def test_leap_day() -> None:
    (only,) = periods(date(2020, 2, 29), date(2020, 2, 29), "year")
    assert (only.label, only.partial) == ("2020", True)
    assert only.note == "2020 covers 29 February 2020 to 29 February 2020 only"
    # the financial year 2019/20 ends on 31 March 2020, after the leap day
    found = periods(date(2019, 4, 1), date(2020, 3, 31), "financial_year")
    assert _labels(found) == ["2019/20"]
    assert not found[0].partial
    found = periods(date(2019, 4, 1), date(2020, 2, 29), "financial_year")
    assert found[0].partial
    assert found[0].note == "2019/20 covers 1 April 2019 to 29 February 2020 only"
    # a whole leap year is a whole calendar year
    (year,) = periods(date(2020, 1, 1), date(2020, 12, 31), "year")
    assert not year.partial


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2019, 1, 1), "1 January 2019"),
        (date(2018, 5, 23), "23 May 2018"),
        (date(2020, 2, 29), "29 February 2020"),
        (date(2019, 12, 9), "9 December 2019"),
    ],
)
def test_long_date_has_no_leading_zero(day: date, text: str) -> None:
    assert long_date(day) == text
