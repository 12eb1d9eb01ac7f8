"""A person's decisions on hits: accept or reject (or clear, to withdraw one), kept as an
append-only log in the case.

A decision names one hit by its id (``counting.hit_ids``: made from the hit's content, so it
survives a re-run and a new snapshot of the same records) and says who made it, when, why,
and how the hit was chosen (the ``Selector``: one hit, or in bulk by term, rule, matched text
or crime). The log is ``internal/decisions.jsonl`` in the case folder, one JSON object per
line per hit; nothing is ever rewritten, and for each hit the last decision is the one that
holds (``latest``; a last ``clear`` means none holds). Undo appends the decision that held
before (``undone``). ``counting.counted`` applies them between the engine and the table, every
time the case is answered. Record-level: the log lives under ``internal/`` only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from foidesk.errors import CaseError, RequestError

ACCEPT = "accept"
REJECT = "reject"
CLEAR = "clear"  # withdraws the decision holding: the hit is undecided again
CHOICES = (ACCEPT, REJECT)  # what a review file's decision cell may hold
DECISIONS = (ACCEPT, REJECT, CLEAR)  # what a line of the log may say
UNDO = "undo"  # the key of ``selected_by`` on a decision made by undoing the one before it
LOG_NAME = "decisions.jsonl"  # under a case's internal/


@dataclass(frozen=True)
class Selector:
    """Which hits a decision is about: every given criterion must hold (an AND); at least one
    must be given. ``text`` compares the matched text without regard to case."""

    hit: str | None = None
    term: str | None = None
    rule: str | None = None
    text: str | None = None
    crime: str | None = None

    def __post_init__(self) -> None:
        if not any(self.criteria().values()):
            raise RequestError(
                "say which hits the decision is about: --hit ID, --term T, --rule R, "
                "--text MATCHED or --crime REF"
            )

    def criteria(self) -> dict[str, str]:
        """The criteria given, by name (for the log and messages)."""
        return {k: v for k, v in asdict(self).items() if v}

    def describe(self) -> str:
        """The criteria as the command line writes them: ``--term Instagram --text insta``."""
        return " ".join(f"--{k} {v!r}" for k, v in self.criteria().items())

    def matches(self, hit_id: str, term: str, rule: str, matched: str, crime_ref: str) -> bool:
        """Whether one hit (its id, term, rule, matched text and crime) is selected."""
        return (
            (self.hit is None or hit_id == self.hit)
            and (self.term is None or term.casefold() == self.term.casefold())
            and (self.rule is None or rule == self.rule)
            and (self.text is None or matched.casefold() == self.text.casefold())
            and (self.crime is None or crime_ref == self.crime)
        )


@dataclass(frozen=True)
class Decision:
    """One person's decision on one hit. ``crime_ref``, ``term`` and ``matched`` say what the
    hit was, so a decision whose hit no longer exists can still be reported."""

    hit_id: str
    decision: str  # accept | reject | clear (no decision holds)
    by: str
    at: str  # ISO 8601 with the time zone
    reason: str = ""
    crime_ref: str = ""
    term: str = ""
    matched: str = ""
    selected_by: Mapping[str, str] = field(default_factory=dict)
    source: str = "command line"  # command line | review file <name> | desk

    def __post_init__(self) -> None:
        if self.decision not in DECISIONS:
            raise RequestError(
                f'"{self.decision}" is not accept or reject (or clear, to withdraw a decision)'
            )
        if not self.by.strip():
            raise RequestError("a decision needs the name of who made it (--by NAME)")
        # the name as written, without the whitespace around it (" j.smith" is j.smith)
        object.__setattr__(self, "by", self.by.strip())

    def as_json(self) -> dict[str, Any]:
        """The decision as one line of the log."""
        return asdict(self) | {"selected_by": dict(self.selected_by)}


def now() -> str:
    """The time a decision is made, in UTC to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def latest(decisions: Iterable[Decision]) -> dict[str, Decision]:
    """The decision that holds for each hit: the last one in the log. A hit whose last
    decision is ``clear`` has none (it is undecided again)."""
    out: dict[str, Decision] = {}
    for decision in decisions:
        out[decision.hit_id] = decision
    return {hit: d for hit, d in out.items() if d.decision != CLEAR}


def undone(history: Iterable[Decision]) -> tuple[Decision | None, Decision | None]:
    """For one hit's decisions in the order made: (the decision an undo would withdraw, the
    one it would restore, None for "no decision": clear). An undo (``selected_by`` has
    ``undo``) takes back the decision before it, so undoing again goes further back; the
    first is None when there is nothing left to undo."""
    stack: list[Decision] = []
    for decision in history:
        if decision.selected_by.get(UNDO):
            if stack:
                stack.pop()
        else:
            stack.append(decision)
    if not stack:
        return None, None
    withdrawn = stack.pop()
    restored = stack[-1] if stack and stack[-1].decision != CLEAR else None
    return withdrawn, restored


class DecisionLog:
    """The append-only log of a case's decisions (``internal/decisions.jsonl``)."""

    def __init__(self, internal: Path) -> None:
        self.path = Path(internal) / LOG_NAME

    def read(self) -> list[Decision]:
        """Every decision in the order made; none when the case has no log yet. A line that
        is not a decision is refused naming the file and line (the log is never guessed)."""
        if not self.path.exists():
            return []
        decisions = []
        with self.path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                    decisions.append(Decision(**{k: v for k, v in data.items() if k in _FIELDS}))
                except (ValueError, TypeError, RequestError) as exc:
                    raise CaseError(f"{self.path}: line {number}: not a decision ({exc})") from exc
        return decisions

    def append(self, decisions: Sequence[Decision]) -> None:
        """Add decisions at the end of the log, written whole and flushed to disk."""
        if not decisions:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(
            json.dumps(d.as_json(), ensure_ascii=False, sort_keys=True) + "\n" for d in decisions
        )
        with self.path.open("a", encoding="utf-8") as log:
            log.write(text)
            log.flush()
            os.fsync(log.fileno())


_FIELDS = set(Decision.__dataclass_fields__)
