"""Markdown table (used in the letter and as ``table.md``): nested rows shown by indentation.

Labels come from the force's extract, so every label, heading, title and footnote of the
table is written through ``escape_markdown``: a label such as ``<script>...`` or
``[x](javascript:...)`` is shown as the text it is, never as HTML, a link or formatting.
``render.document_markdown`` escapes the data in the letter and the method statement with it.
A figure withheld by disclosure control is its symbol, escaped the same way (``<5`` is
``&lt;5``, ``*`` is ``\\*``).
"""

from __future__ import annotations

import re

from foidesk.release.table import FoiTable, TableRow

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# HTML's three, the table's cell separator, the characters that start formatting (emphasis,
# code, links and images, GFM strikethrough, escapes), and an underscore unless it sits
# between two letters or digits (there CommonMark never reads it as emphasis: "text_mo")
_SPECIAL = re.compile(r"[&<>|*`\[\]~\\]|(?<![^\W_])_|_(?![^\W_])")
# a line that would start a heading, list item, thematic break or setext underline
_BLOCK_START = re.compile(r"^( {0,3})(?:([#+=-])|(\d{1,9})([.)]))", re.MULTILINE)
_LINE_END = re.compile(r"\r\n?|\n")


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _ENTITIES.get(char) or "\\" + char


def _escape_block_start(match: re.Match[str]) -> str:
    indent, marker, digits, delimiter = match.groups()
    return f"{indent}\\{marker}" if marker else f"{indent}{digits}\\{delimiter}"


def escape_markdown(text: str, *, one_line: bool = False) -> str:
    """``text`` (from data: a label, a system name, the request's words) as Markdown that
    shows exactly that text.

    ``&``, ``<`` and ``>`` become HTML entities; ``|``, ``*``, the backtick, ``[``, ``]``,
    ``~``, ``\\`` and ``_`` (except between two letters or digits) get a backslash. Line
    ends become LF, and a line beginning like a heading, list item or rule (``#``, ``-``,
    ``+``, ``=``, ``1.``, ``1)``) has its marker escaped. With ``one_line`` (a table cell, a
    bold title) line ends become spaces instead.
    """
    escaped = _SPECIAL.sub(_escape_char, text)
    if one_line:
        return _LINE_END.sub(" ", escaped)
    return _BLOCK_START.sub(_escape_block_start, _LINE_END.sub("\n", escaped))


def _label(row: TableRow) -> str:
    if row.level == "total":
        return "**Grand Total**"
    label = escape_markdown(row.labels[-1], one_line=True)
    if len(row.labels) == 1:
        return f"**{label}**"
    return "&emsp;" * (len(row.labels) - 1) + label


def render_markdown(table: FoiTable) -> str:
    """The table as GitHub-flavoured Markdown with its title and footnotes."""
    header = [table.heading, *(p.marked_label for p in table.periods), "Grand Total"]
    lines = [
        f"**{escape_markdown(table.title, one_line=True)}**",
        "",
        "| " + " | ".join(escape_markdown(h, one_line=True) for h in header) + " |",
        "|" + "---|" + "---:|" * (len(header) - 1),
    ]
    for row in (*table.rows, table.grand_total):
        figures = (escape_markdown(str(c), one_line=True) for c in (*row.counts, row.total))
        cells = [_label(row), *figures]
        if row.level == "total":
            cells = [cells[0], *(f"**{c}**" for c in cells[1:])]
        lines.append("| " + " | ".join(cells) + " |")
    if table.footnotes:
        lines.append("")
        lines += [escape_markdown(note) + "  " for note in table.footnotes]
    return "\n".join(lines).rstrip() + "\n"
