"""Markdown table (used in the letter and as ``table.md``): nested rows shown by indentation."""

from __future__ import annotations

from foidesk.release.table import FoiTable, TableRow


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")


def _label(row: TableRow) -> str:
    if row.level == "total":
        return "**Grand Total**"
    label = _escape(row.labels[-1])
    if len(row.labels) == 1:
        return f"**{label}**"
    return "&emsp;" * (len(row.labels) - 1) + label


def render_markdown(table: FoiTable) -> str:
    """The table as GitHub-flavoured Markdown with its title and footnotes."""
    header = [table.heading, *(p.marked_label for p in table.periods), "Grand Total"]
    lines = [
        f"**{_escape(table.title)}**",
        "",
        "| " + " | ".join(_escape(h) for h in header) + " |",
        "|" + "---|" + "---:|" * (len(header) - 1),
    ]
    for row in (*table.rows, table.grand_total):
        cells = [_label(row), *(str(c) for c in row.counts), str(row.total)]
        if row.level == "total":
            cells = [cells[0], *(f"**{c}**" for c in cells[1:])]
        lines.append("| " + " | ".join(cells) + " |")
    if table.footnotes:
        lines.append("")
        lines += [_escape(note) + "  " for note in table.footnotes]
    return "\n".join(lines).rstrip() + "\n"
