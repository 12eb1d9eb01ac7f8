"""A standalone HTML page holding the table (no scripts, no external resources).

Every text is escaped (``html.escape``): labels, headings, footnotes, and the symbol of a
figure withheld by disclosure control (``<5`` is written ``&lt;5``), right-aligned like the
numbers.
"""

from __future__ import annotations

from html import escape

from foidesk.release.table import FoiTable

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; margin: 2em; color: #111; }
table { border-collapse: collapse; }
caption { font-weight: bold; text-align: left; padding-bottom: 0.5em; }
th, td { border: 1px solid #999; padding: 0.25em 0.6em; }
td.n, th.n { text-align: right; }
tr.level-1 td { font-weight: bold; background: #eef2f7; }
tr.level-2 td:first-child { padding-left: 1.6em; }
tr.level-3 td:first-child { padding-left: 3.2em; }
tr.level-4 td:first-child { padding-left: 4.8em; }
tr.total td { font-weight: bold; border-top: 2px solid #333; }
p.note { font-size: 0.9em; }
""".strip()


def render_html(table: FoiTable) -> str:
    """The table as an HTML document with its title and footnotes."""
    head = "".join(
        f'<th class="n" scope="col">{escape(p.marked_label)}</th>' for p in table.periods
    )
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        f"<title>{escape(table.title)}</title>",
        f"<style>\n{STYLE}\n</style></head>",
        "<body>",
        "<table>",
        f"<caption>{escape(table.title)}</caption>",
        f'<thead><tr><th scope="col">{escape(table.heading)}</th>{head}'
        '<th class="n" scope="col">Grand Total</th></tr></thead>',
        "<tbody>",
    ]
    for row in (*table.rows, table.grand_total):
        if row.level == "total":
            css, label = "total", "Grand Total"
        else:
            css, label = f"level-{len(row.labels)} {row.level}", row.labels[-1]
        cells = "".join(f'<td class="n">{escape(str(c))}</td>' for c in (*row.counts, row.total))
        out.append(f'<tr class="{css}"><td>{escape(label)}</td>{cells}</tr>')
    out.append("</tbody>")
    out.append("</table>")
    out += [f'<p class="note">{escape(note)}</p>' for note in table.footnotes]
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
