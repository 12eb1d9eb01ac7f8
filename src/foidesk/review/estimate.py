"""``foidesk estimate``: how long a request would take by hand and with foidesk (FOIA s.12).

``estimate`` runs the search (``foidesk.answer``; nothing is written) with a case's decisions
when a case folder is given, so the crimes a person has already read are not counted again,
and returns the answer's ``CostEstimate`` (``counting.cost`` made it; the method statement and
the audit of every answer carry the same figures). ``estimate_lines`` says it in a few plain
lines for the command line and the desk.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from foidesk.answering import answer
from foidesk.case_folder import case_decisions
from foidesk.casework.request import Request
from foidesk.engines.base import Progress
from foidesk.engines.registry import DEFAULT
from foidesk.errors import CaseError
from foidesk.release.cost import (
    CostEstimate,
    crimes_text,
    duration_text,
    hours_text,
    minutes_text,
    pounds_text,
)


def estimate(
    request: Request | Path | str,
    case: Path | str | None = None,
    *,
    engine: str = DEFAULT,
    engine_options: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> CostEstimate:
    """The s.12 estimate of ``request`` (a ``Request`` or a request file), with the decisions
    of the case folder ``case`` (``internal/decisions.jsonl``) applied when it is given."""
    decisions = []
    if case is not None:
        folder = Path(case)
        if not (folder / "internal").is_dir():
            raise CaseError(
                f"{folder}: not a case folder (no internal/): give the folder written by "
                "foidesk answer --out, or leave out --case"
            )
        decisions = case_decisions(folder)
    result = answer(
        request,
        engine=engine,
        engine_options=engine_options,
        progress=progress,
        decisions=decisions,
    )
    assert result.release.cost is not None  # every answer makes one
    return result.release.cost


def estimate_lines(cost: CostEstimate) -> list[str]:
    """The estimate as a few plain lines: foidesk's hours and the crimes to read, reading
    every record for comparison, the quality sample, the limit, over or under, and the
    narrowings that fit."""
    rate = minutes_text(cost.rate_minutes)
    extraction = duration_text(cost.extraction_minutes / 60)
    lines = [
        f"With foidesk: about {duration_text(cost.hours)} "
        f"({crimes_text(cost.crimes_to_read)} with undecided possible mentions to read at "
        f"{rate} each, then {extraction} to extract the figures)",
        f"Reading every record: about {duration_text(cost.every_record_hours)} "
        f"({crimes_text(cost.population)} at {rate} each, then {extraction}; for comparison)",
        f"Quality sample: {crimes_text(cost.sample_unread)} to check, about "
        f"{duration_text(cost.sample_hours)} (not locating, retrieving or extracting: not in "
        "the s.12 figure)",
        f"Limit: {hours_text(cost.limit_hours)} ({pounds_text(cost.limit_pounds)} at "
        f"{pounds_text(cost.hourly_rate)} an hour; {cost.limit_holder.removeprefix('the ')})",
    ]
    spare = cost.limit_hours - cost.hours
    if not cost.over_limit:
        lines.append(f"Within the limit ({duration_text(spare)} to spare)")
        return lines
    verdict = f"Over the limit by {duration_text(-spare)}: "
    verdict += (
        "answered anyway ([cost] answer_over_limit = true)"
        if cost.answer_over_limit
        else "the letter is a refusal notice under s.12 (decide possible hits with foidesk "
        "review to lower it, or give [cost] answer_over_limit = true to answer anyway)"
    )
    lines.append(verdict)
    if cost.narrowings:
        lines.append("Narrowings that fit (advice under s.16):")
        lines += [f"  {d}: about {duration_text(h)}" for d, h in cost.narrowings]
    else:
        lines.append("No narrowing by years, terms or system fits the limit")
    return lines
