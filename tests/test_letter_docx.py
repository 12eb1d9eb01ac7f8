"""The letter a force sends: Word on its own letterhead and PDF (issue 16, items 1 and 2).

The seed case is answered with a force letterhead written here with python-docx (a header
with the force's name, the reference as a field and a logo, a footer), and read back as a
user would: the DOCX with python-docx, the PDF with pypdf (its text, fonts and tags). The
known pitfalls of DOCX templating are tested: a field split across runs, and ``&`` and ``<``
in the request's own words.
"""

from __future__ import annotations

import base64
import io
import shutil
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import docx
import pypdf
import pytest
from docx.shared import Cm

import foidesk
from foidesk.errors import LetterError, RequestError
from foidesk.release.document import LetterFields
from foidesk.release.gate import make_release
from foidesk.release.letter import LETTER_TABLE_ROWS
from foidesk.release.publish import write_public
from foidesk.release.render.docx import builtin_template, render_letter_docx
from foidesk.release.render.pdf import docx_to_pdf
from tests.conftest import SEED, run_cli
from tests.test_cost_estimate import _over_limit

FORCE = """
[force]
name = "Borsetshire Police"
unit = "Information Rights Unit"
address = "Police Headquarters, Felpersham, BO1 1AA"
email = "foi@borsetshire.police.example"
telephone = "01632 960123"
signatory = "J. Archer"
"""
# a 1x1 PNG: the letterhead's logo
LOGO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _letterhead(path: Path, *, split_field: bool = True, body: str | None = None) -> Path:
    """A force's letterhead: the header holds its name, a logo and the reference as a field
    (split across two runs, as Word often saves it), the footer a line of its own."""
    doc = docx.Document()
    header = doc.sections[0].header.paragraphs[0]
    header.add_run().add_picture(io.BytesIO(LOGO), width=Cm(1))
    header.add_run(" BORSETSHIRE POLICE LETTERHEAD  Ref: ")
    if split_field:
        header.add_run("{{ refer")
        header.add_run("ence }}")
    else:
        header.add_run("{{ reference }}")
    doc.sections[0].footer.paragraphs[0].add_run("Borsetshire footer: working with communities")
    if body is not None:
        doc.add_paragraph(body)
    doc.save(path)
    return path


def _seed_case(folder: Path, extra: str = "", *, template: Path | None = None) -> Path:
    """The seed request in ``folder`` with its extracts beside it, and ``extra`` lines."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("legacy.csv", "athena.csv"):
        shutil.copy(SEED / name, folder / name)
    text = (SEED / "request.toml").read_text(encoding="utf-8")
    force = FORCE + (f'letter_template = "{template.name}"\n' if template else "")
    request = folder / "request.toml"
    request.write_text(extra + "\n" + text + force, encoding="utf-8")
    return request


def _answer(request: Path, out: Path) -> Path:
    result = foidesk.answer(request, letter_date=date(2019, 6, 3))
    foidesk.write_case(out, result)
    return out / "public"


def _docx_text(path: Path) -> str:
    """Every paragraph of the body, its tables, headers and footers, one per line."""
    doc = docx.Document(path)
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        lines += [" | ".join(c.text for c in row.cells) for row in table.rows]
    for section in doc.sections:
        lines += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(lines)


def _pdf_text(path: Path) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(path).pages)


@pytest.fixture(scope="module")
def force_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("force")
    template = _letterhead(folder / "letterhead.docx")
    request = _seed_case(
        folder, 'addressee = "Ms A. Requester\\n1 Any Street, Anytown"\n', template=template
    )
    return _answer(request, folder / "case")


def test_the_seed_letter_opens_as_docx_and_pdf_with_its_table(force_case: Path) -> None:
    names = {p.name for p in force_case.iterdir()}
    assert {"letter.docx", "letter.pdf", "log-letter.pdf"} <= names
    assert not any("draft" in n for n in names)  # every [force] detail given: final
    doc = docx.Document(force_case / "letter.docx")
    table = doc.tables[0]  # the FOI table (the seed's is small: pasted into the letter)
    rows = [[c.text for c in row.cells] for row in table.rows]
    csv_rows = (force_case / "table.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0][0] == "OUTCOME/OFFENCE/SOCIAL MEDIA PLATFORM"
    assert rows[-1][0] == "Grand Total"
    assert rows[-1][1:] == csv_rows[-1].split(",")[-len(rows[-1]) + 1 :]  # the same totals
    assert len(rows) == len(csv_rows)  # header and every row, Grand Total included
    pdf = _pdf_text(force_case / "letter.pdf")
    assert "Ref No: FOI2019/02832" in pdf and "Grand Total" in pdf
    assert "within 40 working days of the date of this letter, that is by 30th July 2019" in pdf


def test_the_force_letterhead_is_kept(force_case: Path) -> None:
    text = _docx_text(force_case / "letter.docx")
    # the header's field was split across two runs in the template: filled all the same
    assert "BORSETSHIRE POLICE LETTERHEAD  Ref: FOI2019/02832" in text
    assert "Borsetshire footer: working with communities" in text
    assert "{{" not in text and "}}" not in text
    with zipfile.ZipFile(force_case / "letter.docx") as z:
        assert any(n.startswith("word/media/") for n in z.namelist())  # the logo
    pdf = _pdf_text(force_case / "letter.pdf")
    assert "BORSETSHIRE POLICE LETTERHEAD Ref: FOI2019/02832" in pdf
    assert "Borsetshire footer" in pdf
    # this letterhead does not print the force's address itself: the letter does
    assert "Police Headquarters, Felpersham, BO1 1AA" in text


def test_the_pdf_is_tagged_with_fonts_embedded(force_case: Path) -> None:
    reader = pypdf.PdfReader(force_case / "letter.pdf")
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]  # tagged
    assert reader.metadata is not None
    assert reader.metadata.title.startswith("Request under the Freedom of Information Act 2000")
    assert reader.metadata.author == "Borsetshire Police"  # never a person's name
    fonts = 0
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
            fonts += 1
    assert fonts


def test_the_addressee_is_in_the_letter_and_never_in_the_log_copy(force_case: Path) -> None:
    assert "Ms A. Requester" in _docx_text(force_case / "letter.docx")
    assert "Ms A. Requester" in _pdf_text(force_case / "letter.pdf")
    log_copy = _pdf_text(force_case / "log-letter.pdf")
    assert "Requester" not in log_copy and "1 Any Street" not in log_copy
    assert "Ref No: FOI2019/02832" in log_copy  # the rest of the letter is the same


def test_the_same_letter_is_the_same_bytes(tmp_path: Path, force_case: Path) -> None:
    again = _answer(
        _seed_case(
            tmp_path,
            'addressee = "Ms A. Requester\\n1 Any Street, Anytown"\n',
            template=_letterhead(tmp_path / "letterhead.docx"),
        ),
        tmp_path / "case",
    )
    for name in ("letter.docx", "letter.pdf", "log-letter.pdf"):
        assert (again / name).read_bytes() == (force_case / name).read_bytes(), name


def test_data_with_ampersands_and_angle_brackets_is_text(tmp_path: Path) -> None:
    request = _seed_case(tmp_path)
    text = request.read_text(encoding="utf-8").replace(
        'clarification = "By social media',
        'clarification = "Tom & Jerry <script>alert(1)</script> {{ reference }} ]]> By social '
        "media",
    )
    request.write_text(text, encoding="utf-8")
    public = _answer(request, tmp_path / "case")
    body = _docx_text(public / "letter.docx")
    assert "Tom & Jerry <script>alert(1)</script> {{ reference }} ]]> By social media" in body
    assert "Tom & Jerry <script>alert(1)</script>" in _pdf_text(public / "letter.pdf")


def test_a_letter_with_placeholders_is_a_draft(tmp_path: Path, seed_request: Path) -> None:
    public = _answer(seed_request, tmp_path / "case")  # the seed request gives no [force]
    assert not (public / "letter.docx").exists() and not (public / "letter.pdf").exists()
    text = _docx_text(public / "letter-draft.docx")
    assert text.startswith("DRAFT: NOT FOR SENDING. This letter still has placeholders")
    assert "[FORCE NAME]" in text
    assert "DRAFT: NOT FOR SENDING" in _pdf_text(public / "letter-draft.pdf")


def test_the_builtin_letterhead_shows_the_force_and_page_numbers(tmp_path: Path) -> None:
    public = _answer(_seed_case(tmp_path), tmp_path / "case")
    doc = docx.Document(public / "letter.docx")
    section = doc.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    header = "\n".join(p.text for p in section.header.paragraphs)
    assert "Borsetshire Police" in header and "Information Rights Unit" in header
    footer = "\n".join(p.text for p in section.footer.paragraphs)
    assert "01632 960123" in footer and "foi@borsetshire.police.example" in footer
    # the letterhead prints the contact details, so the body does not repeat them
    assert "Telephone: 01632 960123" not in "\n".join(p.text for p in doc.paragraphs)
    pdf = _pdf_text(public / "letter.pdf")
    assert "Page 1 of" in pdf
    assert doc.core_properties.author == "Borsetshire Police"
    with zipfile.ZipFile(public / "letter.docx") as z:
        assert not any("thumbnail" in n for n in z.namelist())  # no picture of the template


def test_a_long_table_is_attached_not_pasted(tmp_path: Path) -> None:
    result = foidesk.answer(_seed_case(tmp_path), letter_date=date(2019, 6, 3))
    # the seed's table, its rows repeated past the letter's limit
    times = LETTER_TABLE_ROWS // len(result.table.rows) + 1
    many = replace(result.table, rows=result.table.rows * times)
    release = make_release(
        result.request,
        many,
        result.coverage,
        result.release.sources,
        result.release.terms,
        date(2019, 6, 3),
        letter_pdf=False,
    )
    write_public(tmp_path / "public", release)
    letter = docx.Document(tmp_path / "public" / "letter.docx")
    body = "\n".join(p.text for p in letter.paragraphs)
    assert f"The table has {len(many.rows) + 1:,} rows, too many to set out in this letter" in body
    assert "table.xlsx" in body
    assert all(t.rows[0].cells[0].text != many.heading for t in letter.tables)
    md = (tmp_path / "public" / "letter.md").read_text(encoding="utf-8")
    assert "| Grand Total |" not in md and "Grand Total" not in md.split("## How the figures")[0]


def test_the_refusal_letter_in_word(tmp_path: Path) -> None:
    request = _over_limit(tmp_path)  # 30 crimes to read at an hour each: over 18 hours
    request.write_text(request.read_text(encoding="utf-8") + FORCE, encoding="utf-8")
    public = _answer(request, tmp_path / "case")
    assert not (public / "table.csv").exists()
    body = _docx_text(public / "letter.docx")
    assert "Section 12(1) of the Act does not oblige a public authority" in body
    assert "Advice and assistance" in body
    assert "within 40 working days" in body
    assert "Section 12(1)" in _pdf_text(public / "letter.pdf")


def test_a_partial_answer_names_the_exemption(tmp_path: Path) -> None:
    request = _seed_case(tmp_path)
    text = request.read_text(encoding="utf-8").replace("suppress_below = 0", "suppress_below = 5")
    request.write_text(text, encoding="utf-8")
    public = _answer(request, tmp_path / "case")
    body = _docx_text(public / "letter.docx")
    assert "Figures withheld" in body and "section 40(2) of the Act" in body
    assert "<5" in body
    # convictions are not held by the police: the part not held, said in the letter
    assert "held by the courts and the Ministry of Justice" in body


# -- the letterhead refused -------------------------------------------------------------------


def test_a_field_foidesk_does_not_fill_is_refused(tmp_path: Path) -> None:
    template = tmp_path / "letterhead.docx"
    doc = docx.Document()
    doc.add_paragraph("Dear {{ requester_name }}")
    doc.save(template)
    request = _seed_case(tmp_path, template=template)
    proc = run_cli("answer", request, "--out", tmp_path / "case")
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith(
        f"foidesk: error: {template}: the body: the field {{{{ requester_name }}}} is not one "
        "foidesk fills"
    )
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "case" / "public").exists()


def test_a_broken_tag_is_refused_in_one_line(tmp_path: Path) -> None:
    template = tmp_path / "letterhead.docx"
    doc = docx.Document()
    doc.add_paragraph("Our ref {{ reference }")
    doc.save(template)
    with pytest.raises(
        LetterError, match=r"letterhead.docx: the body: the paragraph 'Our ref \{\{ reference \}'"
    ):
        render_letter_docx(foidesk.answer(_seed_case(tmp_path)).release.letter, _fields(), template)


def test_the_letter_field_must_be_in_the_body(tmp_path: Path) -> None:
    template = tmp_path / "letterhead.docx"
    doc = docx.Document()
    doc.sections[0].header.paragraphs[0].add_run("{{p letter }}")
    doc.save(template)
    with pytest.raises(LetterError, match=r"is in a header or footer; put it in the body"):
        render_letter_docx(foidesk.answer(_seed_case(tmp_path)).release.letter, _fields(), template)


def test_a_template_body_comes_before_the_letter(tmp_path: Path) -> None:
    template = _letterhead(tmp_path / "letterhead.docx", body="OFFICIAL")
    data = render_letter_docx(
        foidesk.answer(_seed_case(tmp_path)).release.letter, _fields(), template
    )
    paragraphs = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs if p.text]
    assert paragraphs[0] == "OFFICIAL"
    assert any(p.startswith("I write in connection with your request") for p in paragraphs)


def test_a_template_that_is_not_word_is_refused(tmp_path: Path) -> None:
    template = tmp_path / "letterhead.docx"
    template.write_text("not a zip", encoding="utf-8")
    request = _seed_case(tmp_path, template=template)
    with pytest.raises(LetterError, match=r"letterhead.docx: not a Word document \(.docx\)"):
        foidesk.write_case(tmp_path / "case", foidesk.answer(request))


def test_a_template_that_is_missing_is_refused_by_the_request(tmp_path: Path) -> None:
    request = _seed_case(tmp_path, template=tmp_path / "nowhere.docx")
    with pytest.raises(
        RequestError, match=r"force.letter_template: 'nowhere.docx': file not found"
    ):
        foidesk.load_request(request)


def test_builtin_template_fields_are_all_filled(tmp_path: Path) -> None:
    path = tmp_path / "builtin.docx"
    path.write_bytes(builtin_template())
    pdf = docx_to_pdf(path, tmp_path / "builtin.pdf")  # LibreOffice opens the template itself
    assert pdf.read_bytes().startswith(b"%PDF-")


def _fields() -> LetterFields:
    return LetterFields(
        reference="FOI2019/02832",
        title="Request",
        letter_date="3rd June 2019",
        received="26th April 2019",
        force_name="Borsetshire Police",
        unit="Information Rights Unit",
        address="HQ",
        telephone="01632 960123",
        email="foi@example.org",
        signatory="J. Archer",
    )


def test_letter_template_saves_the_builtin_letterhead_to_start_from(tmp_path: Path) -> None:
    out = tmp_path / "letterhead.docx"
    proc = run_cli("letter-template", out)
    assert proc.returncode == 0, proc.stderr
    header = docx.Document(out).sections[0].header.paragraphs[0].text
    assert "{{ force_name }}" in header
    # a force's letterhead made from it fills as the built-in one does
    public = _answer(_seed_case(tmp_path, template=out), tmp_path / "case")
    assert "Borsetshire Police" in _docx_text(public / "letter.docx")
    again = run_cli("letter-template", out)
    assert again.returncode != 0
    assert again.stderr.strip() == f"foidesk: error: {out}: already exists; give a new file name"


# -- a letterhead is not trusted -----------------------------------------------------------------

ATTACKS = {
    # Jinja2 code would run on the machine that holds the crime records
    "{% for c in [cycler] %}{{ c.__init__.__globals__.os.popen('id').read() }}{% endfor %}": (
        "holds a tag that is not a field"
    ),
    "{{ ''.__class__ }}": "holds a tag that is not a field",
    "{{ reference|upper }}": "holds a tag that is not a field",
    "{{ reference }} {% if x %}x{% endif %}": "holds a tag that is not a field",
    "{# a comment #}": "holds a tag that is not a field",
    "Ref {{ reference }} }}": "holds a tag that is not a field",
    "Date {{letter_date}} and {{p reference }}": "write the letter's place as {{p letter }}",
    "Before {{p letter }}": "{{p letter }} must be alone in its paragraph",
}


@pytest.mark.parametrize(("text", "said"), list(ATTACKS.items()))
def test_only_plain_fields_are_filled(tmp_path: Path, text: str, said: str) -> None:
    template = tmp_path / "letterhead.docx"
    doc = docx.Document()
    doc.add_paragraph(text)
    doc.save(template)
    letter = foidesk.answer(_seed_case(tmp_path)).release.letter
    with pytest.raises(LetterError) as caught:
        render_letter_docx(letter, _fields(), template)
    assert str(caught.value).startswith(f"{template}: the body: ")
    assert said in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_letter_field_in_a_header_is_refused_even_with_one_in_the_body(tmp_path: Path) -> None:
    template = tmp_path / "letterhead.docx"
    doc = docx.Document()
    doc.sections[0].header.paragraphs[0].add_run("{{p letter }}")
    doc.add_paragraph("{{p letter }}")
    doc.save(template)
    letter = foidesk.answer(_seed_case(tmp_path)).release.letter
    with pytest.raises(LetterError, match=r"is in a header or footer; put it in the body"):
        render_letter_docx(letter, _fields(), template)


def test_the_letterheads_own_properties_never_reach_the_letter(tmp_path: Path) -> None:
    template = tmp_path / "letterhead.docx"
    doc = docx.Document()
    props = doc.core_properties
    props.author, props.last_modified_by = "Jane Smith", "Jane Smith"
    props.keywords, props.comments = "notes by Jane re complainant", "draft for Bob"
    props.category, props.content_status, props.subject = "Internal", "DRAFT", "Smith case"
    doc.add_paragraph("Our ref {{ reference }}")
    doc.save(template)
    letter = foidesk.answer(_seed_case(tmp_path)).release.letter
    data = render_letter_docx(letter, _fields(), template)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        core = z.read("docProps/core.xml").decode("utf-8")
        app = z.read("docProps/app.xml").decode("utf-8")
        assert "docProps/custom.xml" not in z.namelist()
    for word in ("Jane", "Bob", "Internal", "DRAFT", "Smith", "complainant"):
        assert word not in core and word not in app, word
    assert core.count("<dc:creator>") == 1 and core.count("<cp:lastModifiedBy>") == 1
    # read as XML: docxcompose (under docxtpl) remaps python-docx's "cp" prefix once imported
    assert "<dc:creator>Borsetshire Police</dc:creator>" in core
    assert "<cp:lastModifiedBy>Borsetshire Police</cp:lastModifiedBy>" in core
    assert "<dc:identifier>FOI2019/02832</dc:identifier>" in core
    assert "<dc:title>Request under the Freedom of Information Act 2000" in core
    assert "<Application>foidesk</Application>" in app


def test_a_letterhead_that_prints_the_date_and_reference_is_not_repeated(tmp_path: Path) -> None:
    template = tmp_path / "letterhead.docx"
    doc = docx.Document()
    doc.sections[0].header.paragraphs[0].add_run("Date: {{ letter_date }}  Ref: {{ reference }}")
    doc.save(template)
    letter = foidesk.answer(_seed_case(tmp_path), letter_date=date(2019, 6, 3)).release.letter
    data = render_letter_docx(letter, _fields(), template)
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "3rd June 2019" not in body.split("Request under")[0]
    assert "Our Ref:" not in body
    header = docx.Document(io.BytesIO(data)).sections[0].header.paragraphs[0].text
    assert header == "Date: 3rd June 2019  Ref: FOI2019/02832"


def test_the_log_copy_leaves_out_a_name_signed_in_the_request(tmp_path: Path) -> None:
    request = _seed_case(tmp_path, 'addressee = "Ms Petra Quigley\\n3 Mill Lane, Anytown"\n')
    text = request.read_text(encoding="utf-8").replace(
        'request = "The number', 'request = "Petra asks, as P. Quigley: the number', 1
    )
    request.write_text(text, encoding="utf-8")
    public = _answer(request, tmp_path / "case")
    assert "Petra asks, as P. Quigley" in _pdf_text(public / "letter.pdf")
    log_copy = _pdf_text(public / "log-letter.pdf")
    assert "Petra" not in log_copy and "Quigley" not in log_copy and "Mill Lane" not in log_copy
    assert "[name and address removed] asks" in log_copy


def test_without_libreoffice_the_letter_is_word_only_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOIDESK_SOFFICE", str(tmp_path / "no-such-soffice"))
    result = foidesk.answer(_seed_case(tmp_path), letter_date=date(2019, 6, 3))
    said = [n.message for n in result.notices if n.kind == "letter-no-pdf"]
    assert said == [
        "the letter is written as Word only, not PDF: "
        f"FOIDESK_SOFFICE={tmp_path / 'no-such-soffice'} names no program: correct it or unset it"
    ]
    foidesk.write_case(tmp_path / "case", result)
    names = {p.name for p in (tmp_path / "case" / "public").iterdir()}
    assert "letter.docx" in names and not any(n.endswith(".pdf") for n in names)
    # asked for a PDF all the same: one line naming the file and the setting
    with pytest.raises(LetterError, match=r"letter.pdf: the PDF letter cannot be made: "):
        docx_to_pdf(tmp_path / "case" / "public" / "letter.docx", tmp_path / "letter.pdf")
