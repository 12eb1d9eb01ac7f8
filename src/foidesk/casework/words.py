"""What the searched terms are called: one vocabulary for the table, the letter and the method.

A lexicon's ``[words]`` table (``search/lexicon.py``) says what its terms are: "platform" for
social media, "weapon" for knives; a request's ``[search.words]`` may override any of them
(``casework/request.py``); the answer resolves the two (``answering.py``) and counting and the
release use the result, so an answer about knives has no word of social media in it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from foidesk.errors import LexiconError

_WORD_KEYS = {"term", "terms", "heading", "title", "inside_word_examples", "method_notes"}


@dataclass(frozen=True)
class TermWords:
    """What a lexicon's terms are called, for the table, the letter and the method: a knife
    answer says "weapon", a social-media answer "platform". From the lexicon's ``[words]``
    (a request's ``[search.words]`` may override any of them)."""

    term: str = "term"  # one term: "platform", "weapon", "app"
    terms: str = "terms"  # more than one
    heading: str = ""  # the table's heading for the term rows; default: ``term`` in capitals
    title: str = ""  # the letter's paragraph on the term rows; default: ``term`` capitalised
    # words that hold a term but are not mentions of it, for the method ("snapped")
    inside_word_examples: tuple[str, ...] = ()
    # sentences the method statement adds about what counts ("A denied mention still counts")
    method_notes: tuple[str, ...] = ()

    @property
    def table_heading(self) -> str:
        """The heading of the term rows, e.g. 'SOCIAL MEDIA PLATFORM'."""
        return self.heading or self.term.upper()

    @property
    def part_title(self) -> str:
        """The letter's title for the term rows, e.g. 'Social media platform'."""
        return self.title or self.term[:1].upper() + self.term[1:]

    def merged(self, raw: dict[str, Any], where: str) -> TermWords:
        """These words with the keys of a ``[words]`` table put over them (checked)."""
        return parse_words(raw, where, self)


def parse_words(raw: Any, where: str, base: TermWords | None = None) -> TermWords:
    """A ``[words]`` table over ``base``; an unknown key or a value of the wrong kind is a
    ``LexiconError`` naming ``where`` and the key."""
    base = base or TermWords()
    if not isinstance(raw, dict):
        raise LexiconError(f"{where}: must be a table")
    unknown = set(raw) - _WORD_KEYS
    if unknown:
        known = ", ".join(sorted(_WORD_KEYS))
        raise LexiconError(f"{where}: unknown key {sorted(unknown)[0]!r} (known: {known})")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("inside_word_examples", "method_notes"):
            if not isinstance(value, list) or not all(
                isinstance(v, str) and v.strip() for v in value
            ):
                raise LexiconError(f"{where}.{key}: must be a list of text")
            values[key] = tuple(v.strip() for v in value)
        else:
            if not isinstance(value, str) or not value.strip() or not value.isprintable():
                raise LexiconError(f"{where}.{key}: must be a word or a few, on one line")
            values[key] = value.strip()
    if "term" in values and "terms" not in values:
        values["terms"] = values["term"] + "s"
    return replace(base, **values)
