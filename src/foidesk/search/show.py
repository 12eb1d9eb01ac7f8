"""``foidesk lexicon show``: a lexicon, or the rules a term without a lexicon gets, as text.

For each name: a built-in lexicon or a lexicon file is printed whole (its terms, the plain-
English variants the method statement gives, every rule with its certainty and expanded
pattern, the signal words and how many exclusions); anything else is a search term no lexicon
has, printed with the rules ``adhoc.py`` makes for it: how many one-edit spellings are
searched for as possible mentions, some of them, and the ones left out as English words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path

from foidesk.errors import LexiconError
from foidesk.search.adhoc import ONE_EDIT_LETTERS, adhoc_term
from foidesk.search.lexicon import CERTAIN, Lexicon, Platform, Rule, builtin_lexicons, load_lexicon

SHOWN_SPELLINGS = 20  # one-edit spellings printed for an ad hoc term


def show_lines(names: Sequence[str], base: Path | None = None) -> list[str]:
    """The text for each name in turn (a blank line between them): a lexicon (a built-in
    name, or a file, relative to ``base``) or, for any other name, an ad hoc search term.
    A name that looks like a lexicon file (ends with .toml, or has a folder in it) and is
    not one is a ``LexiconError``."""
    lines: list[str] = []
    terms = [n for n in names if not _is_lexicon(n, base)]
    for name in names:
        if lines:
            lines.append("")
        if _is_lexicon(name, base):
            lines.extend(lexicon_lines(load_lexicon(name, base)))
        else:
            others = [t for t in terms if t != name]
            lines.extend(term_lines(name, avoid=others))
    return lines


def _is_lexicon(name: str, base: Path | None) -> bool:
    if name in builtin_lexicons():
        return True
    path = Path(name)
    if base is not None and not path.is_absolute():
        path = base / path
    looks_like_a_path = name.lower().endswith(".toml") or "/" in name or "\\" in name
    return looks_like_a_path or path.is_file()


def lexicon_lines(lexicon: Lexicon) -> list[str]:
    """A lexicon: its files, signal words, every term with its variants and rules."""
    lines = [f"Lexicon {lexicon.name}, version {lexicon.version or '(none)'}"]
    lines.extend(f"  file: {f.source} (sha256 {f.sha256})" for f in lexicon.files)
    for label, words in (
        ("signal words before a short form", lexicon.before),
        ("signal words after a short form", lexicon.after),
        ("weak signal words before (a possible hit)", lexicon.weak_before),
        ("weak signal words after (a possible hit)", lexicon.weak_after),
    ):
        if words:
            lines.append(f"  {label}: {', '.join(sorted(words))}")
    if lexicon.window > 1:
        lines.append(f"  a signal may stand up to {lexicon.window} words either side")
    if lexicon.disabled:
        lines.append(f"  switched off: {', '.join(lexicon.disabled)}")
    defaults = sum(p.default for p in lexicon.platforms)
    lines.append(
        f"  {len(lexicon.platforms)} terms ({defaults} searched when a request names none), "
        f"{len(lexicon.exclusions)} exclusions (spans that are not mentions)"
    )
    for platform in lexicon.platforms:
        lines.append("")
        lines.extend(_platform_lines(platform))
    if lexicon.exclusions:
        lines.append("")
        lines.append(
            f"Exclusions ({len(lexicon.exclusions)}): "
            + ", ".join(e.name for e in lexicon.exclusions)
        )
    if lexicon.negation is not None:
        neg = lexicon.negation
        lines += [
            "",
            f"Negation (within {neg.window} words of the clause; negated hits "
            f"{'possible' if neg.possible else 'dropped'}"
            f"{'; a negated last mention negates the field' if neg.last_mention else ''}):",
            "  before: " + ", ".join(" ".join(c) for c in neg.before),
            "  after: " + ", ".join(" ".join(c) for c in neg.after),
        ]
        if neg.field:
            lines.append("  anywhere in a field: " + ", ".join(" ".join(c) for c in neg.field))
    return lines


def _platform_lines(platform: Platform, heading: str = "", notes: Sequence[str] = ()) -> list[str]:
    default = " (searched when a request names no terms)" if platform.default else ""
    lines = [heading or f"{platform.name}{default}", *notes]
    if platform.variants:
        lines.append(f"  variants: {platform.variants}")
    if platform.condition is not None:
        lines.append(f"  counted {platform.condition.written} (the record's offence)")
    if not platform.negation:
        lines.append("  the lexicon's negation cues do not apply to this term")
    for rule in platform.rules:
        counted = f"; counted {rule.condition.written}" if rule.condition else ""
        lines.append(f"  rule {rule.name}: {_rule_kind(rule)}{counted}")
        if rule.name.endswith(".one-edit") and heading:  # an ad hoc term's: thousands long
            lines.append(
                f"    pattern: one alternation of literal spellings "
                f"({len(rule.pattern):,} characters)"
            )
        else:
            lines.append(f"    pattern: {_visible(rule.pattern)}")
    return lines


def _visible(pattern: str) -> str:
    """A pattern with its invisible characters (non-breaking and zero-width spaces) written
    as ``\\uXXXX``, so that what is printed can be read."""
    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Zs", "Cf") and c != " " else c
        for c in pattern
    )


def _rule_kind(rule: Rule) -> str:
    kind = (
        rule.certainty if rule.certainty == CERTAIN else f"{rule.certainty} (for a person to check)"
    )
    if not rule.needs_signal:
        return kind
    kind += ", short form: needs a signal"
    own = [f"before: {', '.join(sorted(rule.before))}"] if rule.before else []
    own += [f"after: {', '.join(sorted(rule.after))}"] if rule.after else []
    own += [f"weak before: {', '.join(sorted(rule.weak_before))}"] if rule.weak_before else []
    own += [f"weak after: {', '.join(sorted(rule.weak_after))}"] if rule.weak_after else []
    if own:
        kind += f" (its own {'; '.join(own)})"
    if rule.without_signal:
        kind += "; without one, a possible hit"
    return kind


def term_lines(term: str, avoid: Sequence[str] = ()) -> list[str]:
    """A search term no lexicon has: the rules generated for it, its one-edit spellings (how
    many, some of them) and those left out, and why."""
    built = adhoc_term(term, avoid=avoid)
    notes = [f"  parts: {' | '.join(built.parts)}"]
    for lexicon_name in builtin_lexicons():
        try:
            known = load_lexicon(lexicon_name).platform(term)
        except LexiconError:
            continue
        notes.append(
            f"  note: {known.name} is a term of the built-in lexicon {lexicon_name}; a request "
            "naming that lexicon gets that lexicon's rules for it instead"
        )
    heading = f"{built.term}: a search term without a lexicon (its variants are generated)"
    lines = _platform_lines(built.platform, heading, notes)
    one_edit = built.one_edit
    if one_edit.too_short:
        lines.append(
            f"  no one-edit spellings: fewer than {ONE_EDIT_LETTERS} letters (one letter away "
            "from a short name is too often another word)"
        )
        return lines
    if not one_edit.kept:
        why = one_edit.note or "they are made of the letters a to z only"
        lines.append(f"  no one-edit spellings: {why}")
        return lines
    if one_edit.note:
        lines.append(f"  one-edit spellings with nothing between the parts only: {one_edit.note}")
    sample = _spread(one_edit.kept, SHOWN_SPELLINGS)
    some = f" ({len(sample)} of them)" if len(sample) < len(one_edit.kept) else ""
    lines.append(
        f"  {len(one_edit.kept):,} one-edit spellings searched for as possible mentions{some}: "
        + ", ".join(sample)
    )
    lines.append("  left out as English words: " + (", ".join(one_edit.english) or "none"))
    if one_edit.terms:
        lines.append("  left out as other search terms: " + ", ".join(one_edit.terms))
    if one_edit.certain:
        lines.append(
            "  left out because the certain rules match them: " + ", ".join(one_edit.certain)
        )
    return lines


def _spread(items: Sequence[str], count: int) -> list[str]:
    """``count`` items taken evenly through ``items`` (all of them when there are fewer)."""
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]
