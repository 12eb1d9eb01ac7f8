"""The CSV grid of DESIGN.md section 4: one header, one row per table row, plain years.

Header ``level,<row dimensions...>,<period>...,Grand Total``; a row fills its own dimension and
its parents' and leaves those below empty; ``level`` is its deepest dimension or ``total``.
UTF-8 without BOM, LF line ends, zero written as 0.
"""

from __future__ import annotations

import csv
import io

from foidesk.release.table import FoiTable


def render_csv(table: FoiTable) -> str:
    """The table as the CSV grid."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["level", *table.dimensions, *(p.label for p in table.periods), "Grand Total"])
    depth = len(table.dimensions)
    for row in (*table.rows, table.grand_total):
        labels = list(row.labels) + [""] * (depth - len(row.labels))
        writer.writerow([row.level, *labels, *row.counts, row.total])
    return out.getvalue()
