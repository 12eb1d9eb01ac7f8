"""Lexicons: the data that says what counts as a mention of each platform.

A lexicon is a TOML file (built-in ones live in ``lexicons/``): platforms, each with named
rules whose patterns are Hyperscan regular expressions with ``{TOKEN}`` placeholders. This
module loads and validates the file; ``matcher.py`` compiles it. Requests name a lexicon by
built-in name or by path.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from foidesk.errors import FoideskError

_TOKEN = re.compile(r"\{([A-Z_]+)\}")


@dataclass(frozen=True)
class Rule:
    """One pattern of one platform; ``name`` is reported with every hit it produces."""

    name: str
    platform: str
    pattern: str  # expanded: tokens replaced, ready for Hyperscan


@dataclass(frozen=True)
class Platform:
    """A platform and its rules; ``default`` platforms are searched when no terms are given."""

    name: str
    default: bool
    rules: tuple[Rule, ...]
    variants: str = ""  # a plain-English list of what is searched, for the method statement


@dataclass(frozen=True)
class Lexicon:
    """A loaded lexicon with the sha256 of its file (recorded in the audit)."""

    name: str
    version: str
    source: str
    sha256: str
    platforms: tuple[Platform, ...]

    def platform(self, term: str) -> Platform:
        """The platform a request term names, matched without regard to case or spaces."""
        wanted = _canon(term)
        for platform in self.platforms:
            if _canon(platform.name) == wanted:
                return platform
        known = ", ".join(p.name for p in self.platforms)
        raise FoideskError(f"'{term}' is not a platform of lexicon {self.name} (known: {known})")

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
    folder = resources.files("foidesk").joinpath("lexicons")
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def load_lexicon(name_or_path: str, base: Path | None = None) -> Lexicon:
    """Load a built-in lexicon by name, or a lexicon file by path (relative to ``base``)."""
    if name_or_path in builtin_lexicons():
        resource = resources.files("foidesk").joinpath(f"lexicons/{name_or_path}.toml")
        return parse_lexicon(resource.read_bytes(), f"built-in:{name_or_path}")
    path = Path(name_or_path)
    if base is not None and not path.is_absolute():
        path = base / path
    if not path.is_file():
        known = ", ".join(builtin_lexicons())
        raise FoideskError(
            f"lexicon '{name_or_path}' is neither a built-in lexicon ({known}) nor a file"
        )
    return parse_lexicon(path.read_bytes(), str(path))


def parse_lexicon(data: bytes, source: str) -> Lexicon:
    """Parse and validate lexicon TOML; every problem names the file and the key."""
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FoideskError(f"{source}: not a valid lexicon TOML file: {exc}") from exc
    tokens = raw.get("tokens", {})
    if not isinstance(tokens, dict):
        raise FoideskError(f"{source}: [tokens] must be a table")
    platforms: list[Platform] = []
    seen_rules: set[str] = set()
    for i, entry in enumerate(raw.get("platform", [])):
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise FoideskError(f"{source}: platform[{i}].name is missing")
        rules: list[Rule] = []
        for j, rule in enumerate(entry.get("rule", [])):
            key = f"{source}: platform {name} rule[{j}]"
            rule_name, pattern = rule.get("name"), rule.get("pattern")
            if not isinstance(rule_name, str) or not isinstance(pattern, str):
                raise FoideskError(f"{key}: needs a string 'name' and 'pattern'")
            if rule_name in seen_rules:
                raise FoideskError(f"{key}: rule name '{rule_name}' is used twice")
            seen_rules.add(rule_name)
            rules.append(Rule(rule_name, name, _expand(pattern, tokens, f"{key} ({rule_name})")))
        if not rules:
            raise FoideskError(f"{source}: platform {name} has no rules")
        platforms.append(
            Platform(
                name,
                bool(entry.get("default", False)),
                tuple(rules),
                str(entry.get("variants", "")),
            )
        )
    if not platforms:
        raise FoideskError(f"{source}: the lexicon has no [[platform]] entries")
    return Lexicon(
        name=str(raw.get("name", source)),
        version=str(raw.get("version", "")),
        source=source,
        sha256=hashlib.sha256(data).hexdigest(),
        platforms=tuple(platforms),
    )


def _expand(pattern: str, tokens: dict[str, str], where: str) -> str:
    def replace(match: re.Match[str]) -> str:
        token = match.group(1)
        if token not in tokens:
            raise FoideskError(f"{where}: unknown token {{{token}}} in pattern")
        return str(tokens[token])

    return _TOKEN.sub(replace, pattern)
