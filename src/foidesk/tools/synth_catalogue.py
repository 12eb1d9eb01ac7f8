"""The catalogue of the synthetic data set, read from the TOML files of ``synth_data/``.

``foidesk.tools.synth`` builds every record of ``foidesk synth`` from this catalogue; this
module has one job: read the package data files and check them into typed, immutable Python
structures (tuples and read-only mappings, in the files' order, which decides the random draws).

- ``offences.toml``: crime families, offences (Home Office code, each system's label, drug
  names and amounts, the offence whose records a knife-crime offence takes its share of) and
  outcomes with their weights per Home Office code.
- ``sentences.toml``: crime-note sentences per family and note field.
- ``forms.toml``: the platforms, the forms that mention them, the carrier sentences that hold a
  form, and the look-alike traps.
- ``pools.toml``: the word pools that fill a sentence's ``{slots}``.
- ``knives.toml``: the knife notes (a knife used, threatened or carried) and knife traps, with
  their chances per Home Office code, and the look-alikes the other files already hold.
- ``possible.toml``: sentences that the social-media lexicon marks as possible mentions only,
  with the platforms marked and those truly named (for the review of issue 14), and the share
  of drug crimes that get one.

A malformed file is refused with a ``FoideskError`` naming the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import Any

from foidesk.errors import FoideskError

FILES = (
    "offences.toml",
    "sentences.toml",
    "forms.toml",
    "pools.toml",
    "knives.toml",
    "possible.toml",
)
FIELDS = ("mo", "summary", "log")  # note fields: modus operandi, summary, log (Athena only)
SIDES = ("drug", "other")  # generic sentences and carriers for drug and other offences

Strings = tuple[str, ...]


@dataclass(frozen=True)
class Family:
    """A crime family: which sentences its notes use and how often they name a platform."""

    name: str
    drug: bool
    mention_rate: float


@dataclass(frozen=True)
class Offence:
    """An offence as both systems record it, with what its notes call the drug."""

    code: str  # Home Office offence code
    family: str
    weight: float  # share within its Home Office code (drugs) or among non-drug offences
    legacy: str
    athena: str
    drugs: Strings = ()
    amounts: Strings = ()
    parent: str = ""  # `from`: the code of the offence whose records it takes its share of


@dataclass(frozen=True)
class Outcome:
    """A force outcome label and its Home Office outcome type ("" for none)."""

    label: str
    ho_outcome: str
    open: bool  # still under investigation


@dataclass(frozen=True)
class Form:
    """A way of writing a mention of one or more platforms; ``kind`` picks its carriers."""

    platforms: Strings
    kind: str
    text: str
    weight: float


@dataclass(frozen=True)
class KnifeKind:
    """A kind of knife note (``trap`` False) or knife trap, with its sentences by family."""

    name: str
    trap: bool
    sentences: Mapping[str, Strings]  # family name or "any" -> sentences

    @property
    def label(self) -> str:
        """The kind as labels.csv writes it: ``used``, ``trap:figurative``..."""
        return f"trap:{self.name}" if self.trap else self.name

    def for_family(self, family: str) -> Strings:
        """The sentences of this kind for a record of ``family`` (its own, else ``any``)."""
        return self.sentences.get(family) or self.sentences.get("any", ())


@dataclass(frozen=True)
class PossibleNote:
    """A sentence whose only mentions are possible ones (possible.toml)."""

    text: str
    platforms: Strings  # what the social-media lexicon marks possible in it
    truth: Strings  # the platforms it truly names: empty when a reviewer should reject them
    weight: float


@dataclass(frozen=True)
class Catalogue:
    """Everything the generator draws from, in file order."""

    families: tuple[Family, ...]
    drug_code_share: Mapping[str, float]
    offences: tuple[Offence, ...]
    outcomes: tuple[Outcome, ...]  # the closed ones first, then the two open ones
    outcome_weights: Mapping[str, tuple[float, ...]]  # drug code or "other" -> closed weights
    sentences: Mapping[str, Mapping[str, Strings]]  # family -> field -> its own sentences
    generic: Mapping[str, Mapping[str, Strings]]  # "drug" / "other" -> field -> sentences
    platforms: Strings
    platform_weights: tuple[float, ...]
    forms: tuple[Form, ...]  # single-platform forms
    list_forms: tuple[Form, ...]  # forms naming several platforms
    carriers: Mapping[str, Mapping[str, Strings]]  # kind -> "drug" / "other" -> sentences
    traps: tuple[tuple[str, float], ...]
    pools: Mapping[str, Strings]
    nicks: Strings
    handle_ends: Strings
    knife_kinds: tuple[KnifeKind, ...]  # the notes, then the traps, in file order
    knife_rates: Mapping[str, Mapping[str, float]]  # code or "other" -> kind -> chance
    lookalikes: tuple[tuple[str, str], ...]  # (phrase, trap kind) already in other files
    possible_rate: float  # share of the drug crimes naming no platform given a possible note
    possible_notes: tuple[PossibleNote, ...]

    def note_sentences(self, family: Family, field: str) -> Strings:
        """A family's sentences for a note field: its own, then the generic ones."""
        side = "drug" if family.drug else "other"
        return self.sentences[family.name].get(field, ()) + self.generic[side].get(field, ())

    @property
    def open_outcomes(self) -> tuple[int, ...]:
        """Indices of the open outcomes (under investigation, then blank)."""
        return tuple(i for i, o in enumerate(self.outcomes) if o.open)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The built-in catalogue (package data ``foidesk.tools/synth_data``), read once."""
    return load_catalogue(resources.files("foidesk.tools").joinpath("synth_data"))


def load_catalogue(folder: Traversable) -> Catalogue:
    """Read and check the files of ``folder``; problems name the file and the key."""
    offences, sentences, forms, pools, knives, possible = (_read(folder, name) for name in FILES)
    families, drug_code_share, offence_list, outcomes, outcome_weights = _offences(offences)
    own, generic = _sentences(sentences, families)
    platforms, weights, form_list, list_forms, carriers, traps = _forms(forms)
    pool_map, nicks, ends = _pools(pools)
    elsewhere = (
        [s for by in (*own.values(), *generic.values()) for texts in by.values() for s in texts]
        + [t for t, _ in traps]
        + [v for values in pool_map.values() for v in values]
    )
    kinds, rates, lookalikes = _knives(knives, families, offence_list, elsewhere)
    possible_rate, possible_notes = _possible(possible, platforms)
    return Catalogue(
        families=families,
        drug_code_share=drug_code_share,
        offences=offence_list,
        outcomes=outcomes,
        outcome_weights=outcome_weights,
        sentences=own,
        generic=generic,
        platforms=platforms,
        platform_weights=weights,
        forms=form_list,
        list_forms=list_forms,
        carriers=carriers,
        traps=traps,
        pools=pool_map,
        nicks=nicks,
        handle_ends=ends,
        knife_kinds=kinds,
        knife_rates=rates,
        lookalikes=lookalikes,
        possible_rate=possible_rate,
        possible_notes=possible_notes,
    )


# --------------------------------------------------------------------------------------------
# Checks: each value read through one of these, with its file and dotted key for the message.
# --------------------------------------------------------------------------------------------


class _File:
    """One parsed file and the checks that name it."""

    def __init__(self, name: str, data: dict[str, Any]) -> None:
        self.name = name
        self.data = data

    def fail(self, key: str, problem: str) -> FoideskError:
        return FoideskError(f"synth_data/{self.name}: {key}: {problem}")

    def keys(
        self, value: object, key: str, allowed: tuple[str, ...], required: tuple[str, ...]
    ) -> dict[str, Any]:
        table = self.table(value, key)
        for k in table:
            if k not in allowed:
                raise self.fail(_join(key, k), f"unknown key (known: {', '.join(allowed)})")
        for k in required:
            if k not in table:
                raise self.fail(_join(key, k), "missing")
        return table

    def table(self, value: object, key: str, nonempty: bool = True) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        if nonempty and not value:
            raise self.fail(key, "must not be empty")
        return value

    def text(self, value: object, key: str, blank: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(key, "must be a string")
        if not blank and not value.strip():
            raise self.fail(key, "must not be blank")
        return value

    def texts(self, value: object, key: str, blank: bool = False) -> Strings:
        if not isinstance(value, list) or not value:
            raise self.fail(key, "must be a non-empty list of strings")
        return tuple(self.text(v, f"{key}[{i}]", blank) for i, v in enumerate(value))

    def number(self, value: object, key: str, most: float | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            raise self.fail(key, "must be a number, 0 or more")
        if most is not None and value > most:
            raise self.fail(key, f"must be at most {most:g}")
        return float(value)

    def weights(self, value: object, key: str) -> tuple[float, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(key, "must be a non-empty list of numbers")
        numbers = tuple(self.number(v, f"{key}[{i}]") for i, v in enumerate(value))
        if not sum(numbers) > 0:
            raise self.fail(key, "must not be all zero")
        return numbers

    def weighted(self, value: object, key: str) -> tuple[tuple[str, float], ...]:
        """A table of ``"text" = weight`` lines, in order, not all zero."""
        table = self.table(value, key)
        pairs = tuple((t, self.number(w, _join(key, t))) for t, w in table.items())
        if not sum(w for _, w in pairs) > 0:
            raise self.fail(key, "weights must not be all zero")
        return pairs


def _join(key: str, sub: str) -> str:
    sub = sub if sub.replace("_", "").isalnum() and sub.isascii() else f'"{sub}"'
    return f"{key}.{sub}" if key else sub


def _read(folder: Traversable, name: str) -> _File:
    try:
        data = tomllib.loads(folder.joinpath(name).read_text("utf-8"))
    except FileNotFoundError as exc:
        raise FoideskError(f"synth_data/{name}: missing") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FoideskError(f"synth_data/{name}: not valid TOML: {exc}") from exc
    return _File(name, data)


def _frozen(mapping: dict[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(mapping)


def _offences(
    f: _File,
) -> tuple[
    tuple[Family, ...],
    Mapping[str, float],
    tuple[Offence, ...],
    tuple[Outcome, ...],
    Mapping[str, tuple[float, ...]],
]:
    top = ("drug_code_share", "families", "amounts", "offence", "outcome", "outcome_weights")
    raw = f.keys(f.data, "", top, top)
    shares = f.table(raw["drug_code_share"], "drug_code_share")
    drug_code_share = {
        code: f.number(v, _join("drug_code_share", code), 1) for code, v in shares.items()
    }
    families = []
    for name, entry in f.table(raw["families"], "families").items():
        key = _join("families", name)
        entry = f.keys(entry, key, ("drug", "mention_rate"), ("drug", "mention_rate"))
        if not isinstance(entry["drug"], bool):
            raise f.fail(f"{key}.drug", "must be true or false")
        rate = f.number(entry["mention_rate"], f"{key}.mention_rate", 1)
        families.append(Family(name, entry["drug"], rate))
    by_name = {fam.name: fam for fam in families}
    amounts = {
        name: f.texts(v, _join("amounts", name))
        for name, v in f.table(raw["amounts"], "amounts").items()
    }

    offences = []
    if not isinstance(raw["offence"], list) or not raw["offence"]:
        raise f.fail("offence", "must be a list of [[offence]] tables")
    fields = ("code", "family", "weight", "legacy", "athena", "drugs", "amounts", "from")
    for i, entry in enumerate(raw["offence"]):
        key = f"offence[{i}]"
        entry = f.keys(entry, key, fields, fields[:5])
        code = f.text(entry["code"], f"{key}.code")
        family = by_name.get(f.text(entry["family"], f"{key}.family"))
        if family is None:
            raise f.fail(f"{key}.family", f"{entry['family']!r} is not one of [families]")
        drugs: Strings = ()
        amount: Strings = ()
        if family.drug:
            if code not in drug_code_share:
                raise f.fail(f"{key}.code", f"drug offence code {code!r} has no drug_code_share")
            drugs = f.texts(entry.get("drugs"), f"{key}.drugs")
            amount_name = f.text(entry.get("amounts"), f"{key}.amounts")
            if amount_name not in amounts:
                raise f.fail(f"{key}.amounts", f"{amount_name!r} is not one of [amounts]")
            amount = amounts[amount_name]
        elif "drugs" in entry or "amounts" in entry:
            raise f.fail(key, f"drugs and amounts are for drug families, not {family.name!r}")
        parent = f.text(entry["from"], f"{key}.from") if "from" in entry else ""
        if parent and family.drug:
            raise f.fail(f"{key}.from", "is for non-drug offences only")
        offences.append(
            Offence(
                code=code,
                family=family.name,
                weight=f.number(entry["weight"], f"{key}.weight"),
                legacy=f.text(entry["legacy"], f"{key}.legacy"),
                athena=f.text(entry["athena"], f"{key}.athena"),
                drugs=drugs,
                amounts=amount,
                parent=parent,
            )
        )
    _check_parents(f, offences, by_name)

    outcomes = []
    if not isinstance(raw["outcome"], list):
        raise f.fail("outcome", "must be a list of [[outcome]] tables")
    for i, entry in enumerate(raw["outcome"]):
        key = f"outcome[{i}]"
        entry = f.keys(entry, key, ("label", "ho_outcome", "open"), ("label", "ho_outcome"))
        is_open = entry.get("open", False)
        if not isinstance(is_open, bool):
            raise f.fail(f"{key}.open", "must be true or false")
        label = f.text(entry["label"], f"{key}.label", blank=True)
        ho_outcome = f.text(entry["ho_outcome"], f"{key}.ho_outcome", blank=True)
        outcomes.append(Outcome(label, ho_outcome, is_open))
    closed = sum(not o.open for o in outcomes)
    if closed == 0 or [o.open for o in outcomes] != [False] * closed + [True, True]:
        raise f.fail("outcome", "must list the closed outcomes, then two open ones")

    weights_table = f.table(raw["outcome_weights"], "outcome_weights")
    outcome_weights = {}
    for code in (*drug_code_share, "other"):
        if code not in weights_table:
            raise f.fail(_join("outcome_weights", code), "missing")
    for code, v in weights_table.items():
        key = _join("outcome_weights", code)
        if code not in drug_code_share and code != "other":
            raise f.fail(key, "not a code of drug_code_share, nor 'other'")
        outcome_weights[code] = f.weights(v, key)
        if len(outcome_weights[code]) != closed:
            raise f.fail(key, f"must have {closed} weights, one per closed outcome")
    return (
        tuple(families),
        _frozen(drug_code_share),
        tuple(offences),
        tuple(outcomes),
        _frozen(outcome_weights),
    )


def _check_parents(f: _File, offences: list[Offence], by_name: Mapping[str, Family]) -> None:
    """An offence `from` another takes its records: that one is a non-drug offence of its own
    code, drawn first, and its family names a platform as often (the records are its)."""
    for i, offence in enumerate(offences):
        if not offence.parent:
            continue
        key = f"offence[{i}].from"
        parents = [o for o in offences if o.code == offence.parent]
        if len(parents) != 1 or parents[0].parent or by_name[parents[0].family].drug:
            raise f.fail(
                key,
                f"{offence.parent!r} must be the code of one non-drug offence not `from` another",
            )
        own, theirs = by_name[offence.family], by_name[parents[0].family]
        if own.mention_rate != theirs.mention_rate:
            raise f.fail(
                key,
                f"family {own.name!r} must have the mention_rate of {theirs.name!r} "
                f"({theirs.mention_rate:g}): its records are drawn as {offence.parent}'s",
            )


def _sentences(
    f: _File, families: tuple[Family, ...]
) -> tuple[Mapping[str, Mapping[str, Strings]], Mapping[str, Mapping[str, Strings]]]:
    raw = f.keys(f.data, "", ("family", "generic"), ("family", "generic"))

    def by_field(value: object, key: str) -> Mapping[str, Strings]:
        table = f.keys(value, key, FIELDS, ())
        return _frozen({field: f.texts(v, f"{key}.{field}") for field, v in table.items()})

    own_raw = f.table(raw["family"], "family")
    own = {name: by_field(v, _join("family", name)) for name, v in own_raw.items()}
    generic_raw = f.keys(raw["generic"], "generic", SIDES, SIDES)
    generic = {side: by_field(generic_raw[side], f"generic.{side}") for side in SIDES}
    known = {fam.name for fam in families}
    for name in own:
        if name not in known:
            raise f.fail(_join("family", name), "not a family of offences.toml")
    for fam in families:
        if fam.name not in own:
            raise f.fail(_join("family", fam.name), "missing (a family of offences.toml)")
        side = "drug" if fam.drug else "other"
        for field in FIELDS:
            if not (own[fam.name].get(field) or generic[side].get(field)):
                raise f.fail(f"{_join('family', fam.name)}.{field}", "no sentences for it")
    return _frozen(own), _frozen(generic)


def _forms(
    f: _File,
) -> tuple[
    Strings,
    tuple[float, ...],
    tuple[Form, ...],
    tuple[Form, ...],
    Mapping[str, Mapping[str, Strings]],
    tuple[tuple[str, float], ...],
]:
    top = ("platforms", "form", "list_form", "carriers", "traps")
    raw = f.keys(f.data, "", top, top)
    platform_weights = f.weighted(raw["platforms"], "platforms")
    platforms = tuple(p for p, _ in platform_weights)
    carriers = {}
    for kind, value in f.table(raw["carriers"], "carriers").items():
        key = _join("carriers", kind)
        by = f.keys(value, key, SIDES, SIDES)
        carriers[kind] = _frozen({side: f.texts(by[side], f"{key}.{side}") for side in SIDES})

    def kind_of(value: object, key: str) -> str:
        kind = f.text(value, key)
        if kind not in carriers:
            raise f.fail(key, f"kind {kind!r} has no [carriers.{kind}]")
        return kind

    forms = []
    by_platform = f.keys(raw["form"], "form", platforms, platforms)
    for platform, kinds in by_platform.items():
        for kind, texts in f.table(kinds, _join("form", platform)).items():
            key = f"{_join('form', platform)}.{kind}"
            kind_of(kind, key)
            for text, weight in f.weighted(texts, key):
                forms.append(Form((platform,), kind, text, weight))

    list_forms = []
    if not isinstance(raw["list_form"], list):
        raise f.fail("list_form", "must be a list of [[list_form]] tables")
    for i, entry in enumerate(raw["list_form"]):
        key = f"list_form[{i}]"
        fields = ("platforms", "kind", "text", "weight")
        entry = f.keys(entry, key, fields, fields)
        named = f.texts(entry["platforms"], f"{key}.platforms")
        if len(set(named)) < 2 or any(p not in platforms for p in named):
            raise f.fail(f"{key}.platforms", "must name two or more of [platforms]")
        list_forms.append(
            Form(
                named,
                kind_of(entry["kind"], f"{key}.kind"),
                f.text(entry["text"], f"{key}.text"),
                f.number(entry["weight"], f"{key}.weight"),
            )
        )
    traps = f.weighted(raw["traps"], "traps")
    return (
        platforms,
        tuple(w for _, w in platform_weights),
        tuple(forms),
        tuple(list_forms),
        _frozen(carriers),
        traps,
    )


def _pools(f: _File) -> tuple[Mapping[str, Strings], Strings, Strings]:
    raw = f.keys(f.data, "", ("pools", "handles"), ("pools", "handles"))
    pools = {
        name: f.texts(v, _join("pools", name)) for name, v in f.table(raw["pools"], "pools").items()
    }
    handles = f.keys(raw["handles"], "handles", ("nicks", "ends"), ("nicks", "ends"))
    nicks = f.texts(handles["nicks"], "handles.nicks")
    ends = f.texts(handles["ends"], "handles.ends", blank=True)
    return _frozen(pools), nicks, ends


def _knives(
    f: _File, families: tuple[Family, ...], offences: tuple[Offence, ...], elsewhere: list[str]
) -> tuple[tuple[KnifeKind, ...], Mapping[str, Mapping[str, float]], tuple[tuple[str, str], ...]]:
    top = ("rates", "note", "trap", "lookalikes")
    raw = f.keys(f.data, "", top, top)
    other_families = tuple(fam.name for fam in families if not fam.drug)
    kinds: list[KnifeKind] = []
    for section, trap in (("note", False), ("trap", True)):
        for name, value in f.table(raw[section], section).items():
            key = _join(section, name)
            if any(k.name == name for k in kinds):
                raise f.fail(key, "a kind of both [note] and [trap]")
            by = f.keys(value, key, (*other_families, "any"), ())
            sentences = {fam: f.texts(v, _join(key, fam)) for fam, v in by.items()}
            kinds.append(KnifeKind(name, trap, _frozen(sentences)))
    known = {k.name: k for k in kinds}

    others = [o for o in offences if o.family in other_families]
    codes = {o.code for o in others}
    rates: dict[str, Mapping[str, float]] = {}
    table = f.table(raw["rates"], "rates")
    if "other" not in table:
        raise f.fail("rates.other", "missing")
    for code, value in table.items():
        key = _join("rates", code)
        if code != "other" and code not in codes:
            raise f.fail(key, "not the code of a non-drug offence of offences.toml, nor 'other'")
        chances = f.table(value, key, nonempty=False)
        for kind in chances:
            if kind not in known:
                raise f.fail(_join(key, kind), f"unknown kind (known: {', '.join(known)})")
        row = {kind: f.number(v, _join(key, kind), 1) for kind, v in chances.items()}
        if sum(row.values()) > 1 + 1e-9:
            raise f.fail(key, "chances add up to more than 1")
        rates[code] = _frozen(row)
    for offence in others:
        code = offence.code if offence.code in rates else "other"
        for kind, chance in rates[code].items():
            if chance > 0 and not known[kind].for_family(offence.family):
                raise f.fail(
                    _join(_join("rates", code), kind),
                    f"no sentences of {kind!r} for family {offence.family!r} (nor 'any')",
                )

    lookalikes = []
    texts = [t.casefold() for t in elsewhere]
    for phrase, kind in f.table(raw["lookalikes"], "lookalikes").items():
        key = _join("lookalikes", phrase)
        kind = f.text(kind, key)
        if not kind.replace("_", "").isalnum():
            raise f.fail(key, f"kind {kind!r} must be a word")
        if not phrase.strip() or not any(phrase.casefold() in t for t in texts):
            raise f.fail(key, "not found in any sentence, trap or pool value of the other files")
        lookalikes.append((phrase, kind))
    return tuple(kinds), _frozen(rates), tuple(lookalikes)


def _possible(f: _File, platforms: Strings) -> tuple[float, tuple[PossibleNote, ...]]:
    raw = f.keys(f.data, "", ("rate", "note"), ("rate", "note"))
    rate = f.number(raw["rate"], "rate", 1)
    if not isinstance(raw["note"], list) or not raw["note"]:
        raise f.fail("note", "must be a list of [[note]] tables")
    notes = []
    for i, entry in enumerate(raw["note"]):
        key = f"note[{i}]"
        fields = ("text", "possible", "truth", "weight")
        entry = f.keys(entry, key, fields, fields)
        named = f.texts(entry["possible"], f"{key}.possible")
        if len(set(named)) < len(named) or any(p not in platforms for p in named):
            raise f.fail(f"{key}.possible", "must name platforms of forms.toml, each once")
        truth: Strings = ()
        if entry["truth"] != []:
            truth = f.texts(entry["truth"], f"{key}.truth")
        if len(set(truth)) < len(truth) or any(p not in named for p in truth):
            raise f.fail(f"{key}.truth", "must name platforms of `possible`, each once, or none")
        notes.append(
            PossibleNote(
                f.text(entry["text"], f"{key}.text"),
                named,
                truth,
                f.number(entry["weight"], f"{key}.weight"),
            )
        )
    if not sum(n.weight for n in notes) > 0:
        raise f.fail("note", "weights must not be all zero")
    return rate, tuple(notes)
