"""Writing ``public/``: every releasable file, rendered from a ``PublicRelease`` alone.

This is the only writer of releasable files, and it receives only the release object made by
the gate (``release.gate.make_release``), so no record-level value has a path into
``public/``.
"""

from __future__ import annotations

from pathlib import Path

from foidesk.release.gate import PublicRelease
from foidesk.release.render import EXTENSIONS, RENDERERS
from foidesk.release.render.document_markdown import render_document_markdown
from foidesk.release.render.xlsx import write_xlsx


def write_text(path: Path, text: str) -> None:
    """``text`` in UTF-8 with LF line ends."""
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_public(folder: Path, release: PublicRelease) -> list[Path]:
    """Write the releasable files: the table in every format, coverage, method and letter.
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
    return written
