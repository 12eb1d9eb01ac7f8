"""The cost of compliance under FOIA section 12: how long the request would take by hand.

Only locating, retrieving and extracting the information count towards the appropriate limit
(the Fees Regulations 2004, reg 4(3)), at £25 an hour (reg 4(4)); the limit is £450 (18 hours)
for police and other bodies and £600 (24 hours) for central government (reg 3). The estimate
that counts is the quickest reasonable method, which is foidesk's: the computer search
locates and retrieves the records in seconds, so what is left is a person reading the crimes
whose possible mentions are undecided (each at ``rate_minutes``, 3 as forces cite), and a
fixed time to extract the figures (``extraction_minutes``, 30). A crime is read once however
many possible mentions it has and however many systems hold it; a crime whose possible
mentions are all of terms it is already counted under needs no reading (the decision cannot
change the table), so the crimes read are those of the crime-hit rows that are not certain
(``counting.counted``: undecided, not counted).

Beside it, for comparison only: reading every crime of the population at the same rate (the
coverage's records searched: a crime held on two systems is counted there once, under the
system whose copy wins). The quality sample's checking is given on its own line: checking is
not locating, retrieving or extracting, so it is not in the s.12 figure.

Over the limit, the largest narrowings that fit, each with its estimate, for the advice
section 16 asks for:

- fewer years: the longest run of consecutive periods that fits, the latest run first;
- fewer terms: the largest set of the request's terms that fits (a term with no crime to
  read costs nothing and is always kept); among sets of that size the one that keeps the most
  crimes to read, i.e. the most of the request. Every subset is tried when at most
  ``EXACT_TERMS`` terms have crimes to read; with more, terms are dropped greedily (each time
  the one whose removal leaves the fewest crimes) until the rest fits;
- one system: each system alone that fits (its crimes by the winning copy's system, as the
  coverage counts them).

``reading`` gathers the record-level crime hits into counts per (period, system, terms): the
estimate and the narrowings are computed from those counts alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import pyarrow as pa

from foidesk.casework.periods import Period, long_date
from foidesk.casework.request import CostSettings
from foidesk.casework.words import TermWords
from foidesk.notices import Notice
from foidesk.release.cost import CostEstimate, hours_text, limit_text

EXACT_TERMS = 12  # terms with crimes to read up to which every subset is tried (2**12 sets)


@dataclass(frozen=True)
class ToRead:
    """What a narrowing can leave out of a crime a person must read: the period it was
    recorded in, the system whose copy supplies its details, and the terms it has undecided
    possible mentions of (and is not already counted under)."""

    period: int
    system: str
    terms: frozenset[str]


def reading(crime_hits: pa.Table) -> Counter[ToRead]:
    """The crimes a person must read, counted by (period, system, terms): from the crime-hit
    rows the table is counted from, those that are not certain (a possible mention no one has
    decided, of a term the crime is not counted under). Each crime once."""
    crimes: dict[str, tuple[int, str, set[str]]] = {}
    for ref, system, period, term, certain in zip(
        crime_hits.column("crime_ref").to_pylist(),
        crime_hits.column("system").to_pylist(),
        crime_hits.column("period").to_pylist(),
        crime_hits.column("platform").to_pylist(),
        crime_hits.column("certain").to_pylist(),
        strict=True,
    ):
        if not certain:
            crimes.setdefault(ref, (period, system, set()))[2].add(term)
    return Counter(ToRead(p, s, frozenset(t)) for p, s, t in crimes.values())


def estimate_cost(
    to_read: Mapping[ToRead, int],
    population: int,
    periods: Sequence[Period],
    systems: Sequence[str],
    terms: Sequence[str],
    settings: CostSettings,
    words: TermWords | None = None,
    sample_unread: int = 0,
    financial: bool = False,
    system_periods: Mapping[str, Sequence[str]] | None = None,
) -> CostEstimate:
    """The s.12 estimate: ``to_read`` (``reading``) at ``settings.rate_minutes`` a crime plus
    ``settings.extraction_minutes``, against the limit; ``population`` crimes for the
    every-record comparison; ``sample_unread`` crimes of the quality sample still to check
    (its own line). Over the limit, the narrowings by ``periods``, ``terms`` and ``systems``
    (the request's) that fit. ``financial``: the periods are financial years."""
    words = words or TermWords()
    kind = "set" if settings.limit_pounds is not None else settings.limit
    cost = CostEstimate(
        crimes_to_read=sum(to_read.values()),
        rate_minutes=settings.rate_minutes,
        extraction_minutes=settings.extraction_minutes,
        limit_pounds=settings.pounds,
        hourly_rate=settings.hourly_rate,
        limit_kind=kind,
        population=population,
        sample_unread=sample_unread,
        answer_over_limit=settings.answer_over_limit,
    )
    if not cost.over_limit:
        return cost
    fits = _Fits(to_read, settings)
    narrowings = [
        *_fewer_years(fits, periods, financial),
        *_fewer_terms(fits, terms, words),
        *_one_system(fits, systems, system_periods or {}),
    ]
    return CostEstimate(**{**cost.__dict__, "narrowings": tuple(narrowings)})


class _Fits:
    """The crimes to read under a narrowing (a test on ``ToRead``), and whether they fit."""

    def __init__(self, to_read: Mapping[ToRead, int], settings: CostSettings) -> None:
        self.to_read = to_read
        self.rate = settings.rate_minutes
        self.extraction = settings.extraction_minutes
        self.limit_minutes = settings.hours * 60

    def crimes(
        self,
        periods: set[int] | None = None,
        system: str | None = None,
        terms: set[str] | None = None,
    ) -> int:
        """The crimes to read in ``periods``, on ``system``, with a mention of ``terms``
        (None: any)."""
        return sum(
            n
            for crime, n in self.to_read.items()
            if (periods is None or crime.period in periods)
            and (system is None or crime.system == system)
            and (terms is None or crime.terms & terms)
        )

    def hours(self, crimes: int) -> float:
        return (crimes * self.rate + self.extraction) / 60

    def fit(self, crimes: int) -> bool:
        return crimes * self.rate + self.extraction <= self.limit_minutes


def _fewer_years(
    fits: _Fits, periods: Sequence[Period], financial: bool
) -> list[tuple[str, float]]:
    """The longest run of consecutive periods that fits, the latest first."""
    noun = "financial years" if financial else "years"
    for length in range(len(periods) - 1, 0, -1):
        for start in range(len(periods) - length, -1, -1):
            run = periods[start : start + length]
            crimes = fits.crimes(periods={p.key for p in run})
            if fits.fit(crimes):
                first, last = run[0].first, run[-1].last
                return [
                    (
                        f"crimes recorded from {long_date(first)} to {long_date(last)} only "
                        f"({length} of the {len(periods)} {noun})",
                        fits.hours(crimes),
                    )
                ]
    return []


def _fewer_terms(fits: _Fits, terms: Sequence[str], words: TermWords) -> list[tuple[str, float]]:
    """The largest set of terms that fits (see the module's docstring)."""
    if len(terms) < 2:
        return []
    costly = [t for t in terms if any(t in c.terms for c in fits.to_read)]
    free = [t for t in terms if t not in costly]

    def crimes(kept: set[str]) -> int:
        return fits.crimes(terms=kept)

    best: set[str] | None = None
    if len(costly) <= EXACT_TERMS:
        for size in range(len(costly) - 1, -1, -1):
            fitting = [
                (crimes(set(combo)), set(combo))
                for combo in combinations(costly, size)
                if fits.fit(crimes(set(combo)))
            ]
            if fitting:  # the most crimes kept; the first in the request's order on a tie
                best = max(fitting, key=lambda pair: pair[0])[1]
                break
    else:
        kept = set(costly)
        while kept and not fits.fit(crimes(kept)):
            drop = min((t for t in costly if t in kept), key=lambda t: crimes(kept - {t}))
            kept.discard(drop)
        best = kept
    if best is None or not (best or free):
        return []
    kept_terms = [t for t in terms if t in best or t in free]
    left_out = [t for t in terms if t not in kept_terms]
    description = (
        f"the {words.terms} {_listed(kept_terms)} only, leaving out {_listed(left_out)} "
        f"({len(kept_terms)} of the {len(terms)} {words.terms})"
    )
    return [(description, fits.hours(crimes(best)))]


def _one_system(
    fits: _Fits, systems: Sequence[str], system_periods: Mapping[str, Sequence[str]]
) -> list[tuple[str, float]]:
    """Each system alone that fits (two or more systems), said with the periods its records
    fall in (a system's name alone means nothing to a requester)."""
    systems = list(dict.fromkeys(systems))
    if len(systems) < 2:
        return []
    out = []
    for system in systems:
        crimes = fits.crimes(system=system)
        if fits.fit(crimes):
            held = list(system_periods.get(system, ()))
            span = (
                ""
                if not held
                else f" (its records cover {held[0]})"
                if len(held) == 1
                else f" (its records cover {held[0]} to {held[-1]})"
            )
            out.append((f"the crimes held on the {system} system only{span}", fits.hours(crimes)))
    return out


def _listed(names: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def check_cost(cost: CostEstimate) -> list[Notice]:
    """Over the s.12 limit: the letter is a refusal (or, with ``answer_over_limit``, the
    table is answered anyway); said on stderr and in the audit."""
    if not cost.over_limit:
        return []
    said = (
        f"the request is over the FOIA s.12 cost limit: about {hours_text(cost.hours)} with "
        f"foidesk ({cost.crimes_to_read:,} crimes to read) against {limit_text(cost)}; "
    )
    if cost.answer_over_limit:
        said += "answered with the table anyway ([cost] answer_over_limit = true)"
    else:
        said += (
            "the letter is a refusal notice under s.12 with advice on narrowing it (s.16) and "
            "public/ has no table; decide the possible hits (foidesk review) to lower the "
            "estimate, or give [cost] answer_over_limit = true to answer anyway"
        )
    return [
        Notice(
            "over-cost-limit",
            said,
            {"hours": round(cost.hours, 2), "limit_hours": round(cost.limit_hours, 2)},
        )
    ]
