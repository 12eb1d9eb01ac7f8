"""The letter and the method statement as structured documents, for every renderer.

A ``Document`` is a title and a sequence of blocks (headings, paragraphs, block quotes, bullet
lists, tables, the FOI table itself, and another document included whole); paragraphs are
made of inline runs (plain text, bold, links, hard line breaks and placeholders); a ``Text``
run marked ``data`` and a placeholder's value came from the request or the force's records,
and renderers escape them, while every other string is the letter's own wording. The model
says what the letter is, not how it looks: ``render.document_markdown`` writes it as Markdown
(``letter.md``, ``method.md``), and a DOCX or PDF renderer can lay out the same document on a
force's letterhead. Every type is a frozen dataclass holding tuples, so a document built by
``release.letter`` cannot be changed after the release gate has made it.

A ``Placeholder`` stands for a value the request did not give (the force's name, say): it is
shown as its value, or as ``[NAME]`` when it has none, and ``Document.unfilled()`` lists the
ones still missing so that a letter can be checked before it is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Literal, TypeAlias

from foidesk.release.table import FoiTable

# -- inline runs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """Plain text. It may hold the newlines of text the requester wrote, which renderers keep
    as line ends.

    ``data`` says where the text came from. False (the default): the letter's own wording,
    written as it is. True: data, i.e. a value from the force's records or the request (a
    system or offence name, the request's or clarification's words, the request's
    reference), which a renderer must escape so it shows as the text it is and never as
    markup: the Markdown renderer escapes HTML and Markdown characters in it."""

    text: str
    data: bool = False


@dataclass(frozen=True)
class Bold:
    """Bold text, e.g. the lead-in of a paragraph ("**Population.**")."""

    text: str


@dataclass(frozen=True)
class Link:
    """A web address, shown as the address itself unless ``text`` is given."""

    url: str
    text: str | None = None


@dataclass(frozen=True)
class LineBreak:
    """A hard line break inside a paragraph (the lines of an address block)."""


@dataclass(frozen=True)
class Placeholder:
    """A value the letter needs and the request may not give, e.g. the force's name.

    ``name`` is what it is called when missing ("FORCE NAME", shown as ``[FORCE NAME]``);
    ``value`` is the value, or None when the request has none. A blank value counts as
    missing for ``Document.unfilled`` (although it is shown as given). A value comes from the
    request, so renderers treat it as data (as a ``Text`` with ``data=True``); ``[NAME]`` is
    the letter's own wording."""

    name: str
    value: str | None = None

    @property
    def missing(self) -> bool:
        """True when the request gave no value (or a blank one)."""
        return self.value is None or not self.value.strip()

    @property
    def shown(self) -> str:
        """The text shown for it: its value, or ``[NAME]``."""
        return f"[{self.name}]" if self.value is None else self.value


Inline: TypeAlias = Text | Bold | Link | LineBreak | Placeholder
"""One run of a paragraph."""

Runs: TypeAlias = tuple[Inline, ...]
"""The runs of one paragraph, list item or table cell."""


# -- blocks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """A section heading: level 1 is the letter's title line, level 2 its sections.
    ``data``: the heading holds a value from data (the request's reference), so renderers
    escape it (the fixed words of a heading have nothing to escape)."""

    level: int
    text: str
    data: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.level <= 6:
            raise ValueError(f"heading level must be 1 to 6, got {self.level}")


CONTACT = "contact"  # the force's address, telephone and email at the top of a letter
ADDRESSEE = "addressee"  # the requester's name and address, when the request gives them
DRAFT = "draft"  # the notice that a letter still holds placeholders and is not to be sent
DATE = "date"  # the letter's date (a letterhead that prints {{ letter_date }} leaves it out)
REFERENCE = "reference"  # "Our Ref: ..." (likewise for {{ reference }})


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of inline runs. ``role`` names a paragraph a renderer may place or leave
    out: ``CONTACT`` (a letterhead that prints the force's details itself leaves it out),
    ``ADDRESSEE`` (never in the disclosure log's copy), ``DATE`` and ``REFERENCE`` (left out
    by a letterhead that prints them), ``DRAFT``; "" for any other."""

    runs: Runs
    role: str = ""


@dataclass(frozen=True)
class Quote:
    """A block quote of one or more paragraphs (the request as the requester wrote it)."""

    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class BulletList:
    """An unordered list; each item is a run of inline text (the systems and terms searched)."""

    items: tuple[Runs, ...]


Align: TypeAlias = Literal["left", "right", "center"]
"""How a table column's cells are aligned."""


@dataclass(frozen=True)
class Table:
    """A small table of text (the coverage table): a header, rows of cells, and each column's
    alignment (figures are right-aligned). Every row has one cell per header."""

    header: tuple[str, ...]
    rows: tuple[tuple[Runs, ...], ...]
    align: tuple[Align, ...]

    def __post_init__(self) -> None:
        if len(self.align) != len(self.header):
            raise ValueError(f"{len(self.header)} columns but {len(self.align)} alignments")
        for i, row in enumerate(self.rows):
            if len(row) != len(self.header):
                raise ValueError(f"row {i + 1} has {len(row)} cells, not {len(self.header)}")


@dataclass(frozen=True)
class FoiTableBlock:
    """The FOI table itself, with its title and footnotes, kept as the aggregate ``FoiTable``
    so each renderer lays out the real table (nested rows, part-year columns)."""

    table: FoiTable


@dataclass(frozen=True)
class IncludedDocument:
    """Another document included whole under a heading: the letter's "How the figures were
    produced" is the method statement, which is also released on its own."""

    heading: Heading
    document: Document


Block: TypeAlias = (
    Heading | Paragraph | Quote | BulletList | Table | FoiTableBlock | IncludedDocument
)
"""One block of a document, in reading order."""


# -- the document --------------------------------------------------------------------------


def _block_runs(block: Block) -> Iterator[Inline]:
    """Every inline run of one block, in reading order (included documents' too)."""
    if isinstance(block, Paragraph):
        yield from block.runs
    elif isinstance(block, Quote):
        for paragraph in block.paragraphs:
            yield from paragraph.runs
    elif isinstance(block, BulletList):
        for item in block.items:
            yield from item
    elif isinstance(block, Table):
        for row in block.rows:
            for cell in row:
                yield from cell
    elif isinstance(block, IncludedDocument):
        yield from block.document.runs()


@dataclass(frozen=True)
class Document:
    """A document: its title (metadata, e.g. for a DOCX's properties or a PDF's title; the
    Markdown shows only the blocks) and its blocks in reading order."""

    title: str
    blocks: tuple[Block, ...]

    def runs(self) -> Iterator[Inline]:
        """Every inline run, in reading order."""
        for block in self.blocks:
            yield from _block_runs(block)

    def without(self, *roles: str) -> Document:
        """The same document without its paragraphs of the given roles (the disclosure log's
        copy of a letter is the letter ``without(ADDRESSEE)``)."""
        return Document(
            self.title,
            tuple(b for b in self.blocks if not (isinstance(b, Paragraph) and b.role in roles)),
        )

    def placeholders(self) -> tuple[Placeholder, ...]:
        """Every placeholder, filled or not, in reading order (repeats included)."""
        return tuple(run for run in self.runs() if isinstance(run, Placeholder))

    def unfilled(self) -> tuple[str, ...]:
        """The names of the placeholders the request left without a value, each once, in the
        order they first appear (e.g. ``("FORCE NAME", "UNIT", ...)``): a letter with any is
        not ready to send."""
        return tuple(dict.fromkeys(p.name for p in self.placeholders() if p.missing))


@dataclass(frozen=True)
class LetterFields:
    """The values a letterhead's fields are filled with: the request's reference and dates and
    the force's details (a detail left out is its ``[NAME]`` placeholder), all text."""

    reference: str
    title: str
    letter_date: str  # "3rd June 2019", as the letter writes it
    received: str
    force_name: str
    unit: str
    address: str
    telephone: str
    email: str
    signatory: str
    addressee: str = ""  # empty when the request names none, and in the log's copy

    def context(self) -> dict[str, str]:
        """The fields by name, as docxtpl's context."""
        return asdict(self)
