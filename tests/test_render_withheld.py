"""Figures withheld by disclosure control in every public format: a ``Withheld`` cell is
written as its symbol, as text, escaped as a label would be, and right-aligned like the
numbers; the coverage's withheld records with a mention likewise (issue 15).

The table is built by hand, as the release gate hands it to the renderers: some cells are
``Withheld`` ("<5" small, "*" secondary), the rest numbers.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
from markdown_it import MarkdownIt

from foidesk.casework.periods import periods
from foidesk.release.coverage import Coverage, CoverageLine
from foidesk.release.document import Document
from foidesk.release.render.csv_grid import render_csv
from foidesk.release.render.document_markdown import render_document_markdown
from foidesk.release.render.html import render_html
from foidesk.release.render.markdown import render_markdown
from foidesk.release.render.text import render_text
from foidesk.release.render.xlsx import write_xlsx
from foidesk.release.table import SECONDARY, SMALL, FoiTable, TableRow, Withheld

SMALL_CELL = Withheld("<5", SMALL)
SECONDARY_CELL = Withheld("*", SECONDARY)
PERIODS = tuple(periods(date(2018, 1, 1), date(2019, 4, 30), "year"))


def withheld_table(small: Withheld = SMALL_CELL, secondary: Withheld = SECONDARY_CELL) -> FoiTable:
    """CHARGED: Facebook 2018 small, 2019 secondary; Twitter 12 and 7; the Grand Total row
    with a withheld 2019 and a number for 2018."""
    return FoiTable(
        title="Recorded Crime: Drug Offences - Free Text search Facebook/Twitter",
        dimensions=("outcome", "term"),
        dimension_names=("outcome", "platform"),
        headings=("OUTCOME", "SOCIAL MEDIA PLATFORM"),
        periods=PERIODS,
        rows=(
            TableRow("outcome", ("CHARGED",), (15, secondary), 24),
            TableRow("term", ("CHARGED", "Facebook"), (small, secondary), 11),
            TableRow("term", ("CHARGED", "Twitter"), (12, 7), 19),
        ),
        grand_total=TableRow("total", (), (15, secondary), 24),
        footnotes=(
            "* Part year: 2019 covers 1 January 2019 to 30 April 2019 only.",
            '"<5" in a cell: fewer than five crimes; withheld under section 40(2) of the Act.',
        ),
        multi_platform_crimes=0,
    )


# -- text ----------------------------------------------------------------------------------


def test_text_shows_the_symbols_right_aligned_under_their_years() -> None:
    lines = render_text(withheld_table()).splitlines()
    header = next(line for line in lines if line.startswith("OUTCOME/"))
    facebook = next(line for line in lines if line.strip().startswith("Facebook"))
    grand = next(line for line in lines if line.startswith("Grand Total"))
    # each figure ends where its column's heading ends
    assert facebook[: header.index("2018") + 4].endswith("<5")
    assert facebook[: header.index("2019*") + 5].endswith("*")
    assert facebook.endswith("11") and len(facebook) == len(header)
    assert grand[: header.index("2019*") + 5].endswith("*")


# -- CSV -----------------------------------------------------------------------------------


def test_csv_writes_each_symbol_as_a_text_cell_and_counts_as_numbers() -> None:
    rows = list(csv.reader(io.StringIO(render_csv(withheld_table()))))
    assert rows[0] == ["level", "outcome", "platform", "2018", "2019", "Grand Total"]
    assert rows[2] == ["platform", "CHARGED", "Facebook", "<5", "*", "11"]
    assert rows[3] == ["platform", "CHARGED", "Twitter", "12", "7", "19"]
    assert rows[-1] == ["total", "", "", "15", "*", "24"]


def test_csv_symbol_that_a_spreadsheet_would_read_as_a_formula_is_made_safe() -> None:
    table = withheld_table(Withheld("-", SMALL), Withheld("=x", SECONDARY))
    text = render_csv(table)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[2][3:] == ["'-", "'=x", "11"]
    assert "'-" in text.splitlines()[2]  # on the line as written, not only as read back


# -- Markdown ------------------------------------------------------------------------------


def _cells_of_rendered_markdown(markdown: str) -> list[list[str]]:
    """The table cells as a Markdown reader shows them (their text, HTML unescaped)."""
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    return _TableText.of(html)


class _TableText(HTMLParser):
    """The text of every ``<td>`` of an HTML page, row by row."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    @classmethod
    def of(cls, html: str) -> list[list[str]]:
        parser = cls()
        parser.feed(html)
        return parser.rows

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_markdown_escapes_the_symbols_and_a_reader_sees_them_as_written() -> None:
    markdown = render_markdown(withheld_table())
    assert "| &lt;5 | \\* | 11 |" in markdown
    assert "<5" not in markdown.split("\n\n")[1]  # the table itself: never a raw "<"
    assert "| **Grand Total** | **15** | **\\*** | **24** |" in markdown
    rows = [row for row in _cells_of_rendered_markdown(markdown) if row]
    assert rows[1][1:] == ["<5", "*", "11"]
    assert rows[-1][1:] == ["15", "*", "24"]


def test_the_letter_markdown_shows_the_table_and_coverage_symbols_escaped() -> None:
    from foidesk.release.document import FoiTableBlock

    coverage = Coverage(
        (
            CoverageLine("Legacy", "2018", 250, SMALL_CELL),
            CoverageLine("Legacy", "Total", 250, 12),
        ),
        (),
    )
    doc = Document("t", (FoiTableBlock(withheld_table()), coverage.to_table()))
    markdown = render_document_markdown(doc)
    assert "| Legacy | 2018 | 250 | &lt;5 |" in markdown
    assert "| &lt;5 | \\* | 11 |" in markdown


# -- HTML ----------------------------------------------------------------------------------


def test_html_escapes_the_symbols_and_aligns_them_with_the_numbers() -> None:
    html = render_html(withheld_table())
    assert '<td class="n">&lt;5</td><td class="n">*</td><td class="n">11</td>' in html
    assert "<5" not in html
    rows = [row for row in _TableText.of(html) if row]
    assert rows[1] == ["Facebook", "<5", "*", "11"]
    assert rows[-1] == ["Grand Total", "15", "*", "24"]


# -- XLSX ----------------------------------------------------------------------------------


def test_xlsx_holds_each_symbol_as_a_right_aligned_string_and_numbers_as_numbers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "table.xlsx"
    write_xlsx(withheld_table(), path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    # row 4 CHARGED, 5 Facebook, 6 Twitter, 7 Grand Total; columns B 2018, C 2019, D total
    facebook = [sheet.cell(5, c) for c in range(1, 5)]
    assert [c.value for c in facebook] == ["Facebook", "<5", "*", 11]
    assert [c.data_type for c in facebook[1:]] == ["s", "s", "n"]
    assert all(c.alignment.horizontal == "right" for c in facebook[1:3])
    grand = [sheet.cell(7, c) for c in range(1, 5)]
    assert [c.value for c in grand] == ["Grand Total", 15, "*", 24]
    assert grand[2].data_type == "s" and grand[2].alignment.horizontal == "right"
    assert grand[2].font.bold and grand[1].font.bold  # the total row stays bold
    # the number columns keep their width, wide enough for any symbol (at most 8 characters)
    assert sheet.column_dimensions["B"].width >= 8


def test_xlsx_has_no_formula_comment_or_hidden_cell(tmp_path: Path) -> None:
    path = tmp_path / "table.xlsx"
    write_xlsx(withheld_table(Withheld("=1+1", SMALL), Withheld("@x", SECONDARY)), path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Table"]
    sheet = workbook["Table"]
    assert sheet.sheet_state == "visible"
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert sheet.cell(5, 2).value == "=1+1" and sheet.cell(5, 2).data_type == "s"
    assert not any(cell.data_type == "f" for cell in cells)
    assert not any(cell.comment for cell in cells)
    assert not any(dim.hidden for dim in sheet.row_dimensions.values())
    assert not any(dim.hidden for dim in sheet.column_dimensions.values())
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert not any("comment" in name or "vmlDrawing" in name for name in names)
        assert all(
            "<f>" not in archive.read(name).decode() for name in names if name.endswith(".xml")
        )


# -- coverage ------------------------------------------------------------------------------


def test_coverage_csv_writes_a_withheld_figure_as_its_symbol() -> None:
    coverage = Coverage(
        (
            CoverageLine("Legacy", "2018", 250, SMALL_CELL),
            CoverageLine("Legacy", "2019*", 80, Withheld("-", SECONDARY)),
            CoverageLine("Legacy", "Total", 330, 12),
        ),
        (),
    )
    text = coverage.to_csv()
    assert text.splitlines()[1] == '"Legacy",2018,250,<5'
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1:] == [
        ["Legacy", "2018", "250", "<5"],
        ["Legacy", "2019*", "80", "'-"],
        ["Legacy", "Total", "330", "12"],
    ]
    assert coverage.withheld() == (SMALL_CELL, Withheld("-", SECONDARY))
