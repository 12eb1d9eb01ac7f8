"""XLSX workbook: one visible sheet with the formatted table and its notes.

Written with XlsxWriter, which writes cell values only: no pivot table, no pivot cache, no
hidden sheet, no source rows. Document properties are fixed so the file does not carry the
user's name or the time.

Every text cell (title, headings, labels, notes) is written with ``write_string``, and the
workbook is opened with XlsxWriter's ``strings_to_formulas``, ``strings_to_urls`` and
``strings_to_numbers`` off: a label from the extract such as ``=1+1``, ``@SUM(A1)`` or
``http://...`` is a string cell, never a formula or a link. Counts are ``write_number``.

A figure withheld by disclosure control (``release.table.Withheld``) is its symbol ("<5",
"*") written with ``write_string``, right-aligned like the numbers: a text cell, never a
number, a formula, a comment or a hidden value. The object holds no number, so the workbook
cannot hold the figure it replaces in any form.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import xlsxwriter

from foidesk.release.table import FoiTable, Withheld


def write_xlsx(table: FoiTable, path: Path) -> None:
    """Write the table to ``path``."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": True,  # no temporary XML files left behind by an interrupted run
        },
    )
    workbook.set_properties(
        {
            "title": table.title,
            "author": "foidesk",
            "company": "",
            "created": datetime(2000, 1, 1),
            "comments": "Aggregate figures only",
        }
    )
    sheet = workbook.add_worksheet("Table")
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 12})
    header = workbook.add_format({"bold": True, "bottom": 1, "bg_color": "#DDE4EE"})
    number_header = workbook.add_format(
        {"bold": True, "bottom": 1, "bg_color": "#DDE4EE", "align": "right"}
    )
    level_formats = [
        workbook.add_format({"bold": True, "bg_color": "#EEF2F7"}),
        workbook.add_format({"indent": 1}),
        workbook.add_format({"indent": 2}),
        workbook.add_format({"indent": 3}),
    ]
    total = workbook.add_format({"bold": True, "top": 2})
    # a withheld figure's symbol: text, aligned with the numbers of its column
    withheld = workbook.add_format({"align": "right"})
    withheld_total = workbook.add_format({"bold": True, "top": 2, "align": "right"})
    sheet.write_string(0, 0, table.title, title)
    sheet.write_string(2, 0, table.heading, header)
    for i, period in enumerate(table.periods):
        sheet.write_string(2, 1 + i, period.marked_label, number_header)
    sheet.write_string(2, 1 + len(table.periods), "Grand Total", number_header)
    r = 3
    width = len(table.heading)
    for row in (*table.rows, table.grand_total):
        if row.level == "total":
            label, fmt = "Grand Total", total
        else:
            label = row.labels[-1]
            fmt = level_formats[min(len(row.labels), len(level_formats)) - 1]
        width = max(width, len(label) + 2 * (len(row.labels) - 1))
        sheet.write_string(r, 0, label, fmt)
        is_total = row.level == "total"
        for i, count in enumerate((*row.counts, row.total)):
            if isinstance(count, Withheld):
                sheet.write_string(r, 1 + i, count.symbol, withheld_total if is_total else withheld)
            else:
                sheet.write_number(r, 1 + i, count, total if is_total else None)
        r += 1
    r += 1
    for note in table.footnotes:
        sheet.write_string(r, 0, note)
        r += 1
    sheet.set_column(0, 0, min(width + 2, 100))
    sheet.set_column(1, 1 + len(table.periods), 11)
    sheet.freeze_panes(3, 1)
    del bold
    workbook.close()
