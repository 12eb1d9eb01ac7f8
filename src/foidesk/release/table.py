"""The FOI table as it is released: labels and counts, nothing record-level.

``FoiTable`` is built by ``counting.table.build_table`` from the engine's crime hits and is
what the release gate, the renderers and the letter receive. A cell counts distinct crimes.
"""

from __future__ import annotations

from dataclasses import dataclass

from foidesk.casework.periods import Period, long_date
from foidesk.casework.request import Request
from foidesk.casework.words import TermWords

DIMENSION_HEADINGS = {
    "outcome": "OUTCOME",
    "offence": "OFFENCE",
    "system": "RECORD SYSTEM",
}


def dimension_heading(dimension: str, words: TermWords) -> str:
    """A row dimension's heading: the term rows are headed as the lexicon (or the request)
    calls its terms ('SOCIAL MEDIA PLATFORM', 'WEAPON')."""
    return words.table_heading if dimension == "term" else DIMENSION_HEADINGS[dimension]


SMALL = "small"  # withheld because it is from 1 to suppress_below - 1 (or a 0 shown so)
SECONDARY = "secondary"  # withheld only so that no small cell can be worked out


@dataclass(frozen=True)
class Withheld:
    """A figure withheld by disclosure control (``release.disclosure``), shown as its symbol.
    It holds no number: the released table cannot carry the value it replaces."""

    symbol: str  # "<5", "~", "*"
    kind: str  # SMALL or SECONDARY

    def __str__(self) -> str:
        return self.symbol


# a released figure: a number, or the symbol of a withheld one
Cell = int | Withheld


@dataclass(frozen=True)
class TableRow:
    """One row: its dimension, its labels (own and parents'), counts per period and total.
    In the table ``counting.table`` builds every figure is a number; in a released table a
    figure may be ``Withheld``."""

    level: str  # the deepest dimension this row fills, or "total"
    labels: tuple[str, ...]  # one per dimension down to ``level``
    counts: tuple[Cell, ...]  # one per period
    total: Cell


@dataclass(frozen=True)
class FoiTable:
    """An aggregate table, safe to release: labels and counts, nothing record-level."""

    title: str
    dimensions: tuple[str, ...]
    periods: tuple[Period, ...]
    rows: tuple[TableRow, ...]
    grand_total: TableRow
    footnotes: tuple[str, ...]
    multi_platform_crimes: Cell  # withheld when it is small (the footnote says so in words)
    headings: tuple[str, ...] = ()  # one per dimension: 'OUTCOME', 'SOCIAL MEDIA PLATFORM'
    # one per dimension, as the request's ``rows`` names it (the CSV grid's header): 'term'
    dimension_names: tuple[str, ...] = ()

    @property
    def heading(self) -> str:
        """The first column's heading, e.g. 'OUTCOME/OFFENCE/SOCIAL MEDIA PLATFORM'."""
        return "/".join(self.headings or self.dimensions)


def table_title(request: Request, platforms: list[str]) -> str:
    """A title saying what was searched, like the seed letter's."""
    window = f"{request.date_from:%d.%m.%Y} – {request.date_to:%d.%m.%Y}"
    return (
        f"Recorded Crime: {request.population_label} - Free Text search "
        f"{'/'.join(platforms)} {window}"
    )


def describe_window(request: Request) -> str:
    """'1 January 2015 to 30 April 2019'."""
    return f"{long_date(request.date_from)} to {long_date(request.date_to)}"
