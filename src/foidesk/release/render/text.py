"""Plain-text table laid out like the seed letter's pivot: nested labels, years, Grand Total.

Widths come from the content only (never the terminal), so the output is deterministic. A
figure withheld by disclosure control (``release.table.Withheld``) is its symbol ("<5", "*"),
right-aligned like the numbers.

The file is meant to be read in a terminal or an editor, and labels come from the force's
extract: a carriage return or an escape sequence in a label could move the cursor and
rewrite what the reader sees. So every text the table prints (title, headings, labels,
footnotes) has its control characters shown as ``?``: the C0 controls other than tab and
line feed (NUL to US, carriage return and ESC among them), DEL, and the C1 controls
(U+0080 to U+009F, where U+009B is a one-character CSI). One character for one, so widths
are unchanged.
"""

from __future__ import annotations

import re

from foidesk.release.table import FoiTable, TableRow

INDENT = "  "
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with each control character other than tab and line feed shown as ``?``."""
    return _CONTROL.sub("?", text)


def _label(row: TableRow) -> str:
    if row.level == "total":
        return "Grand Total"
    return INDENT * (len(row.labels) - 1) + visible(row.labels[-1])


def render_text(table: FoiTable) -> str:
    """The table as aligned plain text with its title and footnotes."""
    header = [visible(h) for h in (table.heading, *(p.marked_label for p in table.periods))]
    header.append("Grand Total")
    body = [
        [_label(r), *(visible(str(c)) for c in (*r.counts, r.total))]
        for r in (*table.rows, table.grand_total)
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def fmt(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    lines = [visible(table.title), "", fmt(header)]
    lines += [fmt(cells) for cells in body]
    if table.footnotes:
        lines.append("")
        lines += [visible(note) for note in table.footnotes]
    return "\n".join(lines) + "\n"
