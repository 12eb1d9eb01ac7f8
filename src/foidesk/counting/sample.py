"""The quality sample: a seeded random sample of the counted crimes, read by hand to measure
how often the search's certain hits are right.

The population is the crimes the matcher counted before anyone decided anything: each crime
with at least one certain hit not set aside by the record conditions. It is drawn from that
verdict, not from the table after review, so rejecting a hit never changes the sample.

The draw: the population's crime references sorted, then ``random.Random(seed).sample`` of
them; the same evidence and seed give the same crimes on any machine. The size, for a margin
of error ``e`` at 95% confidence, assuming a precision ``p`` (``SIZE_RULE``)::

    n0 = z^2 p (1 - p) / e^2        z = 1.96
    n  = ceil(n0 / (1 + (n0 - 1) / N)), at most N   (the finite population correction)

With the defaults (e = 0.05, p = 0.95) n0 is about 73; for N = 1,809 counted crimes, n = 71.

The result: a sample crime is *read* when a person decided any of its counted hits (its
certain hits not set aside), and *confirmed* when a person accepted at least one of them. The
proportion confirmed of those read has a Wilson 95% interval (scipy's ``binomtest``). Crime
references are record-level: ``QualitySample.as_audit`` is for the internal audit; the public
side gets the numbers alone.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from foidesk.casework.decisions import ACCEPT
from foidesk.search.lexicon import CERTAIN

Z95 = 1.96  # the normal quantile for 95% confidence
CONFIDENCE = 0.95
SIZE_RULE = (
    "n0 = z^2 p(1-p) / e^2 with z = 1.96 (95% confidence), p the precision assumed and e the "
    "margin of error; n = ceil(n0 / (1 + (n0 - 1) / N)) for N counted crimes, at most N"
)
_SET_ASIDE = "set aside"  # counting.counted.SET_ASIDE


def sample_size(population: int, margin: float = 0.05, precision: float = 0.95) -> int:
    """How many of ``population`` crimes to read for ``margin`` at 95% confidence, assuming
    ``precision`` (``SIZE_RULE``)."""
    if population <= 0:
        return 0
    n0 = Z95**2 * precision * (1 - precision) / margin**2
    # rounded first, so that a float a hair above a whole number does not add a crime
    n = math.ceil(round(n0 / (1 + (n0 - 1) / population), 9))
    return max(1, min(population, n))


def wilson(confirmed: int, read: int) -> tuple[float, float]:
    """The Wilson 95% interval for ``confirmed`` of ``read`` (scipy; imported only here, as
    it takes a while to load and most answers have no sample read yet)."""
    from scipy.stats import binomtest

    interval = binomtest(confirmed, read).proportion_ci(
        confidence_level=CONFIDENCE, method="wilson"
    )
    return float(interval.low), float(interval.high)


@dataclass(frozen=True)
class SampleResult:
    """What reading the sample found: crimes drawn of the population, read and confirmed, and
    the 95% interval of the proportion confirmed (None until a crime is read)."""

    drawn: int
    population: int
    read: int = 0
    confirmed: int = 0
    low: float | None = None
    high: float | None = None

    @property
    def proportion(self) -> float | None:
        """The proportion of crimes read that were confirmed."""
        return self.confirmed / self.read if self.read else None


@dataclass(frozen=True)
class QualitySample:
    """The sample drawn (its crimes, sorted) and how it was drawn, and its result."""

    seed: int
    margin: float
    precision: float
    crimes: tuple[str, ...]
    result: SampleResult

    def as_audit(self) -> dict[str, Any]:
        """For the audit (internal: it names the crimes)."""
        result = self.result
        return {
            "seed": self.seed,
            "margin": self.margin,
            "precision": self.precision,
            "confidence": CONFIDENCE,
            "size_rule": SIZE_RULE,
            "population": result.population,
            "drawn": result.drawn,
            "crimes": list(self.crimes),
            "read": result.read,
            "confirmed": result.confirmed,
            "proportion": result.proportion,
            "interval": [result.low, result.high] if result.read else None,
            "interval_method": "Wilson score (scipy.stats.binomtest)",
        }


def _counted_hits(evidence: pa.Table) -> list[tuple[str, str | None]]:
    """(crime, decision) of each hit the matcher counts: certain, not set aside."""
    return [
        (ref, decision)
        for ref, certainty, status, decision in zip(
            evidence.column("crime_ref").to_pylist(),
            evidence.column("certainty").to_pylist(),
            evidence.column("status").to_pylist(),
            evidence.column("decision").to_pylist(),
            strict=True,
        )
        if certainty == CERTAIN and status != _SET_ASIDE
    ]


def draw(crimes: Sequence[str], size: int, seed: int) -> tuple[str, ...]:
    """``size`` of ``crimes`` (distinct references) drawn with ``seed``: sorted first, so the
    draw depends on the references and the seed alone; returned sorted."""
    return tuple(sorted(random.Random(seed).sample(sorted(crimes), size)))


def quality_sample(
    evidence: pa.Table, *, seed: int, margin: float = 0.05, precision: float = 0.95
) -> QualitySample:
    """Draw the quality sample from ``evidence`` (with ``status`` and ``decision``,
    ``counting.counted``) and say what the decisions on its crimes found."""
    hits = _counted_hits(evidence)
    population = sorted({ref for ref, _ in hits})
    crimes = draw(population, sample_size(len(population), margin, precision), seed)
    chosen = set(crimes)
    read: set[str] = set()
    confirmed: set[str] = set()
    for ref, decision in hits:
        if ref in chosen and decision is not None:
            read.add(ref)
            if decision == ACCEPT:
                confirmed.add(ref)
    low, high = wilson(len(confirmed), len(read)) if read else (None, None)
    return QualitySample(
        seed,
        margin,
        precision,
        crimes,
        SampleResult(len(crimes), len(population), len(read), len(confirmed), low, high),
    )
