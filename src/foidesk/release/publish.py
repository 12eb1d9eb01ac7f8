"""Writing ``public/``: every releasable file, rendered from a ``PublicRelease`` alone.

This is the only writer of releasable files, and it receives only the release object made by
the gate (``release.gate.make_release``), so no record-level value has a path into
``public/``.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from foidesk.release.document import ADDRESSEE
from foidesk.release.gate import PublicRelease
from foidesk.release.redact import addressee_phrases, redact_document
from foidesk.release.render import EXTENSIONS, RENDERERS
from foidesk.release.render.document_markdown import render_document_markdown
from foidesk.release.render.docx import write_letter_docx
from foidesk.release.render.pdf import docx_to_pdf
from foidesk.release.render.xlsx import write_xlsx

LETTER = "letter"  # public/letter.docx and letter.pdf
DRAFT_LETTER = "letter-draft"  # their names while the letter still holds a placeholder
LOG_LETTER = "log-letter.pdf"  # the disclosure log's copy, when the letter has an addressee


def write_text(path: Path, text: str) -> None:
    """``text`` in UTF-8 with LF line ends."""
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_public(folder: Path, release: PublicRelease) -> list[Path]:
    """Write the releasable files: the table in every format, coverage, method and letter (as
    Markdown, Word and PDF: ``write_letter``).
    A release refused under FOIA s.12 (``PublicRelease.refused``) has no table files and no
    coverage (records with a mention by system and period would be most of the answer
    refused): its letter is the refusal notice, beside the method."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if not release.refused:
        for fmt, render in RENDERERS.items():
            path = folder / f"table.{EXTENSIONS[fmt]}"
            write_text(path, render(release.table))
            written.append(path)
        xlsx = folder / "table.xlsx"
        write_xlsx(release.table, xlsx)
        written.append(xlsx)
    files = [
        ("method.md", render_document_markdown(release.method)),
        ("letter.md", render_document_markdown(release.letter)),
    ]
    if not release.refused:
        files.insert(0, ("coverage.csv", release.coverage.to_csv()))
    for name, text in files:
        write_text(folder / name, text)
        written.append(folder / name)
    written += write_letter(folder, release)
    return written


def write_letter(folder: Path, release: PublicRelease) -> list[Path]:
    """The letter as Word on the force's letterhead and, unless the release says not to, as
    PDF: ``letter.docx`` and ``letter.pdf``, or ``letter-draft.*`` while a placeholder is
    unfilled (a draft opens with a notice saying so). When the letter names an addressee, the
    disclosure log's copy without it is ``log-letter.pdf``."""
    if release.letter_fields is None:
        return []
    name = DRAFT_LETTER if release.letter.unfilled() else LETTER
    docx = folder / f"{name}.docx"
    write_letter_docx(release.letter, docx, release.letter_fields, release.letter_template)
    written = [docx]
    if not release.letter_pdf:
        return written
    written.append(docx_to_pdf(docx, folder / f"{name}.pdf"))
    if release.letter_fields.addressee and name == LETTER:
        blind = dataclasses.replace(release.letter_fields, addressee="")
        with tempfile.TemporaryDirectory(prefix="foidesk-log-letter-") as work:
            copy = Path(work) / "log-letter.docx"
            # without the addressee, nor their name where they signed the request text
            phrases = addressee_phrases(release.letter_fields.addressee, words=True)
            letter = redact_document(release.letter.without(ADDRESSEE), phrases)
            write_letter_docx(letter, copy, blind, release.letter_template)
            written.append(docx_to_pdf(copy, folder / LOG_LETTER))
    return written
