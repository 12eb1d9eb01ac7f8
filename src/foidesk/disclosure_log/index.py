"""``DIR/disclosure-log.csv``: the disclosure log's own record, one row per release.

Place in the flow: ``book.add_to_log`` reads the index, puts the new release's row in (in
place of the row of the same reference), writes it back, and builds ``index.html`` from it
(``site``); ``book.check_against_log`` reads it to find each release's ``table.csv``. The index
is the only state of the log: the site is made from it.

UTF-8 without BOM, LF line ends, header ``reference,title,received,answered,category,request,
page,letter,files``; dates ISO; ``request`` is the request text, with the clarification after
a blank line as ``Clarification: ...``; ``page``, ``letter`` and ``files`` (separated by ``;``,
the letter included) are paths relative to the log's folder. Every text cell goes through
``release.render.csv_grid.safe_cell`` (a cell beginning with ``=``, ``+``, ``-``, ``@`` gets a
quote in front: no spreadsheet reads it as a formula) and ``quote_cell``. Rows are ordered by
date answered, newest first, then by reference, so that adding the same releases in any
order writes the same bytes.

A file that is not such an index is refused with its line (``CaseError``), never rewritten:
the log's folder is the public copy, and a row whose paths leave ``releases/<slug>/`` is not
followed.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from foidesk.disclosure_log.entry import COVERAGE, LETTER_IN_LOG, TABLE_FILES, LogEntry, slug_of
from foidesk.errors import CaseError
from foidesk.release.disclosure.earlier import read_text_file
from foidesk.release.render.csv_grid import quote_cell, safe_cell

INDEX_NAME = "disclosure-log.csv"
HEADER = (
    "reference",
    "title",
    "received",
    "answered",
    "category",
    "request",
    "page",
    "letter",
    "files",
)
RELEASES = "releases"
PAGE = "index.html"
CLARIFICATION = "Clarification: "
_FILE_NAMES = frozenset((*TABLE_FILES, COVERAGE, LETTER_IN_LOG))


@dataclass(frozen=True)
class IndexRow:
    """One release in the index, as the CSV holds it."""

    reference: str
    title: str
    received: str  # ISO date
    answered: str  # ISO date
    category: str
    request: str  # the request text, and the clarification after a blank line
    page: str  # releases/<slug>/index.html
    letter: str  # releases/<slug>/letter.pdf
    files: tuple[str, ...]  # releases/<slug>/<name>, the letter included

    @property
    def slug(self) -> str:
        return slug_of(self.reference)

    @property
    def folder(self) -> str:
        """The release's folder, relative to the log's."""
        return f"{RELEASES}/{self.slug}"

    @property
    def has_table(self) -> bool:
        return f"{self.folder}/{TABLE_FILES[0]}" in self.files

    @property
    def year_answered(self) -> str:
        return self.answered[:4]

    def cells(self) -> tuple[str, ...]:
        return (
            self.reference,
            self.title,
            self.received,
            self.answered,
            self.category,
            self.request,
            self.page,
            self.letter,
            ";".join(self.files),
        )


def row_of(entry: LogEntry) -> IndexRow:
    """The index's row for ``entry``."""
    folder = f"{RELEASES}/{entry.slug}"
    request = entry.request
    if entry.clarification:
        request = f"{request}\n\n{CLARIFICATION}{entry.clarification}".lstrip("\n")
    return IndexRow(
        reference=entry.reference,
        title=entry.title,
        received=entry.received.isoformat(),
        answered=entry.answered.isoformat(),
        category=entry.category,
        request=request,
        page=f"{folder}/{PAGE}",
        letter=f"{folder}/{LETTER_IN_LOG}",
        files=tuple(f"{folder}/{name}" for name in entry.names),
    )


def ordered(rows: list[IndexRow]) -> list[IndexRow]:
    """Newest answered first, then by reference."""
    by_reference = sorted(rows, key=lambda r: (r.reference, r.slug))
    return sorted(by_reference, key=lambda r: r.answered, reverse=True)


def render_index(rows: list[IndexRow]) -> str:
    """The CSV text of the index (rows as given)."""
    lines = [",".join(HEADER)]
    lines += [",".join(quote_cell(safe_cell(cell)) for cell in row.cells()) for row in rows]
    return "".join(line + "\n" for line in lines)


def write_index(log: Path, rows: list[IndexRow]) -> Path:
    """Write ``log``/disclosure-log.csv, replacing it whole (written beside it, then renamed)."""
    path = log / INDEX_NAME
    write_file(path, render_index(rows))
    return path


def write_file(path: Path, text: str) -> None:
    """``text`` as UTF-8 with LF line ends, written beside ``path`` and renamed over it."""
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(partial, path)


def read_index(log: Path) -> list[IndexRow]:
    """The rows of ``log``/disclosure-log.csv in the file's order. ``CaseError`` with the line
    for a file that is not a disclosure log's index."""
    path = log / INDEX_NAME
    text = read_text_file(path, _NOT_INDEX)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[IndexRow] = []
    seen: dict[str, int] = {}
    try:
        header = next(reader, None)
        if header is None or tuple(header) != HEADER:
            raise CaseError(f"{path}: line 1: the header is not {','.join(HEADER)}: {_NOT_INDEX}")
        line = reader.line_num + 1
        for fields in reader:
            if fields:
                row = _row(path, line, fields)
                if row.slug in seen:  # the same reference, or one with the same folder
                    raise CaseError(
                        f"{path}: line {line}: {row.folder}/ is line {seen[row.slug]}'s "
                        f"release's folder already: {_NOT_INDEX}"
                    )
                seen[row.slug] = line
                rows.append(row)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise CaseError(f"{path}: line {reader.line_num}: not CSV ({exc})") from exc
    return rows


_NOT_INDEX = "not a disclosure log's index (foidesk log add writes it)"


def _row(path: Path, line: int, fields: list[str]) -> IndexRow:
    def bad(what: str) -> CaseError:
        return CaseError(f"{path}: line {line}: {what}: {_NOT_INDEX}")

    if len(fields) != len(HEADER):
        raise bad(f"{len(fields)} fields where the header has {len(HEADER)}")
    cells = [unquoted(cell) for cell in fields]
    reference, title, received, answered, category, request, page, letter, files = cells
    if not reference.strip():
        raise bad("no reference")
    for name, value in (("received", received), ("answered", answered)):
        try:
            date.fromisoformat(value)
        except ValueError:
            raise bad(f"{name} {value!r} is not a date like 2019-04-26") from None
    row = IndexRow(
        reference,
        title,
        received,
        answered,
        category,
        request,
        page,
        letter,
        tuple(files.split(";")) if files else (),
    )
    if page != f"{row.folder}/{PAGE}":
        raise bad(f"page {page!r} is not {row.folder}/{PAGE}")
    if letter != f"{row.folder}/{LETTER_IN_LOG}":
        raise bad(f"letter {letter!r} is not {row.folder}/{LETTER_IN_LOG}")
    for file in row.files:
        folder, _, name = file.rpartition("/")
        if folder != row.folder or name not in _FILE_NAMES:
            raise bad(f"file {file!r} is not one of a release's files in {row.folder}/")
    return row


def unquoted(text: str) -> str:
    """A CSV cell as it was before ``safe_cell`` put a quote in front of it."""
    return text[1:] if text.startswith("'") and safe_cell(text[1:]) == text else text
