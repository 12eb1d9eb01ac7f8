"""Counting coverage: the engine's coverage rows and source reports in, aggregates out."""

from __future__ import annotations

import pyarrow as pa

from foidesk.casework.periods import Period
from foidesk.engines.base import CoverageRow, SourceReport
from foidesk.release.coverage import Coverage, CoverageLine, SourceSummary


def with_counted_hits(rows: list[CoverageRow], crime_hits: pa.Table) -> list[CoverageRow]:
    """The engine's coverage rows with "records with a mention" counted again from the crime
    hits that count (certain, and allowed by the lexicon's record conditions): the coverage
    then agrees with the table whatever the engine counted."""
    counted: dict[tuple[str, int], set[str]] = {}
    for ref, system, period, certain in zip(
        crime_hits.column("crime_ref").to_pylist(),
        crime_hits.column("system").to_pylist(),
        crime_hits.column("period").to_pylist(),
        crime_hits.column("certain").to_pylist(),
        strict=True,
    ):
        if certain:
            counted.setdefault((system, period), set()).add(ref)
    return [
        CoverageRow(
            r.system, r.period, r.records_searched, len(counted.get((r.system, r.period), ()))
        )
        for r in rows
    ]


def build_coverage(
    rows: list[CoverageRow],
    systems: list[str],
    periods: list[Period],
    overlaps: dict[str, int],
    possible_only: int = 0,
) -> Coverage:
    """Aggregate coverage for every system of the request and every period of the window
    (records with a certain mention; ``possible_only`` crimes have possible ones only)."""
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
    return Coverage(tuple(lines), tuple(sorted(overlaps.items())), possible_only)


def summarise_sources(reports: list[SourceReport]) -> tuple[SourceSummary, ...]:
    """What the letter and the method say of each source (no paths, no hashes)."""
    return tuple(
        SourceSummary(
            system=r.system,
            text_fields=r.text_fields,
            copies_searched=r.copies_searched,
            data_quality_from=r.data_quality_from,
            population_after_dq_date=r.population_after_dq_date,
            searchable=r.searchable,
            has_notes=r.has_notes,
            rows_quarantined=r.rows_quarantined,
            notes_quarantined=r.notes_quarantined,
        )
        for r in reports
    )
