"""Plain-text table laid out like the seed letter's pivot: nested labels, years, Grand Total.

Widths come from the content only (never the terminal), so the output is deterministic.
"""

from __future__ import annotations

from foidesk.release.table import FoiTable, TableRow

INDENT = "  "


def _label(row: TableRow) -> str:
    if row.level == "total":
        return "Grand Total"
    return INDENT * (len(row.labels) - 1) + row.labels[-1]


def render_text(table: FoiTable) -> str:
    """The table as aligned plain text with its title and footnotes."""
    header = [table.heading, *(p.marked_label for p in table.periods), "Grand Total"]
    body = [
        [_label(r), *(str(c) for c in r.counts), str(r.total)]
        for r in (*table.rows, table.grand_total)
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def fmt(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    lines = [table.title, "", fmt(header)]
    lines += [fmt(cells) for cells in body]
    if table.footnotes:
        lines.append("")
        lines += list(table.footnotes)
    return "\n".join(lines) + "\n"
