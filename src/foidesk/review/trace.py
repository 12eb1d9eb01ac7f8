"""``foidesk review trace``: the crimes and hit ids behind every cell of a case's table.

Rebuilds the published table from what the answer kept (``internal/crime-hits.parquet``, the
evidence with each hit's status, the request) with the same ``counting.table.build_table``,
checks it is the table that was published, and writes ``internal/trace.csv``
(``counting.trace``). Decisions made since the case was last answered are not in the
published table, so they are not in the trace either: ``Traced.pending`` says how many.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from foidesk.case_folder import AUDIT_NAME
from foidesk.casework.periods import periods as make_periods
from foidesk.counting.table import build_table
from foidesk.counting.trace import counted_hit_ids, trace_csv
from foidesk.errors import CaseError
from foidesk.release.publish import write_text
from foidesk.review.case import open_case

TRACE_NAME = "trace.csv"


@dataclass(frozen=True)
class Traced:
    """The trace written: where, how many lines (one per cell and crime), the table's grand
    total, and the decisions in the log not yet applied by an answer."""

    path: Path
    lines: int
    grand_total: int
    pending: int


def write_trace(folder: Path | str) -> Traced:
    """Write ``internal/trace.csv`` for the case in ``folder``."""
    case = open_case(folder)
    request = case.request()
    terms = list(case.audit["lexicon"]["platforms"])
    periods = make_periods(request.date_from, request.date_to, request.columns)
    crimes: dict[tuple[str, ...], list[set[str]]] = {}
    table = build_table(case.crime_hits(), request, periods, terms, crimes=crimes)
    published = case.audit["counts"]["table_grand_total"]
    if table.grand_total.total != published:
        raise CaseError(
            f"{case.internal / AUDIT_NAME}: the table rebuilt from the case's files has a grand "
            f"total of {table.grand_total.total}, not the {published} published: the request "
            "file changed since the answer; answer the case again (answer --replace)"
        )
    text = trace_csv(table, crimes, counted_hit_ids(case.evidence), terms)
    path = case.internal / TRACE_NAME
    write_text(path, text)
    path.chmod(0o600)
    applied = int(case.audit.get("review", {}).get("decisions_in_log", 0))
    return Traced(path, text.count("\n") - 1, published, len(case.decisions()) - applied)
