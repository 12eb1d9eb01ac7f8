"""Answering a request end to end: the library function behind ``foidesk answer``.

request file -> lexicon and matcher -> engine (record-level results) -> FOI table and
coverage (aggregates) -> letter and method -> case folder (public/ from aggregates only,
internal/ with evidence and audit).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from foidesk import __version__
from foidesk.case_folder import InternalRecord, write_case
from foidesk.casework.deadline import due_date
from foidesk.engines.base import Engine
from foidesk.engines.duckdb.engine import DuckDBEngine
from foidesk.errors import FoideskError
from foidesk.release.letter import method_statement, response_letter
from foidesk.search.lexicon import load_lexicon
from foidesk.search.matcher import Matcher
from foidesk.casework.periods import periods as make_periods
from foidesk.release.gate import Coverage, PublicRelease
from foidesk.casework.request import Request, load_request
from foidesk.release.table import FoiTable, build_table

ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class Answer:
    """What ``answer`` produced: the table, where the case folder is, and the audit."""

    table: FoiTable
    coverage: Coverage
    folders: dict[str, Path]
    audit: dict[str, Any]


def make_engine(name: str, quiet: bool = False, spark_master: str | None = None) -> Engine:
    """The engine called ``name``."""
    if name == "duckdb":
        return DuckDBEngine(quiet=quiet)
    if name == "spark":
        from foidesk.engines.spark.engine import SparkEngine

        return SparkEngine(master=spark_master or "local[*]", quiet=quiet)
    raise FoideskError(f"--engine: unknown engine {name!r} (available: {', '.join(ENGINES)})")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def answer(
    request_path: Path,
    out: Path,
    engine_name: str = "duckdb",
    letter_date: date | None = None,
    quiet: bool = False,
    spark_master: str | None = None,
) -> Answer:
    """Answer the request in ``request_path`` and write the case folder ``out``."""
    started = time.perf_counter()
    request: Request = load_request(request_path)
    lexicon = load_lexicon(request.lexicon, base=request.path.parent)
    try:
        platforms = list(lexicon.select(list(request.terms)))
    except FoideskError as exc:
        raise FoideskError(f"{request.path}: search.terms: {exc}") from exc
    matcher = Matcher(lexicon, platforms)
    lexicon_seconds = time.perf_counter() - started  # reading the request, compiling the lexicon
    engine = (
        make_engine(engine_name, quiet=quiet, spark_master=spark_master)
        if spark_master
        else make_engine(engine_name, quiet=quiet)
    )
    result = engine.run(request, matcher)
    periods = make_periods(request.date_from, request.date_to, request.columns)
    platform_names = [p.name for p in platforms]
    table = build_table(result.crime_hits, request, periods, platform_names)
    coverage = Coverage.from_rows(
        result.coverage, [s.system for s in request.sources], periods, result.overlaps
    )
    method = method_statement(request, platforms, result.sources, coverage)
    letter = response_letter(
        request, table, coverage, result.sources, method, letter_date or date.today()
    )
    deadline = due_date(request.received, request.clarified)
    audit: dict[str, Any] = {
        "tool": {
            "name": "foidesk",
            "version": __version__,
            "hyperscan": package_version("hyperscan"),
        },
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "request": {
            "path": str(request.path),
            "sha256": hashlib.sha256(request.path.read_bytes()).hexdigest(),
            "content": _jsonable(request.raw),
        },
        "deadline": {
            "clock_start": deadline.clock_start.isoformat(),
            "due": deadline.due.isoformat(),
            "skipped_holidays": [[d.isoformat(), n] for d, n in deadline.skipped_holidays],
        },
        "lexicon": {
            "name": lexicon.name,
            "version": lexicon.version,
            "source": lexicon.source,
            "sha256": lexicon.sha256,
            "files": [{"source": f.source, "sha256": f.sha256} for f in lexicon.files],
            "disabled": list(lexicon.disabled),
            "exclusions": [e.name for e in lexicon.exclusions],
            "platforms": platform_names,
            "rules": [r.name for p in platforms for r in p.rules],
        },
        "engine": result.engine,
        "sources": [s.__dict__ | {"text_fields": list(s.text_fields)} for s in result.sources],
        "population": {
            "from": request.date_from.isoformat(),
            "to": request.date_to.isoformat(),
            "offence_codes": list(request.offence_codes),
            "excluded_statuses": ["cancelled", "transferred"],
            "copy_that_wins": request.prefer,
        },
        "counts": result.stages
        | {
            "evidence_rows": result.evidence.num_rows,
            "table_grand_total": table.grand_total.total,
            "crimes_naming_more_than_one_platform": table.multi_platform_crimes,
        },
        "overlaps": result.overlaps,
    }
    release = PublicRelease(table, coverage, method, letter)
    audit["seconds"] = round(time.perf_counter() - started, 3)
    audit["lexicon_seconds"] = round(lexicon_seconds, 3)
    folders = write_case(out, release, InternalRecord(result.evidence, audit))
    return Answer(table, coverage, folders, audit)
