"""The trace: every cell of the table with the crimes and hit ids behind it (internal only).

One line per (cell, crime): the row's level and labels, the period (or ``Grand Total``), the
crime reference and the ids of its counted hits that put it in that cell (the hits of the
cell's term when the row is at or under the term level, of every term otherwise). Made from
the same crime hits and the same ``build_table`` as the published table, so a cell's count is
its number of lines. Record-level: written under ``internal/`` only.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict

import pyarrow as pa

from foidesk.release.table import FoiTable

GRAND_TOTAL = "Grand Total"


def counted_hit_ids(evidence: pa.Table) -> dict[tuple[str, str], list[str]]:
    """(crime, term) -> the ids of its counted hits, in evidence order."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for hit, ref, term, status in zip(
        evidence.column("hit_id").to_pylist(),
        evidence.column("crime_ref").to_pylist(),
        evidence.column("platform").to_pylist(),
        evidence.column("status").to_pylist(),
        strict=True,
    ):
        if status == "counted":
            out[(ref, term)].append(hit)
    return out


def trace_csv(
    table: FoiTable,
    crimes: dict[tuple[str, ...], list[set[str]]],
    hit_ids: dict[tuple[str, str], list[str]],
    terms: list[str],
) -> str:
    """The trace as CSV (UTF-8, LF): ``level,<row names>,period,crime_ref,hit_ids``, hit ids
    separated by spaces; rows in the table's order, periods in order, then Grand Total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = list(table.dimension_names)
    writer.writerow(["level", *names, "period", "crime_ref", "hit_ids"])
    term_at = table.dimensions.index("term") if "term" in table.dimensions else None
    for row in (*table.rows, table.grand_total):
        sets = crimes[row.labels]
        labels = [*row.labels, *[""] * (len(names) - len(row.labels))]
        in_scope = (
            [row.labels[term_at]] if term_at is not None and len(row.labels) > term_at else terms
        )
        columns = [(p.label, s) for p, s in zip(table.periods, sets, strict=True)]
        columns.append((GRAND_TOTAL, set().union(*sets)))
        for label, refs in columns:
            for ref in sorted(refs):
                ids = [h for term in in_scope for h in hit_ids.get((ref, term), ())]
                writer.writerow([row.level, *labels, label, ref, " ".join(ids)])
    return out.getvalue()
