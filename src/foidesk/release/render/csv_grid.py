"""The CSV grid of DESIGN.md section 4: one header, one row per table row, plain years.

Header ``level,<row dimensions...>,<period>...,Grand Total``; a row fills its own dimension and
its parents' and leaves those below empty; ``level`` is its deepest dimension or ``total``.
UTF-8 without BOM, LF line ends, zero written as 0.

Labels come from the force's extract, so a label could be a spreadsheet formula
(``=HYPERLINK(...)``, ``+cmd|...``). Every text cell of every CSV under ``public/`` goes
through ``safe_cell`` (the OWASP rule for CSV injection): a cell beginning with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a single quote ``'`` in front, and is then quoted
by the ordinary CSV rules. A CSV reader reads the cell back as it was with that quote in front;
a spreadsheet shows it as text. Counts are written as bare numbers and stay numbers; a
figure withheld by disclosure control (``release.table.Withheld``) is its symbol ("<5", "*")
as a text cell, through ``safe_cell`` and the quoting rules like a label.
"""

from __future__ import annotations

from foidesk.release.table import Cell, FoiTable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0", "＝", "＋", "－", "＠")
"""The first characters that make a spreadsheet read a CSV cell as a formula: OWASP's list,
NUL, and their full-width forms (which some spreadsheets take for the ASCII ones)."""

# what a spreadsheet may skip before a formula's first character: spaces of any kind and
# invisible formatting characters (a right-to-left override)
_SKIPPED = (
    " \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2068\u2069\ufeff"
)


def safe_cell(text: str) -> str:
    """``text`` with a single quote in front if it begins with a formula trigger, also after
    leading spaces or invisible formatting characters."""
    return "'" + text if text.lstrip(_SKIPPED).startswith(FORMULA_TRIGGERS) else text


def quote_cell(text: str, *, always: bool = False) -> str:
    """One CSV field by the ordinary rules: in double quotes, inner quotes doubled, when it
    holds a comma, a quote or a line end (or ``always``). Unlike ``csv.writer`` with LF line
    ends (Python 3.11), a lone carriage return is quoted too, so it reads back as written."""
    if always or any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def figure_cell(figure: Cell) -> str:
    """One figure as a CSV field: a count bare, a withheld figure's symbol as a safe text
    cell (a symbol such as ``-`` or ``=`` gets its quote; ``<5`` is written as it is)."""
    return str(figure) if isinstance(figure, int) else quote_cell(safe_cell(str(figure)))


def render_csv(table: FoiTable) -> str:
    """The table as the CSV grid (text cells made safe by ``safe_cell``)."""
    names = table.dimension_names or table.dimensions
    header = ["level", *names, *(p.label for p in table.periods), "Grand Total"]
    lines = [",".join(quote_cell(safe_cell(h)) for h in header)]
    depth = len(table.dimensions)
    level_name = dict(zip(table.dimensions, names, strict=True))  # as the request names it
    for row in (*table.rows, table.grand_total):
        labels = [*row.labels, *[""] * (depth - len(row.labels))]
        level = level_name.get(row.level, row.level)
        cells = [level, *(quote_cell(safe_cell(label)) for label in labels)]
        lines.append(",".join([*cells, *(figure_cell(n) for n in (*row.counts, row.total))]))
    return "".join(line + "\n" for line in lines)
