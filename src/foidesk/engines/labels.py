"""Labels bound for ``public/``, and how an engine checks them against crime references.

An offence, outcome or system label is printed in every public file, so a label that carries
record-level text (``Poss - Jane Roe (AB/18/0001)``) would leak it. Before anything is
written, every label that will be published is checked against the crime references of the
request's sources: a reference found in a label as a whole token (case-insensitive, bounded
by characters that are not letters or digits, or by the label's ends) refuses the answer.
References shorter than ``MIN_REFERENCE`` characters are not searched for, so that short
numeric references do not refuse every label with a number in it.

This module states the rule once: which labels are published (``public_labels``), and the
strings of a label that could equal a reference (``reference_candidates``). Each engine then
looks the candidates up among its sources' references (a join on ``lower(crime_ref)``) and
counts the population crimes of each label, returning ``LabelFact`` rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from foidesk.casework.request import Request

MIN_REFERENCE = 5
MAX_REFERENCE = 256  # a longer string is not a crime reference


@dataclass(frozen=True)
class LabelFact:
    """What an engine found about one label bound for ``public/``."""

    field: str  # "offence", "outcome" or "system" (the raw label's column), "labels" (mapped)
    label: str  # the raw label as the source holds it (or the mapped text, for "labels")
    population_crimes: int  # crimes of the population carrying the label (0 for "labels")
    reference: str | None = None  # a crime reference found in it as a whole token
    where: str | None = None  # "path: line N" of a row carrying the label


def raw_labels(request: Request, crime_hits: pa.Table) -> dict[str, set[str]]:
    """The raw labels of the crimes with hits, by public field (what reaches the table)."""
    return {
        f: {v for v in crime_hits.column(f).to_pylist() if v is not None}
        for f in public_fields(request)
    }


def label_facts(
    checks: list[tuple[str, str]],
    counts: dict[tuple[str, str], int],
    found: dict[tuple[str, str], str],
    where: Callable[[str, str], str | None],
) -> tuple[LabelFact, ...]:
    """One ``LabelFact`` per checked label, from an engine's population counts and the
    references it found; ``where(field, label)`` is asked only for a label of the extract
    that holds a reference (system names and ``[labels]`` texts come from the request)."""
    facts = []
    for field, label in checks:
        reference = found.get((field, label))
        place = None
        if reference is not None and field not in ("labels", "system"):
            place = where(field, label)
        facts.append(LabelFact(field, label, counts.get((field, label), 0), reference, place))
    return tuple(facts)


def public_fields(request: Request) -> tuple[str, ...]:
    """The record fields whose values are printed in ``public/`` for this request's table:
    the row dimensions, except offence when offences are labelled by Home Office code."""
    fields = []
    if "outcome" in request.rows:
        fields.append("outcome")
    if "offence" in request.rows and request.offence_label == "force":
        fields.append("offence")
    return tuple(fields)


def reference_candidates(label: str) -> set[str]:
    """Every substring of ``label`` (lower case) that starts and ends at a token boundary and
    is long enough to be a reference: those are the strings a reference could equal."""
    return {s.lower() for s in _substrings(label)}


def labels_to_check(request: Request, raw: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(field, text) for every label that would be published, given the raw labels of the
    crimes with hits by field: each raw label of a public field, and the text the request's
    ``[labels]`` maps it to (a mapped raw label is not published, so it is not checked), and
    every system's name (coverage, the method and the letter always name the systems)."""
    mapping = request.labels
    out: list[tuple[str, str]] = [
        ("system", name) for name in dict.fromkeys(s.system for s in request.sources)
    ]
    for field in public_fields(request):
        for label in sorted(raw.get(field, ())):
            if label in mapping:
                out.append(("labels", mapping[label]))
            else:
                out.append((field, label))
    return out


def candidate_rows(checks: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(candidate, field, label) rows for an engine to join with its references: the engine
    matches ``lower(crime_ref)`` (SQL's lower case, which agrees with Python's for ASCII) to a
    candidate, and also ``crime_ref`` itself to a candidate (``exact_candidates``)."""
    return [
        (candidate, field, label)
        for field, label in checks
        for candidate in sorted(reference_candidates(label))
    ]


def exact_candidates(checks: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(candidate, field, label) rows to match to ``crime_ref`` as it is: each token-bounded
    substring as written, in upper case, and case-folded then upper case (``straße`` for a
    reference ``STRASSE``). SQL's and Python's lower case disagree outside ASCII (a Turkish
    dotted capital I, a Greek final sigma), so a label holding a reference exactly as the
    extract holds it is found whatever its letters. A reference that differs from the label
    only by a locale's own casing (Turkish ``ı`` for ``I``) is not found: say so in the docs."""
    rows = set()
    for field, label in checks:
        for candidate in _substrings(label):
            for variant in (candidate, candidate.upper(), candidate.casefold().upper()):
                rows.add((variant, field, label))
    return sorted(rows)


def _substrings(label: str) -> set[str]:
    """``reference_candidates`` without lower-casing."""
    n = len(label)
    starts = [
        i for i in range(n) if (i == 0 or not label[i - 1].isalnum()) and not label[i].isspace()
    ]
    ends = [
        j
        for j in range(1, n + 1)
        if (j == n or not label[j].isalnum()) and not label[j - 1].isspace()
    ]
    return {label[i:j] for i in starts for j in ends if MIN_REFERENCE <= j - i <= MAX_REFERENCE}
