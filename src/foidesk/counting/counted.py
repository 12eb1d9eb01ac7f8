"""Which hits count: the lexicon's record conditions and a person's decisions, applied to
every hit between the engine and the table.

The matcher sees text only, so it reports every hit as if each record condition held and as
if no one had read it. Here each hit of the evidence gets its status:

- ``set aside``: its term or rule does not count in the offence of the crime's winning copy
  (``search.lexicon.counts_in``: a knife in a shoplifting record);
- ``rejected``: a person rejected it;
- ``counted``: a certain hit not rejected, or a possible hit a person accepted;
- ``undecided``: a possible hit no one has decided yet, or whose decision was withdrawn
  (``clear``): not counted; its crime waits.

Each (crime, term) row of the engine's crime hits is kept when any of its hits is counted or
undecided, with ``certain`` true when one is counted; a row left with neither is dropped.
So the table counts "certain hits not rejected + possible hits accepted", one statement for
every engine. ``ReviewState`` sums what the decisions did (aggregates, for stderr, the method
and the audit) and lists the decisions whose hit no longer exists.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from foidesk.casework.decisions import ACCEPT, CLEAR, REJECT, Decision
from foidesk.search import arrays
from foidesk.search.lexicon import CERTAIN, Platform, Rule, counts_in

SET_ASIDE = "set aside"
REJECTED = "rejected"
COUNTED = "counted"
UNDECIDED = "undecided"
STATUSES = (COUNTED, UNDECIDED, REJECTED, SET_ASIDE)


@dataclass(frozen=True)
class SetAside:
    """What the record conditions removed: (crime, term) rows, and crimes left with none."""

    rows: int = 0
    crimes: int = 0


@dataclass(frozen=True)
class ReviewState:
    """What people's decisions did to the hits that the record conditions let count."""

    hits: int = 0  # hits not set aside
    certain: int = 0
    possible: int = 0
    accepted: int = 0  # hits whose decision is accept (certain or possible)
    rejected: int = 0
    possible_undecided: int = 0
    certain_rejected: int = 0
    possible_accepted: int = 0
    crimes_added: int = 0  # counted only because a possible hit was accepted
    crimes_removed: int = 0  # counted by the matcher, not after the rejections
    decisions: int = 0  # decisions in the log (every line, history included)
    stale: tuple[Decision, ...] = ()  # the latest decision of hits that no longer exist

    @property
    def reviewed(self) -> int:
        """Hits a person decided (accepted or rejected)."""
        return self.accepted + self.rejected

    def as_audit(self) -> dict[str, object]:
        """The counts for the audit, and each stale decision's hit."""
        return {
            "hits": self.hits,
            "hits_certain": self.certain,
            "hits_possible": self.possible,
            "hits_reviewed": self.reviewed,
            "hits_accepted": self.accepted,
            "hits_rejected": self.rejected,
            "certain_hits_rejected": self.certain_rejected,
            "possible_hits_accepted": self.possible_accepted,
            "possible_hits_undecided": self.possible_undecided,
            "crimes_added_by_review": self.crimes_added,
            "crimes_removed_by_review": self.crimes_removed,
            "decisions_in_log": self.decisions,
            "decisions_whose_hit_no_longer_exists": [
                {
                    "hit_id": d.hit_id,
                    "decision": d.decision,
                    "crime_ref": d.crime_ref,
                    "term": d.term,
                    "matched": d.matched,
                    "by": d.by,
                    "at": d.at,
                }
                for d in self.stale
            ],
        }


@dataclass(frozen=True)
class Counted:
    """The crime hits the table counts from, each hit's status, and what decided it."""

    crime_hits: pa.Table
    status: pa.Array  # one per evidence row, in its order: one of STATUSES
    decision: pa.Array  # one per evidence row: accept, reject or null
    set_aside: SetAside = field(default_factory=SetAside)
    review: ReviewState = field(default_factory=ReviewState)


@dataclass(slots=True)
class _Pair:
    """What one (crime, term) row's hits are: any counted, any undecided, any certain before
    review (the matcher's verdict), any not set aside by the record conditions."""

    counted: bool = False
    undecided: bool = False
    certain: bool = False
    allowed: bool = False


def count_hits(
    crime_hits: pa.Table,
    evidence: pa.Table,
    platforms: tuple[Platform, ...],
    decisions: Mapping[str, Decision] | None = None,
    decisions_in_log: int = 0,
) -> Counted:
    """Each hit's status and the crime hits that follow from them. ``evidence`` carries
    ``hit_id`` (``counting.hit_ids``); ``decisions`` is the latest decision per hit id."""
    decisions = decisions or {}
    rules: dict[str, tuple[Platform, Rule]] = {r.name: (p, r) for p in platforms for r in p.rules}
    conditioned = any(p.condition or r.condition for p, r in rules.values())
    code_of = (
        {
            (ref, term): code
            for ref, term, code in zip(
                crime_hits.column("crime_ref").to_pylist(),
                crime_hits.column("platform").to_pylist(),
                crime_hits.column("ho_code").to_pylist(),
                strict=True,
            )
        }
        if conditioned
        else {}
    )
    statuses: list[str] = []
    chosen: list[str | None] = []
    rows: dict[tuple[str, str], _Pair] = defaultdict(_Pair)  # (crime, term) -> its hits
    n: Counter[str] = Counter()
    seen: set[str] = set()
    for hit, ref, term, rule, certainty in zip(
        evidence.column("hit_id").to_pylist(),
        evidence.column("crime_ref").to_pylist(),
        evidence.column("platform").to_pylist(),
        evidence.column("rule").to_pylist(),
        evidence.column("certainty").to_pylist(),
        strict=True,
    ):
        seen.add(hit)
        made = decisions.get(hit)
        if made is not None and made.decision == CLEAR:  # withdrawn: no decision holds
            made = None
        chosen.append(made.decision if made else None)
        row = rows[(ref, term)]
        if conditioned and rule in rules and not counts_in(*rules[rule], code_of.get((ref, term))):
            statuses.append(SET_ASIDE)
            continue
        row.allowed = True
        certain = certainty == CERTAIN
        n["hits"] += 1
        n["certain" if certain else "possible"] += 1
        row.certain = row.certain or certain
        if made is not None and made.decision == REJECT:
            n["rejected"] += 1
            n["certain_rejected"] += certain
            statuses.append(REJECTED)
        elif certain or (made is not None and made.decision == ACCEPT):
            if made is not None:
                n["accepted"] += 1
                n["possible_accepted"] += not certain
            statuses.append(COUNTED)
            row.counted = True
        else:
            n["undecided"] += 1
            statuses.append(UNDECIDED)
            row.undecided = True
    kept: list[int] = []  # rows of crime_hits kept, and whether each is counted
    certain_kept: list[int] = []
    set_aside_rows = 0
    before: set[str] = set()
    left: set[str] = set()
    counted_before: set[str] = set()
    counted_after: set[str] = set()
    for i, (ref, term, was_certain) in enumerate(
        zip(
            crime_hits.column("crime_ref").to_pylist(),
            crime_hits.column("platform").to_pylist(),
            crime_hits.column("certain").to_pylist(),
            strict=True,
        )
    ):
        pair = rows.get((ref, term)) or _Pair(certain=was_certain, allowed=True)
        before.add(ref)
        if not pair.allowed:
            set_aside_rows += 1
            continue
        left.add(ref)
        if pair.certain:
            counted_before.add(ref)
        if pair.counted:
            counted_after.add(ref)
        if pair.counted or pair.undecided:
            kept.append(i)
            certain_kept.append(int(pair.counted))
    # built from buffers: pa.array and Table.from_pylist would import pandas (search.arrays)
    table = crime_hits.take(arrays.from_list(kept, pa.int64()))
    table = table.set_column(
        table.schema.get_field_index("certain"),
        table.schema.field("certain"),
        arrays.from_list(certain_kept, pa.int8()).cast(pa.bool_()),
    )
    return Counted(
        crime_hits=table,
        status=arrays.from_list(statuses, pa.string()),
        decision=arrays.from_list(chosen, pa.string()),
        set_aside=SetAside(set_aside_rows, len(before - left)),
        review=ReviewState(
            hits=n["hits"],
            certain=n["certain"],
            possible=n["possible"],
            accepted=n["accepted"],
            rejected=n["rejected"],
            possible_undecided=n["undecided"],
            certain_rejected=n["certain_rejected"],
            possible_accepted=n["possible_accepted"],
            crimes_added=len(counted_after - counted_before),
            crimes_removed=len(counted_before - counted_after),
            decisions=decisions_in_log,
            stale=tuple(d for hit, d in decisions.items() if hit not in seen),
        ),
    )
