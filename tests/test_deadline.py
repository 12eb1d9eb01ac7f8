"""FOIA s.10 due dates, counted the ICO's way (20 working days, any UK nation's holidays)."""

from __future__ import annotations

from datetime import date

import pytest

from foidesk.casework.deadline import due_date
from foidesk.errors import RequestError
from tests.conftest import run_cli


@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        (date(2019, 4, 26), date(2019, 5, 28), "the seed: early May and spring bank holidays"),
        (date(2019, 4, 18), date(2019, 5, 21), "Easter: Good Friday and Easter Monday"),
        (date(2019, 12, 20), date(2020, 1, 23), "Christmas, Boxing Day, 1 and 2 January"),
        (date(2021, 7, 9), date(2021, 8, 10), "12 July (NI only) and 2 August (Scotland only)"),
        (date(2020, 11, 27), date(2020, 12, 30), "St Andrew's Day (Scotland) and Christmas"),
        (date(2022, 9, 16), date(2022, 10, 17), "one-off: the Queen's funeral 2022-09-19"),
        (date(2023, 5, 5), date(2023, 6, 6), "one-off: the coronation 2023-05-08"),
        (date(2031, 4, 10), date(2031, 5, 13), "after 2030: Easter 2031 and May Day"),
        (date(2019, 4, 28), date(2019, 5, 28), "received on a Sunday: day 1 is Monday"),
    ],
)
def test_due_dates(received: date, due: date, why: str) -> None:
    assert due_date(received).due == due, why


def test_holidays_of_one_nation_only_are_skipped_and_named() -> None:
    skipped = dict(due_date(date(2021, 7, 9)).skipped_holidays)
    assert "NIR" in skipped[date(2021, 7, 12)]
    assert "SCT" in skipped[date(2021, 8, 2)]
    assert "all UK" not in skipped[date(2021, 8, 2)]


def test_clarification_restarts_the_clock() -> None:
    result = due_date(date(2019, 4, 26), clarified=date(2019, 5, 8))
    assert result.clock_start == date(2019, 5, 8)
    assert result.due == date(2019, 6, 6)


def test_clarification_before_receipt_is_refused() -> None:
    with pytest.raises(RequestError, match="before the request"):
        due_date(date(2019, 4, 26), clarified=date(2019, 4, 1))


@pytest.mark.parametrize("day", ["9999-12-31", "1066-10-14"])
def test_a_date_the_clock_cannot_count_is_one_line(day: str) -> None:
    proc = run_cli("deadline", day)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"foidesk: error: received {day}: the statutory clock is computed for dates from "
        "1900-01-01 to 2100-12-31; check the year"
    ]


def test_cli_prints_only_the_date_on_stdout() -> None:
    proc = run_cli("deadline", "2019-04-26")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "2019-05-28\n"
    assert "2019-05-06" in proc.stderr and "2019-05-27" in proc.stderr


def test_cli_with_clarification() -> None:
    proc = run_cli("deadline", "2019-04-26", "--clarified", "2019-05-08")
    assert proc.stdout == "2019-06-06\n"


def test_cli_bad_date_is_one_line_error() -> None:
    proc = run_cli("deadline", "26/04/2019")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "RECEIVED" in proc.stderr
    assert "Traceback" not in proc.stderr
