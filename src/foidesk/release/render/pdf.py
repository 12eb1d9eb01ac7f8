"""The letter's DOCX as PDF, by LibreOffice headless: ``public/letter.pdf``.

Place in the flow: ``release.publish.write_public`` writes ``letter.docx`` with
``render.docx`` and then calls ``docx_to_pdf`` on it. LibreOffice (``soffice``, Debian's
``libreoffice-writer-nogui``) lays the page out; with the metric-compatible fonts installed
(Liberation for Arial, Times New Roman and Courier New; Carlito for Calibri) a letterhead
designed in Word keeps its line breaks. Every conversion runs with its own profile folder
(``-env:UserInstallation``), so two conversions at once (two cases, two desk users) never
share or lock one, and exports a tagged PDF (its structure read by screen readers) with the
fonts it uses embedded, which LibreOffice always does for the fonts it draws with.

``soffice_path`` finds the program (``FOIDESK_SOFFICE`` names it where it is not on the
PATH). Where there is none, ``answering`` says so in a notice and ``public/`` holds the DOCX
only; a conversion that fails is a ``LetterError`` (one line, with the end of LibreOffice's
own message).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from foidesk.errors import LetterError

TIMEOUT_SECONDS = 180  # a letter of a few pages converts in about a second
# writer_pdf_Export's options (LibreOffice 7.4 and later read them as JSON): a tagged PDF with
# the document's outline as bookmarks, and its title shown in a reader's window
EXPORT_OPTIONS = {
    "UseTaggedPDF": {"type": "boolean", "value": "true"},
    "ExportBookmarks": {"type": "boolean", "value": "true"},
    "DisplayPDFDocumentTitle": {"type": "boolean", "value": "true"},
}
# LibreOffice dates the PDF and gives it a random file identifier and a checksum: each is
# replaced in place at the same length (so the cross-reference offsets stay true), the date by
# a fixed one and the others by a hash of the rest, so that the same letter is the same bytes
# (``case_folder`` tells a file people edited from one it wrote by its hash)
_CREATED = re.compile(rb"/CreationDate\(D:([0-9]{14})")
_FILE_ID = re.compile(rb"/ID \[ <([0-9A-F]{32})>\s*<([0-9A-F]{32})> \]")
_CHECKSUM = re.compile(rb"/DocChecksum /([0-9A-F]{32})")
FIXED_DATE = b"19800101000000"
INSTALL_HINT = "install LibreOffice (Debian: apt-get install libreoffice-writer-nogui)"


def soffice_path() -> str | None:
    """The LibreOffice program: ``FOIDESK_SOFFICE``, else ``soffice`` or ``libreoffice`` on
    the PATH; None when there is none."""
    named = os.environ.get("FOIDESK_SOFFICE")
    if named:
        return shutil.which(named)
    return shutil.which("soffice") or shutil.which("libreoffice")


def missing_soffice() -> str:
    """Why there is no LibreOffice to run, for a message: the ``FOIDESK_SOFFICE`` that names
    nothing, or how to install it."""
    named = os.environ.get("FOIDESK_SOFFICE")
    if named:
        return f"FOIDESK_SOFFICE={named} names no program: correct it or unset it"
    return INSTALL_HINT


def docx_to_pdf(docx: Path, pdf: Path) -> Path:
    """Convert ``docx`` to ``pdf`` (its folder must exist). Refuses with ``LetterError``
    when LibreOffice is not installed or the conversion fails."""
    program = soffice_path()
    if program is None:
        raise LetterError(f"{pdf}: the PDF letter cannot be made: {missing_soffice()}")
    with tempfile.TemporaryDirectory(prefix="foidesk-soffice-") as work:
        profile = Path(work) / "profile"
        out = Path(work) / "out"
        out.mkdir()
        command = [
            program,
            "--headless",
            "--invisible",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            "pdf:writer_pdf_Export:" + json.dumps(EXPORT_OPTIONS, separators=(",", ":")),
            "--outdir",
            str(out),
            str(docx),
        ]
        env = {**os.environ, "HOME": work}  # nothing of the user's own LibreOffice is touched
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                env=env,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise LetterError(
                f"{pdf}: LibreOffice did not convert the letter within {TIMEOUT_SECONDS} s"
            ) from None
        except OSError as exc:
            raise LetterError(f"{pdf}: LibreOffice ({program}) could not be run: {exc}") from None
        made = out / (docx.stem + ".pdf")
        if done.returncode != 0 or not made.is_file() or made.stat().st_size == 0:
            said = " ".join((done.stderr or done.stdout or "no message").split())[-300:]
            raise LetterError(
                f"{pdf}: LibreOffice could not convert {docx.name} (exit {done.returncode}): {said}"
            )
        pdf.write_bytes(reproducible(made.read_bytes()))
    return pdf


def reproducible(data: bytes) -> bytes:
    """The PDF with LibreOffice's creation date fixed, and its file identifier and checksum
    made a hash of the rest of the file, each in place at the same length."""
    data = _CREATED.sub(lambda m: b"/CreationDate(D:" + FIXED_DATE, data)
    spans = sorted(
        (m.start(g), m.end(g))
        for pattern in (_FILE_ID, _CHECKSUM)
        for m in pattern.finditer(data)
        for g in range(1, pattern.groups + 1)
    )

    def filled(text: bytes) -> bytes:
        out, at = [], 0
        for start, end in spans:
            out += [data[at:start], text]
            at = end
        return b"".join([*out, data[at:]])

    digest = hashlib.md5(filled(b"0" * 32), usedforsecurity=False).hexdigest().upper()
    return filled(digest.encode())
