"""The force's letterhead, read and checked before a letter is written on it.

Place in the flow: ``render.docx.render_letter_docx`` asks ``prepare`` for the letterhead it
fills (the force's ``[force] letter_template``, or the built-in one). A letterhead is a Word
file that came from outside foidesk, so nothing in it is trusted:

- **Only fields.** Every paragraph of every part docxtpl fills (the body, headers, footers,
  footnotes) is read as the text a person sees, its runs joined. The only tags allowed are the
  fields of ``FIELDS`` written ``{{ name }}``, and ``{{p letter }}`` alone in a paragraph of
  the body. Any other ``{{``, ``}}``, ``{%``, ``%}``, ``{#`` or ``#}`` (a statement, a filter, an
  attribute, an expression, a tag left open) is refused with one line naming the letterhead,
  the part and the paragraph. Jinja2 never sees anything but plain fields, and docxtpl renders
  them in Jinja2's sandbox besides (``render.docx``).
- **None of its properties.** The letterhead's document properties (author, last editor,
  keywords, comments, category, status, company, template, custom properties) describe the
  letterhead and whoever made it, not the letter: they are replaced before docxtpl reads the
  file, and the letter's own are written at the end (``letter_properties``).

The fields are named once, here (``FIELDS``); ``LetterFields`` (``release.document``) holds
their values.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from foidesk.errors import LetterError
from foidesk.release.document import LetterFields

BODY_FIELD = "letter"  # {{p letter }}: the paragraph the letter replaces
FIELDS = (*LetterFields.__dataclass_fields__, BODY_FIELD)
"""Every field a letterhead may hold."""
TEMPLATE_BYTES = 50 << 20  # a letterhead's size, and any one part's once unpacked

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FILLED_PARTS = re.compile(r"word/(?:document|header\d*|footer\d*|footnotes|endnotes)\.xml")
_FIELD = re.compile(r"\{\{(p?) *([A-Za-z_][A-Za-z0-9_]*) *\}\}")
_TAG_MARKS = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
_CUSTOM_REL = re.compile(rb"<Relationship [^>]*Target=\"/?docProps/custom\.xml\"[^>]*/>")
_CUSTOM_TYPE = re.compile(rb"<Override [^>]*PartName=\"/docProps/custom\.xml\"[^>]*/>")


@dataclass(frozen=True)
class Letterhead:
    """A letterhead checked and cleaned: its bytes, how errors name it, and the fields it
    shows (anywhere, and in its body)."""

    data: bytes
    shown: str
    fields: frozenset[str]
    body_fields: frozenset[str]


def prepare(template: Path | None, builtin: bytes) -> Letterhead:
    """The letterhead ``template`` (None: ``builtin``) read, checked and cleaned, with a
    ``{{p letter }}`` paragraph added at the end of its body when it has none."""
    data, shown = _read(template, builtin)
    found: dict[str, set[str]] = {}
    with _open_zip(data, shown) as z:
        for name in z.namelist():
            if _FILLED_PARTS.fullmatch(name):
                found[name] = _fields_of_part(z, name, shown)
    if "word/document.xml" not in found:
        raise LetterError(f"{shown}: not a Word document (.docx): it has no word/document.xml")
    body = found["word/document.xml"]
    elsewhere = set().union(*(v for k, v in found.items() if k != "word/document.xml"))
    if BODY_FIELD in elsewhere:
        raise LetterError(
            f"{shown}: {{{{p {BODY_FIELD} }}}} is in a header or footer; put it in the body, "
            "where the letter goes"
        )
    data = _without_properties(data)
    if BODY_FIELD not in body:
        data = _with_body_field(data)
        body = {*body, BODY_FIELD}
    return Letterhead(data, shown, frozenset(body | elsewhere), frozenset(body))


def _read(template: Path | None, builtin: bytes) -> tuple[bytes, str]:
    if template is None:
        return builtin, "the built-in letter template"
    try:
        size = template.stat().st_size
        if size > TEMPLATE_BYTES:
            raise LetterError(f"{template}: {size:,} bytes; a letterhead is at most 50 MB")
        return template.read_bytes(), str(template)
    except OSError as exc:
        raise LetterError(
            f"{template}: the letter template cannot be read ({exc.strerror})"
        ) from None


def _open_zip(data: bytes, shown: str) -> zipfile.ZipFile:
    not_word = (
        f"{shown}: not a Word document (.docx); save the letterhead from Word or LibreOffice "
        "as Word (.docx)"
    )
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise LetterError(not_word) from None
    if "[Content_Types].xml" not in z.namelist() or "word/document.xml" not in z.namelist():
        raise LetterError(not_word)
    return z


def _fields_of_part(z: zipfile.ZipFile, name: str, shown: str) -> set[str]:
    """The fields a part holds, each paragraph read as its joined runs; anything else that
    looks like a tag is refused, naming the part and the paragraph."""
    from lxml import etree

    info = z.getinfo(name)
    if info.file_size > TEMPLATE_BYTES:
        raise LetterError(f"{shown}: {name} is {info.file_size:,} bytes unpacked; too large")
    try:
        root = etree.fromstring(z.read(name), etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise LetterError(f"{shown}: {name} is not valid XML ({exc})") from None
    part = _part_name(name)
    fields: set[str] = set()
    for paragraph in root.iter(f"{_W}p"):
        text = "".join(t.text or "" for t in paragraph.iter(f"{_W}t"))
        if not _TAG_MARKS.search(text):
            continue
        for match in _FIELD.finditer(text):
            body_field, field = match.group(1), match.group(2)
            if field not in FIELDS:
                raise LetterError(
                    f"{shown}: {part}: the field {{{{ {field} }}}} is not one foidesk fills "
                    f"(it fills {', '.join(FIELDS)})"
                )
            if (field == BODY_FIELD) != bool(body_field):
                raise LetterError(
                    f"{shown}: {part}: write the letter's place as {{{{p {BODY_FIELD} }}}} "
                    "and the other fields as {{ name }}"
                )
            if field == BODY_FIELD and text.strip() != match.group(0):
                raise LetterError(
                    f"{shown}: {part}: {{{{p {BODY_FIELD} }}}} must be alone in its paragraph"
                )
            fields.add(field)
        rest = _FIELD.sub("", text)
        if _TAG_MARKS.search(rest):
            raise LetterError(
                f"{shown}: {part}: the paragraph {_shown_text(text)} holds a tag that is not a "
                "field: only fields written {{ name }} are filled (no {% %}, filters, "
                "expressions or unclosed braces)"
            )
    return fields


def _part_name(name: str) -> str:
    stem = name.removeprefix("word/").removesuffix(".xml")
    return {"document": "the body"}.get(stem, re.sub(r"(\D+)(\d*)", r"\1 \2", stem).strip())


def _shown_text(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _with_body_field(data: bytes) -> bytes:
    """The letterhead with a ``{{p letter }}`` paragraph added at the end of its body."""
    from docx import Document as open_docx

    doc = open_docx(io.BytesIO(data))
    doc.add_paragraph("{{p " + BODY_FIELD + " }}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _without_properties(data: bytes) -> bytes:
    """The letterhead with empty core and extended properties and no custom ones."""
    return rewrite_properties(data, core_properties(), APP_PROPERTIES)


APP_PROPERTIES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
    b'properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    b"<Application>foidesk</Application></Properties>"
)


def core_properties(
    title: str = "", creator: str = "", identifier: str = "", when: datetime | None = None
) -> bytes:
    """A core-properties part holding only what is given: the letter's title, the force as
    its creator and last editor, the reference; English (UK)."""
    values = [
        ("dc:title", title),
        ("dc:creator", creator),
        ("cp:lastModifiedBy", creator),
        ("dc:identifier", identifier),
        ("dc:language", "en-GB"),
        ("cp:revision", "1"),
    ]
    body = "".join(f"<{tag}>{escape(value)}</{tag}>" for tag, value in values if value)
    if when is not None:
        stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for tag in ("dcterms:created", "dcterms:modified"):
            body += f'<{tag} xsi:type="dcterms:W3CDTF">{stamp}</{tag}>'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{body}</cp:coreProperties>'
    ).encode()


def rewrite_properties(data: bytes, core: bytes, app: bytes) -> bytes:
    """The DOCX with its core and extended properties replaced and its custom properties
    removed (the part, its relationship and its content type), every member's time fixed."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            name = info.filename
            if name == "docProps/custom.xml" or name.startswith("docProps/thumbnail."):
                continue
            blob = source.read(name)
            if name == "docProps/core.xml":
                blob = core
            elif name == "docProps/app.xml":
                blob = app
            elif name == "_rels/.rels":
                blob = _THUMBNAIL.sub(b"", _CUSTOM_REL.sub(b"", blob))
            elif name == "[Content_Types].xml":
                blob = _CUSTOM_TYPE.sub(b"", blob)
            member = zipfile.ZipInfo(name, FIXED_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            target.writestr(member, blob)
    return out.getvalue()


FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # every member of the DOCX zip: the same bytes each time
_THUMBNAIL = re.compile(rb"<Relationship [^>]*Target=\"/?docProps/thumbnail\.[a-z]+\"[^>]*/>")
