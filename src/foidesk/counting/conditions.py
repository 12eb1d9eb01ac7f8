"""Record conditions: a lexicon's terms and rules that count only in (or never in) given
offences, applied to the offence of each crime's winning copy.

The matcher sees text only, so it reports every hit as if each condition held (``foidesk
match`` says so). Here, between the engine and the table, each (crime, term) row of the
engine's crime hits keeps only the hits whose term and rule allow the crime's Home Office code
(``search.lexicon.counts_in``); a row left with none is set aside, and its ``certain`` flag follows
the hits that remain. One statement for every engine: the engines return the winning copy's
code with each row and every hit in the evidence, and nothing else is needed from them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa

from foidesk.search.lexicon import CERTAIN, Platform, Rule, counts_in


@dataclass(frozen=True)
class SetAside:
    """What the record conditions removed: (crime, term) rows, and crimes left with none."""

    rows: int = 0
    crimes: int = 0


def apply_conditions(
    crime_hits: pa.Table, evidence: pa.Table, platforms: tuple[Platform, ...]
) -> tuple[pa.Table, SetAside]:
    """``crime_hits`` with each row's hits limited to those its conditions allow; rows left
    with no hit are dropped. Unchanged (the same table) when no term or rule has a condition."""
    rules: dict[str, tuple[Platform, Rule]] = {r.name: (p, r) for p in platforms for r in p.rules}
    if not any(p.condition or r.condition for p, r in rules.values()):
        return crime_hits, SetAside()
    hits: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for ref, term, rule, certainty in zip(
        evidence.column("crime_ref").to_pylist(),
        evidence.column("platform").to_pylist(),
        evidence.column("rule").to_pylist(),
        evidence.column("certainty").to_pylist(),
        strict=True,
    ):
        hits[(ref, term)].append((rule, certainty))
    rows = crime_hits.to_pylist()
    kept = []
    before: set[str] = set()
    after: set[str] = set()
    for row in rows:
        ref, term, code = row["crime_ref"], row["platform"], row["ho_code"]
        before.add(ref)
        allowed = [
            certainty
            for rule, certainty in hits.get((ref, term), [])
            if rule not in rules or counts_in(*rules[rule], code)
        ]
        if not allowed:
            continue
        kept.append(row | {"certain": CERTAIN in allowed})
        after.add(ref)
    table = pa.Table.from_pylist(kept, schema=crime_hits.schema)
    return table, SetAside(len(rows) - len(kept), len(before - after))
