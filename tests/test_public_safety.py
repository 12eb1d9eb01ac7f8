"""Hostile labels in every public file (issue 10, items 2 and 3).

Labels (offence, outcome and system names) come from the force's extract and the request's
text from the requester; both are printed into every file under ``public/``. A label must not
become a spreadsheet formula (CSV injection: the OWASP rule, a leading ``'`` before ``=``,
``+``, ``-``, ``@``, tab or carriage return), a formula cell in the XLSX, raw HTML or Markdown
formatting in the ``.md`` files, or a terminal control sequence in ``table.txt``.

The tables and coverage are built by hand (as in ``test_release.py``), then one request is
answered end to end from an extract whose offence and outcome labels are hostile.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date
from html import unescape
from pathlib import Path

import openpyxl
import pypdf
from markdown_it import MarkdownIt

from foidesk.case_scan import extract_text
from foidesk.casework.periods import periods
from foidesk.release.coverage import Coverage, CoverageLine
from foidesk.release.document import (
    BulletList,
    Document,
    Heading,
    Paragraph,
    Placeholder,
    Quote,
    Table,
    Text,
)
from foidesk.release.render.csv_grid import render_csv, safe_cell
from foidesk.release.render.document_markdown import render_document_markdown
from foidesk.release.render.html import render_html
from foidesk.release.render.markdown import escape_markdown, render_markdown
from foidesk.release.render.text import render_text
from foidesk.release.render.xlsx import write_xlsx
from foidesk.release.table import FoiTable, TableRow
from tests.conftest import COLUMNS, crime, write_extract
from tests.helpers import answer_case

FORMULAS = (
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "=1+1",
    "\t=1+1",
    "\r=1+1",
)
MARKUP = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "a | b",
    "*bold* and __strong__",
    "_em_",
    "`code`",
    "[link](javascript:alert(1))",
    "![img](http://x/y.png)",
    "back\\slash",
    "Fish & <Chips>",
    "~~struck~~",
)
HOSTILE = FORMULAS + MARKUP
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _table(outcomes: tuple[str, ...] = FORMULAS, offences: tuple[str, ...] = MARKUP) -> FoiTable:
    """One outcome row per hostile outcome, each with one row per hostile offence."""
    cols = periods(date(2018, 1, 1), date(2019, 4, 30), "year")
    rows = []
    for outcome in outcomes:
        rows.append(TableRow("outcome", (outcome,), (2 * len(offences), 0), 2 * len(offences)))
        rows += [TableRow("offence", (outcome, o), (2, 0), 2) for o in offences]
    total = 2 * len(offences) * len(outcomes)
    return FoiTable(
        title="Recorded Crime: Drug Offences - Free Text search Facebook 01.01.2018 – 30.04.2019",
        dimensions=("outcome", "offence"),
        periods=tuple(cols),
        rows=tuple(rows),
        grand_total=TableRow("total", (), (total, 0), total),
        footnotes=("* Part year: 2019 covers 1 January 2019 to 30 April 2019 only.",),
        multi_platform_crimes=0,
    )


def _neutralised(label: str) -> str:
    return "'" + label if label.startswith(TRIGGERS) else label


def _html_of(markdown: str) -> str:
    """The Markdown as a CommonMark + GFM-tables renderer with raw HTML allowed shows it."""
    return (
        MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(markdown)
    )


ICO_LINK = '<a href="https://ico.org.uk/make-a-complaint/">'  # the letter's one link


def _assert_plain_html(html: str) -> None:
    """No tag a label could have made: script, img, a link, emphasis, code, strikethrough."""
    for tag in ("<script", "<img", "<iframe", "<em>", "<code>", "<s>", "<del>"):
        assert tag not in html, tag
    assert "<a " not in html.replace(ICO_LINK, ""), "a link"


# -- CSV: the OWASP rule -------------------------------------------------------------------


def test_safe_cell_prefixes_only_the_formula_triggers() -> None:
    for label in HOSTILE:
        assert safe_cell(label) == _neutralised(label)
    assert safe_cell("") == ""
    assert safe_cell("CHARGED") == "CHARGED"
    assert safe_cell("(B) STATE BASED - CLASS A") == "(B) STATE BASED - CLASS A"
    assert safe_cell("'=already quoted") == "'=already quoted"


def test_table_csv_reads_back_to_the_labels_with_the_quote_prefix() -> None:
    table = _table(FORMULAS + MARKUP, FORMULAS + MARKUP)
    text = render_csv(table)
    assert not text.startswith("\ufeff") and text.endswith("\n") and "\r\n" not in text
    grid = list(csv.reader(io.StringIO(text, newline="")))
    assert grid[0] == ["level", "outcome", "offence", "2018", "2019", "Grand Total"]
    for row, cells in zip((*table.rows, table.grand_total), grid[1:], strict=True):
        labels = [*row.labels, *[""] * (2 - len(row.labels))]
        assert cells[1:3] == [_neutralised(label) for label in labels]
        assert cells[3:] == [str(c) for c in (*row.counts, row.total)]  # numbers stay numbers
        assert not any(cell.startswith(TRIGGERS) for cell in cells)


def test_coverage_csv_reads_back_to_the_systems_with_the_quote_prefix() -> None:
    coverage = Coverage(
        (
            *(CoverageLine(system, "2019*", i, 0) for i, system in enumerate(HOSTILE)),
            CoverageLine("Legacy", "=1+1", 1, 1),
        ),
        (),
    )
    text = coverage.to_csv()
    assert text.endswith("\n") and "\r\n" not in text
    grid = list(csv.reader(io.StringIO(text, newline="")))
    assert grid[0] == ["system", "period", "records_searched", "records_with_hits"]
    assert grid[1:-1] == [[_neutralised(s), "2019*", str(i), "0"] for i, s in enumerate(HOSTILE)]
    assert grid[-1] == ["Legacy", "'=1+1", "1", "1"]
    # the system is quoted as it always was, the counts are bare numbers
    assert '\n"\'=HYPERLINK(""http://x"",""y"")",2019*,0,0\n' in text
    assert '\n"Legacy",\'=1+1,1,1\n' in text


# -- XLSX: strings, never formulas ---------------------------------------------------------


def test_xlsx_holds_hostile_labels_as_strings_and_no_formula(tmp_path: Path) -> None:
    table = _table(FORMULAS + MARKUP, FORMULAS)
    table = FoiTable(
        title="=1+1",  # even the title and the heading are written as strings
        dimensions=table.dimensions,
        periods=table.periods,
        rows=table.rows,
        grand_total=table.grand_total,
        footnotes=("@SUM(A1)", "http://example.org/"),
        multi_platform_crimes=0,
    )
    path = tmp_path / "table.xlsx"
    write_xlsx(table, path)
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
        assert not any("externalLink" in n or "_rels/sheet" in n for n in z.namelist())
    sheet = openpyxl.load_workbook(path)["Table"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert cells and all(c.data_type in ("s", "n") for c in cells)
    assert not sheet._hyperlinks  # a URL is a string, not a link
    assert sheet.cell(1, 1).value == "=1+1" and sheet.cell(1, 1).data_type == "s"
    # XlsxWriter stores a carriage return as the OOXML escape _x000D_, which Excel shows as
    # the character and openpyxl returns as it is stored
    labels = [sheet.cell(r, 1).value for r in range(4, 4 + len(table.rows))]
    assert [v.replace("_x000D_", "\r") for v in labels] == [r.labels[-1] for r in table.rows]
    assert all(sheet.cell(r, 1).data_type == "s" for r in range(4, 4 + len(table.rows)))
    assert all(sheet.cell(4, c).data_type == "n" for c in (2, 3, 4))


# -- Markdown ------------------------------------------------------------------------------


def test_escape_markdown() -> None:
    assert escape_markdown("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape_markdown("a|b *c* _d_ `e` [f] \\ & ~g~") == (
        "a\\|b \\*c\\* \\_d\\_ \\`e\\` \\[f\\] \\\\ &amp; \\~g\\~"
    )
    # an underscore inside a word cannot start emphasis and is left as it is
    assert escape_markdown("text_mo, _x, y_") == "text_mo, \\_x, y\\_"
    # a line that would start a heading, list or rule is escaped; in a cell, lines are joined
    assert escape_markdown("# h\n- item\n+ item\n1. item\n2) item\n===") == (
        "\\# h\n\\- item\n\\+ item\n1\\. item\n2\\) item\n\\==="
    )
    assert escape_markdown("a\r\nb\rc") == "a\nb\nc"
    assert escape_markdown("# a\r\n- b|c", one_line=True) == "# a - b\\|c"
    plain = "(B) STATE BASED: DRUGS - CLASS B CANNABIS - POSSESSION OF A CONTROLLED DRUG"
    assert escape_markdown(plain) == plain


def test_table_md_escapes_hostile_labels() -> None:
    table = _table(MARKUP, MARKUP)
    md = render_markdown(table)
    assert "<script" not in md and "<img" not in md and "<Chips>" not in md
    html = _html_of(md)
    _assert_plain_html(html)
    # every row is one table row of four cells, its label shown as it was written
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.S)
    assert len(cells) == 4 * (len(table.rows) + 1)
    shown = [unescape(re.sub(r"^\u2003+|</?strong>", "", c)) for c in cells[::4]]
    assert shown == [*(row.labels[-1] for row in table.rows), "Grand Total"]


def test_table_html_escapes_hostile_labels() -> None:
    html = render_html(_table(MARKUP, MARKUP))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_document_data_runs_and_placeholders_are_escaped_fixed_text_is_not() -> None:
    doc = Document(
        "t",
        (
            Heading(2, "Response"),
            Paragraph((Text("Following enquiries of the "), Text(MARKUP[0], data=True))),
            Paragraph((Text("fields: text_mo, *fixed* [as written]."),)),
            Quote((Paragraph((Placeholder("REQUEST TEXT", MARKUP[1] + "\n# x"),)),)),
            BulletList(((Text("[link](javascript:alert(1))", data=True), Text(": 5 records")),)),
            Table(
                ("System", "Period"),
                (((Text("a | b\nc", data=True),), (Text("2019*"),)),),
                ("left", "left"),
            ),
            Paragraph((Placeholder("FORCE NAME"),)),
        ),
    )
    md = render_document_markdown(doc)
    assert md == (
        "## Response\n"
        "\n"
        "Following enquiries of the &lt;script&gt;alert(1)&lt;/script&gt;\n"
        "\n"
        "fields: text_mo, *fixed* [as written].\n"
        "\n"
        "> &lt;img src=x onerror=alert(1)&gt;\n> \\# x\n"
        "\n"
        "- \\[link\\](javascript:alert(1)): 5 records\n"
        "\n"
        "| System | Period |\n|---|---|\n| a \\| b c | 2019* |\n"
        "\n"
        "[FORCE NAME]\n"
    )
    html = _html_of(md)
    assert "<script" not in html and "<img" not in html and "<a " not in html


# -- table.txt -----------------------------------------------------------------------------


def test_table_txt_carries_no_control_characters() -> None:
    hostile = ("\x1b[2J\x1b[1;1HCLEARED", "over\rwrite", "bell\x07", "nul\x00", "csi\x9b2J")
    text = render_text(_table(hostile, ("del\x7f", "tab\tkept")))
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
    assert "?[2J?[1;1HCLEARED" in text and "over?write" in text and "csi?2J" in text
    assert "tab\tkept" in text


# -- end to end ----------------------------------------------------------------------------

OUTCOMES = ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-1+1")
OFFENCES = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "a|b *c* [d](e)")


def _hostile_case(tmp_path: Path, system: str, clarification: str = "") -> Path:
    rows = [
        crime(f"L{i}{j}", f"201{6 + j % 3}-0{1 + i}-01", "Seen on Facebook", offence=o, outcome=u)
        for i, u in enumerate(OUTCOMES)
        for j, o in enumerate(OFFENCES)
    ]
    write_extract(tmp_path / "legacy.csv", rows, COLUMNS)
    request = tmp_path / "request.toml"
    request.write_text(
        f"""reference = "FOI-TEST/10"
received = 2019-04-26
request = {json.dumps("<script>alert(1)</script> How many [crimes](javascript:x) *each* year?")}
clarification = {json.dumps(clarification)}

[population]
from = 2016-01-01
to = 2018-12-31
offences = ["drugs"]

[search]
terms = ["Facebook", "Twitter"]

[table]
rows = ["outcome", "offence", "platform"]
columns = "year"
offence_label = "force"

[[source]]
path = "legacy.csv"
system = {json.dumps(system)}
""",
        encoding="utf-8",
    )
    return answer_case(request, tmp_path / "case", letter_date=date(2019, 6, 3)).folders["public"]


def _links(path: Path) -> set[str]:
    """The link targets of a Word file (its relationships) or a PDF (its link annotations)."""
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as z:
            rels = z.read("word/_rels/document.xml.rels").decode("utf-8")
        return set(re.findall(r'Target="([^"]+)" TargetMode="External"', rels))
    found = set()
    for page in pypdf.PdfReader(path).pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action:
                found.add(str(action["/URI"]))
    return found


def _check_public(public: Path) -> None:
    names = sorted(p.name for p in public.iterdir())
    assert "table.csv" in names and "coverage.csv" in names and "table.xlsx" in names
    for path in sorted(public.iterdir()):
        if path.suffix == ".csv":
            grid = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
            cells = [cell for row in grid for cell in row]
            assert not any(cell.startswith(TRIGGERS) for cell in cells), path.name
        elif path.suffix == ".xlsx":
            sheet = openpyxl.load_workbook(path)["Table"]
            assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
        elif path.suffix in (".md", ".html"):
            text = path.read_text(encoding="utf-8")
            assert "<script" not in text and "<img" not in text, path.name
            _assert_plain_html(_html_of(text) if path.suffix == ".md" else text)
        elif path.suffix in (".docx", ".pdf"):  # the letter: labels are its text, never markup
            text = extract_text(path)
            assert "Ref No: FOI" in text, path.name
            links = _links(path)
            assert links <= {"https://ico.org.uk/make-a-complaint/"}, (path.name, links)
        else:  # table.txt: plain text, labels as written, no control characters
            assert path.name == "table.txt"
            assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", path.read_text("utf-8"))


def test_hostile_labels_end_to_end(tmp_path: Path) -> None:
    public = _hostile_case(tmp_path, system='=HYPERLINK("http://x","y")')
    _check_public(public)
    grid = list(csv.reader(io.StringIO((public / "table.csv").read_text(), newline="")))
    outcomes = {row[1] for row in grid[1:-1]}
    assert outcomes == {"'" + u for u in OUTCOMES}
    offences = {row[2] for row in grid[1:] if row[0] == "offence"}
    assert offences == set(OFFENCES)
    coverage = list(csv.reader(io.StringIO((public / "coverage.csv").read_text(), newline="")))
    assert {row[0] for row in coverage[1:]} == {'\'=HYPERLINK("http://x","y")'}
    sheet = openpyxl.load_workbook(public / "table.xlsx")["Table"]
    shown = {c.value for c in sheet["A"] if c.value is not None}
    assert set(OUTCOMES) | set(OFFENCES) <= shown
    for name in ("table.md", "letter.md"):
        md = (public / name).read_text(encoding="utf-8")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
        assert "a\\|b \\*c\\* \\[d\\](e)" in md
    letter = (public / "letter.md").read_text(encoding="utf-8")
    assert "> &lt;script&gt;alert(1)&lt;/script&gt; How many \\[crimes\\](javascript:x)" in letter


def test_hostile_system_name_and_clarification_end_to_end(tmp_path: Path) -> None:
    public = _hostile_case(
        tmp_path,
        system="<img src=x onerror=alert(1)>",
        clarification="<script>alert(1)</script> [x](javascript:y)",
    )
    _check_public(public)
