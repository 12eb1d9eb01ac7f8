"""The matcher is linear in the size of a note (issue 11, item 9).

One note of 1 MB made of pieces full of mentions of every kind must give exactly the hits of
its pieces matched one by one (shifted to the note's offsets), and the work done per hit must
not grow with the note: counted, not timed, at 50 KB and at 1 MB, as

- calls: every Python function call, generator step and call of a built-in (``sys.setprofile``);
- characters examined: the window each start search looks at, the text each signal, list or
  gap pattern is run on, and the characters decoded to turn byte offsets into characters.

Before the fix both grew with the note (every short form was tested against every counted
mention, every candidate against every exclusion and every kept candidate, and each offset was
converted by decoding the row from its start), and a 5 MB note took minutes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

import pyarrow as pa
import pytest

from foidesk.search import matcher as matcher_module
from foidesk.search.lexicon import load_lexicon
from foidesk.search.matcher import Hit, Matcher

# Pieces of a note full of mentions: full names, short forms with signals, lists, web
# addresses, exclusions, traps and non-ASCII text. Each ends a sentence, so that nothing in one
# piece reaches into the next (no list, exclusion or signal spans two pieces).
PIECES = [
    "IP says susp contacted her on FB and Facebook, then via FB, Snap and WA; "
    "see www.facebook.com/abc, https://instagram.com/x and wa.me/4477. ",
    "SC 4512 attended, IG checks done, Seattle, WA. He snapped at officers; "
    "Whats App and TikTok msgs, TT unit attended, her insta story, snap chat, FB, IG and WA. ",
    "Cold snap; birds twittering; X (formerly Twitter); café Facebook, 😀Snapchat, "
    "his TT account, Telegram and WA, IG (intelligence gateway) checked, Caféfacebook. ",
    "Naïve user posted on Instagram and Tik Tok — the FB page, snaps via Snap\u00a0chat, "
    "TT and IG only, IG @jo_x, tweeted twice, instalment paid, FBI not involved, WA1 2AB. ",
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    lexicon = load_lexicon("social-media")
    return Matcher(lexicon, list(lexicon.platforms))


def _pieces(size: int) -> list[str]:
    """Pieces in turn until their UTF-8 reaches ``size`` bytes."""
    pieces: list[str] = []
    total = 0
    while total < size:
        piece = PIECES[len(pieces) % len(PIECES)]
        pieces.append(piece)
        total += len(piece.encode("utf-8"))
    return pieces


def test_each_piece_has_mentions(matcher: Matcher) -> None:
    hits = matcher.match_array(pa.array(PIECES), "text")
    assert {h.row for h in hits} == set(range(len(PIECES)))
    assert {h.signal for h in hits} >= {"", "before:on", "list", "after:page", "after:@handle"}


@dataclass
class _Work:
    calls: int = 0
    chars: int = 0


class _CountingPattern:
    """A compiled pattern that adds what each call looks at to ``work.chars``: the window
    (``search`` with bounds), the characters a run consumed (``match`` on ``_GAP_CHARS``), or
    the whole string it was given (a slice of the text)."""

    def __init__(self, pattern: re.Pattern[Any], work: _Work, consumed: bool = False) -> None:
        self.pattern, self.work, self.consumed = pattern, work, consumed

    def search(self, string: Any, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        self.work.chars += min(endpos, len(string)) - pos
        return self.pattern.search(string, pos, endpos)

    def match(self, string: Any, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        found = self.pattern.match(string, pos, endpos)
        if self.consumed:
            self.work.chars += (found.end() if found else pos) - pos + 1
        else:
            self.work.chars += min(endpos, len(string)) - pos
        return found


@contextmanager
def _counting(matcher: Matcher) -> Iterator[_Work]:
    """Count the matcher's calls and the characters it examines while the block runs."""
    work = _Work()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(matcher, "_starts", [_CountingPattern(p, work) for p in matcher._starts])
        for name in ("_BEFORE", "_AFTER", "_LIST_GAP"):
            patch.setattr(
                matcher_module, name, _CountingPattern(getattr(matcher_module, name), work)
            )
        patch.setattr(
            matcher_module, "_GAP_CHARS", _CountingPattern(matcher_module._GAP_CHARS, work, True)
        )
        chars_before = matcher_module._chars_before
        char_offsets = matcher_module._char_offsets

        def counted_chars_before(raw: bytes, offset: int) -> int:
            work.chars += offset  # decodes the row up to the offset
            return chars_before(raw, offset)

        def counted_char_offsets(raw: bytes, offsets: Any) -> dict[int, int]:
            work.chars += len(raw)  # decodes the row once, from one offset to the next
            return char_offsets(raw, offsets)

        patch.setattr(matcher_module, "_chars_before", counted_chars_before)
        patch.setattr(matcher_module, "_char_offsets", counted_char_offsets)

        def profile(frame: FrameType, event: str, arg: Any) -> None:
            if event in ("call", "c_call"):
                work.calls += 1

        sys.setprofile(profile)
        try:
            yield work
        finally:
            sys.setprofile(None)


def _counted(matcher: Matcher, size: int) -> tuple[list[str], list[Hit], _Work]:
    """A note of ``size`` bytes: its pieces, its hits, and the work they took."""
    pieces = _pieces(size)
    note = "".join(pieces)
    matcher.match_text(note[:1000])  # first calls of Arrow's functions are not the matcher's
    with _counting(matcher) as work:
        hits = matcher.match_text(note)
    return pieces, hits, work


@pytest.fixture(scope="module")
def one_megabyte(matcher: Matcher) -> tuple[list[str], list[Hit], _Work]:
    return _counted(matcher, 1_000_000)


def test_a_long_note_has_the_hits_of_its_pieces(
    matcher: Matcher, one_megabyte: tuple[list[str], list[Hit], _Work]
) -> None:
    pieces, hits, _ = one_megabyte
    offsets = [0]
    for piece in pieces:
        offsets.append(offsets[-1] + len(piece))
    expected = [
        hit._replace(row=0, start=hit.start + offsets[hit.row], end=hit.end + offsets[hit.row])
        for hit in matcher.match_array(pa.array(pieces), "text")
        if hit.certainty == "certain"
    ]
    assert len(hits) > 40_000
    # the certain hits are the pieces'; a possible hit of a platform the field also has a
    # certain hit of is dropped (it adds nothing to check), and the long note has them all
    assert [h for h in hits if h.certainty == "certain"] == expected


def test_work_per_hit_does_not_grow_with_the_note(
    matcher: Matcher, one_megabyte: tuple[list[str], list[Hit], _Work]
) -> None:
    _, small_hits, small = _counted(matcher, 50_000)
    _, big_hits, big = one_megabyte
    calls = (small.calls / len(small_hits), big.calls / len(big_hits))
    chars = (small.chars / len(small_hits), big.chars / len(big_hits))
    assert calls[1] / calls[0] < 1.5, calls
    assert chars[1] / chars[0] < 1.5, chars
