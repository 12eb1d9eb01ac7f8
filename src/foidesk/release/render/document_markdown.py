"""A ``Document`` (the letter, the method statement) as Markdown: ``letter.md``, ``method.md``.

A pure function of the document, so the same document always gives the same bytes. Its
layout is the one the letters have always had:

- each block ends with a line end, and blocks are separated by one blank line;
- a table (the FOI table, or a ``Table`` such as the coverage) is closed by a blank line of
  its own, so two blank lines follow it, and a document ending with a table ends with a
  blank line;
- an included document (the method statement in the letter) is set off by an extra blank
  line before its heading and is written exactly as it is written alone;
- the letter's own wording (a ``Text`` run, ``Bold``, headings, table headers, link text)
  is written as it is; data (a ``Text`` run with ``data=True``, a placeholder's value: the
  request's own words, system and offence names) is written through
  ``render.markdown.escape_markdown``, so ``<script>``, ``|``, ``*``, ``[x](y)`` and the like
  show as the characters they are; in a table cell its line ends become spaces;
- a hard line break is two spaces and a line end; a link with no text of its own is an
  autolink ``<https://...>``; a placeholder is its value, or ``[NAME]`` when missing.

The FOI table is written by ``render.markdown.render_markdown``, as ``table.md`` is.
"""

from __future__ import annotations

from typing import assert_never

from foidesk.release.document import (
    Block,
    Bold,
    BulletList,
    Document,
    FoiTableBlock,
    Heading,
    IncludedDocument,
    LineBreak,
    Link,
    Paragraph,
    Placeholder,
    Quote,
    Runs,
    Table,
    Text,
)
from foidesk.release.render.markdown import escape_markdown, render_markdown

_RULE = {"left": "---", "right": "---:", "center": ":---:"}


def _inline(runs: Runs, *, cell: bool = False) -> str:
    """The runs of a paragraph, list item or (``cell``) table cell, data escaped."""
    out = []
    for run in runs:
        if isinstance(run, Text):
            out.append(escape_markdown(run.text, one_line=cell) if run.data else run.text)
        elif isinstance(run, Bold):
            out.append(f"**{run.text}**")
        elif isinstance(run, Link):
            out.append(f"<{run.url}>" if run.text is None else f"[{run.text}]({run.url})")
        elif isinstance(run, LineBreak):
            out.append("  \n")
        elif isinstance(run, Placeholder):
            value = run.value
            out.append(run.shown if value is None else escape_markdown(value, one_line=cell))
        else:
            assert_never(run)
    return "".join(out)


def _table(table: Table) -> str:
    lines = [
        "| " + " | ".join(table.header) + " |",
        "|" + "".join(_RULE[a] + "|" for a in table.align),
        *("| " + " | ".join(_inline(cell, cell=True) for cell in row) + " |" for row in table.rows),
    ]
    return "\n".join(lines) + "\n"


def _block(block: Block) -> str:
    """One block, ending with a line end (blocks are joined with a blank line between)."""
    if isinstance(block, Heading):
        text = escape_markdown(block.text, one_line=True) if block.data else block.text
        return "#" * block.level + " " + text + "\n"
    if isinstance(block, Paragraph):
        return _inline(block.runs) + "\n"
    if isinstance(block, Quote):
        quoted = ("> " + _inline(p.runs).replace("\n", "\n> ") for p in block.paragraphs)
        return "\n>\n".join(quoted) + "\n"
    if isinstance(block, BulletList):
        return "".join(f"- {_inline(item)}\n" for item in block.items)
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, FoiTableBlock):
        return render_markdown(block.table) + "\n"
    if isinstance(block, IncludedDocument):
        return "\n" + _block(block.heading) + "\n" + render_document_markdown(block.document)
    assert_never(block)


def render_document_markdown(doc: Document) -> str:
    """The document as Markdown (UTF-8 text with LF line ends; the title is not written)."""
    return "\n".join(_block(block) for block in doc.blocks)
