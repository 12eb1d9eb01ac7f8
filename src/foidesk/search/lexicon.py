"""Lexicons: the data that says what counts as a mention of each platform.

A lexicon is a TOML file (built-in ones live in ``lexicons/``; see docs/lexicon.md):

- ``[tokens]``: ``{NAME}`` placeholders expanded in patterns (Unicode spaces, apostrophes).
- ``[signals]``: the words that let a short form count (``before`` / ``after`` it).
- ``[[platform]]`` with ``[[platform.rule]]``: named Hyperscan patterns; a rule with
  ``needs_signal = true`` (a short form such as FB or insta) counts only with a signal beside
  it, an @handle, or in a list with another counted platform.
- ``[[exclusion]]``: named patterns (police terms, places, homographs); a hit that overlaps an
  exclusion's span is dropped.

A force's own lexicon says ``extends = "social-media"`` (or a path) and adds platforms, rules,
exclusions and signal words, or switches rules off with ``[disable] rules = [...]``. This
module loads, merges and validates; ``matcher.py`` compiles the result.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from foidesk.casework.home_office import UnknownOffence, home_office
from foidesk.casework.words import TermWords
from foidesk.errors import LexiconError

_TOKEN = re.compile(r"\{([A-Z_]+)\}")
_TOP_KEYS = {
    "name",
    "version",
    "description",
    "extends",
    "tokens",
    "signals",
    "platform",
    "exclusion",
    "disable",
    "words",
    "negation",
}
_RULE_KEYS = {
    "name",
    "pattern",
    "needs_signal",
    "before",
    "after",
    "note",
    "certainty",
    "weak_before",
    "weak_after",
    "without_signal",
    "window",
    "only_in",
    "never_in",
}
_PLATFORM_KEYS = {
    "name",
    "default",
    "variants",
    "rule",
    "only_in",
    "never_in",
    "naive",
    "negation",
}
_NEGATION_KEYS = {
    "before",
    "after",
    "window",
    "terminators",
    "hits",
    "pseudo",
    "last_mention",
    "field",
    "doubt",
}
# the words that end a negation's reach within a sentence ("no knife seen but a blade found")
DEFAULT_TERMINATORS = ("but", "however", "although", "though", "yet", "whereas", "except")
CERTAIN = "certain"
POSSIBLE = "possible"
CERTAINTIES = (CERTAIN, POSSIBLE)


@dataclass(frozen=True)
class Rule:
    """One pattern of one platform; ``name`` is reported with every hit it produces."""

    name: str
    platform: str
    pattern: str  # expanded: tokens replaced, ready for Hyperscan
    needs_signal: bool = False
    before: frozenset[str] = frozenset()  # extra signal words for this rule
    after: frozenset[str] = frozenset()
    # "certain", or "possible": a hit a careful reader would want to check (a bare ambiguous
    # word, a near-misspelling); the table counts certain hits only
    certainty: str = CERTAIN
    # a short form beside one of these words (the lexicon's weak signals and the rule's own)
    # is a possible hit, not a certain one
    weak_before: frozenset[str] = frozenset()
    weak_after: frozenset[str] = frozenset()
    without_signal: bool = False  # a short form with no signal at all is a possible hit
    window: int = 0  # how many words either side a signal may stand (0: the lexicon's)
    condition: Condition | None = None  # the offences its hits count in (engine-applied)


@dataclass(frozen=True)
class Condition:
    """Where a term's or a rule's hits count, by the offence of the crime's winning copy:
    ``only_in`` (None: any offence) and never in ``never_in``; Home Office codes, groups
    expanded. ``written`` is the condition as the lexicon says it, for messages."""

    only_in: frozenset[str] | None = None
    never_in: frozenset[str] = frozenset()
    written: str = ""

    def allows(self, code: str | None) -> bool:
        """Whether a crime with Home Office code ``code`` (None or "" if it has none) counts."""
        code = code or ""
        if code in self.never_in:
            return False
        return self.only_in is None or code in self.only_in


def counts_in(platform: Platform, rule: Rule, code: str | None) -> bool:
    """Whether a hit of ``rule`` (a rule of ``platform``) counts in a crime recorded under
    Home Office code ``code``: both the term's and the rule's conditions allow it. The one
    statement of the record conditions: counting and evaluate both ask it."""
    return all(c is None or c.allows(code) for c in (platform.condition, rule.condition))


@dataclass(frozen=True)
class Negation:
    """Negation cues (switched on per lexicon): a mention with a cue before it (``before``:
    "no knife", "denies having a knife") or after it (``after``: "a knife was not used")
    within ``window`` words of the same sentence, with no ``terminators`` word ("but") between,
    is not counted: dropped, or (``hits = "possible"``) kept as a possible hit for a person."""

    before: tuple[tuple[str, ...], ...] = ()  # cue phrases, each a tuple of words
    after: tuple[tuple[str, ...], ...] = ()
    window: int = 5
    terminators: frozenset[str] = frozenset(DEFAULT_TERMINATORS)
    possible: bool = False  # negated hits are possible, not dropped
    # cue phrases that only look like negation ("no other", "not only"): a cue that begins
    # one of them is no cue
    pseudo: tuple[tuple[str, ...], ...] = ()
    # when a term's last mention in a field is negated ("V alleges S had a knife ... no knife
    # was used"), its earlier mentions in that field are not counted either
    last_mention: bool = False
    # phrases that, anywhere in a field, deny every mention in it ("no weapon was used",
    # "his hands were empty"): the field's mentions are negated
    field: tuple[tuple[str, ...], ...] = ()
    # phrases that cast doubt on every mention in their sentence, without denying it
    # (reported speech, "allegedly", a knife "found on arrest", "withdrawn"): those mentions
    # are possible hits whatever ``hits`` says, and a doubted last mention is not spread by
    # ``last_mention`` (a knife used, then found on arrest, still counts)
    doubt: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Exclusion:
    """A span that is not a mention (police term, place, homograph, boilerplate)."""

    name: str
    pattern: str


@dataclass(frozen=True)
class Platform:
    """A term (platform) and its rules. A request that names no terms searches every term
    of its lexicon but those marked ``default = false`` (searched only when named)."""

    name: str
    default: bool
    rules: tuple[Rule, ...]
    variants: str = ""  # a plain-English list of what is searched, for the method statement
    condition: Condition | None = None  # the offences its hits count in (engine-applied)
    # the words a naive whole-word search would use for this term (evaluate's baseline);
    # empty: its name
    naive: tuple[str, ...] = ()
    # whether the lexicon's [negation] applies to this term (a possession term says false:
    # "not a locking knife" describes the article, it does not deny it)
    negation: bool = True


@dataclass(frozen=True)
class LexiconFile:
    """One file a lexicon was read from (a user lexicon has its base too), for the audit."""

    source: str
    sha256: str


@dataclass(frozen=True)
class Lexicon:
    """A loaded (and merged) lexicon."""

    name: str
    version: str
    files: tuple[LexiconFile, ...]
    platforms: tuple[Platform, ...]
    exclusions: tuple[Exclusion, ...] = ()
    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()
    weak_before: frozenset[str] = frozenset()  # signal words that make a possible hit
    weak_after: frozenset[str] = frozenset()
    disabled: tuple[str, ...] = field(default=())
    tokens: tuple[tuple[str, str], ...] = ()  # inherited by lexicons that extend this one
    words: TermWords = field(default_factory=TermWords)  # what its terms are called (inherited)
    window: int = 1  # how many words either side a signal may stand ([signals] window)
    # whether a short form counts in a list with another term's mention ("via FB, Snap and
    # WA"; [signals] lists): true for platforms, false for a knife's terms (two names of one
    # thing, side by side in "Bora Bora", are no list)
    lists: bool = True
    negation: Negation | None = None  # [negation]: cues that stop a mention counting

    @property
    def conditional(self) -> bool:
        """Whether any term or rule has a condition on the record's offence."""
        return any(
            p.condition is not None or any(r.condition is not None for r in p.rules)
            for p in self.platforms
        )

    @property
    def source(self) -> str:
        """The file the lexicon was read from (the user's, for a user lexicon)."""
        return self.files[-1].source

    @property
    def sha256(self) -> str:
        """The sha256 of that file."""
        return self.files[-1].sha256

    def platform(self, term: str) -> Platform:
        """The platform a request term names, matched without regard to case or spaces."""
        wanted = _canon(term)
        for platform in self.platforms:
            if _canon(platform.name) == wanted:
                return platform
        known = ", ".join(p.name for p in self.platforms)
        raise LexiconError(f"'{term}' is not a platform of lexicon {self.name} (known: {known})")

    def select(self, terms: list[str] | None) -> tuple[Platform, ...]:
        """The platforms for the given request terms, or the default ones."""
        if not terms:
            return tuple(p for p in self.platforms if p.default)
        chosen: list[Platform] = []
        for term in terms:
            platform = self.platform(term)
            if platform not in chosen:
                chosen.append(platform)
        return tuple(chosen)


def _canon(term: str) -> str:
    return re.sub(r"[\s\-'’]", "", term).lower()


def builtin_lexicons() -> list[str]:
    """Names of the lexicons shipped with foidesk."""
    folder = resources.files("foidesk.search").joinpath("lexicons")
    names = (p.name for p in folder.iterdir() if p.name.endswith(".toml"))
    return sorted(n.removesuffix(".toml") for n in names)


def load_lexicon(name_or_path: str, base: Path | None = None) -> Lexicon:
    """Load a built-in lexicon by name, or a lexicon file by path (relative to ``base``)."""
    return _load(name_or_path, base, depth=0)


def _load(name_or_path: str, base: Path | None, depth: int) -> Lexicon:
    if depth > 4:
        raise LexiconError(f"lexicon {name_or_path}: 'extends' goes more than 4 files deep")
    if name_or_path in builtin_lexicons():
        resource = resources.files("foidesk.search").joinpath(f"lexicons/{name_or_path}.toml")
        return parse_lexicon(resource.read_bytes(), f"built-in:{name_or_path}", None, depth)
    path = Path(name_or_path)
    if base is not None and not path.is_absolute():
        path = base / path
    if not path.is_file():
        known = ", ".join(builtin_lexicons())
        raise LexiconError(
            f"lexicon '{name_or_path}' is neither a built-in lexicon ({known}) nor a file"
        )
    return parse_lexicon(path.read_bytes(), str(path), path.parent, depth)


def _words(source: str, key: str, value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LexiconError(f"{source}: {key} must be a list of words")
    return frozenset(v.lower() for v in value)


def parse_lexicon(data: bytes, source: str, folder: Path | None = None, depth: int = 0) -> Lexicon:
    """Parse and validate lexicon TOML (merging onto its base); problems name file and key."""
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"{source}: not a valid lexicon TOML file: {exc}") from exc
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise LexiconError(f"{source}: unknown key {sorted(unknown)[0]!r}")
    me = LexiconFile(source, hashlib.sha256(data).hexdigest())
    parent: Lexicon | None = None
    if "extends" in raw:
        parent = _load(str(raw["extends"]), folder, depth + 1)
    own_tokens = raw.get("tokens", {})
    if not isinstance(own_tokens, dict):
        raise LexiconError(f"{source}: [tokens] must be a table")
    tokens = (dict(parent.tokens) if parent else {}) | own_tokens
    signals = raw.get("signals", {})
    if not isinstance(signals, dict):
        raise LexiconError(f"{source}: [signals] must be a table")
    unknown_signals = set(signals) - {
        "before",
        "after",
        "weak_before",
        "weak_after",
        "window",
        "lists",
    }
    if unknown_signals:
        raise LexiconError(f"{source}: signals: unknown key {sorted(unknown_signals)[0]!r}")
    before = _words(source, "signals.before", signals.get("before"))
    after = _words(source, "signals.after", signals.get("after"))
    weak_before = _words(source, "signals.weak_before", signals.get("weak_before"))
    weak_after = _words(source, "signals.weak_after", signals.get("weak_after"))
    window = _window(source, "signals.window", signals.get("window"))

    platforms: dict[str, Platform] = {p.name: p for p in parent.platforms} if parent else {}
    rule_names = {r.name for p in platforms.values() for r in p.rules}
    entries = raw.get("platform", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise LexiconError(f"{source}: platform must be [[platform]] tables")
    for i, entry in enumerate(entries):
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise LexiconError(f"{source}: platform[{i}].name is missing")
        unknown_keys = set(entry) - _PLATFORM_KEYS
        if unknown_keys:
            raise LexiconError(
                f"{source}: platform {name}: unknown key {sorted(unknown_keys)[0]!r} "
                f"(known: {', '.join(sorted(_PLATFORM_KEYS))})"
            )
        rules = []
        for j, rule in enumerate(entry.get("rule", [])):
            rules.append(_rule(source, name, j, rule, tokens, rule_names))
        old = platforms.get(name)
        if old is None and not rules:
            raise LexiconError(f"{source}: platform {name} has no rules")
        condition = _condition(source, f"platform {name}", entry)
        platforms[name] = Platform(
            name,
            _bool(
                source,
                f"platform {name}.default",
                entry.get("default"),
                old.default if old else True,
            ),
            (old.rules if old else ()) + tuple(rules),
            str(entry.get("variants", old.variants if old else "")),
            condition if condition is not None else (old.condition if old else None),
            _naive(source, name, entry.get("naive"), old.naive if old else ()),
            _bool(
                source,
                f"platform {name}.negation",
                entry.get("negation"),
                old.negation if old else True,
            ),
        )

    exclusions = list(parent.exclusions) if parent else []
    names = {e.name for e in exclusions} | rule_names
    for i, entry in enumerate(raw.get("exclusion", [])):
        key = f"{source}: exclusion[{i}]"
        name, pattern = entry.get("name"), entry.get("pattern")
        if not isinstance(name, str) or not isinstance(pattern, str):
            raise LexiconError(f"{key}: needs a string 'name' and 'pattern'")
        if name in names:
            raise LexiconError(f"{key}: name '{name}' is used twice")
        names.add(name)
        exclusions.append(Exclusion(name, _expand(pattern, tokens, f"{key} ({name})")))

    disabled = list(parent.disabled) if parent else []
    for name in raw.get("disable", {}).get("rules", []):
        if name not in names:
            raise LexiconError(f"{source}: disable.rules: no rule or exclusion named '{name}'")
        disabled.append(name)
    if disabled:
        gone = set(disabled)
        platforms = {
            k: Platform(
                p.name,
                p.default,
                tuple(r for r in p.rules if r.name not in gone),
                p.variants,
                p.condition,
                p.naive,
                p.negation,
            )
            for k, p in platforms.items()
        }
        exclusions = [e for e in exclusions if e.name not in gone]
    if not platforms:
        raise LexiconError(f"{source}: the lexicon has no [[platform]] entries")
    return Lexicon(
        name=str(raw.get("name", parent.name if parent else source)),
        version=str(raw.get("version", parent.version if parent else "")),
        files=(parent.files if parent else ()) + (me,),
        platforms=tuple(platforms.values()),
        exclusions=tuple(exclusions),
        before=(parent.before if parent else frozenset()) | before,
        after=(parent.after if parent else frozenset()) | after,
        weak_before=(parent.weak_before if parent else frozenset()) | weak_before,
        weak_after=(parent.weak_after if parent else frozenset()) | weak_after,
        window=window or (parent.window if parent else 1),
        lists=_bool(
            source, "signals.lists", signals.get("lists"), parent.lists if parent else True
        ),
        negation=_negation(source, raw["negation"])
        if "negation" in raw
        else (parent.negation if parent else None),
        disabled=tuple(disabled),
        tokens=tuple(sorted(tokens.items())),
        words=(parent.words if parent else TermWords()).merged(
            raw.get("words", {}), f"{source}: words"
        ),
    )


def _rule(
    source: str,
    platform: str,
    index: int,
    rule: dict[str, Any],
    tokens: dict[str, str],
    seen: set[str],
) -> Rule:
    key = f"{source}: platform {platform} rule[{index}]"
    unknown = set(rule) - _RULE_KEYS
    if unknown:
        raise LexiconError(f"{key}: unknown key {sorted(unknown)[0]!r}")
    name, pattern = rule.get("name"), rule.get("pattern")
    if not isinstance(name, str) or not isinstance(pattern, str):
        raise LexiconError(f"{key}: needs a string 'name' and 'pattern'")
    if name in seen:
        raise LexiconError(f"{key}: rule name '{name}' is used twice")
    seen.add(name)
    certainty = rule.get("certainty", CERTAIN)
    if certainty not in CERTAINTIES:
        raise LexiconError(
            f"{key} ({name}): certainty must be {CERTAIN!r} or {POSSIBLE!r}, got {certainty!r}"
        )
    needs_signal = bool(rule.get("needs_signal", False))
    without = rule.get("without_signal", "dropped")
    if without not in ("dropped", POSSIBLE):
        raise LexiconError(
            f"{key} ({name}): without_signal must be 'dropped' or 'possible', got {without!r}"
        )
    signal_only = {"weak_before", "weak_after", "without_signal", "before", "after", "window"}
    signal_only &= set(rule)
    if signal_only and not needs_signal:
        raise LexiconError(
            f"{key} ({name}): {sorted(signal_only)[0]} applies only to a rule with "
            "needs_signal = true"
        )
    return Rule(
        name=name,
        platform=platform,
        pattern=_expand(pattern, tokens, f"{key} ({name})"),
        needs_signal=needs_signal,
        before=_words(key, "before", rule.get("before")),
        after=_words(key, "after", rule.get("after")),
        certainty=certainty,
        weak_before=_words(key, "weak_before", rule.get("weak_before")),
        weak_after=_words(key, "weak_after", rule.get("weak_after")),
        without_signal=without == POSSIBLE,
        window=_window(key, "window", rule.get("window")),
        condition=_condition(source, f"platform {platform} rule {name}", rule),
    )


# a non-ASCII character followed by a quantifier, or inside a character class
_PART_OF_CHARACTER = re.compile(
    r"[^\x00-\x7f][?*+{]|\[(?:\\.|[^\]\\])*[^\x00-\x7f](?:\\.|[^\]\\])*\]"
)


def _expand(pattern: str, tokens: dict[str, str], where: str) -> str:
    def replace(match: re.Match[str]) -> str:
        token = match.group(1)
        if token not in tokens:
            raise LexiconError(f"{where}: unknown token {{{token}}} in pattern")
        return str(tokens[token])

    expanded = _TOKEN.sub(replace, pattern)
    # patterns are matched over UTF-8 bytes: a quantifier or a class applies to one byte of a
    # character written as several, so it would match part of a character
    split = _PART_OF_CHARACTER.search(expanded)
    if split:
        raise LexiconError(
            f"{where}: {split.group()!r} would match part of a character (patterns are "
            "matched as UTF-8 bytes): write a repeated or optional non-ASCII character as a "
            "group, (?:é)?, and a choice of them as (?:é|è), not [éè]"
        )
    return expanded


def _window(source: str, key: str, value: Any) -> int:
    """A signal window: a whole number of words from 1 to 20 (0 when not given)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 20:
        raise LexiconError(f"{source}: {key} must be a whole number of words from 1 to 20")
    return value


def _condition(source: str, where: str, entry: dict[str, Any]) -> Condition | None:
    """``only_in`` / ``never_in``: offence groups or Home Office codes (groups expanded);
    None when the entry gives neither."""
    if "only_in" not in entry and "never_in" not in entry:
        return None
    ho = home_office()
    sets: dict[str, frozenset[str]] = {}
    for key in ("only_in", "never_in"):
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise LexiconError(
                f"{source}: {where}: {key} must be a list of offence groups or codes"
            )
        try:
            codes = ho.offence_codes(value)
        except UnknownOffence as exc:
            known = ", ".join(sorted(ho.offence_groups))
            raise LexiconError(
                f"{source}: {where}: {key}: {exc.args[0]!r} is neither an offence group "
                f"({known}) nor a Home Office code such as 10D"
            ) from None
        if key == "only_in" and key in entry and not codes:
            raise LexiconError(
                f"{source}: {where}: only_in is empty (the term would count in no offence); "
                "list offence groups or codes, or leave only_in out"
            )
        sets[key] = frozenset(codes)
    parts = []
    if "only_in" in entry:
        parts.append("only in " + ", ".join(entry["only_in"]))
    if entry.get("never_in"):
        parts.append("never in " + ", ".join(entry["never_in"]))
    return Condition(
        sets["only_in"] if "only_in" in entry else None, sets["never_in"], "; ".join(parts)
    )


def _negation(source: str, raw: Any) -> Negation:
    """The ``[negation]`` table: cue phrases before and after, a window, terminators, and
    what a negated hit becomes (``hits = "dropped"`` or ``"possible"``); field phrases and
    doubt phrases (a sentence's mentions possible)."""
    where = f"{source}: negation"
    if not isinstance(raw, dict):
        raise LexiconError(f"{where} must be a table")
    unknown = set(raw) - _NEGATION_KEYS
    if unknown:
        raise LexiconError(f"{where}: unknown key {sorted(unknown)[0]!r}")

    def phrases(key: str) -> tuple[tuple[str, ...], ...]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.split() for v in value):
            raise LexiconError(f"{where}.{key} must be a list of words or phrases")
        return tuple(cue_words(v) for v in value)

    hits = raw.get("hits", "dropped")
    if hits not in ("dropped", POSSIBLE):
        raise LexiconError(f"{where}.hits must be 'dropped' or 'possible', got {hits!r}")
    terminators = raw.get("terminators", list(DEFAULT_TERMINATORS))
    if not isinstance(terminators, list) or not all(isinstance(t, str) for t in terminators):
        raise LexiconError(f"{where}.terminators must be a list of words")
    negation = Negation(
        before=phrases("before"),
        after=phrases("after"),
        window=_window(where, "window", raw.get("window")) or 5,
        terminators=frozenset(t.lower() for t in terminators),
        possible=hits == POSSIBLE,
        pseudo=phrases("pseudo"),
        last_mention=_bool(where, "last_mention", raw.get("last_mention"), False),
        field=phrases("field"),
        doubt=phrases("doubt"),
    )
    if not (negation.before or negation.after or negation.field or negation.doubt):
        raise LexiconError(f"{where}: give cue words in before or after (or field, doubt)")
    return negation


def _naive(source: str, name: str, value: Any, inherited: tuple[str, ...]) -> tuple[str, ...]:
    """A term's ``naive`` words: what a plain whole-word search would look for."""
    if value is None:
        return inherited
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LexiconError(f"{source}: platform {name}: naive must be a list of words")
    return tuple(v.strip() for v in value)


# a word of a note as the matcher reads it for cues and signals (``search.matcher``)
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


def cue_words(text: str) -> tuple[str, ...]:
    """A phrase as the words the matcher compares: the words of a note as ``WORD`` reads
    them, lower case, curly apostrophes straight; punctuation between them is no word, as in
    a note ("third-party" is two words; "Knife: no" is "knife no")."""
    return tuple(w.replace("\u2019", "'") for w in WORD.findall(text.lower()))


def _bool(source: str, key: str, value: Any, default: bool) -> bool:
    """A true/false key: a TOML boolean, never a string ("false" would be true)."""
    if value is None:
        return default
    if not isinstance(value, bool):
        raise LexiconError(f"{source}: {key} must be true or false, got {value!r}")
    return value
