"""What may leave the building: the types the public writers accept, and nothing else.

``PublicRelease`` holds the FOI table, the per-system coverage and the letter and method text,
all of them aggregates or prose. ``case.write_public`` takes only a ``PublicRelease``, so no
record-level value (a crime reference, a note, a snippet) has a path into ``public/``.
"""

from __future__ import annotations

from dataclasses import dataclass

from foidesk.engines.base import CoverageRow
from foidesk.casework.periods import Period
from foidesk.release.table import FoiTable


@dataclass(frozen=True)
class CoverageLine:
    """Records searched and records with a hit for one system and one period."""

    system: str
    period: str
    records_searched: int
    records_with_hits: int


@dataclass(frozen=True)
class Coverage:
    """Per-system coverage: every system and period, zeros included, with system totals."""

    lines: tuple[CoverageLine, ...]
    overlaps: tuple[tuple[str, int], ...]  # ("Athena and Legacy", crimes held by both)

    @classmethod
    def from_rows(
        cls,
        rows: list[CoverageRow],
        systems: list[str],
        periods: list[Period],
        overlaps: dict[str, int],
    ) -> Coverage:
        """Aggregate coverage for every system of the request and every period of the window."""
        by_key = {(r.system, r.period): r for r in rows}
        lines = []
        for system in dict.fromkeys(systems):  # two sources of one system: one block
            searched = hits = 0
            for period in periods:
                row = by_key.get((system, period.key))
                s, h = (row.records_searched, row.records_with_hits) if row else (0, 0)
                searched, hits = searched + s, hits + h
                lines.append(CoverageLine(system, period.marked_label, s, h))
            lines.append(CoverageLine(system, "Total", searched, hits))
        return cls(tuple(lines), tuple(sorted(overlaps.items())))

    def totals(self) -> dict[str, CoverageLine]:
        """The Total line of each system."""
        return {line.system: line for line in self.lines if line.period == "Total"}

    def to_csv(self) -> str:
        """``system,period,records_searched,records_with_hits`` with LF line ends."""
        out = ["system,period,records_searched,records_with_hits"]
        for line in self.lines:
            system = '"' + line.system.replace('"', '""') + '"'
            out.append(f"{system},{line.period},{line.records_searched},{line.records_with_hits}")
        return "\n".join(out) + "\n"

    def to_markdown(self) -> str:
        """A Markdown table: one row per system and period."""
        out = [
            "| Record system | Period | Records searched | Records with a mention |",
            "|---|---|---:|---:|",
        ]
        for line in self.lines:
            period = f"**{line.period}**" if line.period == "Total" else line.period
            out.append(
                f"| {line.system} | {period} | {line.records_searched} | {line.records_with_hits} |"
            )
        return "\n".join(out) + "\n"


@dataclass(frozen=True)
class PublicRelease:
    """Everything written under ``public/``: aggregates and prose only."""

    table: FoiTable
    coverage: Coverage
    method_markdown: str
    letter_markdown: str
