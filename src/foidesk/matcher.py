"""The matcher: the one place that decides what is a mention. Every engine calls it.

A lexicon (``lexicon.py``) is compiled once to a Hyperscan block-mode database. A batch of
Arrow strings is copied into one buffer with a 0xFF byte between rows (0xFF never occurs in
UTF-8, so no pattern can match across it), scanned once, and each candidate is mapped back to
its row with a binary search over the row starts. Candidates that cross a separator or fall in
a null slot are dropped. Then, on the decoded characters of only the rows that had candidates,
the word boundaries are checked (the characters either side must not be letters, digits, marks
or underscore, so "Caféfacebook" and "snapped" are not mentions), byte offsets become Python
character offsets, and overlapping candidates of one platform collapse to the longest.
"""

from __future__ import annotations

import threading
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import hyperscan
import numpy as np
import pyarrow as pa

from foidesk.errors import FoideskError
from foidesk.lexicon import Lexicon, Platform, Rule

SEPARATOR = 0xFF


class Hit(NamedTuple):
    """One mention: ``text[start:end]`` of the field is ``matched`` (character offsets)."""

    row: int
    field: str
    platform: str
    start: int
    end: int
    matched: str
    rule: str


@dataclass
class _Candidate:
    start: int
    end: int
    rule: Rule


def _is_word_char(ch: str) -> bool:
    if ch.isalnum() or ch == "_":
        return True
    return unicodedata.category(ch)[0] in "LNM"


class Matcher:
    """A compiled lexicon for a chosen set of platforms. Thread-safe (one scratch per thread)."""

    def __init__(self, lexicon: Lexicon, platforms: Sequence[Platform] | None = None) -> None:
        self.lexicon = lexicon
        self.platforms: tuple[Platform, ...] = (
            tuple(platforms) if platforms else lexicon.select(None)
        )
        self.rules: list[Rule] = [rule for p in self.platforms for rule in p.rules]
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        flags = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SOM_LEFTMOST
        try:
            self._db.compile(
                expressions=[rule.pattern.encode("utf-8") for rule in self.rules],
                ids=list(range(len(self.rules))),
                elements=len(self.rules),
                flags=[flags] * len(self.rules),
            )
        except hyperscan.error as exc:  # the message names the pattern index
            raise FoideskError(
                f"lexicon {lexicon.source}: a pattern does not compile: {exc}"
            ) from exc
        self._local = threading.local()

    @property
    def platform_names(self) -> list[str]:
        """Canonical names of the platforms searched, in lexicon order."""
        return [p.name for p in self.platforms]

    def _scratch(self) -> Any:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = hyperscan.Scratch(self._db)
            self._local.scratch = scratch
        return scratch

    def match_text(self, text: str | None, field: str = "text") -> list[Hit]:
        """Hits in one string (row 0)."""
        return self.match_array(pa.array([text], type=pa.string()), field)

    def match_array(self, array: pa.Array | pa.ChunkedArray, field: str) -> list[Hit]:
        """Hits in every row of a string array; ``Hit.row`` is the row's index in ``array``."""
        if isinstance(array, pa.ChunkedArray):
            hits: list[Hit] = []
            base = 0
            for chunk in array.chunks:
                hits.extend(h._replace(row=h.row + base) for h in self.match_array(chunk, field))
                base += len(chunk)
            return hits
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            array = array.cast(pa.large_string())
        n = len(array)
        if n == 0 or array.null_count == n:
            return []
        offsets_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
        buffers = array.buffers()
        offsets = np.frombuffer(buffers[1], dtype=offsets_type)[array.offset : array.offset + n + 1]
        offsets = offsets.astype(np.int64)
        if buffers[2] is None or offsets[-1] == offsets[0]:
            return []
        data = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        rel = offsets - offsets[0]
        joined = np.insert(data, rel[1:-1], SEPARATOR) if n > 1 else data
        row_index = np.arange(n, dtype=np.int64)
        row_starts = rel[:-1] + row_index
        row_ends = rel[1:] + row_index

        found: list[tuple[int, int, int]] = []

        def on_match(rule_id: int, start: int, end: int, flags: int, context: Any) -> None:
            found.append((rule_id, start, end))

        buffer: Any = memoryview(joined)  # type: ignore[arg-type]  # numpy arrays are buffers
        self._db.scan(buffer, match_event_handler=on_match, scratch=self._scratch())
        if not found:
            return []
        cand = np.array(found, dtype=np.int64)
        rows = np.searchsorted(row_starts, cand[:, 1], side="right") - 1
        inside = cand[:, 2] <= row_ends[rows]
        if array.null_count:
            inside &= array.is_valid().to_numpy(zero_copy_only=False)[rows]
        cand, rows = cand[inside], rows[inside]
        order = np.lexsort((cand[:, 1], rows))
        hits = []
        current_row = -1
        by_row: list[tuple[int, int, int]] = []
        for k in order:
            row = int(rows[k])
            if row != current_row:
                if by_row:
                    hits.extend(
                        self._resolve_row(joined, current_row, row_starts, row_ends, by_row, field)
                    )
                current_row, by_row = row, []
            by_row.append((int(cand[k, 0]), int(cand[k, 1]), int(cand[k, 2])))
        if by_row:
            hits.extend(self._resolve_row(joined, current_row, row_starts, row_ends, by_row, field))
        return hits

    def _resolve_row(
        self,
        joined: np.ndarray,
        row: int,
        row_starts: np.ndarray,
        row_ends: np.ndarray,
        candidates: Iterable[tuple[int, int, int]],
        field: str,
    ) -> list[Hit]:
        """Check boundaries on the decoded row, convert to character offsets, collapse."""
        base = int(row_starts[row])
        raw = joined[base : int(row_ends[row])].tobytes()
        text = raw.decode("utf-8")
        char_of: Callable[[int], int]
        if len(raw) == len(text):  # ASCII: byte offsets are character offsets
            char_of = int
        else:  # byte offset -> index of the character starting there
            starts = [i for i, b in enumerate(raw) if b & 0xC0 != 0x80]
            char_of = partial(bisect_left, starts)
        valid: list[_Candidate] = []
        for rule_id, bstart, bend in set(candidates):
            s, e = char_of(bstart - base), char_of(bend - base)
            if s > 0 and _is_word_char(text[s - 1]):
                continue
            if e < len(text) and _is_word_char(text[e]):
                continue
            valid.append(_Candidate(s, e, self.rules[rule_id]))
        return [
            Hit(row, field, c.rule.platform, c.start, c.end, text[c.start : c.end], c.rule.name)
            for c in _longest(valid)
        ]


def _longest(candidates: list[_Candidate]) -> list[_Candidate]:
    """Per platform, drop candidates inside a longer (or earlier equal) one; keep text order."""
    candidates.sort(key=lambda c: (c.start, -c.end, c.rule.name))
    kept: list[_Candidate] = []
    for cand in candidates:
        if any(
            k.rule.platform == cand.rule.platform and k.start <= cand.start and cand.end <= k.end
            for k in kept
        ):
            continue
        kept.append(cand)
    return kept
