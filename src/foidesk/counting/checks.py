"""Checks on an engine's results before anything is released: refuse, or say the problem.

Each check reads the record-level results and either raises a ``FoideskError`` (the answer
would be wrong or unsafe: a crime reference in a label bound for ``public/``; a population
that is empty although the window holds records) or returns ``Notice``s (the answer stands,
with the problem said on stderr and in the audit: labels carried by one crime, offence codes
not in the Home Office's notation, outcome labels with no Home Office outcome type, records
ingest could not read).
"""

from __future__ import annotations

import re

import pyarrow as pa

from foidesk.casework.home_office import OFFENCE_CODE_PATTERN, home_office
from foidesk.casework.request import Request
from foidesk.counting.counted import ReviewState, SetAside
from foidesk.engines.base import EngineResult
from foidesk.engines.population import code_numbers
from foidesk.errors import EngineError, RequestError, SourceError
from foidesk.notices import Notice

MOST_COMMON = 10


def _listed(values: list[str], most: int = 8) -> str:
    shown = ", ".join(repr(v) for v in values[:most])
    return shown + (f" and {len(values) - most} more" if len(values) > most else "")


def check_labels(request: Request, result: EngineResult, engine: str) -> list[Notice]:
    """Refuse a label bound for public/ that holds a crime reference; say which published
    labels are carried by a single crime of the population."""
    if result.label_facts is None:
        raise EngineError(
            f"--engine {engine}: the engine did not check the labels bound for public/ against "
            "the sources' crime references (EngineResult.label_facts), so the answer is refused"
        )
    for fact in result.label_facts:
        if fact.reference is None:
            continue
        if fact.field == "labels":
            raise RequestError(
                f"{request.path}: labels: the text {fact.label!r} holds the crime reference "
                f"{fact.reference}: publish a text without it"
            )
        if fact.field == "system":
            index = next(
                i for i, s in enumerate(request.sources, start=1) if s.system == fact.label
            )
            raise RequestError(
                f"{request.path}: source[{index}].system: the name {fact.label!r} holds the "
                f"crime reference {fact.reference}, and every public file names the systems: "
                "give the system another name"
            )
        raise SourceError(
            f"{fact.where}: {fact.field} label {fact.label!r} holds the crime reference "
            f"{fact.reference}, which would be published in every public file: give the text to "
            f'publish in the request\'s [labels] table ("{fact.label}" = "..."), or correct the '
            "extract"
        )
    single = [
        f
        for f in result.label_facts
        if f.field not in ("labels", "system") and f.population_crimes == 1
    ]
    if not single:
        return []
    labels = [f.label for f in single]
    return [
        Notice(
            "labels-of-one-crime",
            f"{len(single)} published {'label is' if len(single) == 1 else 'labels are'} "
            f"carried by a single crime: check {'it holds' if len(single) == 1 else 'they hold'} "
            f"no personal data ({_listed(labels)}); "
            "[labels] in the request replaces a label's published text",
            {"labels": [{"field": f.field, "label": f.label} for f in single]},
        )
    ]


def check_population(request: Request, result: EngineResult, allow_empty: bool) -> list[Notice]:
    """Refuse an empty population when the window holds records (unless ``allow_empty``);
    say which offence codes of the window are not Home Office codes. A population of all
    offences is not chosen by code, so nothing is said about codes then."""
    notices = []
    codes = result.codes_in_window
    odd = {c: n for c, n in codes.items() if not re.fullmatch(OFFENCE_CODE_PATTERN, c)}
    blank = odd.pop("", 0)
    population = result.stages.get("population", 0)
    if population == 0 and result.rows_in_window and request.all_offences:
        # every offence is in scope: the records of the window are all cancelled or transferred
        # (or their crimes' winning copies are outside the window)
        if not allow_empty:
            raise SourceError(
                f"{request.path}: population: none of the {result.rows_in_window:,} records in "
                "the window is a counted crime (each is cancelled or transferred, or the copy of "
                "its crime that wins is outside the window); check the extract's status values, "
                "or give --allow-empty if the answer is truly none"
            )
        return [
            Notice(
                "empty-population",
                f"none of the {result.rows_in_window:,} records in the window is a counted crime "
                "(cancelled or transferred): the answer is none (--allow-empty)",
                {"rows_in_window": result.rows_in_window},
            )
        ]
    if population == 0 and result.rows_in_window and not allow_empty:
        common = sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))[:MOST_COMMON]
        seen = ", ".join(f"{c or '(blank)'} ({n:,})" for c, n in common)
        raise SourceError(
            f"{request.path}: population: none of the {result.rows_in_window:,} records in the "
            f"window has the offence codes {', '.join(request.offence_codes)}; the ho_code "
            f"values seen most are {seen}. Map them to Home Office codes with [values.ho_code] "
            "in a mapping and foidesk ingest (docs/ingest.md), or give --allow-empty if the "
            "answer is truly none"
        )
    if population == 0 and not result.rows_in_window:
        notices.append(
            Notice(
                "empty-window",
                "the sources hold no records at all in the request's window: every figure is "
                "zero because there was nothing to search; check the window and the sources",
                {"rows_in_window": 0},
            )
        )
    if population == 0 and result.rows_in_window and allow_empty:
        notices.append(
            Notice(
                "empty-population",
                f"none of the {result.rows_in_window:,} records in the window has the requested "
                "offence codes: the answer is none (--allow-empty)",
                {"rows_in_window": result.rows_in_window},
            )
        )
    if request.all_offences:
        return notices  # every code is in the population, a missing or odd one too
    known = home_office().offence_names
    numbers = code_numbers(request.offence_codes)
    near = {
        c: n
        for c, n in codes.items()
        if c not in odd
        and c
        and c not in request.offence_codes
        and c not in known
        and (m := re.match(r"[0-9]+", c))
        and m.group() in numbers
    }
    if near:
        listed = ", ".join(
            f"{c} ({n:,})" for c, n in sorted(near.items(), key=lambda kv: -kv[1])[:MOST_COMMON]
        )
        notices.append(
            Notice(
                "near-offence-codes",
                f"{sum(near.values()):,} records in the window have offence codes with the "
                f"number of a requested code but not one of them ({listed}): they are not "
                "counted; map them with [values.ho_code] in a mapping, or ask for them in "
                "population.offences",
                {"codes": near},
            )
        )
    if odd or blank:
        parts = []
        if odd:
            listed = ", ".join(
                f"{c} ({n:,})" for c, n in sorted(odd.items(), key=lambda kv: -kv[1])[:MOST_COMMON]
            )
            parts.append(
                f"{sum(odd.values()):,} have an offence code that is not a Home Office code "
                f"({listed})"
            )
        if blank:
            parts.append(f"{blank:,} have no offence code")
        notices.append(
            Notice(
                "unknown-offence-codes",
                f"of the records in the window, {' and '.join(parts)}: they cannot be in a "
                "population chosen by Home Office code; map them with [values.ho_code] in a "
                "mapping (docs/ingest.md)",
                {"codes": odd, "blank": blank},
            )
        )
    return notices


def check_outcomes(request: Request, crime_hits: pa.Table) -> list[Notice]:
    """Say which outcome labels in the table have no Home Office outcome type (they are
    ordered last, alphabetically)."""
    if "outcome" not in request.rows or crime_hits.num_rows == 0:
        return []
    ho = home_office()
    pairs = set(  # each (label, code) once: a label is on thousands of crimes
        zip(
            crime_hits.column("outcome").to_pylist(),
            crime_hits.column("ho_outcome").to_pylist(),
            strict=True,
        )
    )
    unplaced = sorted(
        {
            label
            for label, code in pairs
            if label is not None and ho.outcome_rank(label, code)[0] == 1
        }
    )
    if not unplaced:
        return []
    return [
        Notice(
            "unknown-outcome-labels",
            f"{len(unplaced)} outcome {'label has' if len(unplaced) == 1 else 'labels have'} no "
            f"Home Office outcome type and {'is' if len(unplaced) == 1 else 'are'} listed last "
            f"({_listed(unplaced)}): give ho_outcome in the extract, or add the label to "
            "[outcome_labels] in foidesk's casework/data/home_office.toml",
            {"labels": unplaced},
        )
    ]


def check_sources(result: EngineResult) -> list[Notice]:
    """Say how many records of each snapshot ingest could not read (they were not searched)."""
    notices = []
    for source in result.sources:
        if source.rows_quarantined:
            notices.append(
                Notice(
                    "quarantined-rows",
                    f"{source.path}: {source.rows_quarantined:,} "
                    f"{'record' if source.rows_quarantined == 1 else 'records'} of the "
                    f"{source.system} extract could not be read by ingest and "
                    f"{'was' if source.rows_quarantined == 1 else 'were'} not searched "
                    "(its quarantine.csv says why); the method statement says so",
                    {"system": source.system, "rows_quarantined": source.rows_quarantined},
                )
            )
        if source.notes_quarantined or source.orphan_notes:
            parts = []
            if source.notes_quarantined:
                parts.append(f"{source.notes_quarantined:,} could not be read")
            if source.orphan_notes:
                parts.append(f"{source.orphan_notes:,} name a crime the snapshot does not hold")
            notices.append(
                Notice(
                    "quarantined-notes",
                    f"{source.path}: of the {source.system} investigation-log entries, "
                    f"{' and '.join(parts)}; they were not searched (the snapshot's "
                    "quarantine.csv says why)",
                    {
                        "system": source.system,
                        "notes_quarantined": source.notes_quarantined,
                        "orphan_notes": source.orphan_notes,
                    },
                )
            )
    return notices


def check_possible(possible_only: int) -> list[Notice]:
    """Crimes whose mentions are all possible: not counted; a person should look at them."""
    if not possible_only:
        return []
    crimes = "crime has" if possible_only == 1 else "crimes have"
    return [
        Notice(
            "possible-mentions-only",
            f"{possible_only:,} {crimes} possible mentions only (a short form without a clear "
            "signal, an ambiguous word, a near-misspelling): not counted in the table until a "
            "person decides them (foidesk review export, docs/review.md)",
            {"crimes": possible_only},
        )
    ]


def check_set_aside(set_aside: SetAside) -> list[Notice]:
    """Crimes whose every mention is in an offence the lexicon's conditions leave out (a knife
    in a shoplifting record): not counted, and said."""
    if not set_aside.crimes:
        return []
    crimes = "crime's mentions were" if set_aside.crimes == 1 else "crimes' mentions were"
    return [
        Notice(
            "set-aside-by-record-conditions",
            f"{set_aside.crimes:,} {crimes} not counted because the lexicon counts those terms "
            "only in some offences (its record conditions; the audit lists them)",
            {"crimes": set_aside.crimes, "rows": set_aside.rows},
        )
    ]


def check_review(review: ReviewState) -> list[Notice]:
    """Decisions whose hit no longer exists (its text changed, or the record left the
    population): reported, never applied to another hit, and kept in the log."""
    if not review.stale:
        return []
    n = len(review.stale)
    shown = ", ".join(f"{d.hit_id} ({d.crime_ref}, {d.matched!r})" for d in review.stale[:3])
    more = f" and {n - 3} more" if n > 3 else ""
    return [
        Notice(
            "decisions-without-hits",
            f"{n:,} {'decision is' if n == 1 else 'decisions are'} about "
            f"{'a hit' if n == 1 else 'hits'} this answer no longer finds: {shown}{more} "
            "(kept in internal/decisions.jsonl, listed in the audit; the records' text or the "
            "population changed)",
            {"hits": [d.hit_id for d in review.stale]},
        )
    ]
