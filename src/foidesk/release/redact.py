"""The requester's name and address taken out of what is published about a request.

Place in the flow: a letter is applicant-blind, and the requester appears in it only when the
request gives an ``addressee``; the disclosure log's copy of the letter
(``release.publish``: ``log-letter.pdf``) and the log's own pages (``disclosure_log``) never
show them, nor the name where the requester signed the request text. ``addressee_phrases``
says what must not appear; ``redact`` replaces it in a text and ``redact_document`` in a
letter's data (the request quoted, the clarification), never in its own wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from foidesk.release.document import (
    Block,
    BulletList,
    Document,
    Heading,
    IncludedDocument,
    Inline,
    Paragraph,
    Placeholder,
    Quote,
    Runs,
    Table,
    Text,
)

REMOVED = "[name and address removed]"
_HONORIFICS = re.compile(r"^(?:mr|mrs|ms|miss|mx|dr|prof)\.?\s+", re.IGNORECASE)


def addressee_phrases(addressee: str, *, words: bool = False) -> tuple[str, ...]:
    """What of the addressee must not appear: each line of three characters or more and the
    first (the name) without a title such as Mr or Dr; with ``words``, each word of the name
    of three characters or more too (a request signed "Jane"), for the texts the log writes
    (not for the files it copies, whose own wording, "Dear requester", may share a word)."""
    lines = [" ".join(line.split()) for line in addressee.splitlines()]
    phrases = [line for line in lines if len(line) >= 3]
    if phrases:
        bare = _HONORIFICS.sub("", phrases[0])
        phrases += [bare, *(bare.split() if words else ())]
    phrases = [p for p in phrases if len(p.strip(".,")) >= 3]
    # the longest first, so that a line is removed before a part of it
    return tuple(sorted(set(phrases), key=lambda p: (-len(p), p)))


def _pattern(phrase: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in phrase.split())
    return re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)


def redact(text: str, phrases: Iterable[str]) -> str:
    """``text`` with every phrase (any letter case, any spacing) replaced by ``REMOVED``."""
    for phrase in phrases:
        text = _pattern(phrase).sub(REMOVED, text)
    return text


def named(text: str, phrases: Iterable[str]) -> str | None:
    """The first phrase ``text`` holds, or None."""
    return next((p for p in phrases if _pattern(p).search(text)), None)


def redact_document(document: Document, phrases: tuple[str, ...]) -> Document:
    """``document`` with every phrase replaced by ``REMOVED`` in its data: data text runs,
    placeholders' values and data headings (the letter's own wording is left as it is)."""
    if not phrases:
        return document

    def run(inline: Inline) -> Inline:
        if isinstance(inline, Text) and inline.data:
            return Text(redact(inline.text, phrases), data=True)
        if isinstance(inline, Placeholder) and inline.value is not None:
            return Placeholder(inline.name, redact(inline.value, phrases))
        return inline

    def runs(items: Runs) -> Runs:
        return tuple(run(i) for i in items)

    def block(b: Block) -> Block:
        if isinstance(b, Paragraph):
            return replace(b, runs=runs(b.runs))
        if isinstance(b, Quote):
            return Quote(tuple(replace(p, runs=runs(p.runs)) for p in b.paragraphs))
        if isinstance(b, BulletList):
            return BulletList(tuple(runs(item) for item in b.items))
        if isinstance(b, Table):
            return replace(b, rows=tuple(tuple(runs(c) for c in row) for row in b.rows))
        if isinstance(b, Heading) and b.data:
            return Heading(b.level, redact(b.text, phrases), data=True)
        if isinstance(b, IncludedDocument):
            return IncludedDocument(b.heading, redact_document(b.document, phrases))
        return b

    return Document(document.title, tuple(block(b) for b in document.blocks))
