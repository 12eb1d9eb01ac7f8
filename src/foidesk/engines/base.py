"""What every engine returns, and the small interface engines sit behind.

An engine moves data: it reads the sources, filters the population, streams the text through
the shared ``Matcher`` and returns record-level results (``EngineResult``, internal only) plus
aggregate coverage. It does no counting of its own beyond that: ``table.py`` counts distinct
crimes per cell from ``crime_hits``, the same for every engine.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyarrow as pa

from foidesk.search import arrays
from foidesk.errors import FoideskError
from foidesk.search.matcher import Hit, Matcher
from foidesk.casework.request import Request

# One row per (crime in the population, platform it mentions), with the winning copy's fields.
CRIME_HITS_SCHEMA = pa.schema(
    [
        ("crime_ref", pa.string()),
        ("system", pa.string()),
        ("recorded_date", pa.date32()),
        ("period", pa.int32()),
        ("offence", pa.string()),
        ("ho_code", pa.string()),
        ("outcome", pa.string()),
        ("ho_outcome", pa.string()),
        ("platform", pa.string()),
    ]
)

# One row per hit: the evidence behind every count (internal/evidence.parquet).
EVIDENCE_SCHEMA = pa.schema(
    [
        ("crime_ref", pa.string()),
        ("system", pa.string()),
        ("year", pa.int32()),
        ("platform", pa.string()),
        ("field", pa.string()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("text", pa.string()),
        ("rule", pa.string()),
        ("signal", pa.string()),
    ]
)


def no_free_text(paths: list[str]) -> FoideskError:
    """The error when no source has free text: searching would only report zero."""
    return FoideskError(
        f"no source has free text to search ({', '.join(paths)}): a free-text search cannot be "
        "run on structured data such as police.uk open data, and would only report zero"
    )


def several_systems(path: object, systems: Collection[str]) -> FoideskError:
    """The error for a standard extract whose ``system`` column names more than one system:
    each system must be its own source, so that the later system's copy of a crime can win."""
    return FoideskError(
        f"{path}: holds records of {len(systems)} systems "
        f"({', '.join(sorted(systems)[:5])}): give each system its own file and "
        "[[source]] (or ingest each), so that the later system's copy can win"
    )


def no_offence_codes(path: object, request: Request) -> FoideskError:
    """The error for a source with no Home Office codes, when the population is chosen by them."""
    return FoideskError(
        f"{path}: no ho_code values: the population "
        f"({', '.join(request.offence_terms)}) is chosen by Home Office offence code"
    )


class EvidenceBuilder:
    """Collects hits as evidence columns; both engines build their evidence with it."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in EVIDENCE_SCHEMA.names}

    def add(self, crime_ref: str, system: str, hit: Hit, field: str) -> None:
        """One hit of ``crime_ref``'s copy in ``system``; ``field`` names where it was."""
        values = (
            crime_ref,
            system,
            None,
            hit.platform,
            field,
            hit.start,
            hit.end,
            hit.matched,
            hit.rule,
            hit.signal,
        )
        for name, value in zip(EVIDENCE_SCHEMA.names, values, strict=True):
            self.columns[name].append(value)

    def table(self) -> pa.Table:
        """The evidence so far (``year`` is filled in by the engine from the population)."""
        return pa.Table.from_batches([self.batch()], schema=EVIDENCE_SCHEMA)

    def batch(self) -> pa.RecordBatch:
        """The evidence so far as one record batch."""
        return pa.RecordBatch.from_arrays(
            [arrays.from_list(self.columns[f.name], f.type) for f in EVIDENCE_SCHEMA],
            schema=EVIDENCE_SCHEMA,
        )


@dataclass(frozen=True)
class CoverageRow:
    """Records searched and records with a hit, for one system and one period (aggregate)."""

    system: str
    period: int
    records_searched: int
    records_with_hits: int


@dataclass(frozen=True)
class SourceReport:
    """What was read from one source (for the audit and the method statement)."""

    path: str
    system: str
    format: str
    sha256: str
    size_bytes: int
    rows_read: int
    text_fields: tuple[str, ...]
    copies_searched: int
    data_quality_from: str | None
    population_after_dq_date: int
    searchable: bool = True  # False: no free text at all (police.uk open data)
    has_notes: bool = False  # a snapshot's investigation-log entries were searched too


@dataclass
class EngineResult:
    """Record-level results of one run: internal only, never handed to the public writers."""

    crime_hits: pa.Table
    evidence: pa.Table
    coverage: list[CoverageRow]
    overlaps: dict[str, int]  # "Legacy+Athena" -> crimes in the population held by both
    sources: list[SourceReport]
    stages: dict[str, int] = field(default_factory=dict)
    engine: dict[str, Any] = field(default_factory=dict)


class Engine(Protocol):
    """An engine answers a request with a matcher; see ``engine_duckdb.DuckDBEngine``."""

    name: str

    def run(self, request: Request, matcher: Matcher) -> EngineResult:
        """Read, filter, match and return record-level results."""
        ...
