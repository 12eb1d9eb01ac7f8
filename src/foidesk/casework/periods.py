"""Table columns: calendar or financial (April to March) years of the request window, or the
whole window as one column (``columns = "window"``).

Every period the window touches is a column, zeros included; a period the window covers only
in part is marked (``2019*``) with a footnote saying which days it covers. The same key is
computed in Python (for hit crimes) and in SQL (for coverage), so both agree.
``whole_window`` is the coarsest column: the whole window as one period, keyed by its first
year (a request may ask for it; ``counting.layouts`` offers it when most of a table would be
withheld).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Period:
    """One column: ``key`` is the year (the starting year for a financial year)."""

    key: int
    label: str  # plain label, as in the CSV header: "2019" or "2018/19"
    first: date  # the first day of the period inside the window
    last: date  # the last day of the period inside the window
    partial: bool

    @property
    def marked_label(self) -> str:
        """The label with the part-period mark, for text, HTML, Markdown and the letter."""
        return self.label + ("*" if self.partial else "")

    @property
    def note(self) -> str:
        """The footnote for a part period, e.g. '2019 covers 1 January 2019 to 30 April 2019'."""
        return f"{self.label} covers {long_date(self.first)} to {long_date(self.last)} only"


def long_date(day: date) -> str:
    """'1 January 2019' (no leading zero, platform independent)."""
    return f"{day.day} {day.strftime('%B')} {day.year}"


WINDOW = "window"  # the whole window as one column


def period_key(day: date, kind: str) -> int:
    """The period a date falls in: its year, or the year its financial year starts (the whole
    window's key is its first year: see ``PopulationRules.period``, ``whole_window``)."""
    if kind == "financial_year":
        return day.year if day.month >= 4 else day.year - 1
    return day.year


def period_key_sql(column: str, kind: str) -> str:
    """The same as ``period_key`` as a DuckDB expression over a DATE column."""
    if kind == "financial_year":
        return f"(year({column}) - CASE WHEN month({column}) < 4 THEN 1 ELSE 0 END)"
    return f"year({column})"


def periods(date_from: date, date_to: date, kind: str) -> list[Period]:
    """Every period the inclusive window ``date_from`` .. ``date_to`` touches, in order."""
    if kind == WINDOW:
        return [whole_window(date_from, date_to)]
    result = []
    for key in range(period_key(date_from, kind), period_key(date_to, kind) + 1):
        if kind == "financial_year":
            start, end = date(key, 4, 1), date(key + 1, 3, 31)
            label = f"{key}/{(key + 1) % 100:02d}"
        else:
            start, end = date(key, 1, 1), date(key, 12, 31)
            label = str(key)
        first, last = max(start, date_from), min(end, date_to)
        result.append(Period(key, label, first, last, (first, last) != (start, end)))
    return result


def whole_window(date_from: date, date_to: date) -> Period:
    """The whole inclusive window as one column, keyed by its first year: labelled by its
    years ("2015-2019", or "2019" within one year), a part period unless it runs from
    1 January to 31 December."""
    first_year, last_year = date_from.year, date_to.year
    label = str(first_year) if first_year == last_year else f"{first_year}-{last_year}"
    whole = (date_from, date_to) == (date(first_year, 1, 1), date(last_year, 12, 31))
    return Period(first_year, label, date_from, date_to, not whole)
