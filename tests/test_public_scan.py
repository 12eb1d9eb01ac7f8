"""The scan of public/ (``foidesk.case_scan``): every format read as text, a crime reference
or a note's text refused naming the file, document authors warned; ``write_case`` and
``foidesk scan`` run it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
import pytest
import xlsxwriter
from pypdf import PdfWriter
from pypdf.annotations import FreeText

import foidesk
import foidesk.case_folder
from foidesk.case_scan import extract_text, scan_case, scan_public
from foidesk.errors import FoideskError, PublicLeakError
from foidesk.notices import Notice
from foidesk.release.gate import PublicRelease
from tests.conftest import run_cli
from tests.helpers import files_under

REF = "LG/18/000202"  # a crime of the seed case with a hit (internal/evidence.parquet)
# that hit's context, as the note holds it: "IP states the male used his face book page to
# arrange a meet, then handed over a bag of cannabis."
EIGHT_WORDS = "Used his\n FACE book page to  arrange a"
SEVEN_WORDS = "used his face book page to arrange"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory, seed_answer: foidesk.Answer) -> Path:
    """The seed case written once (its scan passed)."""
    out = tmp_path_factory.mktemp("seed") / "case"
    foidesk.write_case(out, seed_answer)
    return out


@pytest.fixture
def case(tmp_path: Path, written: Path) -> Path:
    """A copy of the seed case, for planting files in its public/."""
    return Path(shutil.copytree(written, tmp_path / "case"))


def _refused(case: Path, name: str) -> str:
    with pytest.raises(PublicLeakError) as caught:
        scan_case(case)
    message = str(caught.value)
    assert message.startswith(f"public/{name}"), message
    assert "\n" not in message
    return message


def _notices(notices: tuple[Notice, ...], name: str) -> list[Notice]:
    """The notices about the public file ``name`` (not about files other features write)."""
    return [n for n in notices if n.details["file"] == name]


def _docx(path: Path, body: str = "Dear requester,", author: str = "foidesk") -> docx.Document:
    document = docx.Document()
    document.add_paragraph(body)
    document.core_properties.author = author
    document.core_properties.comments = ""
    document.save(str(path))
    return document


# --- a clean case --------------------------------------------------------------------------


def test_the_seed_case_passes(case: Path) -> None:
    result = scan_case(case)
    assert {"table.xlsx", "table.html", "letter.md", "coverage.csv"} <= set(result.files)
    assert result.references == 3 and result.notes == 3
    # the tables foidesk writes name no author (the letter's properties are the template's)
    assert not [n for n in result.notices if n.details["file"].startswith("table.")]
    assert result.summary.startswith("public/ holds no crime reference or note text (")
    assert "table.xlsx" in result.summary


def test_extract_text_reads_the_xlsx_cells_and_properties(case: Path) -> None:
    text = extract_text(case / "public" / "table.xlsx")
    assert "Grand Total" in text  # a shared string
    assert "Aggregate figures only" in text  # docProps/core.xml
    assert "Table" in text  # the sheet's name


# --- DOCX ----------------------------------------------------------------------------------


def test_docx_body(case: Path) -> None:
    _docx(case / "public" / "letter.docx", f"Your request about crime {REF} is answered.")
    message = _refused(case, "letter.docx")
    assert REF in message and "word/document.xml" in message


def test_docx_reference_split_over_runs(case: Path) -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("Crime ")
    paragraph.add_run("LG/18/").bold = True
    paragraph.add_run("000202 was recorded.")
    document.save(str(case / "public" / "letter.docx"))
    assert REF in _refused(case, "letter.docx")


def test_docx_header(case: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Dear requester,")
    document.sections[0].header.paragraphs[0].text = f"Ref {REF.lower()}"
    document.save(str(case / "public" / "letter.docx"))
    message = _refused(case, "letter.docx")
    assert "word/header" in message


def test_docx_comment(case: Path) -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("The figures are below.")
    document.add_comment(paragraph.runs, text=f"checked against {REF}", author="A", initials="A")
    document.save(str(case / "public" / "letter.docx"))
    assert "word/comments.xml" in _refused(case, "letter.docx")


def test_docx_core_properties(case: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Dear requester,")
    document.core_properties.subject = f"FOI about {REF}"
    document.save(str(case / "public" / "letter.docx"))
    assert "docProps/core.xml" in _refused(case, "letter.docx")


def test_docx_note_words(case: Path) -> None:
    _docx(case / "public" / "letter.docx", f"We found that {EIGHT_WORDS} meet.")
    message = _refused(case, "letter.docx")
    assert "8 or more consecutive words of a note's text of crime LG/18/000202" in message
    assert "arrange" not in message  # the note text itself is not repeated


def test_docx_author_is_a_notice(case: Path) -> None:
    _docx(case / "public" / "letter.docx", author="Jane Roe")
    notices = _notices(scan_case(case).notices, "letter.docx")
    assert [n.kind for n in notices] == ["public-file-author"]
    assert notices[0].message.startswith("public/letter.docx: ")
    assert "Jane Roe" in notices[0].message


def test_the_forces_name_as_author_is_no_notice(tmp_path: Path) -> None:
    _docx(tmp_path / "letter.docx", author="Northshire Police")
    assert scan_public(tmp_path, force="Northshire Police").notices == ()
    assert len(scan_public(tmp_path, force="Southshire Police").notices) == 1


# --- PDF -----------------------------------------------------------------------------------


def _soffice_pdf(tmp_path: Path, source: Path, out: Path) -> Path:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out / (source.stem + ".pdf")


def test_pdf_made_by_libreoffice(tmp_path: Path, case: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    _docx(work / "letter.docx", f"Your request about crime {REF} is answered.", author="Jane Roe")
    pdf = _soffice_pdf(tmp_path, work / "letter.docx", case / "public")
    assert REF in extract_text(pdf)
    message = _refused(case, "letter.pdf")
    assert REF in message and "page 1" in message


def test_pdf_author_is_a_notice(tmp_path: Path, case: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    _docx(work / "letter.docx", "Dear requester,", author="Jane Roe")
    _soffice_pdf(tmp_path, work / "letter.docx", case / "public")
    notices = _notices(scan_case(case).notices, "letter.pdf")
    assert [n.message.split(":")[0] for n in notices] == ["public/letter.pdf"]
    assert "Jane Roe" in notices[0].message


def test_pdf_info_title(case: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": f"Crime {REF}"})
    with (case / "public" / "letter.pdf").open("wb") as f:
        writer.write(f)
    assert "document information" in _refused(case, "letter.pdf")


def test_pdf_annotation(case: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_annotation(0, FreeText(text=f"see {REF}", rect=(50, 550, 200, 650)))
    with (case / "public" / "letter.pdf").open("wb") as f:
        writer.write(f)
    assert "page 1 annotations" in _refused(case, "letter.pdf")


def test_a_damaged_pdf_is_refused(case: Path) -> None:
    (case / "public" / "letter.pdf").write_bytes(b"%PDF-1.7\nnot a pdf at all")
    assert "cannot be read" in _refused(case, "letter.pdf")


# --- XLSX ----------------------------------------------------------------------------------


def test_xlsx_hidden_sheet(case: Path) -> None:
    book = xlsxwriter.Workbook(str(case / "public" / "extra.xlsx"))
    book.add_worksheet("Table").write(0, 0, "Grand Total")
    hidden = book.add_worksheet("Workings")
    hidden.write(3, 2, f"from {REF}")
    hidden.hide()
    book.close()
    assert "xl/sharedStrings.xml" in _refused(case, "extra.xlsx")


def test_xlsx_comment(case: Path) -> None:
    book = xlsxwriter.Workbook(str(case / "public" / "extra.xlsx"))
    sheet = book.add_worksheet("Table")
    sheet.write(0, 0, 12)
    sheet.write_comment(0, 0, f"includes {REF}")
    book.close()
    assert "xl/comments1.xml" in _refused(case, "extra.xlsx")


def test_xlsx_not_a_zip(case: Path) -> None:
    (case / "public" / "table.xlsx").write_bytes(b"name,count\n")
    assert "not a XLSX file" in _refused(case, "table.xlsx")


def test_zip_limits(tmp_path: Path, case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    public = tmp_path / "public"
    public.mkdir()
    shutil.copy(case / "public" / "table.xlsx", public)
    scan_public(public)
    monkeypatch.setattr("foidesk.case_scan.MAX_MEMBER_BYTES", 100)
    with pytest.raises(PublicLeakError, match=r"^public/table.xlsx: cannot be read .* 100 bytes"):
        scan_public(public)
    monkeypatch.setattr("foidesk.case_scan.MAX_MEMBER_BYTES", 100 << 20)
    monkeypatch.setattr("foidesk.case_scan.MAX_ZIP_BYTES", 1000)
    with pytest.raises(PublicLeakError, match=r"^public/table.xlsx: .* more than 1,000 bytes"):
        scan_public(public)


# --- text formats --------------------------------------------------------------------------


def test_html_attribute(case: Path) -> None:
    (case / "public" / "table.html").write_text(
        f'<table><tr><td title="{REF}">12</td></tr></table>', encoding="utf-8"
    )
    assert REF in _refused(case, "table.html")


def test_html_entities_are_unescaped(case: Path) -> None:
    (case / "public" / "table.html").write_text(
        "<p>LG&#47;18&#x2F;000202</p><!-- nothing -->", encoding="utf-8"
    )
    assert REF in _refused(case, "table.html")


def test_csv(case: Path) -> None:
    with (case / "public" / "coverage.csv").open("a", encoding="utf-8") as f:
        f.write(f"Legacy,2018,'{REF},1\n")
    assert REF in _refused(case, "coverage.csv")


def test_markdown(case: Path) -> None:
    with (case / "public" / "method.md").open("a", encoding="utf-8") as f:
        f.write(f"\nSee lg/18/000202 and [the crime](https://x.example/{REF}).\n")
    assert REF in _refused(case, "method.md")


def test_a_reference_inside_a_longer_token_is_not_one(case: Path) -> None:
    with (case / "public" / "method.md").open("a", encoding="utf-8") as f:
        f.write("\nXLG/18/0002021 is another number.\n")
    scan_case(case)


def test_eight_words_of_note_text_are_refused(case: Path) -> None:
    with (case / "public" / "method.md").open("a", encoding="utf-8") as f:
        f.write(f"\nThe officer wrote: {EIGHT_WORDS}.\n")
    assert "8 or more consecutive words" in _refused(case, "method.md")


def test_seven_words_of_note_text_pass(case: Path) -> None:
    with (case / "public" / "method.md").open("a", encoding="utf-8") as f:
        f.write(f"\nThe officer wrote: {SEVEN_WORDS}.\n")
    scan_case(case)


def test_an_unknown_file_type_is_refused(case: Path) -> None:
    (case / "public" / "notes.rtf").write_text("{\\rtf1 nothing}", encoding="utf-8")
    message = _refused(case, "notes.rtf")
    assert "does not read (.rtf)" in message


def test_references_and_notes_given_by_the_caller(tmp_path: Path) -> None:
    (tmp_path / "table.txt").write_text(
        "Total 12\nZZ/19/999999\nthe cat sat on the mat by the door\n", encoding="utf-8"
    )
    scan_public(tmp_path)
    with pytest.raises(PublicLeakError, match=r"^public/table.txt: .*zz/19/999999"):
        scan_public(tmp_path, references=["zz/19/999999"])
    with pytest.raises(PublicLeakError, match=r"^public/table.txt: holds 8 or more"):
        scan_public(tmp_path, notes=["Then: the cat sat on the mat by the door."])
    scan_public(tmp_path, notes=["the cat sat on the mat by"])  # 7 words
    assert issubclass(PublicLeakError, FoideskError)


# --- foidesk scan --------------------------------------------------------------------------


def test_the_scan_command(case: Path) -> None:
    done = run_cli("scan", case)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("public/ holds no crime reference or note text (")
    assert "table.xlsx" in done.stdout
    (case / "public" / "letter.html").write_text(f"<p>{REF}</p>", encoding="utf-8")
    done = run_cli("scan", case)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("foidesk: error: public/letter.html: ")
    assert REF in lines[0]


def test_the_scan_command_takes_more_references(case: Path) -> None:
    (case / "public" / "extra.md").write_text("Crime ZZ/19/999999.\n", encoding="utf-8")
    assert run_cli("scan", case).returncode == 0
    done = run_cli("scan", case, "--reference", "ZZ/19/999999")
    assert done.returncode == 1 and "public/extra.md" in done.stderr


def test_the_scan_command_on_a_folder_that_is_no_case(tmp_path: Path) -> None:
    done = run_cli("scan", tmp_path)
    assert done.returncode == 2
    assert "is not a case folder" in done.stderr


# --- write_case ----------------------------------------------------------------------------


def _planting(monkeypatch: pytest.MonkeyPatch, name: str, text: str) -> None:
    real = foidesk.case_folder.write_public

    def leaky(folder: Path, release: PublicRelease) -> list[Path]:
        written = real(folder, release)
        (folder / name).write_text(text, encoding="utf-8")
        return [*written, folder / name]

    monkeypatch.setattr(foidesk.case_folder, "write_public", leaky)


def test_write_case_refuses_and_leaves_no_case(
    tmp_path: Path, seed_answer: foidesk.Answer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _planting(monkeypatch, "notes.md", f"Crime {REF}\n")
    out = tmp_path / "case"
    with pytest.raises(PublicLeakError, match=r"^public/notes.md: holds the crime reference"):
        foidesk.write_case(out, seed_answer)
    assert list(out.iterdir()) == []  # no public/, no internal/, no staging folder


def test_write_case_refusal_keeps_the_earlier_case(
    tmp_path: Path,
    seed_answer: foidesk.Answer,
    other_answer: foidesk.Answer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "case"
    foidesk.write_case(out, other_answer)
    before = files_under(out)
    _planting(monkeypatch, "method-notes.txt", f"We read: {EIGHT_WORDS} meet.\n")
    with pytest.raises(PublicLeakError, match=r"^public/method-notes.txt: holds 8 or more"):
        foidesk.write_case(out, seed_answer, replace=True)
    assert files_under(out) == before


def test_write_case_says_the_scans_notices(
    tmp_path: Path, seed_answer: foidesk.Answer, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = foidesk.case_folder.write_public

    def with_docx(folder: Path, release: PublicRelease) -> list[Path]:
        written = real(folder, release)
        _docx(folder / "letter.docx", author="Jane Roe")
        return [*written, folder / "letter.docx"]

    monkeypatch.setattr(foidesk.case_folder, "write_public", with_docx)
    folders = foidesk.write_case(tmp_path / "case", seed_answer)
    assert [n.kind for n in _notices(folders.notices, "letter.docx")] == ["public-file-author"]
    audit = (tmp_path / "case" / "internal" / "audit.json").read_text(encoding="utf-8")
    assert '"public-file-author"' in audit
    assert seed_answer.audit["notices"][-1]["kind"] != "public-file-author"  # not changed
