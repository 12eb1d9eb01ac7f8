"""The matcher: the one place that decides what is a mention. Every engine calls it.

A lexicon (``lexicon.py``) is compiled once to a Hyperscan block-mode database holding every
platform's rules and every exclusion. A batch of Arrow strings is copied into one buffer with a
0xFF byte between rows (0xFF never occurs in UTF-8, so no pattern can match across it), scanned
once, and each candidate's end is mapped back to its row with a binary search over the row
starts; candidates in a null slot are dropped. Hyperscan reports ends only: asking it for start
offsets (``HS_FLAG_SOM_LEFTMOST``) made the scan about five times slower here, so the leftmost
start of each candidate is found afterwards by Python's ``re`` running the same pattern over a
short window of the row's bytes that ends at the reported end (bytes, so ``\b`` and case
folding are ASCII as in Hyperscan). A candidate with no start inside its row is dropped.

Then, on the decoded characters of only the rows that had candidates (Hyperscan has no
lookbehind and its ``\\b`` is ASCII-only, so it only finds candidates):

1. byte offsets become Python character offsets, and the characters either side must not be
   letters, digits, marks or underscore ("Caféfacebook" and "snapped" are not mentions);
2. a candidate overlapping an exclusion's span (police terms, places, homographs) is dropped;
3. a short form (``needs_signal``) counts only with a signal word just before or after it, an
   @handle after it, or in a list ("via FB, Snap and WA") with a counted mention;
4. overlapping candidates of one platform collapse to the longest.

A row whose candidates are all rules that need no signal (the common row: full names, no
exclusion), of a lexicon without negation, takes a shorter path with the same steps
(``_resolve_plain``; ``tests/test_matcher_plain.py`` holds it to the general path).

The work is linear in the size of a row (n log n at most, for sorting its candidates): no step
looks at the whole row, or at every other candidate, once per candidate, and a row's candidates
are taken in text order. A note of 5 MB full of mentions costs per byte about what the same
text costs as ordinary notes (``scripts/bench_matcher.py``); ``tests/test_matcher_linear.py``
counts the work per hit.
"""

from __future__ import annotations

import importlib
import re
import threading
import time
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, pairwise
from operator import itemgetter
from typing import Any, NamedTuple, NoReturn

import hyperscan
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from foidesk.errors import LexiconError
from foidesk.search import arrays
from foidesk.search.lexicon import (
    CERTAIN,
    POSSIBLE,
    WORD,
    Exclusion,
    Lexicon,
    Negation,
    Platform,
    Rule,
)

SEPARATOR = 0xFF
# the word just before a short form: only spaces or an opening bracket/quote in between
_BEFORE = re.compile(r"([^\W_]+)[\s(\[\"'“‘]{1,3}$")
# the word (or @handle) just after: spaces, a colon, a dash or an opening bracket in between
_AFTER = re.compile(r"^[\s:(\[\-–]{0,3}(@?[^\W_][\w.]*)")
# what may stand between two items of a list of platforms
_LIST_GAP = re.compile(r"^\s*(?:,|/|&|\+|,?\s*(?:and|or|&|\+)|,?\s*and/or)?\s*$", re.IGNORECASE)
# every character _LIST_GAP can take (checked over all of Unicode, case folding included): two
# mentions can be in one list only if nothing else stands between them
_GAP_CHARS = re.compile(r"[\s,/&+andor]*", re.IGNORECASE)
_CONTEXT = 40
# how far back from a reported end the start of a match is looked for (bytes); a pattern whose
# matches are shorter (most) is looked for only as far back as its longest match (_max_width)
START_WINDOW = 256


class Hit(NamedTuple):
    """One mention: ``text[start:end]`` of the field is ``matched`` (character offsets)."""

    row: int
    field: str
    platform: str
    start: int
    end: int
    matched: str
    rule: str
    signal: str = ""  # for short forms: what let it count, e.g. "before:on", "list"
    # "certain", or "possible": a hit a careful reader would want to check (its rule says so,
    # or a short form with only a weak signal); the table counts certain hits
    certainty: str = CERTAIN


@dataclass(slots=True)
class _Candidate:
    start: int
    end: int
    rule: Rule
    signal: str = ""
    key: tuple[int, int] = (0, 0)  # (pattern id, end in bytes), as Hyperscan reported it
    certainty: str = CERTAIN


def _is_word_char(ch: str) -> bool:
    if ch.isalnum() or ch == "_":
        return True
    return ch > "\x7f" and unicodedata.category(ch)[0] in "LNM"


# the characters _is_word_char accepts among ASCII ones
_ASCII_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_SPAN_ORDER = itemgetter(0, 1, 2)


# invisible characters that join, never separate, the letters either side: a soft hyphen, the
# zero-width (non-)joiners, the word joiner and the byte-order mark. A zero-width space is a
# space ("on\u200bTikTok" is two words).
_JOINERS = frozenset("\u00ad\u200c\u200d\u2060\ufeff")


def _neighbour(text: str, i: int, step: int) -> str:
    """The character at ``i`` or, when that is an invisible joiner (``_JOINERS``), the first
    other one beyond it in the direction ``step``: "insta\u00adlment" is one word."""
    while 0 <= i < len(text) and text[i] in _JOINERS:
        i += step
    return text[i] if 0 <= i < len(text) else " "


def _chars_before(raw: bytes, offset: int) -> int:
    return len(raw[:offset].decode("utf-8"))


def _char_offsets(raw: bytes, offsets: Iterable[int]) -> dict[int, int]:
    """Byte offset -> character offset for ``offsets`` of one row, decoding each stretch of
    ``raw`` once, from one offset to the next in order (not from the row's start for each).
    An offset inside a character is left out (``_chars_before`` on it raises, as it always
    did)."""
    chars: dict[int, int] = {}
    done_bytes = done_chars = 0
    size = len(raw)
    for offset in sorted(set(offsets)):
        if offset < size and 0x80 <= raw[offset] < 0xC0:  # a continuation byte
            continue
        done_chars += len(raw[done_bytes:offset].decode("utf-8"))
        done_bytes = offset
        chars[offset] = done_chars
    return chars


def _max_width(pattern: bytes) -> int:
    """How far back from a match's end its start can be: the most bytes a match of ``pattern``
    can span (the upper bound of Python's own regex parser, ``getwidth``), at most
    START_WINDOW; START_WINDOW when the parser cannot tell."""
    try:
        parser: Any = importlib.import_module("re._parser")
        widest = int(parser.parse(pattern, re.IGNORECASE).getwidth()[1])
    except Exception:  # a private module of Python's; the plain window is always right
        return START_WINDOW
    return max(1, min(START_WINDOW, widest))


class Matcher:
    """A compiled lexicon; reports the chosen platforms. Thread-safe (one scratch a thread).

    Every platform of the lexicon is compiled, not only the chosen ones, so that a platform
    that was not asked for still anchors a list ("Telegram, IG and WA").
    """

    def __init__(
        self,
        lexicon: Lexicon,
        platforms: Sequence[Platform] | None = None,
        *,
        background: bool = False,
    ) -> None:
        """``background``: compile the Hyperscan databases in a thread, so that the caller
        can read its sources meanwhile (``answer`` does: compiling took 0.4 s, the engine's
        first second is DuckDB's); the first match waits for them, and a pattern that does
        not compile raises its ``LexiconError`` there. Every other check of the lexicon is
        made here, as without it."""
        self.lexicon = lexicon
        self.platforms: tuple[Platform, ...] = (
            tuple(platforms) if platforms else lexicon.select(None)
        )
        self._wanted = {p.name for p in self.platforms}
        self.rules: list[Rule] = [rule for p in lexicon.platforms for rule in p.rules]
        self.exclusions: list[Exclusion] = list(lexicon.exclusions)
        patterns = [r.pattern for r in self.rules] + [e.pattern for e in self.exclusions]
        names = [r.name for r in self.rules] + [e.name for e in self.exclusions]
        n_rules = len(self.rules)

        def compile_all() -> tuple[Any, Any]:
            # the rules, then the look-alike triggers (rows to be read again, folded: _folded)
            rules_db = _compile(
                patterns[:n_rules] + list(FOLD_TRIGGERS),
                names[:n_rules] + [f"fold-trigger-{i}" for i in range(len(FOLD_TRIGGERS))],
                lexicon.source,
            )
            exclusions_db = (
                _compile(patterns[n_rules:], names[n_rules:], lexicon.source)
                if self.exclusions
                else None
            )
            return rules_db, exclusions_db

        self._compiled = _Compiled(compile_all, background)
        # the same patterns, anchored at the end, to find each candidate's leftmost start, and
        # how far back from the end that start can be
        try:
            self._starts = [
                re.compile(b"(?:" + p.encode("utf-8") + rb")\Z", re.IGNORECASE) for p in patterns
            ]
        except re.error as exc:
            raise LexiconError(
                f"lexicon {lexicon.source}: a pattern is not valid for Python's re: {exc}"
            ) from exc
        self._windows = [_max_width(p.encode("utf-8")) for p in patterns]
        self._negation = lexicon.negation
        # each rule's signal words, the lexicon's and its own, made once (not per candidate):
        # (before, after, weak before, weak after)
        self._signal_words = {
            r.name: (
                lexicon.before | r.before,
                lexicon.after | r.after,
                lexicon.weak_before | r.weak_before,
                lexicon.weak_after | r.weak_after,
            )
            for r in self.rules
        }
        # the terms the lexicon's negation does not apply to ([[platform]] negation = false)
        self._unnegatable = frozenset(p.name for p in lexicon.platforms if not p.negation)
        self._local = threading.local()
        # the pattern ids that _resolve_plain can take: rules that need no signal; None when
        # the lexicon has a negation (every row then takes the general path)
        self._plain_ids: frozenset[int] | None = (
            frozenset(i for i, r in enumerate(self.rules) if not r.needs_signal)
            if self._negation is None
            else None
        )

    def ready(self) -> None:
        """Wait for the patterns to compile (``background``); raises the ``LexiconError`` of a
        pattern that does not."""
        self._compiled.result()

    @property
    def compile_seconds(self) -> float:
        """How long the Hyperscan databases took to compile (0 until they have)."""
        return self._compiled.seconds

    @property
    def platform_names(self) -> list[str]:
        """Canonical names of the platforms reported, in the order they were chosen."""
        return [p.name for p in self.platforms]

    def _scratch(self, db: Any) -> Any:
        """This thread's scratch space for ``db`` (Hyperscan needs one per thread)."""
        scratches = getattr(self._local, "scratches", None)
        if scratches is None:
            scratches = self._local.scratches = {}
        if id(db) not in scratches:
            scratches[id(db)] = hyperscan.Scratch(db)
        return scratches[id(db)]

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
        return self._match_chunk(array, field, fold=True)

    def _match_chunk(self, array: pa.Array, field: str, *, fold: bool) -> list[Hit]:
        """``match_array`` of one Arrow array. Rows with full-width letters, or with a word
        that mixes Latin letters and Cyrillic or Greek look-alikes ("Snapchаt" with a Cyrillic
        а), are matched again folded to plain Latin letters (``fold``), and their hits are
        taken from the folded text, spans and all (the fold keeps every character's place)."""
        rules_db, exclusions_db = self._compiled.result()
        ids, rows, ends = self._candidates(rules_db, array)
        folded: list[Hit] = []
        triggered = ids >= len(self.rules)
        if triggered.any():
            again = np.unique(rows[triggered])
            ids, rows, ends = ids[~triggered], rows[~triggered], ends[~triggered]
            if fold:
                folded, changed = self._folded(array, again, field)
                keep = ~np.isin(rows, changed)
                ids, rows, ends = ids[keep], rows[keep], ends[keep]
        if not ids.size:
            return folded
        if exclusions_db is not None:
            # exclusions are scanned for only in the rows that have a candidate mention: most
            # of their matches ("SC 4512" in every other note) sit in rows with none
            with_rules = np.unique(rows)
            excl_ids, excl_rows, excl_ends = self._candidates(
                exclusions_db, array.take(arrays.integers(with_rules))
            )
            ids = np.concatenate([ids, excl_ids + len(self.rules)])
            rows = np.concatenate([rows, with_rules[excl_rows]])
            ends = np.concatenate([ends, excl_ends])
        offsets = _offsets(array)
        data = memoryview(array.buffers()[2])
        order = np.lexsort((ends, rows))
        rows = rows[order]
        # each row's candidates, (pattern id, end) in order of end: one run of the sorted
        # arrays a row, cut where the row changes
        cuts = (np.flatnonzero(rows[1:] != rows[:-1]) + 1).tolist()
        keys = list(zip(ids[order].tolist(), ends[order].tolist(), strict=True))
        firsts = rows[[0, *cuts]]
        hits = []
        resolve = self._resolve_row
        for row, begin, stop, lo, hi in zip(
            firsts.tolist(),
            [0, *cuts],
            [*cuts, len(keys)],
            offsets[firsts].tolist(),
            offsets[firsts + 1].tolist(),
            strict=True,
        ):
            hits.extend(resolve(data[lo:hi].tobytes(), row, keys[begin:stop], field))
        if folded:
            hits = sorted(hits + folded, key=lambda h: h.row)  # stable: each row's in order
        return hits

    def _folded(
        self, array: pa.Array, rows: np.ndarray, field: str
    ) -> tuple[list[Hit], np.ndarray]:
        """The hits of ``rows`` read with look-alike letters folded (``fold_lookalikes``), and
        the rows whose text the fold changed (their hits replace the plain reading's)."""
        texts = array.take(arrays.integers(rows)).to_pylist()
        changed: list[int] = []
        originals: list[str] = []
        folded: list[str] = []
        places: list[list[int] | None] = []  # folded index -> original, when joiners went
        for row, text in zip(rows.tolist(), texts, strict=True):
            if text is None:
                continue
            plain, kept = _fold_row(text)
            if plain != text:
                changed.append(row)
                originals.append(text)
                folded.append(plain)
                places.append(kept)
        if not changed:
            return [], np.zeros(0, dtype=np.int64)
        hits = []
        for h in self._match_chunk(pa.array(folded, pa.large_string()), field, fold=False):
            kept = places[h.row]
            start, end = (kept[h.start], kept[h.end - 1] + 1) if kept else (h.start, h.end)
            original = originals[h.row]
            hits.append(
                h._replace(row=changed[h.row], start=start, end=end, matched=original[start:end])
            )
        return hits, np.array(changed, dtype=np.int64)

    def _candidates(self, db: Any, array: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Scan once: (pattern id, row, end offset in the row's bytes) of every candidate."""
        empty = np.zeros(0, dtype=np.int64)
        n = len(array)
        if n == 0 or array.null_count == n or array.buffers()[2] is None:
            return empty, empty, empty
        rel = _offsets(array)
        rel = rel - rel[0]
        row_starts = rel[:-1] + np.arange(n, dtype=np.int64)
        found: list[tuple[int, int]] = []

        def on_match(pattern_id: int, start: int, end: int, flags: int, context: Any) -> None:
            found.append((pattern_id, end))

        buffer: Any = memoryview(_join_rows(array))  # type: ignore[arg-type]
        db.scan(buffer, match_event_handler=on_match, scratch=self._scratch(db))
        if not found:
            return empty, empty, empty
        cand = np.array(found, dtype=np.int64)
        rows = np.searchsorted(row_starts, cand[:, 1] - 1, side="right") - 1
        ends = cand[:, 1] - row_starts[rows]
        keep = ends <= (rel[1:] - rel[:-1])[rows]  # a match can't run into the separator
        if array.null_count:
            keep &= arrays.validity(array)[rows]
        return cand[keep, 0], rows[keep], ends[keep]

    def _resolve_row(
        self, raw: bytes, row: int, candidates: Sequence[tuple[int, int]], field: str
    ) -> list[Hit]:
        """Boundaries, exclusions, signals and lists on the decoded row; then collapse.

        ``candidates`` are (pattern id, end) in order of end. Linear in the row (sorting its
        candidates aside), and in text order, so a long row is read front to back: each start
        is looked for in a window no longer than its pattern's longest match, offsets are
        converted in one pass, and exclusions, lists and overlaps are found by binary search
        over sorted positions."""
        text = raw.decode("utf-8")
        if self._plain_ids is not None:
            hits = self._resolve_plain(raw, text, row, candidates, field)
            if hits is not None:
                return hits
        starts, windows = self._starts, self._windows
        located: list[tuple[tuple[int, int], int]] = []  # ((pattern id, end), start), bytes
        for key in dict.fromkeys(candidates):  # each once, in order
            pattern_id, end = key
            match = starts[pattern_id].search(raw, max(0, end - windows[pattern_id]), end)
            if match is None:  # the match began before this row: it crossed a separator
                continue
            located.append((key, match.start()))
        # byte offset -> character offset: the same in ASCII, else decoded once, in order
        ascii_only = len(raw) == len(text)
        chars: dict[int, int] = {}
        if not ascii_only:
            chars = _char_offsets(raw, (b for (_, e), s in located for b in (s, e)))
        n_rules = len(self.rules)
        found: list[_Candidate] = []
        excluded: list[tuple[int, int]] = []
        for key, start in located:
            pattern_id, end = key
            try:
                s, e = (start, end) if ascii_only else (chars[start], chars[end])
            except KeyError:  # an offset inside a character
                _inside_character(raw, candidates, located)
            # _is_word_char of the neighbours (past invisible joiners), ASCII ones first
            if s > 0:
                ch = text[s - 1]
                if ch in _ASCII_WORD or (
                    ch > "\x7f"
                    and _is_word_char(_neighbour(text, s - 1, -1) if ch in _JOINERS else ch)
                ):
                    continue
            if e < len(text):
                ch = text[e]
                if ch in _ASCII_WORD or (
                    ch > "\x7f" and _is_word_char(_neighbour(text, e, 1) if ch in _JOINERS else ch)
                ):
                    continue
            if pattern_id < n_rules:
                rule = self.rules[pattern_id]
                found.append(_Candidate(s, e, rule, key=key, certainty=rule.certainty))
            else:
                excluded.append((s, e))
        if excluded:
            found = _outside(found, excluded)
        accepted = self._signals(text, found, candidates)
        if self._negation is not None and accepted:
            accepted = _unnegated(text, accepted, self._negation, self._unnegatable)
        # a possible hit beside another: only then can one be redundant (most fields have one)
        possible = len(accepted) > 1 and any(c.certainty != CERTAIN for c in accepted)
        return [
            Hit(
                row,
                field,
                c.rule.platform,
                c.start,
                c.end,
                text[c.start : c.end],
                c.rule.name,
                c.signal,
                c.certainty,
            )
            for c in _without_redundant(_longest(accepted), possible)
            if c.rule.platform in self._wanted
        ]

    def _resolve_plain(
        self, raw: bytes, text: str, row: int, candidates: Sequence[tuple[int, int]], field: str
    ) -> list[Hit] | None:
        """``_resolve_row`` of the common row, or None for any other (which then takes the
        general path): a row whose candidates are all rules that need no signal (no
        exclusion, no short form), of a lexicon with no negation. Then nothing but the
        boundaries and the collapse to the longest can drop a candidate, and no signal is
        set: the same steps as the general path, without its candidate objects and the stages
        that do nothing here. A single sort by (start, -end, rule name) of the candidates in
        the order they were located gives ``_longest`` its order, as the general path's sort
        by start and then by that key does (both stable). An offset inside a character goes
        to the general path, which raises its error."""
        plain = self._plain_ids
        assert plain is not None
        for pattern_id, _ in candidates:
            if pattern_id not in plain:
                return None
        starts, windows = self._starts, self._windows
        located: list[tuple[int, int, int]] = []  # (start, end, pattern id), bytes
        for pattern_id, end in dict.fromkeys(candidates) if len(candidates) > 1 else candidates:
            match = starts[pattern_id].search(raw, max(0, end - windows[pattern_id]), end)
            if match is not None:  # else the match began before this row
                located.append((match.start(), end, pattern_id))
        if len(raw) != len(text):  # byte offsets -> character offsets, decoded once, in order
            chars = _char_offsets(raw, (b for s, e, _ in located for b in (s, e)))
            try:
                located = [(chars[s], chars[e], pattern_id) for s, e, pattern_id in located]
            except KeyError:  # an offset inside a character
                return None
        size = len(text)
        rules = self.rules
        found: list[tuple[int, int, str, Rule]] = []  # (start, -end, rule name, rule)
        for start, end, pattern_id in located:
            # _is_word_char of the neighbours (past invisible joiners), ASCII ones first
            if start:
                ch = text[start - 1]
                if ch in _ASCII_WORD or (
                    ch > "\x7f"
                    and _is_word_char(_neighbour(text, start - 1, -1) if ch in _JOINERS else ch)
                ):
                    continue
            if end < size:
                ch = text[end]
                if ch in _ASCII_WORD or (
                    ch > "\x7f"
                    and _is_word_char(_neighbour(text, end, 1) if ch in _JOINERS else ch)
                ):
                    continue
            rule = rules[pattern_id]
            found.append((start, -end, rule.name, rule))
        if len(found) > 1:
            found.sort(key=_SPAN_ORDER)
        # _longest: per platform, drop a candidate inside a longer (or earlier equal) one
        reach: dict[str, int] = {}
        kept: list[tuple[int, int, str, Rule]] = []
        for cand in found:
            platform = cand[3].platform
            if -cand[1] <= reach.get(platform, -1):
                continue
            kept.append(cand)
            reach[platform] = -cand[1]
        if len(found) > 1 and any(c[3].certainty != CERTAIN for c in found):
            # _without_redundant: a possible hit of a platform with a certain hit goes
            certain = {c[3].platform for c in kept if c[3].certainty == CERTAIN}
            kept = [c for c in kept if c[3].certainty == CERTAIN or c[3].platform not in certain]
        wanted = self._wanted
        return [
            Hit(
                row,
                field,
                rule.platform,
                start,
                -neg_end,
                text[start:-neg_end],
                name,
                "",
                rule.certainty,
            )
            for start, neg_end, name, rule in kept
            if rule.platform in wanted
        ]

    def _signals(
        self, text: str, found: list[_Candidate], candidates: Sequence[tuple[int, int]]
    ) -> list[_Candidate]:
        """Keep full names; keep short forms with a signal, or in a list with a kept mention.

        A short form with a signal, or listed with a certain mention, is as certain as its
        rule; one listed only with possible mentions, beside only a weak signal, in a list of
        two short forms alone, or (``without_signal``) with no signal at all is possible."""
        accepted: list[_Candidate] = []
        pending: list[_Candidate] = []
        for cand in found:
            if not cand.rule.needs_signal:
                accepted.append(cand)
                continue
            cand.signal = self._signal_of(text, cand)
            (accepted if cand.signal else pending).append(cand)
        if not pending:
            accepted.sort(key=lambda c: c.start)
            return accepted
        if not self.lexicon.lists:  # a lexicon whose terms are not listed like platforms
            accepted.extend(c for c in pending if self._possible(text, c))
            accepted.sort(key=lambda c: c.start)
            return accepted
        # two mentions are in one list only if the gap between them is all list characters,
        # so each candidate's partners start within the run of those after its end
        nodes = accepted + pending
        runs = _gap_runs(text, [c.end for c in nodes])
        order = sorted(range(len(nodes)), key=lambda i: nodes[i].start)
        node_starts = [nodes[i].start for i in order]

        def listed(a: _Candidate, b: _Candidate) -> bool:  # _listed, for b starting after a
            return a.end <= b.start <= runs[a.end] and _listed(text, a, b)

        # a short form next to a counted mention in a list counts, and so on along the list:
        # first from the certain mentions, then from the possible ones
        n_accepted = len(accepted)
        links: dict[int, list[int]] = {}
        for i, left in enumerate(nodes):
            lo = bisect_left(node_starts, left.end)
            hi = bisect_right(node_starts, runs[left.end])
            for j in order[lo:hi]:
                if (i >= n_accepted or j >= n_accepted) and listed(left, nodes[j]):
                    links.setdefault(i, []).append(j)
                    links.setdefault(j, []).append(i)
        counted = [i < n_accepted for i in range(len(nodes))]
        for level in (CERTAIN, POSSIBLE):
            queue = [i for i in links if i < n_accepted and nodes[i].certainty == level]
            while queue:
                for j in links[queue.pop()]:
                    if not counted[j]:
                        counted[j] = True
                        nodes[j].signal = "list"
                        nodes[j].certainty = level if level == POSSIBLE else nodes[j].certainty
                        queue.append(j)
        accepted.extend(nodes[i] for i in range(n_accepted, len(nodes)) if counted[i])
        rest = [nodes[i] for i in range(n_accepted, len(nodes)) if not counted[i]]
        rest.sort(key=lambda c: c.start)
        if any(a.start == b.start for a, b in pairwise(rest)):
            # ties go in the order the candidates were first taken (a set's), as they always did
            rank = {key: i for i, key in enumerate(set(candidates))}
            rest.sort(key=lambda c: (c.start, rank[c.key]))
        # a list of three or more platforms' short forms needs no anchor ("FB, IG and WA");
        # two alone are possible ("TT and IG" are also police units)
        groups: list[list[_Candidate]] = []
        weakly: list[_Candidate] = []  # short forms beside a weak signal only
        for cand in rest:
            if groups and listed(groups[-1][-1], cand):
                groups[-1].append(cand)
            else:
                groups.append([cand])
        for group in groups:
            kinds = len({c.rule.platform for c in group})
            for cand in group:
                if kinds >= 3:
                    cand.signal = "list"
                elif kinds == 2 and not _in_code(text, group[0].start, group[-1].end):
                    cand.signal, cand.certainty = "list of two", POSSIBLE
                elif not self._possible(text, cand):
                    continue
                elif cand.signal != "no signal":
                    weakly.append(cand)
                accepted.append(cand)
        accepted.sort(key=lambda c: c.start)
        if weakly:
            _near_certain(weakly, [c for c in accepted if c.certainty == CERTAIN])
        return accepted

    def _signal_of(self, text: str, cand: _Candidate) -> str:
        before, after, _, _ = self._signal_words[cand.rule.name]
        return self._signal_among(text, cand, before, after, "", handle=True)

    def _possible(self, text: str, cand: _Candidate) -> bool:
        """Whether a short form with no signal is a possible hit: beside a weak signal
        ("weak before:to"), or with none when its rule says ``without_signal``
        ("no signal"); its signal and certainty are set. False: it is dropped."""
        _, _, weak_before, weak_after = self._signal_words[cand.rule.name]
        if weak := self._signal_among(text, cand, weak_before, weak_after, "weak ", handle=False):
            cand.signal, cand.certainty = weak, POSSIBLE
        elif cand.rule.without_signal:
            cand.signal, cand.certainty = "no signal", POSSIBLE
        else:
            return False
        return True

    def _signal_among(
        self,
        text: str,
        cand: _Candidate,
        before_words: frozenset[str],
        after_words: frozenset[str],
        prefix: str,
        *,
        handle: bool,
    ) -> str:
        """The signal word just before or after ``cand`` among the given words (or an
        @handle after it), as "before:on" / "after:page"; "" when there is none. With a
        window of more than one word (the rule's, else the lexicon's), the nearest signal
        among that many words either side in the same sentence."""
        window = cand.rule.window or self.lexicon.window
        if window > 1:
            return _signal_in_window(
                text, cand, before_words, after_words, prefix, window, handle=handle
            )
        if before_words:
            before = _BEFORE.search(text[max(0, cand.start - _CONTEXT) : cand.start])
            if before:
                word = before.group(1).lower()
                if word in before_words:
                    return f"{prefix}before:{word}"
        after = _AFTER.match(text[cand.end : cand.end + _CONTEXT])
        if after:
            word = after.group(1).lower().rstrip(".")
            if handle and word.startswith("@") and len(word) > 1:
                return "after:@handle"
            if word in after_words:
                return f"{prefix}after:{word}"
        return ""


# the end of a sentence (or a line): signals and negation never reach across one
_SENTENCE_END = re.compile(r"[.!?;]+(?=\s|$)|\n")
# ... and of a clause, for negation: "no injuries, knife recovered" negates nothing
_CLAUSE_END = re.compile(r"[.!?;]+(?=\s|$)|\n|[,:()\[\]]|\s[-–]\s")
_WORD_CHARS = 24  # characters looked at per word of a window


def _words_before(text: str, start: int, count: int, *, clause: bool = False) -> list[str]:
    """Up to ``count`` words before ``start`` in its sentence (or, with ``clause``, its
    clause: a comma, colon or bracket ends it too), nearest last, lower case, curly
    apostrophes straight. A word the window cuts at its left edge is left out."""
    begin = max(0, start - count * _WORD_CHARS)
    piece = text[begin:start]
    ends = list((_CLAUSE_END if clause else _SENTENCE_END).finditer(piece))
    cut = begin > 0 and _is_word_char(text[begin - 1])
    if ends:
        piece, cut = piece[ends[-1].end() :], False
    words = WORD.findall(piece)
    if cut and words and piece.startswith(words[0]):
        words = words[1:]
    return [_plain_word(w) for w in words][-count:]


def _words_after(text: str, end: int, count: int, *, clause: bool = False) -> list[str]:
    """Up to ``count`` words after ``end`` in its sentence (or clause), nearest first; a word
    the window cuts at its right edge is left out."""
    stop_at = end + count * _WORD_CHARS
    piece = text[end:stop_at]
    stop = (_CLAUSE_END if clause else _SENTENCE_END).search(piece)
    cut = stop_at < len(text) and _is_word_char(text[stop_at])
    if stop:
        piece, cut = piece[: stop.start()], False
    words = WORD.findall(piece)
    if cut and words and piece.endswith(words[-1]):
        words = words[:-1]
    return [_plain_word(w) for w in words][:count]


def _plain_word(word: str) -> str:
    """A word as cues and signal words are written: lower case, a straight apostrophe."""
    return word.lower().replace("\u2019", "'")


def _signal_in_window(
    text: str,
    cand: _Candidate,
    before_words: frozenset[str],
    after_words: frozenset[str],
    prefix: str,
    window: int,
    *,
    handle: bool,
) -> str:
    """The nearest signal word within ``window`` words either side of ``cand`` in its
    sentence ("held a kitchen knife": "held" two words before "knife")."""
    if handle:
        after = _AFTER.match(text[cand.end : cand.end + _CONTEXT])
        if after and after.group(1).startswith("@") and len(after.group(1)) > 1:
            return "after:@handle"
    before = _words_before(text, cand.start, window)
    after_list = _words_after(text, cand.end, window)
    for distance in range(window):
        if distance < len(before) and before[-1 - distance] in before_words:
            return f"{prefix}before:{before[-1 - distance]}"
        if distance < len(after_list) and after_list[distance] in after_words:
            return f"{prefix}after:{after_list[distance]}"
    return ""


def _cue_in(
    words: list[str],
    cues: tuple[tuple[str, ...], ...],
    pseudo: tuple[tuple[str, ...], ...] = (),
    tail: list[str] | None = None,
) -> str:
    """The first cue phrase that occurs in ``words`` as consecutive words, or "". A cue where
    a pseudo-negation phrase begins ("no other", "not only") is no cue; ``tail`` is what
    follows ``words`` in the text (the mention and the words after it), which a pseudo phrase
    may run on into ("No knife recovered": "no" before the mention)."""
    following = words + (tail or [])
    for cue in cues:
        n = len(cue)
        for i in range(len(words) - n + 1):
            if tuple(words[i : i + n]) != cue:
                continue
            if any(tuple(following[i : i + len(p)]) == p for p in pseudo):
                continue
            return " ".join(cue)
    return ""


def _unnegated(
    text: str,
    found: list[_Candidate],
    negation: Negation,
    unnegatable: frozenset[str] = frozenset(),
) -> list[_Candidate]:
    """Candidates with no negation cue in reach (``Negation``): a negated one is dropped, or
    kept as a possible hit whose signal names the cue ("negated:no"). With ``last_mention``,
    a term whose last mention in the field is negated has all its mentions negated; a
    ``field`` phrase anywhere in the field ("no weapon was used") negates them all. A mention
    not negated whose sentence holds a ``doubt`` phrase ("rumoured", "on arrest") is kept as
    a possible hit ("doubt:rumoured"), whatever ``hits`` says, and spreads to no other."""
    negated: dict[int, str] = {}
    for i, cand in enumerate(found):
        if cand.rule.platform in unnegatable:
            continue
        before = _words_before(text, cand.start, negation.window, clause=True)
        for j in range(len(before) - 1, -1, -1):  # reach back only to a terminator ("but")
            if before[j] in negation.terminators:
                before = before[j + 1 :]
                break
        after = _words_after(text, cand.end, negation.window, clause=True)
        for j, word in enumerate(after):
            if word in negation.terminators:
                after = after[:j]
                break
        mention = [_plain_word(w) for w in WORD.findall(text, cand.start, cand.end)]
        cue = _cue_in(before, negation.before, negation.pseudo, mention + after) or _cue_in(
            after, negation.after, negation.pseudo
        )
        if not cue:  # a cue that begins with a terminator: "…, but it was not used"
            whole = _words_after(text, cand.end, negation.window + 4)
            cue = _cue_in(whole, tuple(c for c in negation.after if c[0] in negation.terminators))
        if cue:
            negated[i] = cue
    if negation.field:  # a whole field's denial applies to every term, negation or not
        cue = _field_cue(text, negation.field)
        if cue:
            for i in range(len(found)):
                negated.setdefault(i, f"field: {cue}")
    if negation.last_mention and negated:
        last: dict[str, int] = {}
        for i, cand in enumerate(found):
            if cand.rule.platform not in unnegatable:
                last[cand.rule.platform] = i
        for platform, i in last.items():
            if i in negated:
                for k, cand in enumerate(found):
                    if cand.rule.platform == platform and k not in negated:
                        negated[k] = f"later {negated[i]}"
    doubted = _doubted(text, found, negation, unnegatable, negated) if negation.doubt else {}
    if not negated and not doubted:
        return found
    kept = []
    for i, cand in enumerate(found):
        cue = negated.get(i, "")
        if cue and not negation.possible:
            continue
        if cue or i in doubted:
            why = f"negated:{cue}" if cue else f"doubt:{doubted[i]}"
            cand.certainty = POSSIBLE
            cand.signal = f"{cand.signal}, {why}" if cand.signal else why
        kept.append(cand)
    return kept


def _field_cue(text: str, cues: tuple[tuple[str, ...], ...]) -> str:
    """The first ``field`` phrase found in one of the field's sentences, or "": a phrase never
    runs on from one sentence into the next ("drop the knife. No specific victim" is not
    "knife: no")."""
    begin = 0
    for stop in [*(m.end() for m in _SENTENCE_END.finditer(text)), len(text)]:
        cue = _cue_in([_plain_word(w) for w in WORD.findall(text, begin, stop)], cues)
        if cue:
            return cue
        begin = stop
    return ""


def _doubted(
    text: str,
    found: list[_Candidate],
    negation: Negation,
    unnegatable: frozenset[str],
    negated: dict[int, str],
) -> dict[int, str]:
    """The candidates (by index in ``found``) whose sentence holds a ``doubt`` phrase
    ("allegedly", "on arrest"), with the phrase; negated ones and the terms the negation does
    not apply to are left out. Each sentence is read once, in text order."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    cues: dict[int, str] = {}  # sentence -> the doubt phrase in it, or ""
    doubted: dict[int, str] = {}
    for i, cand in enumerate(found):
        if i in negated or cand.rule.platform in unnegatable:
            continue
        k = bisect_right(ends, cand.start)  # the sentence: how many ends come before it
        if k not in cues:
            begin = ends[k - 1] if k else 0
            stop = ends[k] if k < len(ends) else len(text)
            words = [_plain_word(w) for w in WORD.findall(text, begin, stop)]
            cues[k] = _cue_in(words, negation.doubt, negation.pseudo)
        if cues[k]:
            doubted[i] = cues[k]
    return doubted


# how close (in characters) a certain mention of another platform must be for a short form
# beside a weak signal to count as certain ("on Instagram ... moved the chat to snap")
NEAR = 80


def _near_certain(weakly: list[_Candidate], certain: list[_Candidate]) -> None:
    """A short form beside only a weak signal ("to snap", "then snap") within ``NEAR``
    characters of a certain mention of another platform is as certain as its rule: the note
    is talking about platforms. ``certain`` is in text order; each short form looks only at
    the certain mentions within its reach, by binary search."""
    if not certain:
        return
    starts = [c.start for c in certain]
    for cand in weakly:
        lo = bisect_left(starts, cand.start - NEAR - 256)  # no mention is longer than that
        hi = bisect_right(starts, cand.end + NEAR)
        for other in certain[lo:hi]:
            if other.rule.platform == cand.rule.platform:
                continue
            gap = cand.start - other.end if other.end <= cand.start else other.start - cand.end
            if gap <= NEAR:
                cand.certainty = cand.rule.certainty
                cand.signal += f", near {other.rule.platform}"
                break


# Byte patterns (UTF-8) that mark a row to be read again folded: a full-width Latin letter
# (U+FF21-FF3A, U+FF41-FF5A), or a Latin letter next to a Cyrillic or Greek letter. Scanned
# with the rules, in the same pass, so rows without them cost nothing.
_SCRIPT_LETTER = rb"(?:[\xCE\xCF\xD0-\xD4][\x80-\xBF])"
FOLD_TRIGGERS = (
    r"\xEF\xBC[\xA1-\xBA]|\xEF\xBD[\x81-\x9A]",
    r"[a-z]" + _SCRIPT_LETTER.decode() + "|" + _SCRIPT_LETTER.decode() + r"[a-z]",
    # an invisible joiner (soft hyphen, zero-width (non-)joiner, word joiner, byte-order mark)
    # inside a word: "kni\u00adfe"
    r"[a-z](?:\xC2\xAD|\xE2\x80[\x8C\x8D]|\xE2\x81\xA0|\xEF\xBB\xBF)[a-z]",
)
# full-width ASCII to ASCII; Cyrillic and Greek letters that look like Latin ones to those
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_LOOKALIKES = str.maketrans(
    "аеорсухіјѕԁАВЕКМНОРСТХУІЈЅοανικρτυχΟΑΒΕΖΗΙΚΜΝΡΤΥΧ",
    "aeopcyxijsdABEKMHOPCTXYIJSoavikptuxOABEZHIKMNPTYX",
)
_LETTER_RUN = re.compile(r"[^\W\d_]+")  # a word of letters (the look-alike fold)


def _fold_row(text: str) -> tuple[str, list[int] | None]:
    """``fold_lookalikes`` of a row, then its invisible joiners (``_JOINERS``) taken out, so
    that "kni\u00adfe" reads "knife": the folded text, and for each of its characters the
    place of that character in ``text`` (None when nothing was taken out)."""
    plain = fold_lookalikes(text)
    if not any(ch in _JOINERS for ch in plain):
        return plain, None
    kept = [i for i, ch in enumerate(plain) if ch not in _JOINERS]
    return "".join(plain[i] for i in kept), kept


def fold_lookalikes(text: str) -> str:
    """``text`` with full-width letters and digits made ASCII, and, in a word that mixes
    Latin letters with Cyrillic or Greek ones, the look-alikes made Latin ("Snapchаt" with a
    Cyrillic а reads "Snapchat"). Each character stays in its place, so spans are the same.
    A word wholly in Cyrillic or Greek is left as it is (a Russian word is not a misspelt
    English one)."""
    text = text.translate(_FULL_WIDTH)

    def latin(word: re.Match[str]) -> str:
        value = word.group()
        if value.isascii() or not any("a" <= c.lower() <= "z" for c in value):
            return value
        return value.translate(_LOOKALIKES)

    return _LETTER_RUN.sub(latin, text)


def _join_rows(array: pa.Array) -> np.ndarray:
    """The array's rows in one buffer with a 0xFF byte between rows (Arrow's own
    ``binary_join``, about 3x faster than ``numpy.insert``). The array is viewed as binary
    without its validity bitmap (no copy): a null slot joins whatever bytes it spans (none, as
    a rule), and ``_candidates`` drops every match in a null row."""
    kind = pa.large_binary() if pa.types.is_large_string(array.type) else pa.binary()
    buffers = array.buffers()
    values = pa.Array.from_buffers(
        kind, len(array), [None, buffers[1], buffers[2]], null_count=0, offset=array.offset
    )
    bounds = arrays.integers(np.array([0, len(values)]), pa.int32())
    lists = pa.ListArray.from_arrays(bounds, values)
    joined = pc.binary_join(lists, _separator(kind))[0]
    return np.frombuffer(joined.as_buffer(), dtype=np.uint8)


@cache
def _separator(kind: pa.DataType) -> pa.Scalar:
    """The separator byte as an Arrow scalar of ``kind``, taken from an array built on buffers
    (``pa.scalar`` imports pandas: see ``arrays``)."""
    offsets = np.array([0, 1], np.int64 if kind == pa.large_binary() else np.int32)
    array = pa.Array.from_buffers(
        kind, 1, [None, pa.py_buffer(offsets), pa.py_buffer(bytes([SEPARATOR]))]
    )
    return array[0]


def _inside_character(
    raw: bytes, candidates: Sequence[tuple[int, int]], located: list[tuple[tuple[int, int], int]]
) -> NoReturn:
    """A match starts or ends inside a character (a pattern that matches part of one): raise
    the error the byte -> character conversion always raised, for the same candidate."""
    start_of = dict(located)
    for key in set(candidates):
        if key in start_of:
            _chars_before(raw, start_of[key])
            _chars_before(raw, key[1])
    raise AssertionError("an offset inside a character was not found again")


def _outside(found: list[_Candidate], excluded: list[tuple[int, int]]) -> list[_Candidate]:
    """The candidates that overlap no excluded span: the spans sorted by start, the furthest
    end reached so far, one binary search per candidate."""
    excluded.sort()
    excluded_starts = [s for s, _ in excluded]
    reach = list(accumulate((e for _, e in excluded), max))
    kept = []
    for cand in found:
        before = bisect_left(excluded_starts, cand.end)  # the spans starting before it ends
        if before and reach[before - 1] > cand.start:
            continue
        kept.append(cand)
    return kept


def _gap_runs(text: str, ends: Iterable[int]) -> dict[int, int]:
    """For each end offset, where the run of list characters (_GAP_CHARS) starting there stops.
    Taken in order, an end inside the previous run shares its stop: each character is read
    once."""
    runs: dict[int, int] = {}
    stop = -1
    for end in sorted(set(ends)):
        if end > stop:
            run = _GAP_CHARS.match(text, end)
            stop = run.end() if run else end
        runs[end] = stop
    return runs


_CODE_BEFORE = re.compile(r"[^\W_][/\\\-]$")
_CODE_AFTER = re.compile(r"^[/\\\-][^\W_]")


def _in_code(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is part of a code such as a crime reference ("WA/FB/0231"):
    a slash, backslash or hyphen joins it to a letter or digit on either side."""
    return bool(
        _CODE_BEFORE.search(text[max(0, start - 2) : start])
        or _CODE_AFTER.match(text[end : end + 2])
    )


def _listed(text: str, a: _Candidate, b: _Candidate) -> bool:
    """Two mentions of different platforms next to each other in a list ("FB, Snap and WA")."""
    if a.rule.platform == b.rule.platform:
        return False
    left, right = (a, b) if a.end <= b.start else (b, a)
    gap = text[left.end : right.start]
    if gap == "/" and "." in text[left.start : left.end]:
        return False  # a web address's path ("facebook.com/x"), not a list
    return left.end <= right.start and bool(_LIST_GAP.match(gap))


FLAGS = hyperscan.HS_FLAG_CASELESS


class _Compiled:
    """The matcher's Hyperscan databases: compiled now, or in a thread (``background``) and
    waited for by the first ``result``, which raises what compiling raised."""

    def __init__(self, compile_all: Callable[[], tuple[Any, Any]], background: bool) -> None:
        self._value: tuple[Any, Any] | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self.seconds = 0.0  # how long compiling took, in whichever thread

        def timed() -> tuple[Any, Any]:
            started = time.perf_counter()
            try:
                return compile_all()
            finally:
                self.seconds = time.perf_counter() - started

        if not background:
            self._value = timed()
            return

        def run() -> None:
            try:
                self._value = timed()
            except BaseException as exc:  # handed to the first match
                self._error = exc

        self._thread = threading.Thread(target=run, name="foidesk-compile", daemon=True)
        self._thread.start()

    def result(self) -> tuple[Any, Any]:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


def _compile(patterns: list[str], names: list[str], source: str) -> Any:
    """One block-mode database; a pattern that does not compile is named in the error."""
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        db.compile(
            expressions=[p.encode("utf-8") for p in patterns],
            ids=list(range(len(patterns))),
            elements=len(patterns),
            flags=[FLAGS] * len(patterns),
        )
    except hyperscan.error as exc:
        raise LexiconError(
            f"lexicon {source}: a pattern does not compile: {exc}"
            f"{_which_pattern(patterns, names, FLAGS)}"
        ) from exc
    return db


def _offsets(array: pa.Array) -> np.ndarray:
    """The array's value offsets (slice offset applied) as int64."""
    kind = np.int64 if pa.types.is_large_string(array.type) else np.int32
    n = len(array)
    raw = np.frombuffer(array.buffers()[1], dtype=kind)[array.offset : array.offset + n + 1]
    return raw.astype(np.int64)


def _which_pattern(patterns: list[str], names: list[str], flags: int) -> str:
    """Name the first pattern that does not compile on its own."""
    for pattern, name in zip(patterns, names, strict=True):
        try:
            hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK).compile(
                expressions=[pattern.encode("utf-8")], ids=[0], elements=1, flags=[flags]
            )
        except hyperscan.error:
            return f" (rule '{name}': {pattern})"
    return ""


def _without_redundant(candidates: list[_Candidate], possible: bool) -> list[_Candidate]:
    """Drop the possible hits of a platform the field also has a certain hit of ("FB
    messenger": Messenger alone is possible, beside FB it adds nothing to check). ``possible``:
    whether there are any (most fields have none: nothing to do)."""
    if not possible:
        return candidates
    certain = {c.rule.platform for c in candidates if c.certainty == CERTAIN}
    return [c for c in candidates if c.certainty == CERTAIN or c.rule.platform not in certain]


def _longest(candidates: list[_Candidate]) -> list[_Candidate]:
    """Per platform, drop candidates inside a longer (or earlier equal) one; keep text order.

    In start order every kept candidate starts at or before the next, so the next lies inside
    one of them if and only if the furthest end its platform has reached covers it."""
    candidates.sort(key=lambda c: (c.start, -c.end, c.rule.name))
    kept: list[_Candidate] = []
    reach: dict[str, int] = {}
    for cand in candidates:
        furthest = reach.get(cand.rule.platform, -1)
        if cand.end <= furthest:
            continue
        kept.append(cand)
        reach[cand.rule.platform] = cand.end
    return kept
