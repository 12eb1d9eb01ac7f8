"""A ``Document`` (the letter) as Word on the force's own letterhead: ``public/letter.docx``.

Place in the flow: ``release.publish.write_public`` calls ``write_letter_docx`` with the
letter the release gate made and the release's ``LetterFields``; ``render.pdf`` then turns
the DOCX into ``letter.pdf``. Nothing here sees a record.

The letterhead is a Word file the force designs (``[force] letter_template``), read, checked
and cleaned by ``render.letterhead`` (only plain fields, none of its document properties), then
filled with docxtpl in Jinja2's sandbox. Its header, footer, logo, page setup and styles are
kept. The fields are ``letterhead.FIELDS``: ``{{ reference }}``, ``{{ letter_date }}``,
``{{ force_name }}`` and the other details, and ``{{p letter }}``, the paragraph that the
whole letter replaces (added at the end of a body that has none). A letterhead that shows the
force's address, telephone or email itself gets a letter without its own block of contact
details; one that shows the addressee, the date or the reference gets none of those in the
body either. Without a letterhead the neutral built-in one (``builtin_template``) is used: A4,
Arial (Liberation Sans where Arial is not installed), the force's name and unit in the
header, its contact details and the page number in the footer. The file's properties are the
letter's own: its title, the force as author and last editor, the reference.

Data is escaped: every value given to the template goes through Jinja2's autoescaping, and
the letter's own text is set through python-docx, which writes it as text. A placeholder the
request left without a value is shown as ``[NAME]`` highlighted, and a letter that has any
opens with a draft notice (``publish`` also names its files ``letter-draft.*``): it is not
written as final.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from foidesk.errors import LetterError
from foidesk.release.document import (
    ADDRESSEE,
    CONTACT,
    DATE,
    REFERENCE,
    Block,
    Bold,
    BulletList,
    Document,
    FoiTableBlock,
    Heading,
    IncludedDocument,
    LetterFields,
    LineBreak,
    Link,
    Paragraph,
    Placeholder,
    Quote,
    Runs,
    Table,
    Text,
)
from foidesk.release.render.letterhead import (
    APP_PROPERTIES,
    BODY_FIELD,
    core_properties,
    prepare,
    rewrite_properties,
)
from foidesk.release.table import FoiTable

CONTACT_FIELDS = ("address", "telephone", "email")
FONT = "Arial"  # metric-compatible Liberation Sans is installed with LibreOffice
FIGURE_WIDTH = 720_000  # EMU: 2 cm, the widest a column of figures is made


# -- the built-in letterhead ------------------------------------------------------------------


def builtin_template() -> bytes:
    """The neutral letterhead: A4 with 2.5 cm margins, Arial 11 pt, black headings, the
    force's name and unit in the header, its contact details and "Page N of M" in the
    footer, and ``{{p letter }}`` as the body. Made with python-docx each time, so it holds
    nothing but what is written here (``foidesk letter-template`` saves a copy for a force
    to start its own from)."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    _set_language(normal, "en-GB")
    for name, size in (("Title", 16), ("Heading 1", 13), ("Heading 2", 12), ("Heading 3", 11)):
        style = styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        _clear_theme_fonts(style)
    for name in ("Quote", "List Bullet", "Caption"):
        styles[name].font.name = FONT
        _clear_theme_fonts(styles[name])
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header.add_run("{{ force_name }}").bold = True
    header.add_run("\n{{ unit }}")
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    small = footer.add_run("{{ address }}\nTelephone: {{ telephone }} | Email: {{ email }}\n")
    small.font.size = Pt(8)
    for text, field in (("Page ", "PAGE"), (" of ", "NUMPAGES")):
        run = footer.add_run(text)
        run.font.size = Pt(8)
        _add_field(footer, field, size=8)
    doc.add_paragraph("{{p letter }}")
    out = io.BytesIO()
    doc.save(out)
    # no properties of its own (python-docx's say "python-docx"): a letter gets the letter's
    return rewrite_properties(out.getvalue(), core_properties(), APP_PROPERTIES)


def _clear_theme_fonts(style: Any) -> None:
    """Drop a style's theme font references, which would win over its font name."""
    from docx.oxml.ns import qn

    fonts = style.element.rPr.find(qn("w:rFonts")) if style.element.rPr is not None else None
    if fonts is not None:
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)


def _set_language(style: Any, language: str) -> None:
    """The proofing and accessibility language of a style's text (a tagged PDF's /Lang)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = style.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), language)


def _add_field(paragraph: Any, code: str, size: int | None = None) -> None:
    """A Word field (PAGE, NUMPAGES) at the end of ``paragraph``."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    for kind, text in (("begin", None), (None, f" {code} "), ("separate", None), ("end", None)):
        run = paragraph.add_run("1" if kind == "separate" else "")
        if size:
            run.font.size = Pt(size)
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)


# -- the letter's blocks ---------------------------------------------------------------------


class _Writer:
    """Adds a document's blocks to a python-docx document (docxtpl's subdocument), with the
    styles the template has: a style it lacks is replaced by direct formatting."""

    def __init__(self, target: Any, styles: set[str], text_width: int) -> None:
        self.target = target
        self.styles = styles
        self.text_width = text_width  # EMU between the page's margins

    def style(self, name: str) -> str | None:
        return name if name in self.styles else None

    def paragraph(self, style: str | None = None) -> Any:
        return self.target.add_paragraph(style=self.style(style) if style else None)

    def runs(self, paragraph: Any, runs: Runs, *, bold: bool = False) -> None:
        from docx.enum.text import WD_COLOR_INDEX

        for run in runs:
            if isinstance(run, Text):
                paragraph.add_run(run.text).bold = bold or None
            elif isinstance(run, Bold):
                paragraph.add_run(run.text).bold = True
            elif isinstance(run, Link):
                self.link(paragraph, run)
            elif isinstance(run, LineBreak):
                paragraph.add_run().add_break()
            elif isinstance(run, Placeholder):
                added = paragraph.add_run(run.shown)
                added.bold = bold or None
                if run.missing:
                    added.font.highlight_color = WD_COLOR_INDEX.YELLOW

    def link(self, paragraph: Any, link: Link) -> None:
        """An external hyperlink, underlined, its text the address unless it has its own."""
        from docx.opc.constants import RELATIONSHIP_TYPE
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        rel = paragraph.part.relate_to(link.url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        element = OxmlElement("w:hyperlink")
        element.set(qn("r:id"), rel)
        run = paragraph.add_run(link.text or link.url)
        run.font.underline = True
        if "Hyperlink" in self.styles:
            run.style = "Hyperlink"
        element.append(run._r)
        paragraph._p.append(element)

    def heading(self, block: Heading) -> None:
        from docx.shared import Pt

        style = self.style(f"Heading {block.level}")
        paragraph = self.target.add_paragraph(style=style)
        run = paragraph.add_run(block.text)
        if style is None:  # the template has no heading styles: bold, larger
            run.bold = True
            run.font.size = Pt(13 if block.level == 1 else 12)
        paragraph.paragraph_format.keep_with_next = True

    def table(
        self,
        header: tuple[str, ...],
        rows: list[tuple[Runs, ...]],
        align: tuple[str, ...],
        *,
        bold_rows: frozenset[int] | set[int] = frozenset(),
        indents: dict[int, int] | None = None,
        caption: str | None = None,
    ) -> None:
        """A table with a repeated header row, figures aligned as ``align`` says."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Cm, Pt

        if caption:
            paragraph = self.paragraph("Caption")
            paragraph.add_run(caption).bold = True
            paragraph.paragraph_format.keep_with_next = True
        alignment = {
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
        }
        table = self.target.add_table(rows=1 + len(rows), cols=len(header))
        if "Table Grid" in self.styles:
            table.style = "Table Grid"
        table.autofit = False
        for column, width in zip(table.columns, self.widths(align), strict=True):
            column.width = width
            for cell in column.cells:
                cell.width = width
        head = table.rows[0]
        flag = OxmlElement("w:tblHeader")  # repeat the header row on every page
        flag.set(qn("w:val"), "true")
        head._tr.get_or_add_trPr().append(flag)
        for i, text in enumerate(header):
            paragraph = head.cells[i].paragraphs[0]
            run = paragraph.add_run(text)
            run.bold = True
            run.font.size = Pt(9)
            paragraph.alignment = alignment[align[i]]
        for row in table.rows:  # a row is never split across two pages
            keep = OxmlElement("w:cantSplit")
            keep.set(qn("w:val"), "true")
            row._tr.get_or_add_trPr().append(keep)
        for r, row in enumerate(rows, start=1):
            for i, cell in enumerate(row):
                paragraph = table.rows[r].cells[i].paragraphs[0]
                self.runs(paragraph, cell, bold=(r - 1) in bold_rows)
                paragraph.alignment = alignment[align[i]]
                if i == 0 and indents and indents.get(r - 1):
                    paragraph.paragraph_format.left_indent = Cm(0.4 * indents[r - 1])
                for run in paragraph.runs:
                    run.font.size = Pt(10)

    def widths(self, align: tuple[str, ...]) -> list[int]:
        """Column widths (EMU) filling the text width: figures (right-aligned columns) take
        what they need, at most 2 cm each and together at most 70%; the labels the rest."""
        figures = sum(1 for a in align if a == "right")
        labels = len(align) - figures
        if not figures or not labels:
            return [self.text_width // len(align)] * len(align)
        figure = min(FIGURE_WIDTH, int(self.text_width * 0.7) // figures)
        label = (self.text_width - figure * figures) // labels
        return [figure if a == "right" else label for a in align]

    def foi_table(self, table: FoiTable) -> None:
        """The FOI table: nested rows indented under their parents, totals bold, footnotes."""
        header = (table.heading, *(p.marked_label for p in table.periods), "Grand Total")
        rows: list[tuple[Runs, ...]] = []
        bold: set[int] = set()
        indents: dict[int, int] = {}
        for i, row in enumerate((*table.rows, table.grand_total)):
            label = "Grand Total" if row.level == "total" else row.labels[-1]
            depth = 0 if row.level == "total" else len(row.labels) - 1
            if row.level == "total" or (depth == 0 and len(table.dimensions) > 1):
                bold.add(i)
            indents[i] = depth
            figures = tuple((Text(str(c)),) for c in (*row.counts, row.total))
            rows.append(((Text(label, data=True),), *figures))
        align = ("left", *("right" for _ in header[1:]))
        self.table(header, rows, align, bold_rows=bold, indents=indents, caption=table.title)
        for note in table.footnotes:
            self.paragraph().add_run(note).italic = True

    def blocks(self, blocks: tuple[Block, ...], *, skip: set[str], shift: int = 0) -> None:
        for block in blocks:
            if isinstance(block, Heading):
                self.heading(Heading(min(block.level + shift, 6), block.text, block.data))
            elif isinstance(block, Paragraph):
                if block.role in skip:
                    continue
                self.runs(self.paragraph(), block.runs)
            elif isinstance(block, Quote):
                for quoted in block.paragraphs:
                    paragraph = self.paragraph("Quote")
                    if "Quote" not in self.styles:
                        from docx.shared import Cm

                        paragraph.paragraph_format.left_indent = Cm(1)
                    self.runs(paragraph, quoted.runs)
            elif isinstance(block, BulletList):
                for item in block.items:
                    paragraph = self.paragraph("List Bullet")
                    if "List Bullet" not in self.styles:
                        paragraph.add_run("\u2022 ")
                    self.runs(paragraph, item)
            elif isinstance(block, Table):
                self.table(block.header, list(block.rows), block.align)
            elif isinstance(block, FoiTableBlock):
                self.foi_table(block.table)
            elif isinstance(block, IncludedDocument):
                self.heading(block.heading)
                self.blocks(block.document.blocks, skip=skip, shift=block.heading.level)


def _draft_notice(document: Document) -> str:
    names = ", ".join(f"[{n}]" for n in document.unfilled())
    return (
        f"DRAFT: NOT FOR SENDING. This letter still has placeholders ({names}): give them in "
        "the request (its [force] table, or the request text) and answer again."
    )


def render_letter_docx(
    document: Document, fields: LetterFields, template: Path | None = None
) -> bytes:
    """The letter as the bytes of a DOCX file on the letterhead ``template`` (None: the
    built-in one). Refuses (``LetterError``, one line naming the template) a template it
    cannot fill."""
    from docx.shared import Pt, RGBColor
    from docxtpl import DocxTemplate
    from jinja2.sandbox import SandboxedEnvironment

    letterhead = prepare(template, builtin_template())
    skip = set()
    if letterhead.fields & set(CONTACT_FIELDS):
        skip.add(CONTACT)
    if "addressee" in letterhead.fields:
        skip.add(ADDRESSEE)
    if "letter_date" in letterhead.fields:
        skip.add(DATE)
    if "reference" in letterhead.fields:
        skip.add(REFERENCE)
    tpl = DocxTemplate(io.BytesIO(letterhead.data))
    main = tpl.get_docx()
    styles = {style.name for style in main.styles}
    section = main.sections[-1]  # the letter ends in the body's last section
    text_width = int(
        (section.page_width or 7_560_000) - (section.left_margin or 0) - (section.right_margin or 0)
    )
    body = tpl.new_subdoc()
    writer = _Writer(body, styles, max(text_width, 2_000_000))
    if document.unfilled():
        run = writer.paragraph().add_run(_draft_notice(document))
        run.bold = True
        run.font.size = Pt(12)
        run.font.color.rgb = RGBColor(0xC0, 0, 0)
    writer.blocks(document.blocks, skip=skip)
    context: dict[str, Any] = {**fields.context(), BODY_FIELD: body}
    try:  # only plain fields reach Jinja2 (letterhead.prepare), in its sandbox even so
        tpl.render(context, SandboxedEnvironment(autoescape=True), autoescape=True)
    except Exception as exc:  # jinja2's errors name the XML, not the letterhead: say which
        raise LetterError(f"{letterhead.shown}: the letter could not be filled in ({exc})") from exc
    out = io.BytesIO()
    tpl.save(out)
    # the file's own properties say who it is from and what it is, and nothing else
    core = core_properties(document.title, fields.force_name, fields.reference)
    return rewrite_properties(out.getvalue(), core, APP_PROPERTIES)


def write_letter_docx(
    document: Document, path: Path, fields: LetterFields, template: Path | None = None
) -> Path:
    """Write ``render_letter_docx`` to ``path``."""
    path.write_bytes(render_letter_docx(document, fields, template))
    return path
