"""The letter and the method statement as documents, and their Markdown, on hand-built inputs.

The inputs (an ``FoiTable``, a ``Coverage``, ``SourceSummary``s) are written out here rather
than made by an engine, so each test says exactly what the letter is given. The expected
letter in tests/data/letter/ was written by the previous (Jinja2) letter code from these same
inputs: the document model must keep the letters byte for byte.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from foidesk.casework.periods import periods
from foidesk.casework.request import DisclosureSettings, Request, load_request
from foidesk.release.coverage import Coverage, CoverageLine, SearchedTerm, SourceSummary
from foidesk.release.document import (
    Bold,
    BulletList,
    Document,
    FoiTableBlock,
    Heading,
    IncludedDocument,
    LineBreak,
    Link,
    Paragraph,
    Placeholder,
    Quote,
    Table,
    Text,
)
from foidesk.release.gate import make_release
from foidesk.release.letter import method_statement, response_letter
from foidesk.release.publish import write_public
from foidesk.release.render.document_markdown import render_document_markdown
from foidesk.release.render.markdown import render_markdown
from foidesk.release.table import FoiTable, TableRow, table_title
from foidesk.search.lexicon import load_lexicon

EXPECTED = Path(__file__).parent / "data" / "letter"
LETTER_DATE = date(2019, 6, 3)
CANNABIS = "(B) STATE BASED: DRUGS - CLASS B CANNABIS - POSSESSION OF A CONTROLLED DRUG"
FORCE = """
[force]
name = "Anyshire Constabulary"
unit = "Information Rights Unit"
address = "Police HQ, 1 Example Road, Anytown, AN1 1AA"
email = "foi@anyshire.police.example"
telephone = "01234 567890"
signatory = "A. N. Officer"
"""
ALL_FORCE_PLACEHOLDERS = ("FORCE NAME", "UNIT", "ADDRESS", "TELEPHONE", "EMAIL", "SIGNATORY")


def make_request(
    folder: Path,
    *,
    request: str = "How many drug crimes mentioned Facebook or Snapchat each year?",
    clarification: str = "",
    rows: str = '["offence", "platform"]',
    extra: str = "",
    asked: str = "",
) -> Request:
    """A small request over two systems (the source files exist but are never read)."""
    for name in ("legacy.csv", "athena.csv"):
        (folder / name).touch()
    path = folder / "request.toml"
    path.write_text(
        f"""reference = "FOI-TEST/7"
received = 2019-04-26
request = {json.dumps(request)}
clarification = {json.dumps(clarification)}
{asked}

[population]
from = 2017-01-01
to = 2019-04-30
offences = ["drugs"]

[table]
rows = {rows}

[[source]]
path = "legacy.csv"
system = "Legacy"

[[source]]
path = "athena.csv"
system = "Athena"
data_quality_from = 2018-05-23
{extra}""",
        encoding="utf-8",
    )
    return load_request(path)


def make_table(request: Request) -> FoiTable:
    """Two crimes of one offence, one mentioning Facebook and one Snapchat."""
    cols = periods(request.date_from, request.date_to, request.columns)
    return FoiTable(
        title=table_title(request, ["Facebook", "Snapchat"]),
        dimensions=("offence", "term"),
        periods=tuple(cols),
        rows=(
            TableRow("offence", (CANNABIS,), (0, 1, 1), 2),
            TableRow("term", (CANNABIS, "Facebook"), (0, 1, 0), 1),
            TableRow("term", (CANNABIS, "Snapchat"), (0, 0, 1), 1),
        ),
        grand_total=TableRow("total", (), (0, 1, 1), 2),
        footnotes=(
            "* Part year: 2019 covers 1 January 2019 to 30 April 2019 only.",
            "Each figure is a count of distinct crimes. Outcomes are police outcomes, "
            "not convictions.",
        ),
        multi_platform_crimes=0,
        headings=("OFFENCE", "SOCIAL MEDIA PLATFORM"),
    )


def make_coverage(
    counts: dict[str, list[tuple[int, int]]], overlaps: tuple[tuple[str, int], ...] = ()
) -> Coverage:
    """Coverage for 2017, 2018 and 2019* of each system, with its Total line."""
    lines = []
    for system, per_period in counts.items():
        for label, (searched, hits) in zip(("2017", "2018", "2019*"), per_period, strict=True):
            lines.append(CoverageLine(system, label, searched, hits))
        total = CoverageLine(
            system, "Total", sum(s for s, _ in per_period), sum(h for _, h in per_period)
        )
        lines.append(total)
    return Coverage(tuple(lines), overlaps)


COVERAGE = make_coverage(
    {"Legacy": [(3, 1), (2, 0), (0, 0)], "Athena": [(0, 0), (4, 1), (1, 0)]},
    (("Athena and Legacy", 1),),
)
SOURCES = (
    SourceSummary("Legacy", ("text_mo", "text_summary"), 5, None, 0),
    SourceSummary("Athena", ("text_summary",), 6, "2018-05-23", 1234, has_notes=True),
)
TERMS = [
    SearchedTerm("Facebook", "Facebook in any case and the address facebook.com"),
    SearchedTerm("Snapchat", "Snapchat in any case and snap beside a word such as on or via"),
]


WORDS = load_lexicon("social-media").words


def letter_for(
    request: Request,
    coverage: Coverage = COVERAGE,
    sources: tuple[SourceSummary, ...] = SOURCES,
    table: FoiTable | None = None,
) -> Document:
    method = method_statement(request, TERMS, sources, coverage, WORDS)
    return response_letter(
        request, table or make_table(request), coverage, sources, method, LETTER_DATE, WORDS
    )


def paragraphs(doc: Document) -> list[str]:
    """Each paragraph's Markdown text, the included method's too."""
    out = []
    for block in doc.blocks:
        if isinstance(block, IncludedDocument):
            out += paragraphs(block.document)
        elif isinstance(block, Paragraph):
            out.append(render_document_markdown(Document("", (block,))).rstrip("\n"))
    return out


def caveats(letter: Document) -> list[str]:
    """The paragraphs under "## Caveats", up to the sign-off."""
    start = next(i for i, b in enumerate(letter.blocks) if b == Heading(2, "Caveats"))
    out: list[str] = []
    for block in letter.blocks[start + 1 :]:
        assert isinstance(block, Paragraph)
        text = render_document_markdown(Document("", (block,))).rstrip("\n")
        if text.startswith("Should you have any further enquiries"):
            return out
        out.append(text)
    raise AssertionError("no sign-off after the caveats")


# -- the letter's structure ----------------------------------------------------------------


def test_letter_sections_in_order_with_the_method_included(tmp_path: Path) -> None:
    request = make_request(tmp_path)
    method = method_statement(request, TERMS, SOURCES, COVERAGE)
    letter = response_letter(request, make_table(request), COVERAGE, SOURCES, method, LETTER_DATE)
    headings = [
        (b.heading if isinstance(b, IncludedDocument) else b)
        for b in letter.blocks
        if isinstance(b, Heading | IncludedDocument)
    ]
    assert headings == [
        Heading(
            1, "Request under the Freedom of Information Act 2000, Ref No: FOI-TEST/7", data=True
        ),
        Heading(2, "Response"),
        Heading(2, "How the figures were produced"),
        Heading(2, "Caveats"),
        Heading(2, "Your right to request a review"),
    ]
    included = [b for b in letter.blocks if isinstance(b, IncludedDocument)]
    assert [b.document for b in included] == [method]
    # the FOI table is the table itself, for a DOCX renderer to lay out, after the Response heading
    tables = [b for b in letter.blocks if isinstance(b, FoiTableBlock)]
    assert [t.table for t in tables] == [make_table(request)]
    assert letter.blocks.index(tables[0]) > letter.blocks.index(Heading(2, "Response"))
    # the method's own sections, each a bold lead-in, and the coverage table last
    leads = [
        b.runs[0].text
        for b in method.blocks
        if isinstance(b, Paragraph) and isinstance(b.runs[0], Bold)
    ]
    assert leads == [
        "Population.",
        "Systems and fields searched.",
        "Terms searched.",
        "Counting.",
        "Coverage.",
    ]
    assert isinstance(method.blocks[-1], Table)
    assert method.blocks[-1].header[2:] == ("Records searched", "Records with a mention")


def test_letter_markdown_contains_method_markdown_verbatim(tmp_path: Path) -> None:
    request = make_request(tmp_path)
    method = method_statement(request, TERMS, SOURCES, COVERAGE)
    letter = response_letter(request, make_table(request), COVERAGE, SOURCES, method, LETTER_DATE)
    text = render_document_markdown(letter)
    assert "\n## How the figures were produced\n\n" + render_document_markdown(method) in text
    assert render_markdown(make_table(request)) in text


def test_the_parts_of_the_request_are_answered(tmp_path: Path) -> None:
    request = make_request(
        tmp_path,
        request="Numbers by year, and any additional details.",
        asked='asked = ["details"]',
    )
    text = paragraphs(letter_for(request))
    assert (
        "**Number of crimes by year.** The table gives the number of crimes for each year of "
        "the period, 2 in all." in text
    )
    assert (
        "**Type of offence.** Offences are shown by the offence description recorded by "
        "the force." in text
    )
    assert any(p.startswith("**Social media platform.**") for p in text)
    assert any(p.startswith("**Additional details about the cases.**") for p in text)
    assert any("section 40(2)" in p for p in text)


def test_financial_years_change_the_wording(tmp_path: Path) -> None:
    request = replace(make_request(tmp_path), columns="financial_year")
    text = paragraphs(letter_for(request))
    assert any(p.startswith("**Number of crimes by financial year.**") for p in text)
    assert any("Columns are financial years (1 April to 31 March)" in p for p in text)
    assert any("by system and financial year" in p for p in text)


# -- placeholders --------------------------------------------------------------------------


def test_placeholders_listed_when_the_force_is_absent(tmp_path: Path) -> None:
    letter = letter_for(make_request(tmp_path))
    assert letter.unfilled() == ALL_FORCE_PLACEHOLDERS
    text = render_document_markdown(letter)
    assert text.startswith("[FORCE NAME]  \n[UNIT]  \n[ADDRESS]\n\nTelephone: [TELEPHONE]  \n")
    assert "[FORCE NAME] aims to complete an internal review within 20 working days" in text
    assert "to [UNIT] at the address or email given in this letter" in text
    assert "[SIGNATORY]  \n[UNIT]\n" in text


def test_no_placeholders_when_the_force_is_given(tmp_path: Path) -> None:
    letter = letter_for(make_request(tmp_path, extra=FORCE))
    assert letter.unfilled() == ()
    assert all(not p.missing for p in letter.placeholders())
    text = render_document_markdown(letter)
    for name in ALL_FORCE_PLACEHOLDERS:
        assert f"[{name}]" not in text
    assert text.startswith(
        "Anyshire Constabulary  \nInformation Rights Unit  \n"
        "Police HQ, 1 Example Road, Anytown, AN1 1AA\n\n"
        "Telephone: 01234 567890  \nEmail: foi@anyshire.police.example\n"
    )
    assert "Following enquiries of the Anyshire Constabulary crime recording systems" in text
    assert "A. N. Officer  \nInformation Rights Unit\n" in text


def test_only_the_missing_force_details_are_listed(tmp_path: Path) -> None:
    extra = '\n[force]\nname = "Borsetshire Police"\nemail = "foi@example.org"\n'
    letter = letter_for(make_request(tmp_path, extra=extra))
    assert letter.unfilled() == ("UNIT", "ADDRESS", "TELEPHONE", "SIGNATORY")
    # the force's name is a placeholder wherever it appears: letterhead, response, caveat, review
    names = [p for p in letter.placeholders() if p.name == "FORCE NAME"]
    assert len(names) == 4 and {p.value for p in names} == {"Borsetshire Police"}


def test_a_blank_force_detail_is_listed_as_unfilled(tmp_path: Path) -> None:
    extra = FORCE.replace('name = "Anyshire Constabulary"', 'name = "  "')
    letter = letter_for(make_request(tmp_path, extra=extra))
    assert letter.unfilled() == ("FORCE NAME",)


def test_missing_request_text_is_a_placeholder(tmp_path: Path) -> None:
    letter = letter_for(make_request(tmp_path, request="   "))
    assert "REQUEST TEXT" in letter.unfilled()
    assert "\n> [REQUEST TEXT]\n" in render_document_markdown(letter)


# -- the request quoted --------------------------------------------------------------------


def test_request_and_clarification_are_quoted_line_by_line(tmp_path: Path) -> None:
    request = make_request(
        tmp_path,
        request="\nFirst line.\nSecond line.\n\nThird paragraph.\n",
        clarification="  By social media I mean Facebook.  ",
        extra="",
    )
    request = replace(request, clarified=date(2019, 5, 2))
    text = render_document_markdown(letter_for(request))
    assert (
        "received on 26th April 2019, which you clarified on 2nd May 2019. I note you seek "
        "access to the following information:\n\n"
        "> First line.\n> Second line.\n> \n> Third paragraph.\n>\n"
        "> CLARIFICATION - By social media I mean Facebook.\n\nI am required" in text
    )


# -- caveats -------------------------------------------------------------------------------


def test_no_results_caveat_for_a_system_with_records_but_no_hits(tmp_path: Path) -> None:
    coverage = make_coverage(
        {
            "Legacy": [(3, 1), (2, 0), (0, 0)],
            "Niche": [(1000, 0), (234, 0), (0, 0)],
            "Other": [(0, 0), (0, 0), (0, 0)],
        }
    )
    sources = (
        SourceSummary("Legacy", ("text_mo",), 5, None, 0),
        SourceSummary("Niche", ("text_mo",), 1234, None, 0),
        SourceSummary("Other", ("text_mo",), 0, None, 0),
    )
    found = caveats(letter_for(make_request(tmp_path), coverage, sources))
    assert found[:2] == [
        "No results were found on the Niche crime recording system (1,234 records were searched).",
        "The Other system holds no records of the requested offences in the period.",
    ]
    assert not any("Legacy" in c for c in found)  # it has hits
    assert found[-1].startswith("The numerical data presented in this response is an un-audited")


def test_a_source_without_free_text_is_not_reported_as_no_results(tmp_path: Path) -> None:
    coverage = make_coverage(
        {"Legacy": [(3, 1), (2, 0), (0, 0)], "police.uk": [(700, 0), (534, 0), (0, 0)]}
    )
    sources = (
        SourceSummary("Legacy", ("text_mo",), 5, None, 0),
        SourceSummary("police.uk", (), 1234, None, 0, searchable=False),
    )
    letter = letter_for(make_request(tmp_path), coverage, sources)
    assert caveats(letter)[0] == (
        "The police.uk data holds no free text, so its 1,234 records in the period could not be "
        "searched for mentions; they are not counted as records without a mention."
    )
    assert not any("No results were found" in c for c in caveats(letter))
    assert "- police.uk: 1,234 records searched; free-text fields: none (no free text: not " in (
        render_document_markdown(letter)
    )


def test_data_quality_caveat_with_its_count(tmp_path: Path) -> None:
    letter = letter_for(make_request(tmp_path, extra=FORCE))
    assert caveats(letter)[0] == (
        "The Athena system came into use during the period. Anyshire Constabulary has some "
        "concerns about the quality of data recorded on Athena from 23 May 2018 (1,234 of the "
        "crimes searched), so some of the figures for crimes recorded from that date may "
        "include inaccuracies."
    )
    without = (SOURCES[0], replace(SOURCES[1], data_quality_from=None))
    assert not any(
        "quality of data" in c
        for c in caveats(letter_for(make_request(tmp_path), COVERAGE, without))
    )


# -- the conviction paragraph --------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "rows", "asked", "expected", "outcome_part"),
    [
        # the request key decides, never the request's wording
        ("Please say whether a conviction was reached.", '["offence", "platform"]', "", 0, 0),
        ("Numbers only.", '["offence", "platform"]', 'asked = ["convictions"]', 1, 0),
        ("Numbers only, by outcome.", '["outcome", "term"]', "", 0, 1),
        ("Numbers only.", '["outcome", "platform"]', 'asked = ["convictions"]', 1, 0),
    ],
)
def test_conviction_paragraph(
    tmp_path: Path, words: str, rows: str, asked: str, expected: int, outcome_part: int
) -> None:
    request = make_request(tmp_path, request=words, rows=rows, asked=asked)
    table = replace(make_table(request), dimensions=tuple(request.rows))
    text = paragraphs(letter_for(request, table=table))
    conviction = [p for p in text if p.startswith("**Whether a conviction was reached.**")]
    assert len(conviction) == expected
    if expected:
        assert "not held by this force (section 1(1)(a) of the Act)" in conviction[0]
    assert len([p for p in text if p.startswith("**Outcome.**")]) == outcome_part


# -- the method statement ------------------------------------------------------------------


def test_method_names_each_system_its_fields_and_the_overlap(tmp_path: Path) -> None:
    text = render_document_markdown(
        method_statement(make_request(tmp_path), TERMS, SOURCES, COVERAGE)
    )
    assert (
        "**Systems and fields searched.**\n\n"
        "- Legacy: 5 records searched; free-text fields: text_mo, text_summary.\n"
        "- Athena: 6 records searched (5 of them are the crimes counted under this system, as in "
        "the coverage table; the others are copies of crimes held on both systems); free-text "
        "fields: text_summary, investigation log entries.\n" in text
    )
    assert "the copy from the newer system (the later source) supplies" in text
    assert "Crimes held on more than one system: Athena and Legacy: 1." in text
    assert "- Snapchat: Snapchat in any case and snap beside a word such as on or via.\n" in text
    assert "codes 92A, 92C, 92D, 92E (drug offences)." in text
    one_system = method_statement(
        make_request(tmp_path), TERMS, SOURCES, make_coverage({"Legacy": [(3, 1), (2, 0), (0, 0)]})
    )
    assert "held on more than one system" not in render_document_markdown(one_system)


def test_coverage_table_rows_and_bold_totals() -> None:
    table = COVERAGE.to_table()
    assert table.align == ("left", "left", "right", "right")
    assert table.rows[3] == (
        (Text("Legacy", data=True),),
        (Bold("Total"),),
        (Text("5"),),
        (Text("1"),),
    )
    md = render_document_markdown(Document("", (table,)))
    assert md.splitlines()[:2] == [
        "| Record system | Period | Records searched | Records with a mention |",
        "|---|---|---:|---:|",
    ]
    assert "| Athena | 2019* | 1 | 0 |\n| Athena | **Total** | 5 | 1 |\n" in md


# -- the Markdown renderer -----------------------------------------------------------------


def test_markdown_of_each_kind_of_block() -> None:
    doc = Document(
        "A title the Markdown does not show",
        (
            Heading(2, "Section"),
            Paragraph(
                (
                    Placeholder("FORCE NAME"),
                    LineBreak(),
                    Placeholder("UNIT", "Information Rights"),
                    Text(" see "),
                    Link("https://ico.org.uk/concerns/"),
                    Text(" or "),
                    Link("https://example.org/", "our site"),
                )
            ),
            Quote((Paragraph((Text("a\nb"),)), Paragraph((Bold("c"),)))),
            BulletList(((Text("one"),), (Text("two"),))),
            Table(("A", "B"), (((Text("x"),), (Text("1"),)),), ("center", "right")),
            Paragraph((Text("after the table"),)),
        ),
    )
    assert render_document_markdown(doc) == (
        "## Section\n"
        "\n"
        "[FORCE NAME]  \nInformation Rights see <https://ico.org.uk/concerns/> or "
        "[our site](https://example.org/)\n"
        "\n"
        "> a\n> b\n>\n> **c**\n"
        "\n"
        "- one\n- two\n"
        "\n"
        "| A | B |\n|:---:|---:|\n| x | 1 |\n"
        "\n"
        "after the table\n"
    )
    assert doc.unfilled() == ("FORCE NAME",)


def test_a_table_row_must_fill_every_column() -> None:
    with pytest.raises(ValueError, match="row 1 has 1 cells, not 2"):
        Table(("A", "B"), (((Text("x"),),),), ("left", "right"))
    with pytest.raises(ValueError, match="alignments"):
        Table(("A", "B"), (), ("left",))


# -- exact bytes ---------------------------------------------------------------------------


def test_exact_bytes_of_a_small_letter_through_the_release_gate(tmp_path: Path) -> None:
    """The letter and method written to public/ are, byte for byte, those the previous
    template code wrote from the same inputs (tests/data/letter/), with the method's
    "Small numbers." paragraph disclosure control added."""
    case = tmp_path / "case"
    case.mkdir()
    request = make_request(
        case, request="Drug crimes mentioning social media, by year.\nAny conviction?"
    )
    # the expected files predate disclosure control: control off, they stay the same bytes
    request = replace(
        request,
        clarified=date(2019, 5, 1),
        asked=("convictions",),
        disclosure=DisclosureSettings(suppress_below=0),
    )
    release = make_release(
        request, make_table(request), COVERAGE, SOURCES, tuple(TERMS), LETTER_DATE, WORDS
    )
    assert release.letter.unfilled() == ALL_FORCE_PLACEHOLDERS
    write_public(tmp_path / "public", release)
    for name in ("letter.md", "method.md"):
        written = (tmp_path / "public" / name).read_bytes()
        assert written == (EXPECTED / name).read_bytes(), name
