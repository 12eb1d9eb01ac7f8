"""A case folder opened for review: its hits, and the decisions people make on them.

``open_case`` reads what ``answer`` wrote under ``internal/`` (the evidence with each hit's
id, status and context; the audit, which names the request) and the decisions log.
``decide`` records one person's accept, reject or clear (withdraw the decision holding) on the
hits a ``Selector`` picks, appended to the log under the case's lock, and says how many hits
it changed; ``undo`` appends the decision that held before a hit's last one. A decision changes the
table when the case is answered again (``answer --replace`` applies the log).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from foidesk.case_folder import AUDIT_NAME, CRIME_HITS_NAME, EVIDENCE_NAME, case_lock
from foidesk.casework.decisions import (
    CLEAR,
    UNDO,
    Decision,
    DecisionLog,
    Selector,
    latest,
    now,
    undone,
)
from foidesk.casework.request import Request, load_request
from foidesk.errors import CaseError, RequestError


@dataclass(frozen=True)
class ReviewCase:
    """A case answered: where it is, its evidence (one row per hit) and its audit."""

    folder: Path
    evidence: pa.Table
    audit: dict[str, Any]

    @property
    def internal(self) -> Path:
        """The case's ``internal/`` folder."""
        return self.folder / "internal"

    @property
    def log(self) -> DecisionLog:
        """The case's decisions log."""
        return DecisionLog(self.internal)

    def decisions(self) -> list[Decision]:
        """Every decision in the log, in the order made."""
        return self.log.read()

    def crime_hits(self) -> pa.Table:
        """The rows the published table was counted from."""
        path = self.internal / CRIME_HITS_NAME
        if not path.exists():
            raise CaseError(f"{path}: missing: answer the case again (answer --replace)")
        return pq.read_table(path)

    def request(self) -> Request:
        """The request the case answered (the file the audit names)."""
        path = Path(self.audit.get("request", {}).get("path", ""))
        if not path.is_file():
            raise CaseError(
                f"{self.internal / AUDIT_NAME}: the request it names ({path}) is not there"
            )
        return load_request(path)

    def hits(self) -> list[dict[str, Any]]:
        """The hits, one dict per evidence row."""
        return self.evidence.to_pylist()


def open_case(folder: Path | str) -> ReviewCase:
    """Open an answered case folder; one line naming what is missing otherwise."""
    folder = Path(folder)
    internal = folder / "internal"
    evidence_path, audit_path = internal / EVIDENCE_NAME, internal / AUDIT_NAME
    if not internal.is_dir():
        raise CaseError(f"{folder}: not a case folder (no internal/): answer the request first")
    for path in (evidence_path, audit_path):
        if not path.is_file():
            raise CaseError(f"{path}: missing: answer the case again (answer --replace)")
    evidence = pq.read_table(evidence_path)
    if "hit_id" not in evidence.column_names:
        raise CaseError(
            f"{evidence_path}: made by an older foidesk, without hit ids: answer the case again "
            "(answer --replace)"
        )
    audit = json.loads(audit_path.read_text(encoding="utf-8"))
    return ReviewCase(folder, evidence, audit)


@dataclass(frozen=True)
class Decided:
    """What one ``decide`` did: hits selected, and how many of them it changed (the others
    already had that decision)."""

    selected: int
    changed: int
    decisions: tuple[Decision, ...]


def selected_hits(case: ReviewCase, selector: Selector) -> list[dict[str, Any]]:
    """The case's hits the selector picks, in evidence order. A hit set aside by the record
    conditions is never picked: no decision can make it count."""
    return [
        hit
        for hit in case.hits()
        if hit.get("status") != "set aside"
        and selector.matches(
            hit["hit_id"], hit["platform"], hit["rule"], hit["text"], hit["crime_ref"]
        )
    ]


def decide(
    folder: Path | str,
    choice: str,
    selector: Selector,
    *,
    by: str,
    reason: str = "",
    source: str = "command line",
) -> Decided:
    """Record ``choice`` (accept, reject, or clear: no decision holds) by ``by`` on every hit
    ``selector`` picks. A selector that picks no hit is refused in one line; hits that already
    have this decision (for clear: no decision) are not written again."""
    case = open_case(folder)
    hits = selected_hits(case, selector)
    if not hits:
        raise RequestError(f"{case.folder}: no hit matches {selector.describe()}")
    when = now()
    wanted = [
        Decision(
            hit_id=hit["hit_id"],
            decision=choice,
            by=by,
            at=when,
            reason=reason,
            crime_ref=hit["crime_ref"],
            term=hit["platform"],
            matched=hit["text"],
            selected_by=selector.criteria(),
            source=source,
        )
        for hit in hits
    ]
    made = _append_new(case, wanted, lambda held, new: held.decision != new.decision)
    return Decided(len(hits), len(made), tuple(made))


def record(folder: Path | str, decisions: Sequence[Decision]) -> int:
    """Append decisions made elsewhere (a review file, the desk) under the case's lock; those
    that repeat the decision and reason already holding for their hit are left out. Returns
    how many were written."""
    made = _append_new(
        open_case(folder),
        decisions,
        lambda held, new: (held.decision, held.reason) != (new.decision, new.reason),
    )
    return len(made)


def would_change(
    held: dict[str, Decision], hits: Sequence[dict[str, Any]], choice: str
) -> list[dict[str, Any]]:
    """The hits a decision ``choice`` would change, given the decisions holding: those
    whose holding decision is another (for clear: those with one)."""
    out = []
    for hit in hits:
        current = held.get(hit["hit_id"])
        if (current.decision if current else CLEAR) != choice:
            out.append(hit)
    return out


def undo(folder: Path | str, hit_id: str, *, by: str, source: str = "command line") -> Decision:
    """Take back the last decision on hit ``hit_id``: append the decision that held before it
    (with its reason), or ``clear`` when none did. Undoing again goes further back. Refused
    in one line for a hit that is not the case's or has nothing to undo."""
    case = open_case(folder)
    hit = next((h for h in selected_hits(case, Selector(hit=hit_id))), None)
    if hit is None:
        raise RequestError(f"{case.folder}: no hit {hit_id} in this case")
    with case_lock(case.folder):
        history = [d for d in case.decisions() if d.hit_id == hit_id]
        withdrawn, restored = undone(history)
        if withdrawn is None:
            raise RequestError(f"{case.folder}: hit {hit_id} has no decision to undo")
        made = Decision(
            hit_id=hit_id,
            decision=restored.decision if restored else CLEAR,
            by=by,
            at=now(),
            reason=restored.reason if restored else "",
            crime_ref=hit["crime_ref"],
            term=hit["platform"],
            matched=hit["text"],
            selected_by={"hit": hit_id, UNDO: withdrawn.at},
            source=source,
        )
        case.log.append([made])
    return made


def _append_new(
    case: ReviewCase,
    decisions: Sequence[Decision],
    differs: Callable[[Decision, Decision], bool],
) -> list[Decision]:
    """Append, under the case's lock, the decisions on hits with no decision yet or whose
    decision ``differs`` from the one holding (a clear only on a hit with one); returns those
    written."""
    with case_lock(case.folder):
        current = latest(case.decisions())
        made = [
            d
            for d in decisions
            if (
                d.decision != CLEAR if (held := current.get(d.hit_id)) is None else differs(held, d)
            )
        ]
        case.log.append(made)
    return made
