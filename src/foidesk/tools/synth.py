"""Synthetic two-system crime records for ``foidesk synth`` and ``foidesk demo``.

This module sits before the whole flow: it writes the extracts a force would hand over
(``legacy.csv`` up to the May 2018 migration, ``athena.csv`` after it, with some migrated
records in both), the request file for FOI2019/02832 pointing at them, and ``labels.csv``, the
truth about every crime that mentions a platform, has a knife label or holds a possible mention
(for the demo and benchmarks only; the flow never reads it, and no accuracy is ever measured on
it).

``labels.csv`` has the columns ``crime_ref,platforms,knife,possible,possible_truth``, one row
per crime (a migrated crime's two copies share it), in reference order:

- ``platforms``: the platforms its notes name, ``;``-joined in alphabetical order, or empty;
- ``knife``: empty; ``used``, ``threatened`` or ``possession`` when its notes hold a knife note
  (a knife or sharp instrument used on the victim, shown or threatened, or carried); else
  ``trap:KIND``, several ``;``-joined in alphabetical order, when they hold knife traps (words a
  knife search could take for one: ``shoplifting`` of knives, razor blades or cutlery,
  ``figurative``, ``negated``, ``name``, ``blunt`` and ``weapon`` for weapons that are not
  sharp, used or carried, ``tool``, and ``injury`` for a cut from a blow). A crime has one
  knife note or trap at most from knives.toml, plus the look-alikes its other sentences hold.
- ``possible``: the platforms that its possible-mention sentence (possible.toml) is marked
  possible for by the social-media lexicon (``Facebook`` for a bare "messenger", ``Twitter`` for
  "her X", ``Instagram;TikTok`` for "TT and IG" alone), ``;``-joined in alphabetical order, or
  empty; such a crime names no platform otherwise (``platforms`` is empty);
- ``possible_truth``: those of them it truly names, what a reviewer should accept; empty when a
  reviewer should reject them ("a messenger bag", "her X" meaning her ex).

Readers of the older columns keep working: a row with empty ``platforms`` is a crime with a
knife label or a possible mention only.

Everything is deterministic for a seed: numpy draws every choice in arrays (dates, offences,
outcomes, which templates and slot values make up each note), pyarrow assembles the strings,
and a small CSV writer with minimal quoting writes the bytes. Notes are built from templated
crime-note sentences; platform mentions use every form of DESIGN.md section 3 "What counts as
a mention", and look-alike traps ("cold snap", "IG checks", "Seattle WA") are added
unlabelled. No mention form and no trap ever share a note field.

The shape can be set: the share of drug offences and the mean bytes of free text per record
(longer notes hold more of the same sentences per field; see "Note length" below). The
defaults wrote the same bytes as before these options existed, until issue 13's knife notes
changed the non-drug records.

What the records are made of is data, not code: the TOML files of ``synth_data/`` (package
data), read and checked once by ``synth_catalogue.py``:

- ``offences.toml``: crime families (drug or not, chance that the notes name a platform),
  offences (Home Office code, legacy and Athena labels, drug names and amounts) and outcomes,
  with the outcome weights per Home Office code;
- ``sentences.toml``: crime-note sentences of each family per note field (MO, summary, log)
  and the generic ones shared by every drug or every other family;
- ``forms.toml``: the six platforms and their popularity, the forms that mention each (names,
  misspellings, short forms, web addresses, with weights), the forms that list several, the
  carrier sentences for each kind of form, and the traps;
- ``pools.toml``: the word pools that fill the sentences' slots (names, streets, vehicles...);
- ``knives.toml`` (issue 13): the knife notes and knife traps, with their chances per Home
  Office code, and the look-alikes the other files already hold.

This module keeps the logic: the shape's probabilities (sentences per field, which field takes a
mention), the pools made by code (times, collar numbers, codes), the draws and the writing. The
order of every list in those files takes part in the draws: editing one changes the output
(``tests/test_synth.py`` pins the sha256 of the default set).

Possible mentions (for the review of issue 14) come from a stream of their own too (the seed's
fifth child): about 0.6% of the drug crimes whose notes name no platform get one sentence of
possible.toml, which the social-media lexicon marks possible and never certain, in a field and
place drawn like a knife note's (both copies of a migrated crime); no other record changes, and
the certain mentions, so the demo's table, stay as they were. In the demo's 200,000 rows: 347
such crimes, 257 of them in the request's population, with 272 possible hits.

Knife notes (issue 13) come from a random stream of their own (the seed's fourth child), so
that every drug record, and everything drawn for it, is byte for byte as before them: the first
streams draw each record as before, a knife-crime offence (5D, 3B, 34A, 34B, 10D, 10C) being
drawn as the offence it takes its share of (``from`` in offences.toml); the knife stream then
gives each its final offence, redraws the sentences of a record whose final offence is of
another family (robbery, threats to kill, weapons), and adds the knife notes and traps
(``tests/test_synth_knives.py`` pins the digest of the drug records).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from foidesk.errors import FoideskError
from foidesk.tools.synth_catalogue import FIELDS, catalogue

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

LEGACY_START = date(2014, 1, 1)
LEGACY_END = date(2018, 5, 22)
ATHENA_START = date(2018, 5, 23)
ATHENA_END = date(2019, 12, 31)
MIGRATION_FROM = date(2017, 6, 1)  # migrated records are legacy records from here on
TIKTOK_FROM = date(2018, 8, 2)  # musical.ly became TikTok: no earlier TikTok mentions

LEGACY_COLUMNS = (
    "crime_ref",
    "recorded_date",
    "offence",
    "ho_code",
    "outcome",
    "ho_outcome",
    "status",
    "system",
    "text_mo",
    "text_summary",
)
ATHENA_COLUMNS = (*LEGACY_COLUMNS, "text_log")
PLATFORMS = catalogue().platforms  # [platforms] of synth_data/forms.toml: the labels' bit order
LABELS_HEADER = "crime_ref,platforms,knife,possible,possible_truth"

REQUEST_NAME = "foi2019-02832.toml"
REQUEST_TOML = """\
reference = "FOI2019/02832"
received = 2019-04-26
request = "The number of police cases related to drug offences where a social media platform \
is mentioned in the report for each year from 2015 to present. Please break this down by year, \
the type of offence, the social media platform or website (i.e Facebook, Instagram, Snapchat, \
TikTok...etc), whether a conviction was reached, and any additional details about the case you \
can include."
clarification = "By social media I mean: Facebook, Twitter, WhatsApp, Instagram, TikTok, or \
SnapChat."
asked = ["convictions", "details"]

[population]
from = 2015-01-01
to = 2019-04-30
offences = ["drugs"]

[search]
lexicon = "social-media"
terms = ["Facebook", "Twitter", "WhatsApp", "Instagram", "TikTok", "Snapchat"]

# By offence as well (rows = ["outcome", "offence", "platform"]) two cells in five would be
# from 1 to 4 and most of the table withheld: `foidesk layouts` lists the choices
[table]
rows = ["outcome", "platform"]
columns = "year"
offence_label = "force"

[disclosure]
suppress_below = 5

[[source]]
path = "legacy.csv"
system = "Legacy"

[[source]]
path = "athena.csv"
system = "Athena"
data_quality_from = 2018-05-23

[force]
name = "Anyshire Constabulary"
unit = "Information Rights"
address = "Police Headquarters, 1 Example Road, Anytown, AN1 1AA"
email = "foi@anyshire.police.example"
telephone = "01632 960000"
signatory = "A. N. Officer"
"""

CHUNK_ROWS = 50_000  # rows of notes built and written at a time (bounded memory)
DRUG_SHARE = 0.30
TWO_PLATFORMS = 0.15  # share of mentioning crimes that name two platforms
LIST_FORM = 0.25  # share of those where the platforms come in one list ("via FB, Snap and WA")
TRAP_RATE = 0.03
MIGRATED_SHARE = 0.02
MIGRATED_MENTION_BOOST = 5.0  # so that even a small demo has migrated crimes with mentions


@dataclass(frozen=True)
class SynthResult:
    """What ``make_synthetic`` wrote: the four files and the row counts."""

    legacy_path: Path
    athena_path: Path
    labels_path: Path
    request_path: Path
    legacy_rows: int
    athena_rows: int
    migrated: int
    labelled: int  # crimes whose notes mention a platform
    knife_labelled: int  # crimes with a knife label (a knife note or trap)
    possible_labelled: int  # crimes whose notes hold a possible mention only (possible.toml)


# --------------------------------------------------------------------------------------------
# Catalogue: offences, outcomes, sentences, mention forms, traps and word pools are data, read
# once from synth_data/*.toml (synth_catalogue.py); the pools of numbers and codes are made here.
# --------------------------------------------------------------------------------------------

_DATA = catalogue()
_OFFENCES = _DATA.offences
_FAMILIES = tuple(f.name for f in _DATA.families)
_DRUG_FAMILIES = frozenset(f.name for f in _DATA.families if f.drug)
_MENTION_RATE = {f.name: f.mention_rate for f in _DATA.families}
_OUTCOMES = tuple((o.label, o.ho_outcome) for o in _DATA.outcomes)
_OPEN_OUTCOMES = _DATA.open_outcomes  # UNDER INVESTIGATION, blank
_PLATFORM_WEIGHTS = _DATA.platform_weights  # in PLATFORMS order
_FORMS = _DATA.forms  # one platform each
_LIST_FORMS = _DATA.list_forms  # several platforms at once
_CARRIERS = _DATA.carriers  # kind -> "drug" / "other" -> carrier sentences ({m} the mention)
_KNIFE_KINDS = _DATA.knife_kinds  # knife notes, then knife traps (knives.toml)
_POSSIBLE = _DATA.possible_notes  # sentences with possible mentions only (possible.toml)


def _officers() -> tuple[str, ...]:
    gen = np.random.default_rng(4512)
    ranks = gen.choice(["PC", "PC", "PC", "PC", "PC", "DC", "DC", "SC", "PS"], 300)
    numbers = gen.integers(100, 9999, 300)
    pool = [f"{r} {n}" for r, n in zip(ranks.tolist(), numbers.tolist(), strict=True)]
    return ("PC 1234", "DC 5678", "SC 4512", *pool)


# Letters that could read as a platform inside a random code: such codes are not used.
_LOOKALIKE = re.compile(r"snap|insta|tweet|twit|face|book|gram|tik|tok|fb|ig|wa|tt|what", re.I)


def _codes(length: int, count: int, seed: int) -> tuple[str, ...]:
    gen = np.random.default_rng(seed)
    alphabet = np.array(list(string.ascii_letters + string.digits))
    picks = alphabet[gen.integers(0, len(alphabet), (count * 2, length))]
    codes = ("".join(row) for row in picks.tolist())
    return tuple(c for c in codes if not _LOOKALIKE.search(c))[:count]


def _pools() -> dict[str, tuple[str, ...]]:
    """The word pools: those of pools.toml, and the ones made here (times, numbers, codes)."""
    made = {
        "time": tuple(f"{h:02d}:{m:02d}" for h in range(24) for m in range(0, 60, 5)),
        "officer": _officers(),
        "age": tuple(str(a) for a in range(14, 63)),
        "number": tuple(str(n) for n in range(1, 161)),
        "propref": tuple(f"P{n:06d}" for n in range(4100, 4400, 7)),
        "handle": tuple(n + e for n in _DATA.nicks for e in _DATA.handle_ends),
        "digits": tuple(str(n) for n in range(100004512330871, 100004512330871 + 97 * 60, 97)),
        "d3": tuple(f"{n:03d}" for n in range(0, 1000, 7)),
        "code22": _codes(22, 60, 22),
        "code9": tuple("ZM" + c for c in _codes(7, 60, 9)),
    }
    for name in made:
        if name in _DATA.pools:
            raise FoideskError(f"synth_data/pools.toml: pools.{name}: made by synth.py, rename it")
    return {**_DATA.pools, **made}


_POOLS = _pools()
_KEYED_POOLS = ("drug", "amount")  # pools that depend on the crime's offence
_FIELD_WEIGHTS = {"legacy": (0.55, 0.45), "athena": (0.40, 0.35, 0.25)}
_SENTENCE_COUNTS = {  # chance of 0, 1, 2, 3 sentences in a field
    "mo": (0.06, 0.45, 0.37, 0.12),
    "summary": (0.10, 0.40, 0.35, 0.15),
    "log": (0.20, 0.35, 0.30, 0.15),
}
_UPPER_MO = 0.12  # share of legacy MO fields typed in capitals


# --------------------------------------------------------------------------------------------
# Templates and their vectorised rendering.
# --------------------------------------------------------------------------------------------


def _mean_bytes(values: Sequence[str]) -> float:
    return sum(len(v.encode()) for v in values) / len(values)


class _Templates:
    """Every template parsed into literal and slot pieces, with the word pools as Arrow."""

    def __init__(self) -> None:
        self.pieces: list[tuple[tuple[bool, str], ...]] = []
        self.pools: dict[str, pa.Array] = {k: pa.array(v, pa.string()) for k, v in _POOLS.items()}
        keyed: dict[str, tuple[pa.Array, IntArray, IntArray]] = {}
        for name in _KEYED_POOLS:
            lists = [o.drugs if name == "drug" else o.amounts for o in _OFFENCES]
            lists = [v or ("",) for v in lists]
            sizes = np.array([len(v) for v in lists], np.int64)
            starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
            values = pa.array([x for v in lists for x in v], pa.string())
            keyed[name] = (values, starts, sizes)
        self.keyed = keyed
        self._ids: dict[str, int] = {}
        self.tid_marks = np.zeros(0, np.int64)  # see mark_lookalikes
        self.value_marks: dict[str, IntArray] = {}

    def mark_lookalikes(self, phrases: Sequence[Sequence[str]]) -> None:
        """Bit i of a cell's marks (``render``) says it holds one of ``phrases[i]`` (any case):
        in a template's text (a literal piece) or in the value drawn for one of its slots. Call
        once every template is added."""
        folded = [[p.casefold() for p in ps] for ps in phrases]

        def bits(text: str) -> int:
            text = text.casefold()
            return sum(1 << i for i, ps in enumerate(folded) if any(p in text for p in ps))

        self.tid_marks = np.array(
            [
                np.bitwise_or.reduce([bits(v) for is_slot, v in pieces if not is_slot] or [0])
                for pieces in self.pieces
            ],
            np.int64,
        )
        self.value_marks = {}
        for name, values in _POOLS.items():
            marks = np.array([bits(v) for v in values], np.int64)
            if marks.any():
                self.value_marks[name] = marks

    def mean_bytes(self, tid: int, offence: int) -> float:
        """Expected UTF-8 bytes of template ``tid`` filled for ``offence`` (``{m}`` as 0)."""
        total = 0.0
        for is_slot, value in self.pieces[tid]:
            if not is_slot:
                total += len(value.encode())
            elif value in self.keyed:
                o = _OFFENCES[offence]
                values = (o.drugs if value == "drug" else o.amounts) or ("",)
                total += _mean_bytes(values)
            elif value != "m":
                total += _mean_bytes(_POOLS[value])
        return total

    def add(self, text: str) -> int:
        """Parse a template (once) and return its id."""
        if text in self._ids:
            return self._ids[text]
        pieces: list[tuple[bool, str]] = []
        for literal, field, _spec, _conv in string.Formatter().parse(text):
            if literal:
                pieces.append((False, literal))
            if field is not None:
                slot = field.rstrip("0123456789") if field not in self.pools else field
                if slot != "m" and slot not in self.pools and slot not in self.keyed:
                    raise ValueError(f"unknown slot {{{field}}} in template {text!r}")
                pieces.append((True, slot))
        self.pieces.append(tuple(pieces))
        self._ids[text] = len(self.pieces) - 1
        return self._ids[text]

    def add_all(self, texts: Sequence[str]) -> IntArray:
        """Ids of several templates."""
        return np.array([self.add(t) for t in texts], np.int64)

    def render(
        self,
        rng: np.random.Generator,
        tids: IntArray,
        offence: IntArray,
        extra: pa.Array | None = None,
        marks: IntArray | None = None,
    ) -> pa.Array:
        """Fill the templates ``tids`` (one per cell), in cell order.

        ``offence`` is each cell's offence index (for the drug and amount slots); ``extra``
        holds each cell's ``{m}`` text. Slot values are drawn from the pools with ``rng``.
        ``marks``, if given, is filled with each cell's look-alike bits (``mark_lookalikes``).
        """
        n = len(tids)
        if n == 0:
            return pa.array([], pa.string())
        order = np.argsort(tids, kind="stable")
        sorted_t = tids[order]
        cuts = np.flatnonzero(np.diff(sorted_t)) + 1
        starts = np.concatenate(([0], cuts))
        ends = np.concatenate((cuts, [n]))
        parts = []
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            idx = order[start:end]
            size = end - start
            args: list[object] = []
            tid = int(sorted_t[start])
            if marks is not None:
                marks[idx] = self.tid_marks[tid]
            for is_slot, value in self.pieces[tid]:
                if not is_slot:
                    args.append(value)
                elif value == "m":
                    assert extra is not None
                    args.append(extra.take(pa.array(idx)))
                elif value in self.keyed:
                    values, offs, sizes = self.keyed[value]
                    key = offence[idx]
                    pick = offs[key] + (rng.random(size) * sizes[key]).astype(np.int64)
                    args.append(values.take(pa.array(pick)))
                else:
                    pool = self.pools[value]
                    pick = rng.integers(0, len(pool), size)
                    args.append(pool.take(pa.array(pick)))
                    if marks is not None and value in self.value_marks:
                        marks[idx] |= self.value_marks[value][pick]
            if any(isinstance(a, pa.Array) for a in args):
                parts.append(pc.binary_join_element_wise(*args, ""))
            else:
                parts.append(pa.repeat(pa.scalar("".join(map(str, args))), size))
        inverse = np.empty(n, np.int64)
        inverse[order] = np.arange(n)
        return _take(pa.chunked_array(parts, pa.string()), inverse)


def _take(chunks: pa.ChunkedArray, indices: IntArray) -> pa.Array:
    """``chunks`` taken at ``indices``, as one array (faster than concatenating them first)."""
    taken = chunks.take(pa.array(indices))
    return taken.chunk(0) if taken.num_chunks == 1 else taken.combine_chunks()


@dataclass(frozen=True)
class _Catalog:
    templates: _Templates
    offence_family: IntArray  # family index per offence
    offence_is_drug: BoolArray
    offence_weights: npt.NDArray[np.float64]
    outcome_p: npt.NDArray[np.float64]  # (offence, closed outcome) probabilities
    field_pools: dict[tuple[int, str], IntArray]  # (family, field) -> template ids
    trap_ids: IntArray
    trap_p: npt.NDArray[np.float64]
    form_ids: IntArray  # template id of each form (single-platform forms, then list forms)
    form_kind: tuple[str, ...]
    form_mask: IntArray  # platform bit mask of each form, bit i = PLATFORMS[i]
    form_p_by_platform: list[tuple[IntArray, npt.NDArray[np.float64]]]
    list_forms: IntArray  # indices into the form arrays of the list forms
    list_p: npt.NDArray[np.float64]
    carriers: dict[tuple[str, bool], IntArray]  # (kind, drug) -> template ids
    # Knife notes and traps (knives.toml), drawn from the knife stream.
    offence_share: npt.NDArray[np.float64]  # each offence's share of the records (final offence)
    splits: tuple[tuple[int, IntArray, npt.NDArray[np.float64]], ...]  # (drawn, finals, cdf)
    redress: BoolArray  # per offence: its family is not that of the offence it is drawn as
    knife_cdf: npt.NDArray[np.float64]  # (offence, kind) cumulative chances
    knife_pools: dict[tuple[int, int], IntArray]  # (kind, family) -> template ids
    lookalikes: tuple[str, ...]  # the labels (trap:KIND) of the look-alike bits, bit order
    # Possible mentions (possible.toml), drawn from the possible stream.
    possible_ids: IntArray  # template id of each sentence
    possible_mask: IntArray  # platform bits of what the lexicon marks possible in it
    truth_mask: IntArray  # platform bits of what it truly names (0: a reviewer rejects it)
    possible_p: npt.NDArray[np.float64]  # chance of each sentence, from TIKTOK_FROM
    possible_p_early: npt.NDArray[np.float64]  # before it: none whose truth is TikTok


def _catalog(drug_share: float = DRUG_SHARE) -> _Catalog:
    tpl = _Templates()
    family_index = {f: i for i, f in enumerate(_FAMILIES)}
    offence_family = np.array([family_index[o.family] for o in _OFFENCES], np.int64)
    is_drug = np.array([o.family in _DRUG_FAMILIES for o in _OFFENCES], np.bool_)
    share = np.array(
        [
            (drug_share * _DATA.drug_code_share[o.code] if d else 1 - drug_share) * o.weight
            for o, d in zip(_OFFENCES, is_drug.tolist(), strict=True)
        ]
    )
    # The first draw: an offence `from` another is drawn as that one (its weight added to the
    # other's, in file order), then the knife stream splits them (see _knife_plan).
    drawn = [o.weight for o in _OFFENCES]
    index = {o.code: i for i, o in enumerate(_OFFENCES) if not o.parent and not is_drug[i]}
    children: dict[int, list[int]] = {}
    for i, o in enumerate(_OFFENCES):
        if o.parent:
            parent = index[o.parent]
            drawn[parent] += o.weight
            drawn[i] = 0.0
            children.setdefault(parent, []).append(i)
    weights = np.array(
        [
            (drug_share * _DATA.drug_code_share[o.code] if d else 1 - drug_share) * w
            for o, d, w in zip(_OFFENCES, is_drug.tolist(), drawn, strict=True)
        ]
    )
    splits = []
    for parent, kids in children.items():
        finals = np.array([parent, *kids], np.int64)
        cdf = np.cumsum([_OFFENCES[k].weight for k in finals.tolist()]) / drawn[parent]
        cdf[-1] = 1.0
        splits.append((parent, finals, cdf))
    drawn_as = np.arange(len(_OFFENCES))
    for parent, kids in children.items():
        drawn_as[kids] = parent
    outcome_p = np.array(
        [
            _DATA.outcome_weights[o.code if d else "other"]
            for o, d in zip(_OFFENCES, is_drug, strict=True)
        ],
        np.float64,
    )
    outcome_p /= outcome_p.sum(axis=1, keepdims=True)
    field_pools: dict[tuple[int, str], IntArray] = {}
    for i, family in enumerate(_DATA.families):
        for field in FIELDS:
            field_pools[(i, field)] = tpl.add_all(_DATA.note_sentences(family, field))
    trap_ids = tpl.add_all([t for t, _ in _DATA.traps])
    trap_p = np.array([w for _, w in _DATA.traps])
    forms = _FORMS + _LIST_FORMS
    bit = {p: 1 << i for i, p in enumerate(PLATFORMS)}
    form_ids = tpl.add_all([f.text for f in forms])
    form_mask = np.array([sum(bit[p] for p in f.platforms) for f in forms], np.int64)
    form_p_by_platform = []
    for i in range(len(PLATFORMS)):
        own = np.array([k for k in range(len(_FORMS)) if form_mask[k] == 1 << i], np.int64)
        w = np.array([_FORMS[k].weight for k in own])
        form_p_by_platform.append((own, w / w.sum()))
    list_forms = np.arange(len(_FORMS), len(forms), dtype=np.int64)
    list_p = np.array([f.weight for f in _LIST_FORMS])
    carriers = {
        (kind, drug): tpl.add_all(by[("drug" if drug else "other")])
        for kind, by in _CARRIERS.items()
        for drug in (True, False)
    }
    # Knife notes and traps: their templates last, so that the first stream's are as before.
    knife_pools = {}
    for k, kind in enumerate(_KNIFE_KINDS):
        for fam, family in enumerate(_DATA.families):
            texts = () if family.drug else kind.for_family(family.name)
            if texts:
                knife_pools[(k, fam)] = tpl.add_all(texts)
    rates = np.zeros((len(_OFFENCES), len(_KNIFE_KINDS)))
    for i, o in enumerate(_OFFENCES):
        if not is_drug[i]:
            chances = _DATA.knife_rates.get(o.code, _DATA.knife_rates["other"])
            for k, kind in enumerate(_KNIFE_KINDS):
                rates[i, k] = chances.get(kind.name, 0.0)
    # Possible mentions: their templates after the knives', for the same reason.
    possible_ids = tpl.add_all([n.text for n in _POSSIBLE])
    possible_mask = np.array([sum(bit[p] for p in n.platforms) for n in _POSSIBLE], np.int64)
    truth_mask = np.array([sum(bit[p] for p in n.truth) for n in _POSSIBLE], np.int64)
    weight = np.array([n.weight for n in _POSSIBLE])
    early = np.where(truth_mask & bit["TikTok"], 0.0, weight)
    return _Catalog(
        templates=tpl,
        offence_family=offence_family,
        offence_is_drug=is_drug,
        offence_weights=weights / weights.sum(),
        outcome_p=outcome_p,
        field_pools=field_pools,
        trap_ids=trap_ids,
        trap_p=trap_p / trap_p.sum(),
        form_ids=form_ids,
        form_kind=tuple(f.kind for f in forms),
        form_mask=form_mask,
        form_p_by_platform=form_p_by_platform,
        list_forms=list_forms,
        list_p=list_p / list_p.sum(),
        carriers=carriers,
        offence_share=share / share.sum(),
        splits=tuple(splits),
        redress=offence_family != offence_family[drawn_as],
        knife_cdf=np.cumsum(rates, axis=1),
        knife_pools=knife_pools,
        lookalikes=_lookalikes(tpl),
        possible_ids=possible_ids,
        possible_mask=possible_mask,
        truth_mask=truth_mask,
        possible_p=weight / weight.sum(),
        possible_p_early=early / early.sum(),
    )


def _lookalikes(tpl: _Templates) -> tuple[str, ...]:
    """The look-alikes of knives.toml as bits of the templates' marks, one per label."""
    labels = tuple(dict.fromkeys(f"trap:{kind}" for _, kind in _DATA.lookalikes))
    tpl.mark_lookalikes(
        [[p for p, kind in _DATA.lookalikes if f"trap:{kind}" == label] for label in labels]
    )
    return labels


# --------------------------------------------------------------------------------------------
# Planning: the structured columns of each system and which crimes mention what.
# --------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """The structured columns of one system's rows, in file order, plus mention items."""

    day: IntArray  # days since 1970-01-01
    second: IntArray  # seconds into the day (Athena timestamps)
    offence: IntArray
    outcome: IntArray
    status: IntArray  # 0 recorded (blank), 1 cancelled, 2 transferred
    ref_prefix: IntArray  # index into _REF_PREFIXES: where the crime was born
    ref_year: IntArray
    ref_seq: IntArray
    item_row: IntArray  # mention items: row of each, sorted
    item_form: IntArray
    final: IntArray  # the offence written: ``offence`` is the one drawn first (see _knife_plan)
    knife: IntArray  # the knife note or trap (index into _KNIFE_KINDS), -1 for none
    crime: IntArray  # index into _Crimes
    possible: IntArray  # the possible-mention sentence (index into _POSSIBLE), -1 for none


@dataclass
class _Crimes:
    """Every crime once, legacy-born then Athena-born, for labels.csv."""

    prefix: IntArray  # index into _REF_PREFIXES
    year: IntArray
    seq: IntArray
    platforms: IntArray  # bit i: the notes name PLATFORMS[i]
    knife: IntArray  # the knife note or trap drawn (index into _KNIFE_KINDS), -1 for none
    lookalikes: IntArray  # bit i: the notes hold a look-alike labelled _Catalog.lookalikes[i]
    possible: IntArray  # the possible-mention sentence (index into _POSSIBLE), -1 for none


def _epoch(day: date) -> int:
    return (day - date(1970, 1, 1)).days


_REF_PREFIXES = ("LG", "AT")


def _ref_numbers(day: IntArray) -> tuple[IntArray, IntArray]:
    """Year and number of each reference, numbered per recorded year in date order."""
    years = day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    first = np.searchsorted(years, years, side="left")  # rows are in date order
    return years, (np.arange(len(day)) - first + 1).astype(np.int64)


def _ref_array(prefix: IntArray, year: IntArray, seq: IntArray) -> pa.Array:
    """Crime references such as ``LG/14/000123``, as an Arrow array."""
    prefixes = pa.array(_REF_PREFIXES, pa.string()).take(pa.array(prefix))
    yy = pc.utf8_lpad(pa.array(year % 100).cast(pa.string()), 2, "0")
    number = pc.utf8_lpad(pa.array(seq).cast(pa.string()), 6, "0")
    return pc.binary_join_element_wise(prefixes, yy, number, "/")


def _outcomes(
    rng: np.random.Generator, cat: _Catalog, offence: IntArray, open_p: npt.NDArray[np.float64]
) -> IntArray:
    """A closed outcome drawn for each offence, or an open one with chance ``open_p``."""
    closed = np.empty(len(offence), np.int64)
    for i, p in enumerate(cat.outcome_p):
        sel = offence == i
        closed[sel] = rng.choice(len(p), int(sel.sum()), p=p)
    still_open = rng.random(len(offence)) < open_p
    blank = rng.random(len(offence)) < 0.3
    opened = np.where(blank, _OPEN_OUTCOMES[1], _OPEN_OUTCOMES[0])
    return np.where(still_open, opened, closed).astype(np.int64)


def _statuses(rng: np.random.Generator, n: int) -> IntArray:
    return rng.choice(3, n, p=[0.98, 0.015, 0.005]).astype(np.int64)


def _platforms(
    rng: np.random.Generator, day: IntArray, exclude: IntArray | None = None
) -> IntArray:
    """A platform per crime by popularity; no TikTok before it existed, none in ``exclude``."""
    n = len(day)
    p = np.asarray(_PLATFORM_WEIGHTS)
    out = rng.choice(len(PLATFORMS), n, p=p)
    tiktok = PLATFORMS.index("TikTok")
    early = day < _epoch(TIKTOK_FROM)
    for _ in range(100):
        bad = (early & (out == tiktok)) | (out == exclude if exclude is not None else False)
        if not bad.any():
            break
        out[bad] = rng.choice(len(PLATFORMS), int(bad.sum()), p=p)
    return out.astype(np.int64)


def _mention_items(
    rng: np.random.Generator, cat: _Catalog, day: IntArray, offence: IntArray, boost: BoolArray
) -> tuple[IntArray, IntArray]:
    """Which crimes mention which platforms, as (row, form) items sorted by row."""
    rate = np.array([_MENTION_RATE[f] for f in _FAMILIES])[cat.offence_family[offence]]
    rate = np.where(boost, np.minimum(rate * MIGRATED_MENTION_BOOST, 1.0), rate)
    rows = np.flatnonzero(rng.random(len(day)) < rate)
    two = rng.random(len(rows)) < TWO_PLATFORMS
    as_list = two & (rng.random(len(rows)) < LIST_FORM)
    first = _platforms(rng, day[rows])
    second = _platforms(rng, day[rows], exclude=first)
    list_pick = cat.list_forms[rng.choice(len(cat.list_forms), len(rows), p=cat.list_p)]
    item_rows = [rows[as_list], rows[~as_list], rows[two & ~as_list]]
    platforms = np.concatenate((first[~as_list], second[two & ~as_list]))
    singles = np.empty(len(platforms), np.int64)
    for i, (own, p) in enumerate(cat.form_p_by_platform):
        sel = platforms == i
        singles[sel] = own[rng.choice(len(own), int(sel.sum()), p=p)]
    item_row = np.concatenate(item_rows).astype(np.int64)
    item_form = np.concatenate((list_pick[as_list], singles)).astype(np.int64)
    order = np.argsort(item_row, kind="stable")
    return item_row[order], item_form[order]


def _knife_plan(
    krng: np.random.Generator, cat: _Catalog, drawn: IntArray
) -> tuple[IntArray, IntArray]:
    """The final offence of each record drawn as ``drawn`` (an offence `from` another takes its
    share of that one's records) and its knife note or trap (-1 for none), from the knife
    stream."""
    final = drawn.copy()
    u = krng.random(len(drawn))
    for parent, finals, cdf in cat.splits:
        sel = np.flatnonzero(drawn == parent)
        final[sel] = finals[np.searchsorted(cdf, u[sel], side="right")]
    v = krng.random(len(drawn))
    knife = np.full(len(drawn), -1, np.int64)
    for offence in np.flatnonzero(cat.knife_cdf[:, -1] > 0).tolist():
        sel = np.flatnonzero(final == offence)
        kind = np.searchsorted(cat.knife_cdf[offence], v[sel], side="right")
        knife[sel] = np.where(kind < len(_KNIFE_KINDS), kind, -1)
    return final, knife


def _possible_plan(
    prng: np.random.Generator, cat: _Catalog, day: IntArray, final: IntArray, platforms: IntArray
) -> IntArray:
    """The possible-mention sentence of each crime (index into _POSSIBLE, -1 for none), from the
    possible stream: a share (possible.toml's rate) of the drug crimes whose notes name no
    platform; no sentence whose truth is TikTok before it existed."""
    n = len(day)
    chosen = (prng.random(n) < _DATA.possible_rate) & cat.offence_is_drug[final] & (platforms == 0)
    late = day >= _epoch(TIKTOK_FROM)
    out = np.full(n, -1, np.int64)
    for sel, p in ((chosen & ~late, cat.possible_p_early), (chosen & late, cat.possible_p)):
        out[sel] = prng.choice(len(p), int(sel.sum()), p=p)
    return out


def _plan(
    rng: np.random.Generator,
    krng: np.random.Generator,
    prng: np.random.Generator,
    cat: _Catalog,
    rows: int,
) -> tuple[_Plan, _Plan, IntArray, _Crimes]:
    """Plan both systems; returns (legacy, athena, migrated legacy rows, crimes). ``rng`` draws
    everything as before the knife notes; ``krng``, the knife stream, draws the knife-crime
    offences and the knife notes and traps; ``prng``, the possible stream, the crimes that get
    a possible mention (``_possible_plan``)."""
    legacy_days = _epoch(LEGACY_END) - _epoch(LEGACY_START) + 1
    athena_days = _epoch(ATHENA_END) - _epoch(ATHENA_START) + 1
    n_legacy = round(rows * legacy_days / (legacy_days + athena_days))

    # Legacy rows in date order.
    l_day = np.sort(rng.integers(0, legacy_days, n_legacy)) + _epoch(LEGACY_START)
    l_offence = rng.choice(len(_OFFENCES), n_legacy, p=cat.offence_weights).astype(np.int64)
    l_final, l_knife = _knife_plan(krng, cat, l_offence)
    age = (_epoch(LEGACY_END) - l_day).astype(np.float64)
    l_outcome = _outcomes(rng, cat, l_offence, 0.45 * np.exp(-age / 45))
    l_status = _statuses(rng, n_legacy)
    l_year, l_seq = _ref_numbers(l_day)

    # Migrated: about 2% of the legacy records from MIGRATION_FROM, also in Athena.
    window = np.flatnonzero(l_day >= _epoch(MIGRATION_FROM))
    n_mig = min(round(MIGRATED_SHARE * len(window)), max(rows - n_legacy, 0))
    migrated = np.sort(rng.choice(window, n_mig, replace=False)).astype(np.int64)
    athena_outcome = _outcomes(rng, cat, l_offence[migrated], np.zeros(n_mig))
    # Most were still open at the migration and got their outcome in Athena; the rest keep
    # their legacy outcome (mostly) in Athena.
    left_open = rng.random(n_mig) < 0.65
    open_label = np.where(rng.random(n_mig) < 0.3, *_OPEN_OUTCOMES[::-1])
    was = l_outcome[migrated]
    now = np.where(left_open & (was < _OPEN_OUTCOMES[0]), open_label, was)
    stays = (now < _OPEN_OUTCOMES[0]) & (rng.random(n_mig) < 0.7)
    athena_outcome = np.where(stays, now, athena_outcome)
    l_outcome[migrated] = now

    # Athena-born rows in timestamp order.
    n_athena = rows - n_legacy - n_mig
    a_day = rng.integers(0, athena_days, n_athena) + _epoch(ATHENA_START)
    hour = rng.choice(24, n_athena, p=_hour_weights())
    a_second = hour * 3600 + rng.integers(0, 3600, n_athena)
    order = np.lexsort((a_second, a_day))
    a_day, a_second = a_day[order], a_second[order]
    a_offence = rng.choice(len(_OFFENCES), n_athena, p=cat.offence_weights).astype(np.int64)
    a_final, a_knife = _knife_plan(krng, cat, a_offence)
    age = (_epoch(ATHENA_END) - a_day).astype(np.float64)
    a_outcome = _outcomes(rng, cat, a_offence, 0.7 * np.exp(-age / 75) + 0.01)
    a_status = _statuses(rng, n_athena)
    a_year, a_seq = _ref_numbers(a_day)

    # Mentions. Migrated crimes: in both copies, only the legacy one or only the Athena one.
    boost = np.zeros(n_legacy, np.bool_)
    boost[migrated] = True
    l_item_row, l_item_form = _mention_items(rng, cat, l_day, l_offence, boost)
    a_item_row, a_item_form = _mention_items(rng, cat, a_day, a_offence, np.zeros(n_athena, bool))
    mig_pos = np.full(n_legacy, -1, np.int64)
    mig_pos[migrated] = np.arange(n_mig)
    # 0 both copies, 1 the legacy copy only, 2 the Athena copy only; the appended 1 is read
    # through mig_pos = -1 by the crimes that were not migrated (legacy copy only).
    where = np.append(rng.choice(3, n_mig, p=[0.4, 0.3, 0.3]), 1)
    item_mig = mig_pos[l_item_row]
    item_where = where[item_mig]
    in_legacy = item_where != 2
    to_athena = (item_mig >= 0) & (item_where != 1)

    # Every crime once: the legacy-born, then the Athena-born. A migrated crime's knife note or
    # trap is in both copies.
    crimes = _Crimes(
        prefix=np.repeat(np.array([0, 1], np.int64), [n_legacy, n_athena]),
        year=np.concatenate((l_year, a_year)),
        seq=np.concatenate((l_seq, a_seq)),
        platforms=np.zeros(n_legacy + n_athena, np.int64),
        knife=np.concatenate((l_knife, a_knife)),
        lookalikes=np.zeros(n_legacy + n_athena, np.int64),
        possible=np.zeros(0, np.int64),
    )
    np.bitwise_or.at(crimes.platforms, l_item_row, cat.form_mask[l_item_form])
    np.bitwise_or.at(crimes.platforms, n_legacy + a_item_row, cat.form_mask[a_item_form])
    # Possible mentions, in crimes that name no platform (so the certain counts stay as they
    # were). A migrated crime's is in both copies.
    crimes.possible = _possible_plan(
        prng,
        cat,
        np.concatenate((l_day, a_day)),
        np.concatenate((l_final, a_final)),
        crimes.platforms,
    )

    # Athena file: its own rows plus the migrated copies (recorded at midnight), in date order.
    day = np.concatenate((a_day, l_day[migrated]))
    second = np.concatenate((a_second, np.zeros(n_mig, np.int64)))
    order = np.lexsort((second, day))
    position = np.empty(len(order), np.int64)
    position[order] = np.arange(len(order))
    item_row = np.concatenate(
        (position[a_item_row], position[n_athena + item_mig[to_athena]])
    ).astype(np.int64)
    item_form = np.concatenate((a_item_form, l_item_form[to_athena]))
    item_order = np.argsort(item_row, kind="stable")
    athena = _Plan(
        day=day[order],
        second=second[order],
        offence=np.concatenate((a_offence, l_offence[migrated]))[order],
        outcome=np.concatenate((a_outcome, athena_outcome))[order],
        status=np.concatenate((a_status, l_status[migrated]))[order],
        ref_prefix=np.concatenate((np.ones(n_athena, np.int64), np.zeros(n_mig, np.int64)))[order],
        ref_year=np.concatenate((a_year, l_year[migrated]))[order],
        ref_seq=np.concatenate((a_seq, l_seq[migrated]))[order],
        item_row=item_row[item_order],
        item_form=item_form[item_order],
        final=np.concatenate((a_final, l_final[migrated]))[order],
        knife=np.concatenate((a_knife, l_knife[migrated]))[order],
        crime=np.concatenate((n_legacy + np.arange(n_athena), migrated))[order],
        possible=crimes.possible[np.concatenate((n_legacy + np.arange(n_athena), migrated))][order],
    )
    legacy = _Plan(
        day=l_day,
        second=np.zeros(n_legacy, np.int64),
        offence=l_offence,
        outcome=l_outcome,
        status=l_status,
        ref_prefix=np.zeros(n_legacy, np.int64),
        ref_year=l_year,
        ref_seq=l_seq,
        item_row=l_item_row[in_legacy],
        item_form=l_item_form[in_legacy],
        final=l_final,
        knife=l_knife,
        crime=np.arange(n_legacy),
        possible=crimes.possible[:n_legacy],
    )
    return legacy, athena, migrated, crimes


def _hour_weights() -> npt.NDArray[np.float64]:
    w = np.array([3, 2, 2, 1, 1, 1, 2, 3, 5, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 6, 6, 5, 4, 4], float)
    return w / w.sum()


# --------------------------------------------------------------------------------------------
# Note length: more sentences per field for a target mean of bytes per record.
# --------------------------------------------------------------------------------------------
#
# By default a field holds 0 to 3 sentences (``_SENTENCE_COUNTS``). With a target length, that
# draw c0 still decides whether a field is blank (c0 = 0, the same share as by default) and how
# long it is relative to the others: a non-blank field holds c0 * scale sentences (rounded up or
# down at random, so that the mean is exact), at least one and at most every sentence of its
# pool, each sentence at most once. ``scale`` is solved from the expected bytes of every
# template for the offence mix, so the target is met on average without rendering anything.


def _scaled_counts(
    rng: np.random.Generator,
    cat: _Catalog,
    fields: tuple[str, ...],
    family: IntArray,
    base: IntArray,
    scale: float,
) -> tuple[IntArray, IntArray]:
    """Sentences per (field, row) for ``scale``, from the default draw ``base`` (0 to 3), and
    the draw before it is fitted to the pools (for ``_fit_counts`` with another family)."""
    drawn = np.floor(base * scale + rng.random(base.shape)).astype(np.int64)
    return _fit_counts(cat, fields, family, base, drawn), drawn


def _fit_counts(
    cat: _Catalog, fields: tuple[str, ...], family: IntArray, base: IntArray, drawn: IntArray
) -> IntArray:
    """``drawn`` sentences per (field, row), at least one and at most the family's pool."""
    size = np.array(
        [[len(cat.field_pools[(fam, field)]) for fam in range(len(_FAMILIES))] for field in fields],
        np.int64,
    )
    return np.where(base > 0, np.clip(drawn, 1, size[:, family]), 0)


@dataclass(frozen=True)
class _LengthModel:
    """Expected bytes of free text per record as a function of the sentence scale."""

    weight: npt.NDArray[np.float64]  # one term per (system, offence, field, c0 >= 1)
    base: npt.NDArray[np.float64]  # c0
    size: npt.NDArray[np.float64]  # sentences in the field's pool
    sentence: npt.NDArray[np.float64]  # mean bytes of one pool sentence
    fixed: float  # mentions and traps, the same at every scale

    def expected(self, scale: float) -> float:
        x = self.base * scale
        low = np.floor(x)
        frac = x - low
        count = (1 - frac) * np.clip(low, 1, self.size) + frac * np.clip(low + 1, 1, self.size)
        # k sentences joined by k - 1 spaces
        return float((self.weight * (count * (self.sentence + 1) - 1)).sum()) + self.fixed


def _length_model(cat: _Catalog) -> _LengthModel:
    tpl = cat.templates
    legacy_days = _epoch(LEGACY_END) - _epoch(LEGACY_START) + 1
    athena_days = _epoch(ATHENA_END) - _epoch(ATHENA_START) + 1
    athena_share = athena_days / (legacy_days + athena_days)
    field_share = {"mo": 1.0, "summary": 1.0, "log": athena_share}
    terms: list[tuple[float, int, int, float]] = []
    # Each offence as written: a record drawn as another is redrawn with its family's pools.
    for o, w in enumerate(cat.offence_share.tolist()):
        fam = int(cat.offence_family[o])
        for field, share in field_share.items():
            pool = cat.field_pools[(fam, field)].tolist()
            mean = sum(tpl.mean_bytes(t, o) for t in pool) / len(pool)
            for c0, p in enumerate(_SENTENCE_COUNTS[field]):
                if c0 > 0:
                    terms.append((w * share * p, c0, len(pool), mean))
    weight, base, size, sentence = (np.array(c, np.float64) for c in zip(*terms, strict=True))

    # Mentions: a carrier sentence (its kind's mean) around a form, platforms by popularity.
    def carrier(kind: str, drug: bool) -> float:
        ids = cat.carriers[(kind, drug)].tolist()
        return sum(tpl.mean_bytes(t, 0) for t in ids) / len(ids)

    form_bytes = {}
    for drug in (True, False):
        form_bytes[drug] = sum(
            pw * p * (carrier(cat.form_kind[k], drug) + tpl.mean_bytes(int(cat.form_ids[k]), 0))
            for pw, (own, ps) in zip(_PLATFORM_WEIGHTS, cat.form_p_by_platform, strict=True)
            for k, p in zip(own.tolist(), ps.tolist(), strict=True)
        )
    per_crime = 1 + TWO_PLATFORMS * (1 - LIST_FORM)
    mentions = sum(
        w * _MENTION_RATE[_FAMILIES[int(cat.offence_family[o])]] * per_crime
        * (form_bytes[bool(cat.offence_is_drug[o])] + 1)
        for o, w in enumerate(cat.offence_share.tolist())
    )  # fmt: skip
    trap = sum(tpl.mean_bytes(int(t), 0) * p for t, p in zip(cat.trap_ids, cat.trap_p, strict=True))
    # Knife notes and traps: a sentence of the record's kind and family, at the kind's rate.
    rates = np.diff(cat.knife_cdf, axis=1, prepend=0.0)
    knives = 0.0
    for (k, fam), pool in cat.knife_pools.items():
        mean = sum(tpl.mean_bytes(t, 0) for t in pool.tolist()) / len(pool)
        for o in np.flatnonzero(cat.offence_family == fam).tolist():
            knives += cat.offence_share[o] * rates[o, k] * (mean + 1)
    fixed = mentions + TRAP_RATE * (trap + 1) + knives
    return _LengthModel(weight, base, size, sentence, fixed)


_MAX_SCALE = 16.0  # more than any pool holds: every non-blank field holds its whole pool


def _note_bounds(model: _LengthModel) -> tuple[int, int]:
    return int(np.ceil(model.expected(0.0))), int(np.floor(model.expected(_MAX_SCALE)))


def note_bytes_range(drug_share: float = DRUG_SHARE) -> tuple[int, int]:
    """The ``note_bytes`` that ``make_synthetic`` can reach at ``drug_share``: from one sentence
    in every non-blank field to every sentence of its pool, each once."""
    return _note_bounds(_length_model(_catalog(drug_share)))


def _sentence_scale(cat: _Catalog, note_bytes: int, drug_share: float) -> float:
    """The scale whose expected bytes of free text per record is ``note_bytes``."""
    model = _length_model(cat)
    low, high = _note_bounds(model)
    if note_bytes < low:
        raise FoideskError(
            f"--note-bytes {note_bytes} is below the shortest notes (one sentence in every "
            f"non-blank field): at least {low} bytes per record at drug share {drug_share:g}"
        )
    if note_bytes > high:
        raise FoideskError(
            f"--note-bytes {note_bytes} is more than the notes hold without repeating a "
            f"sentence: at most {high} bytes per record at drug share {drug_share:g}"
        )
    lo, hi = 0.0, _MAX_SCALE
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if model.expected(mid) < note_bytes else (lo, mid)
    return (lo + hi) / 2


# --------------------------------------------------------------------------------------------
# Notes: sentences per field, with mentions and traps inserted.
# --------------------------------------------------------------------------------------------


def _draw_picks(
    rng: np.random.Generator, pool: IntArray, row_counts: IntArray, scale: float | None
) -> tuple[int, IntArray]:
    """Sentence picks for rows of one family and field: three distinct sentences a row at the
    default shape (``scale`` None), else distinct subsets as large as the largest of
    ``row_counts``; returns (picks a row, the picks)."""
    if scale is None:
        return 3, _draw_distinct(rng, pool, len(row_counts))
    most = int(row_counts.max())
    return most, _draw_subsets(rng, pool, len(row_counts), most)


def _draw_distinct(rng: np.random.Generator, pool: IntArray, n: int) -> IntArray:
    """Three template ids per row from ``pool``, distinct where the pool allows."""
    pick = rng.integers(0, len(pool), (n, 3))
    if len(pool) >= 3:
        for _ in range(50):
            dup1 = pick[:, 1] == pick[:, 0]
            dup2 = (pick[:, 2] == pick[:, 0]) | (pick[:, 2] == pick[:, 1])
            if not (dup1.any() or dup2.any()):
                break
            pick[dup1, 1] = rng.integers(0, len(pool), int(dup1.sum()))
            pick[dup2, 2] = rng.integers(0, len(pool), int(dup2.sum()))
    return pool[pick]


def _draw_subsets(rng: np.random.Generator, pool: IntArray, n: int, k: int) -> IntArray:
    """``k`` distinct template ids per row from ``pool`` (``k`` at most its size), shuffled."""
    return pool[np.argsort(rng.random((n, len(pool))), axis=1)[:, :k]]


@dataclass(frozen=True)
class _Knives:
    """A chunk's knife-stream inputs to ``_notes``: the knife stream of the system, the final
    offence of each row, its knife note or trap (-1 for none), and the sentence of each knife
    note or trap (rows in order) with its look-alike bits (see ``_knife_sentences``)."""

    rng: np.random.Generator
    final: IntArray
    knife: IntArray
    text: pa.Array
    marks: IntArray


@dataclass(frozen=True)
class _Possible:
    """A chunk's possible-stream inputs to ``_notes``: the possible stream of the system, the
    rows (in order, local to the chunk) that get a possible-mention sentence, and its text and
    look-alike bits (see ``_possible_sentences``)."""

    rng: np.random.Generator
    row: IntArray
    text: pa.Array
    marks: IntArray


def _possible_sentences(
    prng: np.random.Generator, cat: _Catalog, final: IntArray, possible: IntArray
) -> tuple[pa.Array, IntArray]:
    """The possible-mention sentences ``possible`` (indices into _POSSIBLE) of records of
    offence ``final``, filled from ``prng``, and their look-alike bits."""
    marks = np.zeros(len(possible), np.int64)
    text = cat.templates.render(prng, cat.possible_ids[possible], final, marks=marks)
    return text, marks


def _knife_sentences(
    krng: np.random.Generator, cat: _Catalog, final: IntArray, knife: IntArray
) -> tuple[pa.Array, IntArray]:
    """A sentence of each knife note or trap ``knife`` (none -1) of a record of offence
    ``final``: one of its kind's for the offence's family, drawn and filled from ``krng``; and
    its look-alike bits. Rendered for a whole system at once (fewer, larger template groups)."""
    family = cat.offence_family[final]
    tids = np.empty(len(knife), np.int64)
    combo = knife * len(_FAMILIES) + family
    for c in np.unique(combo).tolist():  # (kind, family) in order
        sel = np.flatnonzero(combo == c)
        pool = cat.knife_pools[divmod(c, len(_FAMILIES))]
        tids[sel] = pool[krng.integers(0, len(pool), len(sel))]
    marks = np.zeros(len(tids), np.int64)
    return cat.templates.render(krng, tids, final, marks=marks), marks


def _notes(
    rng: np.random.Generator,
    cat: _Catalog,
    fields: tuple[str, ...],
    offence: IntArray,
    item_row: IntArray,
    item_form: IntArray,
    scale: float | None = None,
    knives: _Knives | None = None,
    possible: _Possible | None = None,
) -> tuple[list[pa.Array], IntArray]:
    """The text columns for one chunk of rows (``item_row`` local to the chunk); ``scale``
    None writes the default 0 to 3 sentences per field, else see ``_scaled_counts``.

    ``rng`` draws every note as before the knife notes, for the offence drawn first
    (``offence``); then ``knives`` (see ``_knife_notes``) redraws the sentences of the rows
    whose final offence is of another family and adds the knife notes and traps, and
    ``possible`` (drawn from its own stream) adds the possible-mention sentences. Also returns
    each row's look-alike bits (bit i: its notes hold a look-alike labelled
    ``cat.lookalikes[i]``).
    """
    tpl = cat.templates
    n = len(offence)
    n_fields = len(fields)
    family = cat.offence_family[offence]
    drug = cat.offence_is_drug[offence]
    counts = np.stack([rng.choice(4, n, p=_SENTENCE_COUNTS[f]) for f in fields]).astype(np.int64)
    base = drawn = counts
    if scale is not None:
        counts, drawn = _scaled_counts(rng, cat, fields, family, counts, scale)

    cell_field: list[IntArray] = []
    cell_row: list[IntArray] = []
    cell_key: list[IntArray] = []  # order in the field: normal j at 2j, inserts at 2p - 1
    cell_tid: list[IntArray] = []
    for f, field in enumerate(fields):
        for fam in range(len(_FAMILIES)):
            rows = np.flatnonzero(family == fam)
            if len(rows) == 0:
                continue
            most, picks = _draw_picks(rng, cat.field_pools[(fam, field)], counts[f, rows], scale)
            for j in range(most):
                use = counts[f, rows] > j
                cell_field.append(np.full(int(use.sum()), f, np.int64))
                cell_row.append(rows[use])
                cell_key.append(np.full(int(use.sum()), 2 * j, np.int64))
                cell_tid.append(picks[use, j])
    n_normal = int(sum(len(a) for a in cell_tid))

    # Mentions: render each form, then pick a carrier sentence that fits it.
    n_items = len(item_row)
    phrases = tpl.render(rng, cat.form_ids[item_form], offence[item_row])
    kinds = np.array([cat.form_kind[k] for k in item_form.tolist()], dtype=object)
    carrier = np.empty(n_items, np.int64)
    for kind in _CARRIERS:
        for is_drug in (True, False):
            sel = (kinds == kind) & (drug[item_row] == is_drug)
            if sel.any():
                pool = cat.carriers[(kind, is_drug)]
                carrier[sel] = pool[rng.integers(0, len(pool), int(sel.sum()))]
    item_field = rng.choice(n_fields, n_items, p=_FIELD_WEIGHTS[_system(fields)])
    item_pos = (rng.random(n_items) * (counts[item_field, item_row] + 1)).astype(np.int64)
    cell_field.append(item_field)
    cell_row.append(item_row)
    cell_key.append(2 * item_pos - 1)  # two in one place keep their order (stable sort)
    cell_tid.append(carrier)

    # Traps, in a field without a mention (dropped when every field has one).
    has_mention = np.zeros((n_fields, n), np.bool_)
    has_mention[item_field, item_row] = True
    trap_rows = np.flatnonzero(rng.random(n) < TRAP_RATE)
    choice = rng.random((len(trap_rows), n_fields)) + has_mention[:, trap_rows].T * 2
    trap_field = np.argmin(choice, axis=1)
    keep = ~has_mention[trap_field, trap_rows]
    trap_rows, trap_field = trap_rows[keep], trap_field[keep]
    trap_pos = (rng.random(len(trap_rows)) * (counts[trap_field, trap_rows] + 1)).astype(np.int64)
    cell_field.append(trap_field.astype(np.int64))
    cell_row.append(trap_rows)
    cell_key.append(2 * trap_pos - 1)
    cell_tid.append(cat.trap_ids[rng.choice(len(cat.trap_ids), len(trap_rows), p=cat.trap_p)])

    fields_a = np.concatenate(cell_field)
    rows_a = np.concatenate(cell_row)
    keys_a = np.concatenate(cell_key)
    tids_a = np.concatenate(cell_tid)
    extra = pa.concat_arrays(
        [pa.nulls(n_normal, pa.string()), phrases, pa.nulls(len(trap_rows), pa.string())]
    )
    order = np.lexsort((keys_a, rows_a, fields_a))
    marks = np.zeros(len(order), np.int64)
    sentences = tpl.render(
        rng, tids_a[order], offence[rows_a[order]], extra.take(pa.array(order)), marks
    )
    cells = _Cells(fields_a[order] * n + rows_a[order], keys_a[order], marks)
    sizes = np.bincount(cells.group, minlength=n_fields * n)
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int32)
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), sentences), " ")
    if knives is None:
        assert possible is None, "possible mentions are added with the knife notes"
        patch = _Patch(np.zeros(0, np.int64), pa.array([], pa.string()), _row_marks(n, cells))
    else:
        redo = counts
        if scale is not None:  # the same draw, fitted to the final offence's family
            redo = _fit_counts(cat, fields, cat.offence_family[knives.final], base, drawn)
        patch = _knife_notes(knives, cat, fields, redo, sentences, cells, scale, possible)
    columns = []
    for f in range(n_fields):
        col = joined.slice(f * n, n)
        # Blank fields are null; a field the knife stream changed takes its new text.
        lo, hi = np.searchsorted(patch.group, [f * n, (f + 1) * n])
        changed = patch.group[lo:hi] - f * n
        mask = sizes[f * n : (f + 1) * n] == 0
        mask[changed] = True
        if mask.any():
            rows = np.flatnonzero(mask)
            values = pa.nulls(len(rows), pa.string())
            if len(changed):
                at = np.minimum(np.searchsorted(changed, rows), len(changed) - 1)
                hit = changed[at] == rows
                text = patch.text.slice(lo, hi - lo).take(pa.array(at))
                values = pc.if_else(pa.array(hit), text, values)
            col = pc.replace_with_mask(col, pa.array(mask), values)
        if fields[f] == "mo" and _system(fields) == "legacy":
            upper = pa.array(rng.random(n) < _UPPER_MO)
            col = pc.if_else(upper, pc.utf8_upper(col), col)
        columns.append(col)
    return columns, patch.marks


def _row_marks(n: int, cells: _Cells) -> IntArray:
    """Each of the ``n`` rows' look-alike bits: those of its sentences ``cells``."""
    marks = np.zeros(n, np.int64)
    marked = np.flatnonzero(cells.marks)
    np.bitwise_or.at(marks, cells.group[marked] % n, cells.marks[marked])
    return marks


@dataclass(frozen=True)
class _Cells:
    """Sentences of a chunk: where each goes and its look-alike bits
    (``_Templates.mark_lookalikes``); ``_notes`` keeps them in (field, row, place) order."""

    group: IntArray  # field * rows + row
    key: IntArray  # order in the field: a family's sentence j at 2j; inserts at 2p - 1
    marks: IntArray


@dataclass(frozen=True)
class _Patch:
    """What the knife stream changed in a chunk: the new text of the (field, row) groups
    ``group`` (sorted); and each row's look-alike bits, from every sentence written."""

    group: IntArray
    text: pa.Array
    marks: IntArray


def _knife_notes(
    knives: _Knives,
    cat: _Catalog,
    fields: tuple[str, ...],
    counts: IntArray,
    sentences: pa.Array,
    cells: _Cells,
    scale: float | None,
    possible: _Possible | None = None,
) -> _Patch:
    """What the knife stream changes in the chunk's notes: a row whose final offence is of
    another family than the one drawn first gets that family's sentences instead of its own
    (``counts`` per field, its mentions and traps kept in place), and a row with a knife note
    or trap gets it (``knives.text``) in a field and place drawn like a trap's. Everything is
    drawn from ``knives.rng``; only the changed fields are joined again. A row of ``possible``
    gets its sentence in a field and place drawn the same way from ``possible.rng`` (after the
    knife stream's draws, which it leaves as they were)."""
    krng = knives.rng
    n = len(knives.final)
    family = cat.offence_family[knives.final]
    redress = cat.redress[knives.final]
    add: list[tuple[IntArray, IntArray, IntArray]] = []  # group, key, tid
    # A record drawn as an offence of another family: that family's sentences.
    moved = np.flatnonzero(redress)
    for f, field in enumerate(fields):
        for fam in np.unique(family[moved]).tolist():
            rows = moved[family[moved] == fam]
            most, picks = _draw_picks(krng, cat.field_pools[(fam, field)], counts[f, rows], scale)
            for j in range(most):
                use = counts[f, rows] > j
                add.append((f * n + rows[use], np.full(int(use.sum()), 2 * j), picks[use, j]))
    new_group, new_key, new_tid = np.zeros((3, 0), np.int64)
    if add:
        new_group, new_key, new_tid = (
            np.concatenate(a).astype(np.int64) for a in zip(*add, strict=True)
        )
    new_marks = np.zeros(len(new_tid), np.int64)
    rendered = cat.templates.render(krng, new_tid, knives.final[new_group % n], marks=new_marks)

    # The knife notes and traps, rendered already.
    rows = np.flatnonzero(knives.knife >= 0)
    where = krng.choice(len(fields), len(rows), p=_FIELD_WEIGHTS[_system(fields)])
    place = (krng.random(len(rows)) * (counts[where, rows] + 1)).astype(np.int64)
    new_group = np.concatenate((new_group, where * n + rows))
    new_key = np.concatenate((new_key, 2 * place - 1))
    new_marks = np.concatenate((new_marks, knives.marks))
    texts = [sentences, rendered, knives.text]

    # The possible-mention sentences, rendered already, from the possible stream.
    if possible is not None and len(possible.row):
        rows = possible.row
        where = possible.rng.choice(len(fields), len(rows), p=_FIELD_WEIGHTS[_system(fields)])
        place = (possible.rng.random(len(rows)) * (counts[where, rows] + 1)).astype(np.int64)
        new_group = np.concatenate((new_group, where * n + rows))
        new_key = np.concatenate((new_key, 2 * place - 1))
        new_marks = np.concatenate((new_marks, possible.marks))
        texts.append(possible.text)

    # The changed groups: their kept sentences (all but a moved row's own) and the new ones.
    changed = np.zeros(len(fields) * n, np.bool_)
    changed[new_group] = True
    row = cells.group % n
    dropped = (cells.key % 2 == 0) & redress[row]
    kept = np.flatnonzero(changed[cells.group] & ~dropped)
    group = np.concatenate((cells.group[kept], new_group))
    key = np.concatenate((cells.key[kept], new_key))
    span = int(key.max(initial=0)) + 2  # keys run from -1
    # The kept cells are in order: a stable sort keeps them before a new one in the same place.
    order = np.argsort(group * span + key + 1, kind="stable")
    source = np.concatenate((kept, len(sentences) + np.arange(len(new_key))))[order]
    merged = _take(pa.chunked_array(texts, pa.string()), source)
    groups, sizes = np.unique(group[order], return_counts=True)
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int32)
    text = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), merged), " ")
    written = np.flatnonzero((cells.marks != 0) & ~dropped)  # every sentence but the dropped
    every = _Cells(
        np.concatenate((cells.group[written], new_group)),
        np.concatenate((cells.key[written], new_key)),
        np.concatenate((cells.marks[written], new_marks)),
    )
    return _Patch(groups, text, _row_marks(n, every))


def _system(fields: tuple[str, ...]) -> str:
    return "athena" if "log" in fields else "legacy"


# --------------------------------------------------------------------------------------------
# Writing.
# --------------------------------------------------------------------------------------------


def _csv_column(values: pa.Array) -> pa.Array:
    """Cells of one column with minimal quoting (RFC 4180); nulls become empty cells."""
    needs = pc.fill_null(pc.match_substring_regex(values, '[",\r\n]'), False)
    if pc.any(needs).as_py():
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(values, '"', '""'), '"', "")
        values = pc.if_else(needs, quoted, values)
    return pc.fill_null(values, "")


def _write_rows(out: BinaryIO, columns: Sequence[pa.Array]) -> None:
    """Append rows (LF line ends) to ``out`` from equal-length string arrays."""
    if len(columns[0]) == 0:
        return
    cells = [_csv_column(c) for c in columns]
    lines = pc.binary_join_element_wise(*cells, ",")
    lines = pc.binary_join_element_wise(lines, "", "\n")
    # The lines are contiguous in the array's data buffer: write that slice, no copy.
    offsets = np.frombuffer(lines.buffers()[1], np.int32, len(lines) + 1, lines.offset * 4)
    out.write(memoryview(lines.buffers()[2])[int(offsets[0]) : int(offsets[-1])])


def _dates(day: IntArray, second: IntArray, legacy: bool, rng: np.random.Generator) -> pa.Array:
    if not legacy:
        stamp = (day * 86400 + second).astype("datetime64[s]")
        return pc.strftime(pa.array(stamp, pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S")
    d = day.astype("datetime64[D]")
    years = d.astype("datetime64[Y]")
    months = d.astype("datetime64[M]")
    dom = pa.array((d - months.astype("datetime64[D]")).astype(np.int64) + 1).cast(pa.string())
    month = pa.array((months - years.astype("datetime64[M]")).astype(np.int64) + 1)
    month = month.cast(pa.string())
    year = pa.array(years.astype(np.int64) + 1970).cast(pa.string())
    unpadded = pa.array(rng.random(len(day)) < 0.12)  # 10% of rows look different
    dom = pc.if_else(unpadded, dom, pc.utf8_lpad(dom, 2, "0"))
    month = pc.if_else(unpadded, month, pc.utf8_lpad(month, 2, "0"))
    return pc.binary_join_element_wise(dom, month, year, "/")


def _write_system(
    path: Path,
    plan: _Plan,
    system: str,
    cat: _Catalog,
    rng: np.random.Generator,
    krng: np.random.Generator,
    prng: np.random.Generator,
    scale: float | None,
) -> IntArray:
    """Write one system's file; returns each row's look-alike bits (see ``_notes``). ``rng`` is
    the system's first stream, ``krng`` its knife stream, ``prng`` its possible stream."""
    legacy = system == "Legacy"
    fields = ("mo", "summary") if legacy else ("mo", "summary", "log")
    offence_text = pa.array([o.legacy if legacy else o.athena for o in _OFFENCES], pa.string())
    codes = pa.array([o.code for o in _OFFENCES], pa.string())
    labels = pa.array([label for label, _ in _OUTCOMES], pa.string())
    ho = pa.array([code for _, code in _OUTCOMES], pa.string())
    statuses = pa.array(["", "cancelled", "transferred"], pa.string())
    header = LEGACY_COLUMNS if legacy else ATHENA_COLUMNS
    n = len(plan.day)
    found = np.zeros(n, np.int64)
    items = np.flatnonzero(plan.knife >= 0)
    item_text, item_marks = _knife_sentences(krng, cat, plan.final[items], plan.knife[items])
    chosen = np.flatnonzero(plan.possible >= 0)
    p_text, p_marks = _possible_sentences(prng, cat, plan.final[chosen], plan.possible[chosen])
    with path.open("wb") as out:
        out.write((",".join(header) + "\n").encode())
        for start in range(0, n, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, n)
            offence = plan.offence[start:stop]
            final = plan.final[start:stop]
            outcome = plan.outcome[start:stop]
            ho_col = ho.take(pa.array(outcome))
            if not legacy:  # Athena leaves the Home Office outcome blank on about half its rows
                ho_col = pc.if_else(pa.array(rng.random(stop - start) < 0.5), "", ho_col)
            lo, hi = np.searchsorted(plan.item_row, [start, stop])
            k_lo, k_hi = np.searchsorted(items, [start, stop]).tolist()
            p_lo, p_hi = np.searchsorted(chosen, [start, stop]).tolist()
            notes, found[start:stop] = _notes(
                rng,
                cat,
                fields,
                offence,
                plan.item_row[lo:hi] - start,
                plan.item_form[lo:hi],
                scale,
                _Knives(
                    krng,
                    final,
                    plan.knife[start:stop],
                    item_text.slice(k_lo, k_hi - k_lo),
                    item_marks[k_lo:k_hi],
                ),
                _Possible(
                    prng,
                    chosen[p_lo:p_hi] - start,
                    p_text.slice(p_lo, p_hi - p_lo),
                    p_marks[p_lo:p_hi],
                ),
            )
            columns = [
                _ref_array(
                    plan.ref_prefix[start:stop], plan.ref_year[start:stop], plan.ref_seq[start:stop]
                ),
                _dates(plan.day[start:stop], plan.second[start:stop], legacy, rng),
                offence_text.take(pa.array(final)),
                codes.take(pa.array(final)),
                labels.take(pa.array(outcome)),
                ho_col,
                statuses.take(pa.array(plan.status[start:stop])),
                pa.repeat(pa.scalar(system), stop - start),
                *notes,
            ]
            _write_rows(out, columns)
    return found


def _shape(drug_share: float, note_bytes: int | None) -> tuple[_Catalog, float | None]:
    if not 0 <= drug_share <= 1:  # also refuses NaN
        raise FoideskError(f"--drug-share must be between 0 and 1, not {drug_share}")
    cat = _catalog(drug_share)
    return cat, None if note_bytes is None else _sentence_scale(cat, note_bytes, drug_share)


def check_shape(drug_share: float = DRUG_SHARE, note_bytes: int | None = None) -> None:
    """Raise ``FoideskError`` (one line) for a shape that ``make_synthetic`` refuses."""
    _shape(drug_share, note_bytes)


def make_synthetic(
    rows: int,
    out: Path,
    seed: int = 2019,
    *,
    drug_share: float = DRUG_SHARE,
    note_bytes: int | None = None,
) -> SynthResult:
    """Write a synthetic two-system data set of ``rows`` records in total to folder ``out``.

    Writes ``legacy.csv`` (1 January 2014 to 22 May 2018), ``athena.csv`` (23 May 2018 to
    31 December 2019, plus about 2% of the legacy records from June 2017 migrated with the
    same reference and date), ``labels.csv`` (``crime_ref,platforms,knife,possible,
    possible_truth``: the true platforms, knife label and possible mentions of every crime that
    has one; see the module's docstring) and ``foi2019-02832.toml`` (the request). The same
    arguments give byte-identical files.

    The shape: ``drug_share`` is the share of records with a drug offence (Home Office codes
    92A to 92E). ``note_bytes`` is the target mean of free-text bytes per record, over all its
    text columns; None keeps the default notes (0 to 3 sentences per field, about 224 bytes per
    record), a number draws more (or fewer) of the same crime-note sentences per field to reach
    it on average (``note_bytes_range`` gives what can be reached). Mention and trap rates per
    record do not change with the length.
    """
    if rows < 0:
        raise FoideskError(f"--rows must be 0 or more, not {rows}")
    cat, scale = _shape(drug_share, note_bytes)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FoideskError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    # The knife stream is a fourth child, the possible stream a fifth: the first three draw
    # what they drew before them, the fourth what it drew before the fifth.
    plan_ss, legacy_ss, athena_ss, knife_ss, possible_ss = np.random.SeedSequence(seed).spawn(5)
    kplan, klegacy, kathena = (np.random.default_rng(s) for s in knife_ss.spawn(3))
    pplan, plegacy, pathena = (np.random.default_rng(s) for s in possible_ss.spawn(3))
    legacy, athena, migrated, crimes = _plan(
        np.random.default_rng(plan_ss), kplan, pplan, cat, rows
    )
    legacy_rng, athena_rng = np.random.default_rng(legacy_ss), np.random.default_rng(athena_ss)
    for path, plan, system, rng, krng, prng in (
        (out / "legacy.csv", legacy, "Legacy", legacy_rng, klegacy, plegacy),
        (out / "athena.csv", athena, "Athena", athena_rng, kathena, pathena),
    ):
        found = _write_system(path, plan, system, cat, rng, krng, prng, scale)
        crimes.lookalikes[plan.crime] |= found
    knife_labelled = _write_labels(out / "labels.csv", cat, crimes)
    (out / REQUEST_NAME).write_text(REQUEST_TOML, encoding="utf-8", newline="\n")
    return SynthResult(
        legacy_path=out / "legacy.csv",
        athena_path=out / "athena.csv",
        labels_path=out / "labels.csv",
        request_path=out / REQUEST_NAME,
        legacy_rows=len(legacy.day),
        athena_rows=len(athena.day),
        migrated=len(migrated),
        labelled=int(np.count_nonzero(crimes.platforms)),
        knife_labelled=knife_labelled,
        possible_labelled=int(np.count_nonzero(crimes.possible >= 0)),
    )


def _write_labels(path: Path, cat: _Catalog, crimes: _Crimes) -> int:
    """Write labels.csv: ``crime_ref,platforms,knife,possible,possible_truth`` for every crime
    whose notes name a platform, have a knife label or hold a possible mention, in reference
    order. platforms: the names, sorted and ``;``-joined. knife: the kind of its knife note
    (used, threatened, possession), else its traps (the one drawn and the look-alikes found),
    sorted and ``;``-joined. possible: the platforms its possible-mention sentence is marked
    possible for; possible_truth: those it truly names (empty: a reviewer rejects them), both
    sorted and ``;``-joined. Returns how many crimes have a knife label."""
    traps = tuple(dict.fromkeys([k.label for k in _KNIFE_KINDS if k.trap] + [*cat.lookalikes]))
    bit = {label: 1 << i for i, label in enumerate(traps)}
    kind = crimes.knife
    note = np.array([-1] + [-1 if k.trap else i for i, k in enumerate(_KNIFE_KINDS)])[kind + 1]
    trap_bits = np.array([0] + [bit[k.label] if k.trap else 0 for k in _KNIFE_KINDS])[kind + 1]
    for i, label in enumerate(cat.lookalikes):
        trap_bits |= ((crimes.lookalikes >> i) & 1) * bit[label]
    trap_bits = np.where(note >= 0, 0, trap_bits)  # a knife note is the crime's label
    has_possible = crimes.possible >= 0
    keep = np.flatnonzero((crimes.platforms != 0) | (note >= 0) | (trap_bits != 0) | has_possible)
    which = crimes.possible[keep]
    marked = np.where(which >= 0, cat.possible_mask[which], 0)
    truth = np.where(which >= 0, cat.truth_mask[which], 0)

    def texts(codes: IntArray, text: Callable[[int], str]) -> pa.Array:
        values, inverse = np.unique(codes, return_inverse=True)
        return pa.array([text(v) for v in values.tolist()], pa.string()).take(pa.array(inverse))

    def joined(mask: int, names: Sequence[str]) -> str:
        return ";".join(sorted(n for i, n in enumerate(names) if mask >> i & 1))

    refs = _ref_array(crimes.prefix[keep], crimes.year[keep], crimes.seq[keep])
    platforms = texts(crimes.platforms[keep], lambda m: joined(m, PLATFORMS))
    knife = texts(
        (note[keep] + 1) << len(traps) | trap_bits[keep],
        lambda c: (
            _KNIFE_KINDS[(c >> len(traps)) - 1].label if c >> len(traps) else joined(c, traps)
        ),
    )
    possible = texts(marked, lambda m: joined(m, PLATFORMS))
    possible_truth = texts(truth, lambda m: joined(m, PLATFORMS))
    order = pa.array(np.asarray(pc.array_sort_indices(refs)))
    columns = (refs, platforms, knife, possible, possible_truth)
    with path.open("wb") as out:
        out.write((LABELS_HEADER + "\n").encode())
        _write_rows(out, [c.take(order) for c in columns])
    return int(np.count_nonzero((note >= 0) | (trap_bits != 0)))
