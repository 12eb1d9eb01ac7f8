"""Terms nobody wrote a lexicon for: their variants generated as ordinary lexicon rules.

Where this sits in the flow: a request's ``search.terms`` (and its lexicon, if it names one)
go through ``resolve_terms`` before the matcher is built. A term that names a platform of the
lexicon is that platform, with the rules people wrote for it; any other term ("Grindr",
"OnlyFans") becomes an ad hoc ``Platform`` made here and appended to a copy of the lexicon, so
``Matcher(lexicon, platforms)`` compiles and reports it like any other, and the method
statement prints its ``variants`` text. Nothing else in foidesk knows a platform was made here.

What an ad hoc term matches (docs/lexicon.md, "Terms without a lexicon"):

- ``<slug>.name`` (certain): the term in any case; with or without a space, hyphen or the
  lexicon's other separators between its parts (parts come from the term's own spaces and
  hyphens, its capitals, "OnlyFans" -> Only|Fans, or a list the request gives); with or
  without the apostrophes it is written with, straight or curly; accents optional
  ("Pokemon" for "Pokémon", composed or decomposed) and a vowel written without one may carry
  one ("Über" for "Uber"); with its plural and possessives (Grindrs, Grindr's, Grindrs', and
  -es after s, x, z, ch, sh).
- ``<slug>.url`` (certain): the web address, parts joined: grindr.com, .co.uk, .app, .net,
  .org, with an optional scheme and sub-domain (the ``WEB`` token).
- ``<slug>.one-edit`` (possible, for a person to check): for a term of six letters or more,
  the spellings one edit away from its parts joined by nothing, a space or a hyphen (a
  character deleted, a letter a to z inserted or substituted, two neighbours swapped),
  leaving out every spelling that is an English word (the word lists of
  ``tests/test_wordlist_guard.py``), that is another term of the request or of its lexicon,
  or that a certain rule (the term's or the lexicon's) already matches. One pattern of
  escaped literals and letter classes matches exactly the spellings kept; Hyperscan and
  Python's ``re`` (the matcher compiles every pattern with both) compile it alike.

The word lists (``english-words``, ``wordfreq``) are imported on first use and kept: a request
without ad hoc terms never imports them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from foidesk.errors import LexiconError
from foidesk.search.lexicon import (
    CERTAIN,
    POSSIBLE,
    Lexicon,
    LexiconFile,
    Platform,
    Rule,
)

# The tokens of the built-in social-media lexicon (src/foidesk/search/lexicons/social-media.toml),
# copied: an ad hoc term needs no lexicon file (tests/test_adhoc_terms.py checks they agree).
SEP = "(?:[ \\-]|\u00a0|\u200b|\u200c|\u200d|\u2060)?"
APOS = "(?:'|\u2019)?"
WEB = "(?:https?://)?(?:www\\.|m\\.|mobile\\.|web\\.|l\\.|lm\\.)?"
TOKENS = (("APOS", APOS), ("SEP", SEP), ("WEB", WEB))
ADHOC_LEXICON = "ad hoc terms"
# the web addresses an ad hoc term is looked for at
TOP_LEVEL = ("com", "co.uk", "app", "net", "org")
# Hyperscan refuses a pattern longer than 16,000 characters
MAX_PATTERN = 15_000
# a term of this many letters or more (its parts joined) gets the one-edit spellings
ONE_EDIT_LETTERS = 6
# how many English words of each list are taken (as in tests/test_wordlist_guard.py)
WORDFREQ_TOP = 100_000

_APOSTROPHES = "'\u2019\u2018\u02bc"
_ONE_APOS = "(?:'|\u2019)"  # a required apostrophe (APOS without its '?')
# one or two combining marks after a letter (U+0300 to U+036F in UTF-8): decomposed accents
_MARKS = "(?:\\xcc[\\x80-\\xbf]|\\xcd[\\x80-\\xaf])"
_SPLIT = re.compile(r"[\s\-\u00a0\u2010\u2011\u2012\u2013]+")
# capitals: "OnlyFans" -> Only|Fans, "TikTok" -> Tik|Tok, "XMLHttp" -> XML|Http
_CAPITALS = re.compile(r"(?<=[^\W\d_])(?=[A-Z][a-z])|(?<=[a-z])(?=[A-Z])")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_VOWELS = "aeiouy"  # letters that may carry an accent in a note when the term has none


@dataclass(frozen=True)
class OneEdit:
    """The one-edit spellings of a term: those searched for and those left out, and why."""

    kept: tuple[str, ...] = ()  # searched for, as possible mentions
    english: tuple[str, ...] = ()  # left out: English words
    terms: tuple[str, ...] = ()  # left out: another term of the request or its lexicon
    certain: tuple[str, ...] = ()  # left out: a certain rule already matches them
    too_short: bool = False  # fewer than ONE_EDIT_LETTERS letters: none generated
    pattern: str = ""  # the rule's pattern: every kept spelling, no other string
    # why fewer are searched for than the edits allow (a term too long for one pattern)
    note: str = ""


@dataclass(frozen=True)
class AdhocTerm:
    """An ad hoc term worked out: its platform, its parts and its one-edit spellings."""

    term: str
    parts: tuple[str, ...]
    platform: Platform
    one_edit: OneEdit


def adhoc_platform(
    term: str, parts: Sequence[str] | None = None, *, avoid: Collection[str] = ()
) -> Platform:
    """A platform for a term no lexicon has, with its variants generated (module docstring).

    ``parts`` splits the term (["Only", "Fans"]), otherwise it is split at its own spaces,
    hyphens and capitals; ``avoid`` are other terms (of the request, of its lexicon) that no
    one-edit spelling may be."""
    return adhoc_term(term, parts, avoid=avoid).platform


def adhoc_term(
    term: str,
    parts: Sequence[str] | None = None,
    *,
    avoid: Collection[str] = (),
    against: Sequence[str] = (),
    slug: str | None = None,
) -> AdhocTerm:
    """``adhoc_platform`` with what ``foidesk lexicon show`` prints: the parts and the one-edit
    spellings kept and left out. ``against``: patterns of other certain rules (the lexicon's)
    that no one-edit spelling may match; ``slug``: the rules' prefix (default from the term)."""
    name = unicodedata.normalize("NFC", term).strip()
    if not any(c.isalnum() for c in name):
        raise LexiconError(f"search term {term!r} has no letter or digit")
    split = _parts(name, parts)
    slug = slug or term_slug(name)
    rules = [Rule(f"{slug}.name", name, _name_pattern(split))]
    domain = _domain(split)
    if domain:
        rules.append(Rule(f"{slug}.url", name, _url_pattern(domain)))
    one_edit = _one_edit(split, avoid, [r.pattern for r in rules] + list(against))
    if one_edit.kept:
        rules.append(Rule(f"{slug}.one-edit", name, one_edit.pattern, certainty=POSSIBLE))
    platform = Platform(name, True, tuple(rules), _describe(name, split, domain, one_edit))
    return AdhocTerm(name, split, platform, one_edit)


def term_slug(term: str) -> str:
    """The rules' prefix: the term in lower case, anything not a letter or digit as '-'."""
    return re.sub(r"[^\w]+|_+", "-", term.lower()).strip("-") or "term"


def resolve_terms(
    lexicon: Lexicon | None,
    terms: Sequence[str],
    parts: Mapping[str, Sequence[str]] | None = None,
) -> tuple[Lexicon, tuple[Platform, ...]]:
    """The lexicon to compile and the platforms a request's terms ask for, in request order.

    A term that names a platform of ``lexicon`` (without regard to case or spaces), or that
    one of its rules matches as a whole ("FB"), is that platform; any other term becomes an
    ad hoc platform (``adhoc_platform``), appended to a copy of the lexicon. With no terms,
    every platform of the lexicon. With no lexicon, the ad hoc platforms alone, in a lexicon
    named "ad hoc terms" holding the SEP, APOS and WEB tokens. ``parts`` maps a term (as
    written, or differing only in case or spaces) to the parts to split it into."""
    if lexicon is None and not terms:
        raise LexiconError(
            'nothing to search for: give search terms (terms = ["Grindr"]), a lexicon '
            '(lexicon = "social-media"), or both'
        )
    if not terms:  # every term of the lexicon but those searched only when named
        assert lexicon is not None
        _check_parts(parts, {}, lexicon)
        return lexicon, lexicon.select(None)
    known = lexicon.platforms if lexicon else ()
    in_lexicon: dict[str, Platform] = {}  # term as written -> the lexicon's platform
    wanted: dict[str, str] = {}  # canonical form -> the term as first written, for ad hoc
    for term in terms:
        platform = _lexicon_platform(lexicon, term) if lexicon else None
        if platform is not None:
            in_lexicon[term] = platform
            continue
        key = _canon(term)
        if not key:
            raise LexiconError(f"search term {term!r} has no letter or digit")
        wanted.setdefault(key, term)
    given = _check_parts(parts, wanted, lexicon)
    taken = {r.name for p in known for r in p.rules}
    taken |= {e.name for e in lexicon.exclusions} if lexicon else set()
    avoid_all = [p.name for p in known] + list(wanted.values())
    against = [r.pattern for p in known for r in p.rules if r.certainty == CERTAIN]
    made: dict[str, Platform] = {}
    for key, term in wanted.items():
        slug = _free_slug(term_slug(term), taken)
        avoid = [t for t in avoid_all if _canon(t) != key]
        built = adhoc_term(term, given.get(key), avoid=avoid, against=against, slug=slug)
        taken |= {r.name for r in built.platform.rules}
        made[key] = built.platform
    # in the order the terms came, each once
    chosen = tuple(dict.fromkeys(in_lexicon.get(t) or made[_canon(t)] for t in terms))
    adhoc = tuple(made.values())
    if lexicon is None:
        return _adhoc_lexicon(adhoc), chosen
    if not adhoc:
        return lexicon, chosen
    return dataclasses.replace(lexicon, platforms=lexicon.platforms + adhoc), chosen


def lexicon_term(lexicon: Lexicon, term: str) -> Platform | None:
    """The platform of ``lexicon`` a request's term names (or one of its rules matches
    whole, "FB"), or None: the term would be searched ad hoc."""
    return _lexicon_platform(lexicon, term)


def _lexicon_platform(lexicon: Lexicon, term: str) -> Platform | None:
    """The lexicon's platform the term names, or whose rule matches the whole term."""
    try:
        return lexicon.platform(term)
    except LexiconError:
        pass
    text = unicodedata.normalize("NFC", term).strip().encode("utf-8")
    for platform in lexicon.platforms:
        for rule in platform.rules:
            try:
                if re.fullmatch(rule.pattern.encode("utf-8"), text, re.IGNORECASE):
                    return platform
            except re.error:  # the matcher names a pattern Python cannot compile
                continue
    return None


def _check_parts(
    parts: Mapping[str, Sequence[str]] | None, wanted: Mapping[str, str], lexicon: Lexicon | None
) -> dict[str, Sequence[str]]:
    """The parts given, by the canonical form of their term; a key that is no ad hoc term is
    an error (a typo would otherwise be ignored)."""
    given: dict[str, Sequence[str]] = {}
    for term, split in (parts or {}).items():
        key = _canon(term)
        if key not in wanted:
            named = lexicon is not None and _lexicon_platform(lexicon, term) is not None
            why = (
                f"it is a term of lexicon {lexicon.name}, whose rules are used"
                if named and lexicon is not None
                else "it is not among the search terms"
            )
            raise LexiconError(f"parts are given for {term!r}, but {why}")
        given[key] = split
    return given


def _free_slug(slug: str, taken: Collection[str]) -> str:
    """``slug``, or ``slug-2``, ``slug-3`` ... when a rule of that name exists already."""
    candidate, n = slug, 1
    while any(f"{candidate}.{kind}" in taken for kind in ("name", "url", "one-edit")):
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


def _adhoc_lexicon(platforms: tuple[Platform, ...]) -> Lexicon:
    """A lexicon of ad hoc platforms only; its 'file' is the rules generated (for the audit)."""
    text = "\n".join(
        f"{r.name}\t{r.certainty}\t{r.pattern}" for p in platforms for r in p.rules
    ).encode("utf-8")
    source = "ad hoc: " + ", ".join(p.name for p in platforms)
    return Lexicon(
        name=ADHOC_LEXICON,
        version="1",
        files=(LexiconFile(source, hashlib.sha256(text).hexdigest()),),
        platforms=platforms,
        tokens=TOKENS,
    )


def _canon(term: str) -> str:
    """A term compared without regard to case, spaces, hyphens, apostrophes or accents."""
    return re.sub(r"[\s\-'’‘ʼ]", "", _strip_accents(term)).lower()


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


# --- parts -----------------------------------------------------------------------------------


def _parts(term: str, given: Sequence[str] | None) -> tuple[str, ...]:
    """The parts of a term: the ones given (checked to spell it), else its own spaces and
    hyphens, then capitals inside a word ("OnlyFans"; not "NHS")."""
    if given is not None:
        if isinstance(given, str) or not all(isinstance(p, str) for p in given):
            raise LexiconError(f"parts of {term!r} must be a list of strings")
        split = tuple(
            piece
            for part in given
            for piece in _SPLIT.split(unicodedata.normalize("NFC", part).strip())
            if piece
        )
        if not split or _canon("".join(split)) != _canon(term):
            raise LexiconError(
                f"parts of {term!r} ({', '.join(map(repr, given))}) do not spell the term"
            )
        return split
    words = [w for w in _SPLIT.split(term) if w]
    return tuple(piece for word in words for piece in _CAPITALS.split(word) if piece)


# --- the certain rules -------------------------------------------------------------------------


@cache
def _accented() -> dict[str, tuple[str, ...]]:
    """ASCII letter -> the precomposed Latin letters (both cases) that decompose to it plus
    combining marks: é, É, ę ... for e."""
    found: dict[str, list[str]] = {}
    for cp in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        char = chr(cp)
        nfd = unicodedata.normalize("NFD", char)
        base = nfd[0]
        if (
            len(nfd) > 1
            and base.isascii()
            and base.isalpha()
            and all(unicodedata.combining(c) for c in nfd[1:])
        ):
            found.setdefault(base.lower(), []).append(char)
    return {k: tuple(v) for k, v in found.items()}


def _byte_alternatives(chars: Sequence[str]) -> str:
    """Characters as UTF-8 byte sequences, grouped by their leading bytes into classes of
    the last byte: ``\\xc3[\\xa8-\\xab]|\\xc4[\\x93\\x95]`` (compact in Hyperscan and
    ``re``, which both run on bytes here)."""
    groups: dict[bytes, list[int]] = {}
    for char in chars:
        raw = char.encode("utf-8")
        groups.setdefault(raw[:-1], []).append(raw[-1])
    out = []
    for lead, lasts in sorted(groups.items()):
        prefix = "".join(f"\\x{b:02x}" for b in lead)
        out.append(prefix + _byte_class(sorted(set(lasts))))
    return out[0] if len(out) == 1 else "(?:" + "|".join(out) + ")"


def _byte_class(values: list[int]) -> str:
    ranges: list[list[int]] = []
    for v in values:
        if ranges and v == ranges[-1][1] + 1:
            ranges[-1][1] = v
        else:
            ranges.append([v, v])
    body = "".join(f"\\x{a:02x}" if a == b else f"\\x{a:02x}-\\x{b:02x}" for a, b in ranges)
    return body if len(ranges) == 1 and ranges[0][0] == ranges[0][1] else f"[{body}]"


@dataclass(frozen=True)
class _Branch:
    """One way to write one character of the term; ``word``: it is an ASCII letter or digit
    as matched, with nothing after it (so Hyperscan's ASCII ``\\b`` can stand beside it)."""

    pattern: str
    word: bool


def _branches(char: str, edge: bool) -> list[_Branch]:
    """The ways one character of the term may be written in a note. A letter written with an
    accent, and a vowel written without: bare, followed by decomposed accents (combining
    marks), or precomposed with any accent; a consonant written without one: itself (accents
    on every letter left Hyperscan no literal to look for and halved its speed). At an
    ``edge`` of the term the bare letter is a branch of its own (it may take ``\\b``)."""
    if char in _APOSTROPHES:
        return [_Branch(APOS, False)]
    base = unicodedata.normalize("NFD", char)[0].lower()
    if base.isascii() and base.isalpha():
        if base not in _VOWELS and char.lower() == base:
            return [_Branch(base, True)]
        accented = _accented().get(base, ())
        more = [_Branch(_byte_alternatives(accented), False)] if accented else []
        if edge:
            return [_Branch(base, True), _Branch(f"{base}{_MARKS}{{1,2}}", False), *more]
        return [_Branch(f"{base}{_MARKS}{{0,2}}", False), *more]
    if char.isascii():
        return [_Branch(re.escape(char), char.isalnum())]
    forms = dict.fromkeys(f for f in (char, char.lower(), char.upper()) if len(f) == 1)
    return [_Branch(form, False) for form in forms]


def _plural(term: str) -> str:
    """The plural ending English gives the term: -es after s, x, z, ch, sh; else -s."""
    low = term.lower()
    return "es" if low.endswith(("s", "x", "z", "ch", "sh")) else "s"


def _suffixes(term: str) -> tuple[list[str], list[str]]:
    """The endings after the term: those ending in a letter, those ending in an apostrophe."""
    plural = _plural(term)
    words = [plural, f"{_ONE_APOS}s"]
    apostrophes = [f"{plural}{_ONE_APOS}"]
    if term.lower().endswith("s"):
        apostrophes.append(_ONE_APOS)  # OnlyFans'
    return words, apostrophes


def _name_pattern(parts: Sequence[str]) -> str:
    """The term in any case, parts joined by SEP, apostrophes and accents optional, with its
    plurals and possessives. An ASCII letter or digit at either end gets Hyperscan's ``\\b``
    on the branch where the note's character is ASCII too, so "go" is not a candidate in "ago"
    or "going" (the matcher's own check on the decoded characters decides as before: ``\\b``
    there only drops candidates that check would drop)."""
    chars: list[str | None] = []  # None: between two parts
    for i, part in enumerate(parts):
        if i:
            chars.append(None)
        chars.extend(part)
    suffixed = _ends_latin(parts[-1])
    words, apostrophes = _suffixes("".join(parts))
    after_word = f"(?:(?:{'|'.join(words)})?\\b|{'|'.join(apostrophes)})"
    after_other = f"(?:(?:{'|'.join(words)})\\b|{'|'.join(apostrophes)})?"
    out: list[str] = []
    for i, char in enumerate(chars):
        if char is None:
            out.append(SEP)
            continue
        first, last = i == 0, i == len(chars) - 1
        alts = []
        for branch in _branches(char, first or last):
            text = branch.pattern
            if first and branch.word:
                text = "\\b" + text
            if last and suffixed:
                text += after_word if branch.word else after_other
            alts.append(text)
        out.append(alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")")
    return "".join(out)


def _ends_latin(text: str) -> bool:
    """The text ends with a Latin letter (accents aside) or a digit: English endings follow."""
    end = unicodedata.normalize("NFD", text[-1])[0]
    return end.isascii() and end.isalnum()


def _domain(parts: Sequence[str]) -> str:
    """The web address's name: the parts joined, accents dropped, letters and digits only (a
    term written as an address, "bumble.com", keeps its dots and hyphens)."""
    joined = _strip_accents("".join(parts)).lower()
    keep = r"[^a-z0-9.\-]" if "." in joined.strip(".") else r"[^a-z0-9]"
    return re.sub(keep, "", joined).strip(".-")


def _url_pattern(domain: str) -> str:
    if "." in domain:  # the term is an address already
        return f"\\b{WEB}{re.escape(domain)}\\b"
    tlds = "|".join(re.escape(t) for t in TOP_LEVEL)
    return f"\\b{WEB}{re.escape(domain)}\\.(?:{tlds})\\b"


# --- the possible rule: one edit away --------------------------------------------------------


def _one_edit(parts: Sequence[str], avoid: Collection[str], certain: Sequence[str]) -> OneEdit:
    """The spellings one edit from the term's parts joined: with nothing between them
    ("onlyfans") and, for a term of parts, with a space or a hyphen ("only fans", "only-fans").
    Left out: what a certain rule matches, English words (a spelling with a space or hyphen
    when every word of it is one: "only fan"), and the other terms. A term so long that its
    pattern would pass Hyperscan's limit keeps the joined spellings only, or none."""
    bare = [
        "".join(c for c in _strip_accents(part).lower() if c not in _APOSTROPHES) for part in parts
    ]
    joined = "".join(bare)
    if sum(c.isalpha() for c in joined) < ONE_EDIT_LETTERS:
        return OneEdit(too_short=True)
    if not joined.isascii():  # edits are of letters a to z; another script gets none
        return OneEdit()
    forms = [joined] + ([" ".join(bare), "-".join(bare)] if len(bare) > 1 else [])
    found = _sorted_edits(forms, avoid, certain)
    pattern = _spellings(forms, set(found.kept))
    if len(pattern) <= MAX_PATTERN:
        return dataclasses.replace(found, pattern=pattern)
    found = _sorted_edits([joined], avoid, certain)
    pattern = _spellings([joined], set(found.kept))
    if len(pattern) <= MAX_PATTERN and len(forms) > 1:
        note = "the term is too long to search for them with a space or hyphen between its parts"
        return dataclasses.replace(found, pattern=pattern, note=note)
    note = "the term is too long: their pattern would pass Hyperscan's limit"
    return OneEdit(note=note)


def _sorted_edits(forms: Sequence[str], avoid: Collection[str], certain: Sequence[str]) -> OneEdit:
    """The edits of ``forms``, kept or left out (and why)."""
    variants = set().union(*(_edits(form) for form in forms)) - set(forms)
    english_words = english()
    others = {_canon(t) for t in avoid}
    compiled = []
    for pattern in certain:
        try:
            compiled.append(re.compile(pattern.encode("utf-8"), re.IGNORECASE))
        except re.error:  # the matcher refuses it, naming the rule
            continue
    kept: list[str] = []
    left_english: list[str] = []
    left_terms: list[str] = []
    left_certain: list[str] = []
    for variant in sorted(variants):
        words = [w for w in re.split(r"[ \-]+", variant) if w]
        if not words:
            continue
        if any(c.fullmatch(variant.encode("utf-8")) for c in compiled):
            left_certain.append(variant)
        elif variant in english_words or all(w in english_words for w in words):
            left_english.append(variant)
        elif _canon(variant) in others:
            left_terms.append(variant)
        else:
            kept.append(variant)
    return OneEdit(tuple(kept), tuple(left_english), tuple(left_terms), tuple(left_certain))


def _edits(word: str) -> set[str]:
    """Every spelling one edit from ``word``: a character deleted, a letter a-z inserted or
    substituted, two adjacent characters swapped (``word`` itself left out)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found = {a + b[1:] for a, b in splits if b}
    found |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    found |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    found |= {a + c + b for a, b in splits for c in _LETTERS}
    found.discard(word)
    return {f for f in found if f}


def _spellings(forms: Sequence[str], kept: set[str]) -> str:
    """One pattern matching exactly the ``kept`` spellings among the one-edit spellings of
    ``forms``: per position of each form, its head as written, then the letters that may be
    substituted there, nothing (the letter deleted) or the letter and those that may follow
    it (inserted), then the rest as written; and each swap as written. Every string is an
    escaped literal and every class a set of letters, so Hyperscan and Python's ``re`` compile
    it alike; it grows with the square of the term's length (a plain list of the spellings,
    even as a trie, grows with 26 times that and passed Hyperscan's 16,000-character limit at
    about 40 letters). ``\\b`` at either end: every spelling begins and ends with a letter or
    digit, or the term's own punctuation (then no ``\\b`` there)."""
    alternatives: dict[str, None] = {}
    for form in forms:
        for piece in _positions(form, kept):
            alternatives[piece] = None
    if not alternatives:
        return ""
    lead = "\\b" if all(w[0].isascii() and w[0].isalnum() for w in kept) else ""
    tail = "\\b" if all(w[-1].isascii() and w[-1].isalnum() for w in kept) else ""
    return f"{lead}(?:{'|'.join(alternatives)}){tail}"


def _positions(form: str, kept: set[str]) -> list[str]:
    esc = re.escape
    out = []
    for i, char in enumerate(form):
        head, rest = form[:i], form[i + 1 :]
        middle: list[str] = []
        subs = [c for c in _LETTERS if c != char and f"{head}{c}{rest}" in kept]
        if subs:
            middle.append(_letters(subs))
        after = [c for c in _LETTERS if f"{head}{char}{c}{rest}" in kept]
        if after:
            middle.append(esc(char) + _letters(after))
        before = [c for c in _LETTERS if f"{c}{char}{rest}" in kept] if i == 0 else []
        if before:
            middle.append(_letters(before) + esc(char))
        deleted = head + rest in kept
        if middle or deleted:
            group = "(?:" + "|".join(middle) + ")" if len(middle) > 1 else "".join(middle)
            if deleted:  # the letter may also be left out
                group = f"(?:{group})?" if middle else ""
            out.append(esc(head) + group + esc(rest))
        if i + 1 < len(form) and form[i + 1] != char:
            swapped = f"{head}{form[i + 1]}{char}{form[i + 2 :]}"
            if swapped in kept:
                out.append(esc(swapped))
    return out


def _letters(letters: Sequence[str]) -> str:
    """Letters a to z as one class, runs as ranges ("[a-fh-z]"); a single letter bare."""
    if len(letters) == 1:
        return letters[0]
    runs: list[list[str]] = []
    for letter in letters:
        if runs and ord(letter) == ord(runs[-1][-1]) + 1:
            runs[-1].append(letter)
        else:
            runs.append([letter])
    body = "".join(f"{run[0]}-{run[-1]}" if len(run) > 2 else "".join(run) for run in runs)
    return f"[{body}]"


@cache
def english() -> frozenset[str]:
    """The English words no one-edit spelling may be: Webster's Second and GCIDE (the
    ``english-words`` package) and the 100,000 commonest words of ``wordfreq``, lower case.
    Imported and read on first use only (about half a second), then kept."""
    import english_words
    import wordfreq

    words = set(english_words.get_english_words_set(["web2", "gcide"], lower=True))
    words |= set(wordfreq.top_n_list("en", WORDFREQ_TOP))
    return frozenset(w.lower() for w in words if w.strip())


# --- the plain-English description -----------------------------------------------------------


def _describe(term: str, parts: Sequence[str], domain: str, one_edit: OneEdit) -> str:
    items = [f"{term} in any case"]
    bare = _strip_accents(term)
    if bare != term:
        items.append(f"with or without accents ({bare})")
    if len(parts) > 1:
        items.append(
            "with or without a space or hyphen between its parts "
            f"({' '.join(parts)}, {'-'.join(parts)}, {''.join(parts)})"
        )
    if any(c in _APOSTROPHES for c in term):
        items.append(
            f"with or without the apostrophe ({''.join(c for c in term if c not in _APOSTROPHES)})"
        )
    if _ends_latin(term):
        forms = f"{term}'s, {term}'" if term.endswith("s") else f"{term}{_plural(term)}, {term}'s"
        items.append(f"with plurals and possessives ({forms})")
    if "." in domain:
        items.append(f"the web address {domain}")
    elif domain:
        items.append(f"the web address {domain}.com (and .co.uk, .app, .net, .org)")
    if not one_edit.kept:
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    return (
        ", ".join(items)
        + ", and, as possible mentions for a person to check, spellings one letter away "
        f"(such as {_example(term, parts, one_edit.kept)}) that are not English words"
    )


def _example(term: str, parts: Sequence[str], kept: Sequence[str]) -> str:
    """One kept spelling to show: the last letter doubled when that is kept ("Grindrr")."""
    base = "".join(c for c in _strip_accents("".join(parts)).lower() if c not in _APOSTROPHES)
    choice = base + base[-1] if base + base[-1] in kept else kept[0]
    return choice[:1].upper() + choice[1:] if term[:1].isupper() else choice
