"""``foidesk layouts``: the coarser layouts of a request's table, before the officer chooses.

Counting the table again in other layouts needs the crime hits the answer counted. With a case
folder they are read from what ``answer --out`` kept (``internal/crime-hits.parquet``, and
the terms from ``internal/audit.json``), with no search; without one the search is run
(``foidesk.answer``, nothing written) with disclosure control off, since only the counts are
needed and protecting a fine table can take minutes. ``counting.layouts`` counts and measures
the layouts; ``layout_lines`` prints them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from foidesk.answering import answer
from foidesk.case_folder import AUDIT_NAME, CRIME_HITS_NAME
from foidesk.casework.periods import periods as make_periods
from foidesk.casework.request import Request, load_request
from foidesk.counting.layouts import OPTIONS, LayoutOption, coarser_layouts
from foidesk.counting.table import build_table
from foidesk.engines.base import Progress
from foidesk.engines.registry import DEFAULT
from foidesk.errors import CaseError


def layouts(
    request: Request | Path | str,
    case: Path | str | None = None,
    *,
    limit: int = OPTIONS,
    engine: str = DEFAULT,
    engine_options: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> list[LayoutOption]:
    """The request's own layout and up to ``limit - 1`` coarser ones
    (``counting.layouts.coarser_layouts``), counted from the case folder ``case``'s crime hits
    when it is given, else from a search run now."""
    if not isinstance(request, Request):
        request = load_request(Path(request))
    if case is None:
        quiet = replace(request, disclosure=replace(request.disclosure, suppress_below=0))
        result = answer(quiet, engine=engine, engine_options=engine_options, progress=progress)
        assert result.crime_hits is not None  # every answer keeps them
        platforms = list(result.audit["lexicon"]["platforms"])
        return coarser_layouts(request, result.crime_hits, None, platforms, limit=limit)
    internal = Path(case) / "internal"
    hits_path, audit_path = internal / CRIME_HITS_NAME, internal / AUDIT_NAME
    for path in (hits_path, audit_path):
        if not path.is_file():
            raise CaseError(
                f"{path}: missing: answer the request with foidesk answer --out {case} "
                "(or leave out --case to run the search now)"
            )
    crime_hits = pq.read_table(hits_path)
    audit = json.loads(audit_path.read_text(encoding="utf-8"))
    platforms = list(audit.get("lexicon", {}).get("platforms", []))
    published = audit.get("counts", {}).get("table_grand_total")
    periods = make_periods(request.date_from, request.date_to, request.columns)
    counted = build_table(crime_hits, request, periods, platforms).grand_total.total
    if counted != published:
        raise CaseError(
            f"{audit_path}: the case's table has a grand total of {published}, but its crime "
            f"hits counted for {request.path} give {counted}: the case answered another "
            "request, or the request's population or terms changed since; answer it again "
            "(answer --replace) or leave out --case"
        )
    return coarser_layouts(request, crime_hits, None, platforms, limit=limit)
