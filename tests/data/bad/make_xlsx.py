"""Writes the XLSX files of tests/data/bad (synthetic data only). Run once from anywhere:

    .venv/bin/python tests/data/bad/make_xlsx.py

The generated workbooks are committed beside this script; their expected outcomes are in
EXPECTED.toml. Document properties are pinned; a re-run writes the same cells (the ZIP's
bytes may differ).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

HERE = Path(__file__).parent
HEADER = ["crime_ref", "recorded_date", "offence", "ho_code", "outcome", "status", "text"]
OFFENCE = "Possession of cannabis"
FIXED_TIME = datetime(2019, 5, 1, 9, 0, 0)


def row(ref: str, when: Any, text: str) -> list[Any]:
    """One data row of the standard layout."""
    return [ref, when, OFFENCE, "92E", "CAUTION", None, text]


def fill(sheet: Any, rows: list[list[Any]]) -> None:
    """The header and ``rows`` into ``sheet``."""
    sheet.append(HEADER)
    for values in rows:
        sheet.append(values)


def save(book: Workbook, name: str) -> None:
    """Save with fixed document properties."""
    book.properties.creator = "foidesk tests"
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    book.save(HERE / name)


def hidden_first_sheet() -> None:
    """Sheet 1 hidden (an older extract left in the workbook), sheet 2 visible with the data."""
    book = Workbook()
    old = book.active
    old.title = "Old extract"
    fill(old, [row("OLD/1", date(2017, 1, 1), "Stale copy"), row("OLD/2", date(2017, 1, 2), "")])
    old.sheet_state = "hidden"
    crimes = book.create_sheet("Crimes")
    fill(
        crimes,
        [
            row("X1/1", date(2018, 3, 1), "Seen on Facebook"),
            row("X1/2", date(2018, 3, 2), "Nothing of note"),
            row("X1/3", date(2018, 3, 3), "Arranged on WhatsApp"),
        ],
    )
    book.active = 1
    save(book, "xlsx_hidden_first_sheet.xlsx")


def two_visible_sheets() -> None:
    """Two visible sheets, each holding a year's crimes."""
    book = Workbook()
    first = book.active
    first.title = "Crimes 2017"
    fill(
        first,
        [row("X2/1", date(2017, 3, 1), "Seen on Facebook"), row("X2/2", date(2017, 3, 2), "")],
    )
    second = book.create_sheet("Crimes 2018")
    fill(
        second,
        [
            row("X2/3", date(2018, 3, 1), "Arranged on WhatsApp"),
            row("X2/4", date(2018, 3, 2), "Nothing of note"),
            row("X2/5", date(2018, 3, 3), "On Instagram"),
        ],
    )
    save(book, "xlsx_two_visible_sheets.xlsx")


def empty_then_data() -> None:
    """A visible empty sheet first, then the visible data sheet."""
    book = Workbook()
    book.active.title = "Summary"
    data = book.create_sheet("Data")
    fill(
        data,
        [row("X3/1", date(2018, 4, 1), "Seen on Facebook"), row("X3/2", date(2018, 4, 2), "")],
    )
    save(book, "xlsx_empty_then_data.xlsx")


def data_then_empty() -> None:
    """The data sheet first, then two visible empty sheets (an old Excel default)."""
    book = Workbook()
    data = book.active
    data.title = "Sheet1"
    fill(
        data,
        [row("X4/1", date(2018, 5, 1), "Seen on Facebook"), row("X4/2", date(2018, 5, 2), "")],
    )
    book.create_sheet("Sheet2")
    book.create_sheet("Sheet3")
    save(book, "xlsx_data_then_empty.xlsx")


def invisible_references() -> None:
    """Z1, Z1 + zero-width space, Z1 + no-break space, BOM + Z1: one crime."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Crimes"
    when = date(2018, 3, 1)
    fill(
        sheet,
        [row(ref, when, "Seen on Facebook") for ref in ("Z1", "Z1\u200b", "Z1\u00a0", "\ufeffZ1")],
    )
    save(book, "xlsx_ref_invisible_characters.xlsx")


def dates_out_of_range() -> None:
    """A good date cell, a date cell after any run of the tests (2091), a text 0219-05-01."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Crimes"
    fill(
        sheet,
        [
            row("X5/1", date(2018, 3, 1), "Seen on Facebook"),
            row("X5/2", date(2091, 3, 4), "Typed 2091 for 2019"),
            row("X5/3", "0219-05-01", "Typed 0219 for 2019"),
        ],
    )
    save(book, "xlsx_dates_out_of_range.xlsx")


def main() -> None:
    """Write every workbook."""
    hidden_first_sheet()
    two_visible_sheets()
    empty_then_data()
    data_then_empty()
    invisible_references()
    dates_out_of_range()


if __name__ == "__main__":
    main()
