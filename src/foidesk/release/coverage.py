"""What was searched, as it is released: per-system coverage and a summary of each source.

``Coverage`` counts records searched and records with a mention by system and period (zeros
included); ``SourceSummary`` says, for one source, which fields were searched and how many
records, and how many of the population fall after its data-quality date. Both are
aggregates, built by ``counting.coverage`` from the engine's results, and are what the letter,
the method statement and ``public/coverage.csv`` are written from. Records with a mention count
records of crimes with a mention, so disclosure control (``release.disclosure``) may withhold
one: it is then a ``Withheld`` and written as its symbol. Records searched are never withheld.
"""

from __future__ import annotations

from dataclasses import dataclass

from foidesk.release.document import Bold, Table, Text
from foidesk.release.table import Cell, Withheld


@dataclass(frozen=True)
class SearchedTerm:
    """A term searched for, as the method statement lists it: its name and its variants in
    plain English (from the lexicon)."""

    name: str
    variants: str


@dataclass(frozen=True)
class SourceSummary:
    """One source as the letter and method describe it (aggregate counts only)."""

    system: str
    text_fields: tuple[str, ...]
    copies_searched: int
    data_quality_from: str | None
    population_after_dq_date: int
    searchable: bool = True  # False: no free text at all (police.uk open data)
    has_notes: bool = False  # a snapshot's investigation-log entries were searched too
    rows_quarantined: int = 0  # rows of the extract ingest could not read (not searched)
    notes_quarantined: int = 0  # investigation-log entries ingest could not read


@dataclass(frozen=True)
class CoverageLine:
    """Records searched and records with a hit for one system and one period. Records with a
    hit may be withheld by disclosure control (a ``Withheld``, shown as its symbol)."""

    system: str
    period: str
    records_searched: int
    records_with_hits: Cell


@dataclass(frozen=True)
class Coverage:
    """Per-system coverage: every system and period, zeros included, with system totals."""

    lines: tuple[CoverageLine, ...]
    overlaps: tuple[tuple[str, int], ...]  # ("Athena and Legacy", crimes held by both)
    # crimes of the population whose mentions are all possible: not counted in the table
    possible_only: int = 0

    def totals(self) -> dict[str, CoverageLine]:
        """The Total line of each system."""
        return {line.system: line for line in self.lines if line.period == "Total"}

    def withheld(self) -> tuple[Withheld, ...]:
        """The figures of records with a mention that disclosure control withheld."""
        return tuple(w for line in self.lines if isinstance(w := line.records_with_hits, Withheld))

    def to_csv(self) -> str:
        """``system,period,records_searched,records_with_hits`` with LF line ends; the system
        always in quotes. Text cells go through ``render.csv_grid.safe_cell`` (a system named
        ``=HYPERLINK(...)`` is written ``'=HYPERLINK(...)``: text, not a formula), and so does
        a withheld figure's symbol (``<5``), while counts stay bare numbers."""
        from foidesk.release.render.csv_grid import figure_cell, quote_cell, safe_cell

        out = ["system,period,records_searched,records_with_hits"]
        for line in self.lines:
            system = quote_cell(safe_cell(line.system), always=True)
            period = quote_cell(safe_cell(line.period))
            hits = figure_cell(line.records_with_hits)
            out.append(f"{system},{period},{line.records_searched},{hits}")
        return "\n".join(out) + "\n"

    def to_table(self) -> Table:
        """The coverage table of the method statement: one row per system and period, each
        system's Total in bold, the counts right-aligned; a withheld figure is its symbol,
        as data (renderers escape it: ``<5`` is ``&lt;5`` in Markdown)."""
        return Table(
            header=("Record system", "Period", "Records searched", "Records with a mention"),
            rows=tuple(
                (
                    (Text(line.system, data=True),),
                    (Bold(line.period),) if line.period == "Total" else (Text(line.period),),
                    (Text(f"{line.records_searched:,}"),),
                    (
                        Text(
                            _figure(line.records_with_hits),
                            data=isinstance(line.records_with_hits, Withheld),
                        ),
                    ),
                )
                for line in self.lines
            ),
            align=("left", "left", "right", "right"),
        )


def _figure(cell: int | Withheld) -> str:
    """A count with thousands separators, or a withheld figure's symbol."""
    return cell.symbol if isinstance(cell, Withheld) else f"{cell:,}"
