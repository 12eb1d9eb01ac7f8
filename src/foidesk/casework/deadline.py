"""Statutory deadlines under FOIA s.10, counted the ICO's way.

20 working days; day 1 is the first working day after the day of receipt (or of the arrival of
a clarification under s.1(3), which starts a new 20 days). Non-working days are Saturdays,
Sundays and the bank holidays of any part of the UK: the union of the ``holidays`` package's
subdivisions ENG, NIR, SCT and WLS, one-off holidays included (ICO Line To Take LTT47, LTT137).
Used by ``foidesk deadline`` and the audit of ``foidesk answer``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

import holidays

from foidesk.casework.request import DATE_MAX, DATE_MIN
from foidesk.errors import RequestError

UK_NATIONS = ("ENG", "NIR", "SCT", "WLS")
WORKING_DAYS = 20
# an internal review is asked for within 40 working days of the answer (the section 45 code
# of practice, 2018, paragraph 5.4)
REVIEW_REQUEST_DAYS = 40


@dataclass(frozen=True)
class Deadline:
    """The due date and the non-working weekdays skipped on the way to it."""

    clock_start: date  # the day of receipt, or of the clarification that restarted the clock
    due: date
    skipped_holidays: tuple[tuple[date, str], ...]


@functools.lru_cache(maxsize=64)
def uk_bank_holidays(years: range) -> Mapping[date, str]:
    """Bank holidays of any UK nation in the given years, each with the nations it applies to
    (kept once made: the desk's case list asks for the same years many times; read-only)."""
    names: dict[date, dict[str, list[str]]] = {}
    for nation in UK_NATIONS:
        for day, name in holidays.country_holidays("GB", subdiv=nation, years=years).items():
            names.setdefault(day, {}).setdefault(name, []).append(nation)
    result: dict[date, str] = {}
    for day, by_name in names.items():
        parts = []
        for name, nations in sorted(by_name.items()):
            where = "all UK" if len(nations) == len(UK_NATIONS) else "/".join(nations)
            parts.append(f"{name} ({where})")
        result[day] = "; ".join(parts)
    return MappingProxyType(result)


def due_date(received: date, clarified: date | None = None) -> Deadline:
    """The date by which a response is due under s.10(1)."""
    for name, day in (("received", received), ("clarified", clarified)):
        if day is not None and not DATE_MIN <= day <= DATE_MAX:
            raise RequestError(
                f"{name} {day.isoformat()}: the statutory clock is computed for dates from "
                f"{DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}; check the year"
            )
    start = received
    if clarified is not None:
        if clarified < received:
            raise RequestError(
                f"clarified {clarified.isoformat()}: the clarification cannot arrive before the "
                f"request ({received.isoformat()})"
            )
        start = clarified
    return working_days_after(start, WORKING_DAYS)


def working_days_after(start: date, days: int) -> Deadline:
    """The ``days``-th working day after ``start`` (day 1 is the first working day after it),
    with the bank holidays skipped on the way."""
    # 40 working days never span more than ~10 weeks; take two years of holidays to be safe.
    bank = uk_bank_holidays(range(start.year, start.year + 2))
    day, counted, skipped = start, 0, []
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() >= 5:
            continue
        if day in bank:
            skipped.append((day, bank[day]))
            continue
        counted += 1
    return Deadline(clock_start=start, due=day, skipped_holidays=tuple(skipped))
