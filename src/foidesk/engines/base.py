"""The engine interface: what an engine is given, what it returns, what all engines share.

An engine moves data: it reads the sources, settles the population by the rules of
``engines.population``, streams the text through the ``Matcher`` it is handed and returns
record-level results (``EngineResult``: internal only, never seen by ``release/``) plus
aggregate coverage. It counts nothing of its own beyond that: ``counting.table`` counts
distinct crimes per cell from ``crime_hits``, the same for every engine.

Engines are plugins: each is a class registered in the Python entry-point group
``foidesk.engines`` (``engines.registry``), built with keyword options (strings from the
command line's ``--engine-option KEY=VALUE``) and run with a request, a matcher and a
``Progress`` callback. This module holds what they share: the result types, the evidence
schema and its order, the stage counts and timings, the errors they raise about sources.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np
import pyarrow as pa

from foidesk.casework.request import Request, SourceSpec
from foidesk.engines.labels import LabelFact
from foidesk.errors import SourceError
from foidesk.search import arrays
from foidesk.search.matcher import Hit, Matcher

# One row per (crime in the population, platform it mentions), with the winning copy's fields;
# ``certain``: whether any of its hits of the platform is certain (the table counts those; a
# crime whose hits are all possible waits for a person's decision)
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
        ("certain", pa.bool_()),
    ]
)

# The order of the evidence rows, in every engine
EVIDENCE_ORDER = ("crime_ref", "system", "field", "start", "platform")

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
        ("certainty", pa.string()),
        ("before", pa.string()),  # up to CONTEXT characters of the field before the match
        ("after", pa.string()),  # and after it: what a reviewer reads (internal only)
    ]
)

# characters of context kept on each side of a hit, for a person reviewing it
CONTEXT = 120


def no_free_text(paths: list[str]) -> SourceError:
    """The error when no source has free text: searching would only report zero."""
    return SourceError(
        f"no source has free text to search ({', '.join(paths)}): a free-text search cannot be "
        "run on structured data such as police.uk open data, and would only report zero"
    )


def no_text_column(path: object) -> SourceError:
    """The error for a standard extract with no free-text column."""
    return SourceError(f"{path}: no free-text column (a column named 'text' or 'text_<name>')")


def several_systems(path: object, systems: Collection[str]) -> SourceError:
    """The error for a standard extract whose ``system`` column names more than one system:
    each system must be its own source, so that the later system's copy of a crime can win."""
    return SourceError(
        f"{path}: holds records of {len(systems)} systems "
        f"({', '.join(sorted(systems)[:5])}): give each system its own file and "
        "[[source]] (or ingest each), so that the later system's copy can win"
    )


def no_offence_codes(path: object, request: Request) -> SourceError:
    """The error for a source with no Home Office codes, when the population is chosen by them."""
    return SourceError(
        f"{path}: no ho_code values: the population "
        f"({', '.join(request.offence_terms)}) is chosen by Home Office offence code"
    )


def note_fields(entries: pa.Array, hits: Sequence[Hit]) -> Callable[[Hit], str]:
    """The evidence field of each hit in a snapshot's notes, "note <entry>" (``entries``: the
    batch's entry column; the hits' entries taken from Arrow once)."""
    names = entries.take(arrays.integers(np.asarray([h.row for h in hits], np.int64)))
    by_row = {h.row: f"note {name}" for h, name in zip(hits, names.to_pylist(), strict=True)}
    return lambda hit: by_row[hit.row]


class EvidenceBuilder:
    """Collects hits as evidence columns; both engines build their evidence with it."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in EVIDENCE_SCHEMA.names}

    def add(
        self, crime_ref: str, system: str, hit: Hit, field: str, text: str | None = None
    ) -> None:
        """One hit of ``crime_ref``'s copy in ``system``; ``field`` names where it was and
        ``text`` is that field's text (the context a reviewer reads around the match)."""
        before = text[max(0, hit.start - CONTEXT) : hit.start] if text else None
        after = text[hit.end : hit.end + CONTEXT] if text else None
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
            hit.certainty,
            before,
            after,
        )
        for name, value in zip(EVIDENCE_SCHEMA.names, values, strict=True):
            self.columns[name].append(value)

    def add_hits(
        self,
        refs: pa.Array,
        system: str,
        hits: Sequence[Hit],
        texts: pa.Array,
        field: str | Callable[[Hit], str],
    ) -> list[int]:
        """Every hit ``matcher.match_array(texts, ...)`` found, its crime in ``refs`` (a row
        of the same batch): ``add`` for each, the rows' values taken from Arrow once for all
        of them, not one scalar at a time. ``field``: the name of the field, or the name of
        each hit's. Returns the rows of the hits, in order (the engine keeps their copies)."""
        rows = [hit.row for hit in hits]
        if not rows:
            return rows
        taken = arrays.integers(np.asarray(rows, dtype=np.int64))
        ref_values = refs.take(taken).to_pylist()
        text_values = texts.take(taken).to_pylist()
        for hit, ref, text in zip(hits, ref_values, text_values, strict=True):
            self.add(ref, system, hit, field if isinstance(field, str) else field(hit), text)
        return rows

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

    @property
    def key(self) -> tuple[str, int]:
        """(system, period): the row's place in the coverage."""
        return (self.system, self.period)


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
    rows_quarantined: int = 0  # a snapshot's rows that ingest could not read (not searched)
    notes_quarantined: int = 0  # a snapshot's notes that ingest could not read
    orphan_notes: int = 0  # a snapshot's notes for a crime it does not hold


@dataclass
class EngineResult:
    """Record-level results of one run: internal only, never handed to the public writers."""

    crime_hits: pa.Table
    evidence: pa.Table
    coverage: list[CoverageRow]
    overlaps: dict[str, int]  # "Legacy+Athena" -> crimes in the population held by both
    sources: list[SourceReport]
    stages: dict[str, int] = field(default_factory=dict)  # counts at each stage (audit)
    engine: dict[str, Any] = field(default_factory=dict)  # name, versions, settings (audit)
    timings: StageTimings = field(default_factory=lambda: StageTimings())
    # every label bound for public/ (engines.labels), with the population crimes carrying it
    # and any crime reference found in it; None: the engine did not check (the answer refuses)
    label_facts: tuple[LabelFact, ...] | None = None
    rows_in_window: int = 0  # rows of every source whose date is in the window
    # ho_code value -> rows in the window; filled at least when the population is empty or a
    # value is not in the Home Office notation (engines.population.PopulationRules.odd_code)
    codes_in_window: dict[str, int] = field(default_factory=dict)


def unreadable_notes(manifest: dict[str, Any]) -> tuple[int, int]:
    """A snapshot's notes ingest could not read, and its orphan notes (no crime of that
    reference in the snapshot): neither was searched."""
    notes = manifest.get("notes") or {}
    unread = sum(int(s.get("rows_quarantined_on_read", 0)) for s in notes.get("sources", []))
    return unread, int(notes.get("orphan_notes", 0))


def unreadable_rows(manifest: dict[str, Any]) -> int:
    """Rows a snapshot's ingest quarantined because they could not be used (not the copies
    superseded by a later copy of the same record, which are quarantined too)."""
    return sum(
        int(s.get("rows_quarantined", 0)) - int(s.get("superseded", 0))
        for s in manifest.get("sources", [])
    )


class Progress(Protocol):
    """How an engine reports progress: one stage at a time (the CLI shows it with Rich, the
    desk's page by polling; an engine imports neither)."""

    def begin(self, label: str, total: int | None = None) -> None:
        """A stage starts; ``total`` units of work when known."""

    def advance(self, units: int) -> None:
        """``units`` more of the stage are done."""

    def end(self) -> None:
        """The stage is over."""


class NoProgress:
    """A ``Progress`` that shows nothing."""

    def begin(self, label: str, total: int | None = None) -> None:
        """Nothing."""

    def advance(self, units: int) -> None:
        """Nothing."""

    def end(self) -> None:
        """Nothing."""


@dataclass
class StageTimings:
    """Wall time of an engine's stages, in seconds (None: the engine has no such stage)."""

    load: float | None = None  # reading the sources
    settle: float | None = None  # the population: each crime's winning copy
    search: float | None = None  # the text through the matcher
    total: float | None = None

    def as_dict(self) -> dict[str, float]:
        """The stages timed, rounded to milliseconds (for the audit's ``engine.seconds``)."""
        return {k: round(v, 3) for k, v in self.__dict__.items() if v is not None}


def source_report(
    spec: SourceSpec,
    *,
    sha256: str,
    size_bytes: int,
    rows_read: int,
    text_fields: tuple[str, ...],
    copies_searched: int,
    population_after_dq_date: int,
    has_notes: bool,
    rows_quarantined: int = 0,
    notes_unread: tuple[int, int] = (0, 0),
) -> SourceReport:
    """The report of one source, the same way in every engine."""
    dq = spec.data_quality_from
    return SourceReport(
        path=str(spec.path),
        system=spec.system,
        format=spec.format,
        sha256=sha256,
        size_bytes=size_bytes,
        rows_read=rows_read,
        text_fields=text_fields,
        copies_searched=copies_searched,
        data_quality_from=dq.isoformat() if dq else None,
        population_after_dq_date=population_after_dq_date if dq else 0,
        searchable=bool(text_fields) or has_notes,
        has_notes=has_notes,
        rows_quarantined=rows_quarantined,
        notes_quarantined=notes_unread[0],
        orphan_notes=notes_unread[1],
    )


class Engine(Protocol):
    """An engine: built with keyword options, run once per request.

    ``run`` reads the request's sources, settles the population by
    ``engines.population.PopulationRules``, streams every counted copy's text through
    ``matcher`` (the lexicon it is handed, not one reloaded from a path) and returns the
    record-level ``EngineResult``. It raises ``FoideskError`` subclasses for what a user can
    fix. ``engines/duckdb`` is the reference implementation; ``docs/engines.md`` says how to
    write and register a third.
    """

    name: ClassVar[str]

    def run(self, request: Request, matcher: Matcher, progress: Progress) -> EngineResult:
        """Read, filter, match and return record-level results."""
        ...
