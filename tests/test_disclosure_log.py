"""The disclosure log (issue 16, item 3): ``foidesk log add`` and ``foidesk log check``.

Case folders are written by hand in tmp_path: ``public/table.csv`` (and table.html) from the
real renderers of hand-built tables, a coverage.csv, the letter as a PDF and an
``internal/audit.json`` recording the request as ``answer`` does (``request.content``).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from foidesk.casework.periods import periods
from foidesk.disclosure_log import add_to_log, check_against_log, read_index, slug_of
from foidesk.disclosure_log.index import HEADER, INDEX_NAME
from foidesk.errors import CaseError
from foidesk.release.redact import REMOVED
from foidesk.release.render.csv_grid import render_csv
from foidesk.release.render.html import render_html
from foidesk.release.table import SMALL, Cell, FoiTable, TableRow, Withheld
from tests.conftest import run_cli

YEARS = tuple(periods(date(2017, 1, 1), date(2018, 12, 31), "year"))
WITHHELD = Withheld("<5", SMALL)
ADDRESSEE = "Ms Jane Requester\n12 Mill Lane\nAnytown AN2 2BB"
SEED_TEXT = (
    "The number of police cases related to drug offences where a social media platform is "
    "mentioned, for each year from 2015 to present. Please break this down by year."
)


def table(charged: tuple[Cell, Cell, Cell], cautioned: tuple[Cell, Cell, Cell]) -> FoiTable:
    """An outcome table over 2017 and 2018: each row's figures are its years' then its total."""
    rows = (
        TableRow("outcome", ("CHARGED",), charged[:2], charged[2]),
        TableRow("outcome", ("CAUTION",), cautioned[:2], cautioned[2]),
    )
    grand = [
        sum(f for f in column if isinstance(f, int))
        for column in zip(charged, cautioned, strict=True)
    ]
    return FoiTable(
        title="Recorded Crime: Drug Offences - Free Text search Facebook",
        dimensions=("outcome",),
        dimension_names=("outcome",),
        headings=("OUTCOME",),
        periods=YEARS,
        rows=rows,
        grand_total=TableRow("total", (), tuple(grand[:2]), grand[2]),
        footnotes=(),
        multi_platform_crimes=0,
    )


PUBLISHED = table((3, 9, 12), (6, 7, 13))
SUPPRESSED = table((WITHHELD, 9, 12), (6, 7, 13))  # CHARGED @ 2017 withheld


def pdf(text: str) -> bytes:
    """A small real PDF whose one page says ``text`` (readable by pypdf)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def make_case(
    folder: Path,
    reference: str,
    foi: FoiTable | None = PUBLISHED,
    *,
    letter: bytes | None = b"%PDF-1.7\n% a letter\n",
    log_letter: bytes | None = None,
    created: str = "2019-05-20T09:30:00+00:00",
    notices: list[dict[str, Any]] | None = None,
    **content: Any,
) -> Path:
    """A case folder as ``foidesk answer`` writes one (the files the log reads). With
    ``foi=None``, a case refused under s.12: no table, no coverage."""
    public = folder / "public"
    public.mkdir(parents=True)
    if foi is not None:
        (public / "table.csv").write_text(render_csv(foi), encoding="utf-8", newline="")
        (public / "table.html").write_text(render_html(foi), encoding="utf-8", newline="")
        (public / "coverage.csv").write_text("system,year,searched\nLegacy,2017,10\n")
    (public / "letter.md").write_text("Dear requester\n")
    (public / "letter.docx").write_bytes(b"PK not in the log")
    if letter is not None:
        (public / "letter.pdf").write_bytes(letter)
    if log_letter is not None:
        (public / "log-letter.pdf").write_bytes(log_letter)
    (folder / "internal").mkdir()
    (folder / "internal" / "evidence.parquet").write_bytes(b"record-level")
    request = {"reference": reference, "received": "2019-04-26", "request": SEED_TEXT}
    audit = {
        "created": created,
        "request": {"content": request | content},
        "cost": {"refused": foi is None},
        "notices": notices or [],
    }
    (folder / "internal" / "audit.json").write_text(json.dumps(audit), encoding="utf-8")
    return folder


def log_files(log: Path) -> dict[str, bytes]:
    return {str(p.relative_to(log)): p.read_bytes() for p in sorted(log.rglob("*")) if p.is_file()}


def one_line_error(result: Any) -> str:
    """The error of a CLI run: exit 2, one line on stderr, no traceback."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("foidesk: error: ")
    return str(result.stderr)


# -- adding releases -------------------------------------------------------------------------


def test_two_cases_are_listed_each_with_its_page_and_files(tmp_path: Path) -> None:
    first = make_case(tmp_path / "a", "FOI2019/02832", category="Crime statistics")
    second = make_case(
        tmp_path / "b", "FOI2019/03101", SUPPRESSED, title="Knife crime", category="Weapons"
    )
    log = tmp_path / "log"

    added = run_cli("log", "add", first, "--log", log)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == str(log / "releases" / "foi2019-02832" / "index.html")
    assert "Added FOI2019/02832" in added.stderr
    done = add_to_log(second, log, answered=date(2019, 6, 10))
    assert not done.replaced and done.releases == 2

    rows = read_index(log)
    assert [r.reference for r in rows] == ["FOI2019/03101", "FOI2019/02832"]  # newest first
    assert rows[0].answered == "2019-06-10" and rows[1].answered == "2019-05-20"
    # the title defaults to the request's first sentence, cut at a word near 100 characters
    assert rows[1].title.startswith("The number of police cases") and rows[1].title.endswith("…")
    assert len(rows[1].title) <= 101 and rows[0].title == "Knife crime"
    index = (log / "index.html").read_text(encoding="utf-8")
    for row in rows:
        assert f'href="{row.page}"' in index
        folder = log / row.folder
        names = sorted(p.name for p in folder.iterdir())
        assert names == ["coverage.csv", "index.html", "letter.pdf", "table.csv", "table.html"]
        page = (folder / "index.html").read_text(encoding="utf-8")
        for name in ("letter.pdf", "table.csv", "table.html", "coverage.csv"):
            assert f'href="{name}"' in page
        assert 'href="../../index.html"' in page
        assert (folder / "table.csv").read_bytes() == (
            (first if row.reference == "FOI2019/02832" else second) / "public" / "table.csv"
        ).read_bytes()
    # plain, accessible HTML that works without JavaScript: the whole table, filters labelled
    assert '<html lang="en">' in index and "<caption>" in index
    assert '<th scope="col">Reference</th>' in index and '<th scope="row">' in index
    assert '<label for="q">' in index and '<label for="category">' in index
    assert '<option value="Weapons">Weapons</option>' in index
    assert '<option value="2019">2019</option>' in index
    assert '<form id="filters" role="search" hidden>' in index  # shown by the script only
    assert "http" not in index.replace('name="viewport"', "")  # nothing fetched, links relative
    # never the Word letter, the Markdown letter or anything from internal/
    every = log_files(log)
    assert not any(name.endswith((".docx", ".md", ".parquet", ".json")) for name in every)


def test_the_csv_index_has_the_header_and_lf_line_ends(tmp_path: Path) -> None:
    add_to_log(
        make_case(tmp_path / "a", "FOI2019/02832", clarification="Facebook only."), tmp_path / "log"
    )
    data = (tmp_path / "log" / INDEX_NAME).read_bytes()
    assert data.startswith(
        b"reference,title,received,answered,category,request,page,letter,files\n"
    )
    assert b"\r" not in data and not data.startswith(b"\xef\xbb\xbf")
    row = next(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert tuple(row) == HEADER
    assert row["category"] == "Crime statistics"  # the default
    assert row["request"] == f"{SEED_TEXT}\n\nClarification: Facebook only."
    assert row["letter"] == "releases/foi2019-02832/letter.pdf"
    assert row["files"].split(";") == [
        "releases/foi2019-02832/table.csv",
        "releases/foi2019-02832/table.html",
        "releases/foi2019-02832/coverage.csv",
        "releases/foi2019-02832/letter.pdf",
    ]
    page = (tmp_path / "log" / "releases" / "foi2019-02832" / "index.html").read_text()
    assert "<h2>Clarification</h2>" in page and "Facebook only." in page


def test_the_same_reference_added_again_replaces_its_release(tmp_path: Path) -> None:
    log = tmp_path / "log"
    add_to_log(make_case(tmp_path / "a", "FOI2019/02832", title="First version"), log)
    add_to_log(make_case(tmp_path / "b", "FOI2019/03101"), log)
    again = make_case(tmp_path / "a2", "FOI2019/02832", None, title="Second version")

    result = run_cli("log", "add", again, "--log", log)

    assert result.returncode == 0, result.stderr
    assert "Replaced FOI2019/02832" in result.stderr and "(2 releases)" in result.stderr
    rows = read_index(log)
    assert sorted(r.reference for r in rows) == ["FOI2019/02832", "FOI2019/03101"]
    assert next(r for r in rows if r.reference == "FOI2019/02832").title == "Second version"
    index = (log / "index.html").read_text()
    assert "Second version" in index and "First version" not in index
    # the replaced release's files are gone with it (the new one has no table)
    assert sorted(p.name for p in (log / "releases" / "foi2019-02832").iterdir()) == [
        "index.html",
        "letter.pdf",
    ]


def test_another_request_under_the_same_reference_is_refused(tmp_path: Path) -> None:
    log = tmp_path / "log"
    add_to_log(make_case(tmp_path / "a", "FOI2019/02832"), log)
    other = make_case(tmp_path / "b", "FOI2019/02832", request="How many knives were seized?")
    result = run_cli("log", "add", other, "--log", log)
    assert result.returncode != 0
    said = one_line_error(result).strip()
    assert said.startswith(
        f"foidesk: error: {log / 'disclosure-log.csv'}: FOI2019/02832 is already in the log as "
        "another request (received 2019-04-26, "
    )
    assert said.endswith("give --replace to put this case in its place, or check the reference")
    assert read_index(log)[0].request.startswith(SEED_TEXT[:30])
    forced = run_cli("log", "add", other, "--log", log, "--replace")
    assert forced.returncode == 0, forced.stderr
    assert read_index(log)[0].request == "How many knives were seized?"


def test_the_same_cases_give_byte_identical_logs(tmp_path: Path) -> None:
    cases = [
        make_case(tmp_path / "a", "FOI2019/02832"),
        make_case(tmp_path / "b", "FOI2018/00100", SUPPRESSED, category="Weapons"),
        make_case(tmp_path / "c", "FOI2019/04000", None),
    ]
    for log in ("one", "two"):
        for case in cases:
            add_to_log(case, tmp_path / log)
    for case in reversed(cases):  # another order, and each added twice
        add_to_log(case, tmp_path / "three")
        add_to_log(case, tmp_path / "three")
    one = log_files(tmp_path / "one")
    assert one == log_files(tmp_path / "two") == log_files(tmp_path / "three")
    assert len(one) == 2 + 5 + 5 + 2  # index and front page; two releases; one refused


def test_slugs_come_from_the_reference() -> None:
    assert slug_of("FOI2019/02832") == "foi2019-02832"
    assert slug_of("  FOI 2019 / 02832 ") == "foi-2019-02832"
    assert slug_of("Réf. 12") == "ref-12"
    assert slug_of("////").startswith("release-")


def test_the_date_answered(tmp_path: Path) -> None:
    log = tmp_path / "log"
    late = [{"kind": "letter-after-due-date", "letter_date": "2019-06-03", "due": "2019-05-28"}]
    add_to_log(make_case(tmp_path / "a", "A/1", created="2020-01-02T23:00:00+00:00"), log)
    add_to_log(make_case(tmp_path / "b", "B/1", notices=late), log)
    add_to_log(make_case(tmp_path / "c", "C/1"), log, answered=date(2019, 7, 1))
    answered = {r.reference: r.answered for r in read_index(log)}
    assert answered == {"A/1": "2020-01-02", "B/1": "2019-06-03", "C/1": "2019-07-01"}

    result = run_cli("log", "add", tmp_path / "a", "--log", log, "--answered", "3 June")
    assert "--answered" in one_line_error(result)


def test_a_case_refused_under_section_12_is_logged_with_its_letter(tmp_path: Path) -> None:
    log = tmp_path / "log"
    refused = make_case(tmp_path / "r", "FOI2019/09999", None)
    done = add_to_log(refused, log)
    assert not done.entry.has_table
    [row] = read_index(log)
    assert row.files == ("releases/foi2019-09999/letter.pdf",)
    page = (log / "releases" / "foi2019-09999" / "index.html").read_text()
    assert "section 12" in page

    result = run_cli("log", "check", refused, "--log", log)
    assert result.returncode == 0 and result.stdout == ""
    assert "nothing to check" in result.stderr


# -- what never goes in the log --------------------------------------------------------------


def test_the_addressee_never_appears_in_the_log(tmp_path: Path) -> None:
    case = make_case(
        tmp_path / "a",
        "FOI2019/02832",
        letter=pdf("Ms Jane Requester, 12 Mill Lane"),
        log_letter=pdf("Dear requester"),
        addressee=ADDRESSEE,
        title="Drugs and social media (asked by Jane Requester)",
        request=f"{SEED_TEXT} In Anytown. Write to me at 12 mill  lane, Anytown AN2 2BB. Jane",
        clarification="Signed, MS JANE REQUESTER",
    )
    log = tmp_path / "log"
    add_to_log(case, log)

    every = log_files(log)
    for data in every.values():
        text = data.decode("latin-1").lower()
        for part in ("jane", "requester,", "mill lane", "an2 2bb", "ms jane"):
            assert part not in text
    assert (
        every["releases/foi2019-02832/letter.pdf"] == (case / "public/log-letter.pdf").read_bytes()
    )
    page = every["releases/foi2019-02832/index.html"].decode()
    assert REMOVED in page and "Write to me at" in page
    assert "Anytown" in page  # the town alone is not their address: only whole lines go


def test_a_case_with_an_addressee_needs_the_letter_without_them(tmp_path: Path) -> None:
    case = make_case(tmp_path / "a", "FOI2019/02832", letter=pdf("Jane"), addressee=ADDRESSEE)
    message = one_line_error(run_cli("log", "add", case, "--log", tmp_path / "log"))
    assert "log-letter.pdf: missing" in message and "soffice" in message
    assert not (tmp_path / "log").exists()

    (case / "public" / "log-letter.pdf").write_bytes(pdf("Dear Ms Jane Requester"))
    with pytest.raises(CaseError, match=r"log-letter\.pdf: names the request.s addressee"):
        add_to_log(case, tmp_path / "log")


def test_values_from_data_are_escaped(tmp_path: Path) -> None:
    case = make_case(
        tmp_path / "a",
        "FOI<1>&2",
        title="Knives & <b>blades</b>",
        category="Crime & <i>statistics</i>",
        request='<script>alert("x")</script> & "quotes" \'too\'',
    )
    add_to_log(case, tmp_path / "log")
    index = (tmp_path / "log" / "index.html").read_text()
    page = (tmp_path / "log" / "releases" / slug_of("FOI<1>&2") / "index.html").read_text()
    for html in (index, page):
        assert "<b>" not in html and "<i>" not in html and "<script>alert" not in html
        assert "Knives &amp; &lt;b&gt;blades&lt;/b&gt;" in html
        assert "FOI&lt;1&gt;&amp;2" in html
        assert html.count("<script") == (1 if html is index else 0)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp;" in page


def test_cells_that_could_be_formulas_are_guarded(tmp_path: Path) -> None:
    case = make_case(
        tmp_path / "a",
        "=1+1",
        title='=HYPERLINK("http://evil.example","click")',
        category="+cmd|' /C calc'!A0",
        request="-2+3 and more",
    )
    add_to_log(case, tmp_path / "log")
    text = (tmp_path / "log" / INDEX_NAME).read_text(encoding="utf-8")
    [row] = list(csv.reader(io.StringIO(text)))[1:]
    assert row[0] == "'=1+1"
    assert row[1] == '\'=HYPERLINK("http://evil.example","click")'
    assert row[4].startswith("'+cmd") and row[5].startswith("'-2+3")
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in row)
    # read back as written, and the page shows the value itself
    [back] = read_index(tmp_path / "log")
    assert back.reference == "=1+1" and back.title.startswith("=HYPERLINK")


# -- errors a user can fix -------------------------------------------------------------------


def test_a_folder_that_is_not_a_case_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    message = one_line_error(run_cli("log", "add", tmp_path / "notes", "--log", tmp_path / "log"))
    assert "not a case folder" in message
    assert "does not exist" in one_line_error(
        run_cli("log", "check", tmp_path / "nowhere", "--log", tmp_path / "log")
    )


def test_a_case_without_its_pdf_letter_is_refused(tmp_path: Path) -> None:
    case = make_case(tmp_path / "a", "FOI2019/02832", letter=None)
    message = one_line_error(run_cli("log", "add", case, "--log", tmp_path / "log"))
    assert "letter.pdf" in message and "missing" in message and "soffice" in message


def test_a_folder_with_other_files_and_no_index_is_refused(tmp_path: Path) -> None:
    case = make_case(tmp_path / "a", "FOI2019/02832")
    other = tmp_path / "website"
    other.mkdir()
    (other / "index.html").write_text("<p>the force's own page</p>")
    message = one_line_error(run_cli("log", "add", case, "--log", other))
    assert "holds other files but no disclosure-log.csv" in message
    assert (other / "index.html").read_text() == "<p>the force's own page</p>"
    assert "disclosure-log.csv: missing" in one_line_error(
        run_cli("log", "check", case, "--log", other)
    )


@pytest.mark.parametrize(
    ("rows", "line", "said"),
    [
        ("reference,title\n", 1, "the header is not"),
        (
            "FOI1,t,2019-01-01,2019-02-01,c,r,releases/foi1/index.html,releases/foi1/letter.pdf,"
            "releases/foi1/letter.pdf\nFOI2,t,2019-01-01,not a date,c,r,x,y,z\n",
            3,
            "answered 'not a date'",
        ),
        (
            "FOI1,t,2019-01-01,2019-02-01,c,r,releases/foi1/index.html,releases/foi1/letter.pdf,"
            "releases/../../etc/passwd\n",
            2,
            "is not one of a release's files",
        ),
        ('FOI1,"unclosed\n', 2, "not CSV"),
        ("FOI1,t\n", 2, "2 fields where the header has 9"),
    ],
)
def test_a_corrupt_index_is_refused_with_its_line(
    tmp_path: Path, rows: str, line: int, said: str
) -> None:
    log = tmp_path / "log"
    log.mkdir()
    header = ",".join(HEADER) + "\n"
    (log / INDEX_NAME).write_text(rows if rows.startswith("reference,") else header + rows)
    before = (log / INDEX_NAME).read_bytes()
    case = make_case(tmp_path / "a", "FOI2019/02832")
    with pytest.raises(CaseError, match=rf"{INDEX_NAME}: line {line}: .*{said}"):
        add_to_log(case, log)
    assert (log / INDEX_NAME).read_bytes() == before
    assert f"line {line}" in one_line_error(run_cli("log", "add", case, "--log", log))


# -- checking a release against the log -----------------------------------------------------


def test_log_check_finds_a_cell_withheld_in_one_release_and_published_in_another(
    tmp_path: Path,
) -> None:
    log = tmp_path / "log"
    add_to_log(make_case(tmp_path / "earlier", "FOI2018/00100", PUBLISHED), log)
    add_to_log(make_case(tmp_path / "refused", "FOI2018/00200", None), log)
    now = make_case(tmp_path / "now", "FOI2019/02832", SUPPRESSED)

    found = check_against_log(now, log)
    assert found.without_table == ("FOI2018/00200",)
    assert [(c.labels, c.period, c.earlier, c.published, c.withheld) for c in found.conflicts] == [
        (("CHARGED",), "2017", "FOI2018/00100", 3, "<5"),
    ]

    result = run_cli("log", "check", now, "--log", log)
    assert result.returncode == 1, result.stderr
    assert result.stdout == "CHARGED @ 2017: published 3 in FOI2018/00100, withheld now\n"
    assert "1 cell withheld in one release and published in the other" in result.stderr
    assert "1 more with no table" in result.stderr

    # the other way round: published now, withheld in the log's release
    add_to_log(now, log)
    other = make_case(tmp_path / "other", "FOI2019/05000", PUBLISHED)
    result = run_cli("log", "check", other, "--log", log)
    assert result.returncode == 1
    assert "CHARGED @ 2017: published 3 now, withheld in FOI2019/02832" in result.stdout


def test_log_check_exits_0_without_conflicts(tmp_path: Path) -> None:
    log = tmp_path / "log"
    add_to_log(make_case(tmp_path / "earlier", "FOI2018/00100", PUBLISHED), log)
    same = make_case(tmp_path / "now", "FOI2019/02832", table((3, 10, 13), (6, 7, 13)))
    result = run_cli("log", "check", same, "--log", log)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "no cell withheld in one and published in another" in result.stderr


def test_log_check_help_gives_the_exit_codes() -> None:
    result = run_cli("log", "check", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "0 when no cell conflicts" in text and "1 when conflicts are found" in text
    assert "2 for an error" in text
