"""The scan of ``public/``: every releasable file read back as text and searched for the
case's crime references and note text, before the case folder is put in place.

``release.publish`` writes ``public/`` from the aggregate ``PublicRelease`` alone, so nothing
record-level should reach it; this scan checks the files themselves, in every format, the way
a requester would read them: the text of each page, sheet and cell, and what a reader does not
see (hidden sheets, comments, headers and footers, document properties, HTML attributes).

- ``extract_text(path)``: a public file as text. ``.txt``, ``.csv``, ``.md``, ``.html``
  (tags removed, entities unescaped, attribute values and comments kept), ``.xlsx`` and
  ``.docx`` (every XML member of the zip: its text and attribute values, so hidden sheets,
  comments, headers, footers, field codes, link targets and the document properties are all
  read; a zip inside is read too, and other members for their printable strings), ``.pdf``
  (each page's text, the document information and XMP metadata, annotations, bookmarks,
  form fields, attachments). Any other file type is refused: it cannot be checked.
- ``scan_public(folder, ...)``: refuses (``PublicLeakError``, one line naming the file) a
  crime reference of the case found as a whole token (case and whitespace ignored;
  references shorter than ``MIN_REFERENCE`` characters are not searched for, as for labels),
  or a run of ``MIN_WORDS`` consecutive words of a note's text (a hit's context in the
  evidence); returns ``Notice``s for what a person should clear (a document property naming
  an author that is not the force).
- ``scan_case(case)``: the same for a written case folder, from its ``internal/`` files.

Limits (docs/public-scan.md): the references and notes the case holds are those of crimes
with hits; a caller that holds the whole population passes the rest (``references``,
``notes``). Images are not read (no OCR).
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pyarrow as pa
import pyarrow.parquet as pq

from foidesk.engines.labels import MAX_REFERENCE, MIN_REFERENCE
from foidesk.errors import CaseError, PublicLeakError
from foidesk.notices import Notice

# the case folder's internal files (as ``case_folder`` names them; it imports this module)
EVIDENCE_NAME = "evidence.parquet"
CRIME_HITS_NAME = "crime-hits.parquet"
AUDIT_NAME = "audit.json"

MIN_WORDS = 8  # consecutive words of a note's text that refuse a public file
TEXT_EXTENSIONS = (".txt", ".csv", ".md", ".html", ".htm")
ZIP_EXTENSIONS = (".xlsx", ".docx")
READ_EXTENSIONS = (*TEXT_EXTENSIONS, *ZIP_EXTENSIONS, ".pdf")

# against zip bombs and runaway files: what one public file may hold when read
MAX_FILE_BYTES = 256 << 20
MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 128 << 20
MAX_ZIP_BYTES = 512 << 20
MAX_NESTING = 2
MAX_PDF_PAGES = 5_000

# document properties that name who wrote or last saved a file, and values that name no one
AUTHOR_FIELDS = {"creator": "author", "lastModifiedBy": "last modified by"}
NOT_A_PERSON = {
    "foidesk",
    "python-docx",
    "openpyxl",
    "xlsxwriter",
    "libreoffice",
    "pypdf",
    "microsoft office user",
    "unknown",
}
# XML attributes that are editing session ids (random hex): not content
_NOISE_ATTRIBUTES = re.compile(r"^(rsid.*|paraId|textId|durableId)$")
# the elements inside which runs of text join up with no space (a paragraph, a rich string)
_RUN_CONTAINERS = {"p", "si", "is", "t"}
_BREAKS = {"tab", "br", "cr"}
_HTML_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot",
    "th", "thead", "title", "tr", "ul", "head", "body", "html", "meta", "link", "script",
    "style", "img", "option", "select", "textarea", "input",
}  # fmt: skip
_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z ]*\]")  # the letter's [FORCE NAME]: no one's name
_WORD = re.compile(r"[^\W_]+")
_SPACE = re.compile(r"\s+")
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>&/])")
_STRINGS = re.compile(rb"[\x20-\x7e]{5,}")
_STRINGS_UTF16 = re.compile(rb"(?:[\x20-\x7e]\x00){5,}")


@dataclass(frozen=True)
class ScanResult:
    """What the scan read (each public file's path under ``public/``) and what it says
    (``Notice``s: the case stands, a person should look)."""

    files: tuple[str, ...]
    notices: tuple[Notice, ...] = ()
    references: int = 0  # crime references searched for
    notes: int = 0  # note texts searched for

    @property
    def summary(self) -> str:
        """One line for the terminal."""
        return (
            f"public/ holds no crime reference or note text ({len(self.files)} "
            f"{'file' if len(self.files) == 1 else 'files'} read: {', '.join(self.files)})"
        )


def _one_line(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)


def _refuse(name: str, what: str, where: str | None = None) -> PublicLeakError:
    place = f"public/{name}" + (f" ({where})" if where else "")
    return PublicLeakError(_one_line(f"{place}: {what}"))


# --- reading each format ------------------------------------------------------------------


class _HtmlText(HTMLParser):
    """Text of an HTML document: character data (entities unescaped), attribute values and
    comments; block elements end a line, inline ones join their text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.lower() in _HTML_BLOCKS:
            self.parts.append("\n")
        for _, value in attrs:
            if value:
                self.parts.append(f"\n{value}\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag.lower() in _HTML_BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_comment(self, data: str) -> None:
        self.parts.append(f"\n{data}\n")

    def handle_decl(self, decl: str) -> None:
        self.parts.append(f"\n{decl}\n")

    def handle_pi(self, data: str) -> None:
        self.parts.append(f"\n{data}\n")

    def unknown_decl(self, data: str) -> None:
        self.parts.append(f"\n{data}\n")


def html_text(markup: str) -> str:
    """The text of HTML (or of markup that does not parse as XML): see ``_HtmlText``."""
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    return data.decode("utf-8-sig", "replace")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _run_text(element: ElementTree.Element) -> str:
    """The text of a paragraph: its runs joined as a reader sees them (a tab or break as a
    space), and the attribute values of its elements on their own lines."""
    parts: list[str] = []
    extra: list[str] = []

    def visit(el: ElementTree.Element) -> None:
        if _local(el.tag) in _BREAKS:
            parts.append(" ")
        extra.extend(v for k, v in el.attrib.items() if not _NOISE_ATTRIBUTES.match(_local(k)))
        if el.text:
            parts.append(el.text)
        for child in el:
            visit(child)
            if child.tail:
                parts.append(child.tail)

    visit(element)
    return "\n".join(["".join(parts), *extra])


def xml_text(data: bytes) -> str:
    """The text of an XML member of an OOXML zip: each paragraph (or rich string) on a line,
    every other element's text and every attribute value (except editing session ids) on its
    own line. A member that does not parse as XML is read as markup (``html_text``); one that
    declares a DTD is refused (an OOXML part never has one: entities could hide text)."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise ValueError("declares a DTD")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return html_text(_decode(data))
    lines: list[str] = []

    def visit(el: ElementTree.Element) -> None:
        if _local(el.tag) in _RUN_CONTAINERS:
            lines.append(_run_text(el))
            return
        lines.extend(v for k, v in el.attrib.items() if not _NOISE_ATTRIBUTES.match(_local(k)))
        if el.text and el.text.strip():
            lines.append(el.text)
        for child in el:
            visit(child)
            if child.tail and child.tail.strip():
                lines.append(child.tail)

    visit(root)
    return "\n".join(lines)


def _binary_strings(data: bytes) -> str:
    """Printable runs of a member that is not XML (an image, a printer's settings, an OLE
    object): ASCII and UTF-16 strings of 5 characters or more."""
    found = [m.decode("ascii") for m in _STRINGS.findall(data)]
    found += [m.decode("utf-16-le") for m in _STRINGS_UTF16.findall(data)]
    return "\n".join(found)


def _read_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> bytes:
    if info.file_size > MAX_MEMBER_BYTES:
        raise ValueError(
            f"{info.filename} would unpack to {info.file_size:,} bytes, more than "
            f"{MAX_MEMBER_BYTES:,} bytes"
        )
    with z.open(info) as f:
        data = f.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise ValueError(f"{info.filename} unpacks to more than {MAX_MEMBER_BYTES:,} bytes")
    budget[0] -= len(data)
    if budget[0] < 0:
        raise ValueError(f"unpacks to more than {MAX_ZIP_BYTES:,} bytes")
    return data


def _zip_segments(
    data: bytes, prefix: str = "", depth: int = 0, budget: list[int] | None = None
) -> Iterator[tuple[str, str]]:
    """(member, text) for every member of a zip: XML members as ``xml_text``, a zip inside
    (an embedded workbook) read in turn, anything else for its printable strings."""
    budget = budget if budget is not None else [MAX_ZIP_BYTES]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = z.infolist()
        if len(members) > MAX_MEMBERS:
            raise ValueError(f"holds {len(members):,} members, more than {MAX_MEMBERS:,}")
        for info in members:
            if info.is_dir():
                continue
            name = prefix + info.filename
            yield name, name  # a member's name is text too
            body = _read_member(z, info, budget)
            if body.startswith(b"PK\x03\x04"):
                if depth >= MAX_NESTING:
                    raise ValueError(f"{name} nests zips more than {MAX_NESTING} deep")
                yield from _zip_segments(body, name + "!", depth + 1, budget)
            elif body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
                try:
                    yield name, xml_text(body)
                except ValueError as exc:
                    raise ValueError(f"{name} {exc}") from None
            else:
                yield name, _binary_strings(body)


def _pdf_value(value: Any, depth: int = 0) -> Iterator[str]:
    """The strings of a PDF object (a dictionary's values, an array's items), not following
    references to pages and streams other than by value."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    if depth > 6:
        return
    if isinstance(value, IndirectObject):
        value = value.get_object()
    if isinstance(value, DictionaryObject):
        for key, item in value.items():
            if key in ("/Parent", "/P", "/Dest", "/First", "/Last", "/Next", "/Prev", "/Popup"):
                continue
            yield from _pdf_value(item, depth + 1)
    elif isinstance(value, ArrayObject):
        for item in value:
            yield from _pdf_value(item, depth + 1)
    elif isinstance(value, str):
        yield str(value)
    elif isinstance(value, bytes):
        yield value.decode("latin-1")


def _pdf_segments(path: Path) -> Iterator[tuple[str, str]]:
    """(where, text) of a PDF: each page's text and annotations, the document information,
    the XMP metadata, bookmarks, form fields and attachments."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted:
        raise ValueError("is encrypted")
    if len(reader.pages) > MAX_PDF_PAGES:
        raise ValueError(f"has {len(reader.pages):,} pages, more than {MAX_PDF_PAGES:,}")
    info: dict[str, Any] = dict(reader.metadata or {})
    yield "document information", "\n".join(f"{k[1:]}: {v}" for k, v in info.items())
    root: Any = reader.trailer["/Root"].get_object()
    if "/Metadata" in root:
        xmp = root["/Metadata"].get_object().get_data()
        yield "XMP metadata", xml_text(xmp)
    for number, page in enumerate(reader.pages, start=1):
        yield f"page {number}", page.extract_text() or ""
        annotations = page.get("/Annots")
        if annotations:
            yield f"page {number} annotations", "\n".join(_pdf_value(annotations))
    if "/Outlines" in root:
        yield "bookmarks", "\n".join(_outline_titles(reader.outline))
    fields = reader.get_fields() or {}
    yield "form fields", "\n".join("\n".join([str(k), *_pdf_value(v)]) for k, v in fields.items())
    for name, contents in reader.attachments.items():
        yield f"attachment {name}", name
        for body in contents:
            where = f"attachment {name}"
            if body.startswith(b"PK\x03\x04"):
                yield from ((f"{where}: {m}", t) for m, t in _zip_segments(body, depth=1))
            else:
                yield where, _decode(body) + "\n" + _binary_strings(body)


def _outline_titles(outline: Any) -> Iterator[str]:
    for item in outline:
        if isinstance(item, list):
            yield from _outline_titles(item)
        else:
            yield str(getattr(item, "title", "") or "")


def _segments(path: Path) -> Iterator[tuple[str | None, str]]:
    """(where in the file or None, text) of a public file; ``ValueError`` when it cannot be
    read, ``PublicLeakError`` for a type the scan does not read."""
    suffix = path.suffix.lower()
    if suffix not in READ_EXTENSIONS:
        raise _refuse(
            path.name,
            f"is a file type the scan of public/ does not read ({suffix or 'no extension'}), "
            f"so it cannot be checked for crime references and note text; public/ may hold "
            f"only {', '.join(READ_EXTENSIONS)} files",
        )
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"is {size:,} bytes, more than the scan reads ({MAX_FILE_BYTES:,})")
    if suffix == ".pdf":
        yield from _pdf_segments(path)
        return
    data = path.read_bytes()
    if suffix in ZIP_EXTENSIONS:
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise ValueError(f"is not a {suffix[1:].upper()} file (not a zip)")
        yield from _zip_segments(data)
        return
    text = _decode(data)
    if suffix in (".html", ".htm"):
        yield None, html_text(text)
    elif suffix == ".md":  # as written, and as rendered (escapes and entities undone)
        yield None, text + "\n" + html.unescape(_MARKDOWN_ESCAPE.sub(r"\1", text))
    else:
        yield None, text


def _read(path: Path, name: str) -> list[tuple[str | None, str]]:
    try:
        return list(_segments(path))
    except PublicLeakError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, RuntimeError, KeyError) as exc:
        raise _refuse(name, f"cannot be read to check it for crime references ({exc})") from exc
    except Exception as exc:  # a damaged PDF: pypdf raises its own errors
        raise _refuse(name, f"cannot be read to check it ({type(exc).__name__}: {exc})") from exc


def extract_text(path: Path | str) -> str:
    """A public file as text, every part of it a reader or a program could see (see the
    module's docstring). ``PublicLeakError`` for a file type the scan does not read, or a
    file it cannot read (damaged, encrypted, over the size limits)."""
    path = Path(path)
    return "\n".join(text for _, text in _read(path, path.name))


# --- what to look for ---------------------------------------------------------------------


def normalise(text: str) -> str:
    """Case-folded, every run of white space one space."""
    return _SPACE.sub(" ", text.casefold()).strip()


def words(text: str) -> list[str]:
    """The words of ``text`` compared for note text: runs of letters and digits, case-folded
    (punctuation, markup escapes and white space between them do not count)."""
    return _WORD.findall(text.casefold())


class _References:
    """Crime references, found in a text as whole tokens (bounded by characters that are not
    letters or digits, or by the text's ends), case and white space ignored."""

    def __init__(self, references: Iterable[str]) -> None:
        self.by_key: dict[str, str] = {}
        for ref in references:
            if ref is None:
                continue
            key = normalise(str(ref))
            if MIN_REFERENCE <= len(key) <= MAX_REFERENCE:
                self.by_key.setdefault(key, str(ref).strip())
        self.lengths = sorted({len(k) for k in self.by_key})
        self.firsts = {k[0] for k in self.by_key}

    def find(self, text: str) -> str | None:
        if not self.by_key:
            return None
        text = normalise(text)
        n = len(text)
        for i in range(n):
            if text[i] not in self.firsts or (i and text[i - 1].isalnum()):
                continue
            for length in self.lengths:
                j = i + length
                if j > n:
                    break
                if (j == n or not text[j].isalnum()) and text[i:j] in self.by_key:
                    return self.by_key[text[i:j]]
        return None


def _shared_run(
    tokens: list[str],
    public_words: set[str],
    shingles: dict[tuple[str, ...], tuple[str, str | None]],
) -> tuple[str, str | None] | None:
    """Where a public file holds ``MIN_WORDS`` consecutive ``tokens`` of a note, or None.
    Only a run of at least that many tokens that are all public words can be such a shingle,
    so the note is read once and only the shingles ending in such a run are looked up (the
    notes of an answer are tens of thousands; most of their words are in no public file)."""
    run = 0
    for i, token in enumerate(tokens):
        if token not in public_words:
            run = 0
            continue
        run += 1
        if run >= MIN_WORDS:
            hit = shingles.get(tuple(tokens[i - MIN_WORDS + 1 : i + 1]))
            if hit is not None:
                return hit
    return None


def _shingles(tokens: list[str]) -> Iterator[tuple[str, ...]]:
    for i in range(len(tokens) - MIN_WORDS + 1):
        yield tuple(tokens[i : i + MIN_WORDS])


def _column(table: pa.Table | None, name: str) -> list[Any]:
    if table is None or name not in table.column_names:
        return []
    return table.column(name).to_pylist()


def evidence_notes(evidence: pa.Table | None) -> list[tuple[str | None, str]]:
    """(crime reference, note text) of each hit: its context before, the matched text and
    its context after, as the note holds them (one entry per distinct text)."""
    refs = _column(evidence, "crime_ref")
    befores, texts, afters = (_column(evidence, c) for c in ("before", "text", "after"))
    seen: dict[str, str | None] = {}
    for i, ref in enumerate(refs):
        parts = [
            (col[i] if i < len(col) and col[i] is not None else "")
            for col in (befores, texts, afters)
        ]
        seen.setdefault("".join(parts), ref)
    return [(ref, note) for note, ref in seen.items() if note]


def _authors(path: Path, segments: list[tuple[str | None, str]]) -> list[tuple[str, str]]:
    """(property, value) of a public file's author properties that are not blank: an OOXML
    file's core properties (author, last modified by), a PDF's /Author."""
    found = []
    if path.suffix.lower() in ZIP_EXTENSIONS:
        with zipfile.ZipFile(path) as z:
            if "docProps/core.xml" in z.namelist():
                info = z.getinfo("docProps/core.xml")
                root = ElementTree.fromstring(_read_member(z, info, [MAX_ZIP_BYTES]))
                for el in root:
                    value = (el.text or "").strip()
                    if _local(el.tag) in AUTHOR_FIELDS and value:
                        found.append((AUTHOR_FIELDS[_local(el.tag)], value))
    elif path.suffix.lower() == ".pdf":
        for where, text in segments:
            if where == "document information":
                for line in text.splitlines():
                    if line.startswith("Author: ") and line[8:].strip():
                        found.append(("author", line[8:].strip()))
    return found


def _persons(path: Path, segments: list[tuple[str | None, str]], force: str) -> list[str]:
    """The author properties naming someone other than the force or a program."""
    accepted = NOT_A_PERSON | ({normalise(force)} if force.strip() else set())
    return [
        f"{field} {value!r}"
        for field, value in _authors(path, segments)
        if normalise(value) not in accepted and not _PLACEHOLDER.fullmatch(value)
    ]


# --- the scan -----------------------------------------------------------------------------


def scan_public(
    folder: Path | str,
    evidence: pa.Table | None = None,
    crime_hits: pa.Table | None = None,
    *,
    references: Iterable[str] = (),
    notes: Iterable[str] = (),
    force: str = "",
) -> ScanResult:
    """Read every file under ``folder`` (a ``public/``) and refuse, with ``PublicLeakError``
    (one line naming the file), a crime reference of ``evidence``, ``crime_hits`` or
    ``references`` found in it as a whole token, or ``MIN_WORDS`` consecutive words of a
    note's text (the evidence's contexts around each hit, and ``notes``); refuse too a file
    the scan cannot read. Returns what was read and ``Notice``s: a document property naming
    an author other than ``force`` (the force's name) or a program."""
    folder = Path(folder)
    # each reference once, in the order given (a crime has many hits; the first spelling of
    # a reference is the one an error names)
    refs = _References(
        dict.fromkeys(
            [*_column(evidence, "crime_ref"), *_column(crime_hits, "crime_ref"), *references]
        )
    )
    note_texts = [*evidence_notes(evidence), *((None, n) for n in notes if n)]
    paths = sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())
    shingles: dict[tuple[str, ...], tuple[str, str | None]] = {}
    public_words: set[str] = set()
    notices: list[Notice] = []
    names = []
    for path in paths:
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            raise _refuse(name, "is a link, not a file written for release: it cannot be checked")
        names.append(name)
        segments = _read(path, name)
        for where, text in segments:
            found = refs.find(text)
            if found is not None:
                raise _refuse(name, f"holds the crime reference {found}, which is internal", where)
            tokens = words(text)
            public_words.update(tokens)
            for shingle in _shingles(tokens):
                shingles.setdefault(shingle, (name, where))
        named = _persons(path, segments, force)
        if named:
            notices.append(
                Notice(
                    "public-file-author",
                    f"public/{name}: its document properties name someone other than the "
                    f"force ({', '.join(named)}): clear them, or set them to the force's name, "
                    "before it is released",
                    {"file": name, "properties": named},
                )
            )
    if shingles:
        for ref, note in note_texts:
            found_in = _shared_run(words(note), public_words, shingles)
            if found_in is not None:
                name, where = found_in
                whose = f" of crime {ref}" if ref else ""
                raise _refuse(
                    name,
                    f"holds {MIN_WORDS} or more consecutive words of a note's text{whose} "
                    "(internal evidence)",
                    where,
                )
    return ScanResult(tuple(names), tuple(notices), len(refs.by_key), len(note_texts))


def scan_case(
    case: Path | str, *, references: Iterable[str] = (), notes: Iterable[str] = ()
) -> ScanResult:
    """``scan_public`` on a written case folder: its ``public/`` against the crime
    references and note text of its ``internal/`` (the evidence, the crime hits) and the
    force's name in its audit."""
    case = Path(case)
    public, internal = case / "public", case / "internal"
    if not public.is_dir() or not (internal / EVIDENCE_NAME).is_file():
        raise CaseError(f"{case}: is not a case folder (no public/ or no internal/{EVIDENCE_NAME})")
    evidence = pq.read_table(internal / EVIDENCE_NAME)
    hits = internal / CRIME_HITS_NAME
    crime_hits = pq.read_table(hits, columns=["crime_ref"]) if hits.is_file() else None
    force = ""
    try:
        audit = json.loads((internal / AUDIT_NAME).read_text(encoding="utf-8"))
        force = str(audit["request"]["content"].get("force", {}).get("name", "") or "")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return scan_public(
        public, evidence, crime_hits, references=references, notes=notes, force=force
    )
