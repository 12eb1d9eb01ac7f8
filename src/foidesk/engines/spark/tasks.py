"""What runs inside Spark's Python workers: reading a source's rows and searching their text.

Each is a ``mapInArrow`` function built on the driver from plain data (the file's path and
columns, the lexicon, the day of the run) and run by each executor, so no record reaches the
driver:

- ``source_batches`` reads its task's row groups of a source's Parquet file with pyarrow, where
  the file lies (Spark's own reader would pass every value through the JVM's rows to Python
  and back). A raw extract's rows are made canonical by the one statement of how a standard
  extract is read (``engines.duckdb.sources.canonical_select`` and ``text_select``: trimming,
  codes, statuses, dates in the accepted formats only, text as the embedded engine reads it)
  and of what makes a row unusable (``UNUSABLE_CHECKS``), run by DuckDB inside the task over
  the batch (zero-copy), so both engines read a file's values by the same SQL. In the same
  pass, the text of every row goes through ``Matcher`` (compiled once per Python worker from
  the lexicon's data: Hyperscan databases are specific to a CPU), and each row leaves the
  task with its hits (``HITS``: a list of evidence rows, null for a row with none) instead of
  its text: the text is read once and never shuffled, and the driver's plan keeps the hits
  of the copies the population rules search;
- ``match_batches`` searches a snapshot's notes (one row per log entry).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from foidesk.engines.base import EVIDENCE_SCHEMA, EvidenceBuilder, note_fields
from foidesk.search.lexicon import Lexicon
from foidesk.search.matcher import Matcher

ROW = "__row"  # a record's position in its file: its row group's first row plus its place
# rows a task reads and makes canonical at a time: DuckDB plans the statement once a batch,
# about 20 ms, which on batches of 10,000 rows doubled the cost of reading them (measured:
# 1.40 s against 0.77 s of CPU for 290,000 rows)
GATHER_ROWS = 100_000
SYSTEM_VALUE = "system_value"  # a raw extract's own system column, trimmed
HITS = "hits"  # a row's hits: a list of evidence rows (EVIDENCE_SCHEMA), null for none
HITS_TYPE = pa.list_(pa.struct(list(EVIDENCE_SCHEMA)))
# the columns a raw extract's rows become (with one flag per unusable check, ``bad_<i>``)
CANONICAL_OUT = pa.schema(
    [
        ("record_no", pa.int64()),
        ("crime_ref", pa.string()),
        ("recorded_date", pa.date32()),
        ("recorded_date_raw", pa.string()),
        ("offence", pa.string()),
        ("ho_code", pa.string()),
        ("outcome", pa.string()),
        ("ho_outcome", pa.string()),
        ("status", pa.string()),
        (SYSTEM_VALUE, pa.string()),
    ]
)

_MATCHERS: dict[tuple[Lexicon, tuple[str, ...]], Matcher] = {}


def text_column(i: int) -> str:
    """The name of a source's ``i``-th text field in a task's batches (by position: PySpark's
    ``mapInArrow`` names its input columns unquoted, so a name with a dot, text_mo.2, would
    be read as a struct's field)."""
    return f"__text_{i}"


@dataclass(frozen=True)
class Search:
    """What a task searches a source's text with: the lexicon and platforms (the matcher is
    compiled from them on the worker), the source's system, and its text fields (canonical
    names, in the order of the batches' ``text_column`` columns)."""

    lexicon: Lexicon
    platforms: tuple[str, ...]
    system: str
    fields: tuple[str, ...]


def canonical_schema(checks: int) -> pa.Schema:
    """``CANONICAL_OUT`` with a flag for each of ``checks`` unusable checks."""
    return pa.schema([*CANONICAL_OUT, *[(f"bad_{k}", pa.bool_()) for k in range(checks)]])


def out_schema(checks: int) -> pa.Schema:
    """What a source's rows become: ``canonical_schema`` and each row's ``HITS``."""
    return canonical_schema(checks).append(pa.field(HITS, HITS_TYPE))


@dataclass(frozen=True)
class SourceRead:
    """How a task reads its part of one source's Parquet file (``path``, as every executor
    sees it): the key columns and text columns to read (``texts``: the file's names of the
    ``Search``'s fields), and for a raw extract (``raw``) its ``system`` column and the day of
    the run (the last recorded date in range); a snapshot's rows are canonical already."""

    path: str
    keys: tuple[str, ...]
    texts: tuple[str, ...]
    search: Search
    raw: bool
    system_column: str | None = None
    run_day: date | None = None


# a task's share of a source: Parquet row groups (their first row's position in the file)
SPLIT_SCHEMA = pa.schema([("row_group", pa.int32()), ("first_row", pa.int64())])


def source_batches(read: SourceRead, checks: int, batch_rows: int = GATHER_ROWS) -> Any:
    """A ``mapInArrow`` function: batches of splits (``SPLIT_SCHEMA``) to the rows of those
    row groups of ``read.path`` as ``out_schema(checks)``, read by this task with pyarrow
    (Spark's own reader would pass every value through the JVM's rows, there and back), at
    most ``batch_rows`` rows at a time (a row group may be read in several batches)."""

    def run(splits: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow.parquet as pq

        texts = [text_column(i) for i in range(len(read.texts))]
        rows = _canonical_rows(read, checks) if read.raw else _snapshot_rows(checks, texts)
        # INT96 timestamps (Spark's, Hive's and Impala's old default) in microseconds, as
        # DuckDB reads them: in nanoseconds a date before 1677 or after 2262 would wrap
        # silently into range instead of being refused as the embedded engine refuses it
        parquet = pq.ParquetFile(read.path, coerce_int96_timestamp_unit="us")
        for split in splits:
            for group, first in zip(
                split.column("row_group").to_pylist(),
                split.column("first_row").to_pylist(),
                strict=True,
            ):
                for named in group_batches(parquet, read, int(group), int(first), batch_rows):
                    canonical, text = rows(named)
                    yield from _with_hits(canonical, text, read.search).to_batches()

    return run


def group_batches(
    parquet: Any, read: SourceRead, group: int, first: int, batch_rows: int = GATHER_ROWS
) -> Iterator[pa.RecordBatch]:
    """Row group ``group`` of ``parquet`` (a ``pyarrow.parquet.ParquetFile``; the group's
    first row is at position ``first`` in the file) in batches of at most ``batch_rows``:
    ``read``'s key columns, ``ROW`` (each row's position) and its texts as ``text_column``s."""
    texts = [text_column(i) for i in range(len(read.texts))]
    position = first
    for batch in parquet.iter_batches(
        batch_size=batch_rows,
        row_groups=[group],
        columns=list(dict.fromkeys([*read.keys, *read.texts])),
        use_threads=False,
    ):
        yield pa.RecordBatch.from_arrays(
            [
                *[batch.column(k) for k in read.keys],
                pa.array(np.arange(position, position + batch.num_rows)),
                *[batch.column(t) for t in read.texts],
            ],
            names=[*read.keys, ROW, *texts],
        )
        position += batch.num_rows


def _snapshot_rows(checks: int, texts: list[str]) -> Any:
    """A snapshot's rows (its canonical columns, ``ROW`` and texts) as (canonical columns,
    texts): validated by ingest, so no row is unusable."""
    schema = canonical_schema(checks)

    def rows(batch: pa.RecordBatch) -> tuple[pa.Table, pa.Table]:
        table = pa.Table.from_batches([batch])
        count = batch.num_rows
        columns = []
        for field in schema:
            if field.name == "record_no":
                columns.append(batch.column(ROW))
            elif field.name.startswith("bad_"):
                columns.append(pa.array(np.zeros(count, dtype=bool)))
            elif field.name in batch.schema.names:
                columns.append(batch.column(field.name))
            else:  # the date as written, the file's own system: a snapshot has neither
                columns.append(pa.nulls(count, field.type))
        canonical = pa.Table.from_arrays(columns, names=schema.names).cast(schema)
        return canonical, table.select(texts)

    return rows


def _canonical_rows(read: SourceRead, checks: int) -> Any:
    """A raw extract's rows (its key columns, ``ROW`` and texts) as (canonical columns with
    unusable flags, texts): the one statement of how a standard extract is read
    (``canonical_select``, ``text_select``, ``UNUSABLE_CHECKS``), run by DuckDB over the batch
    (zero-copy). Nanosecond timestamps, times of day and every other Parquet type are read by
    pyarrow as the embedded engine's reader reads them."""
    import duckdb

    from foidesk.engines.duckdb.sources import (
        UNUSABLE_CHECKS,
        canonical_select,
        ident,
        set_run_day,
        text_select,
    )

    con = duckdb.connect()
    con.execute("SET threads = 1")  # Spark gives each task its core
    con.execute("SET TimeZone = 'UTC'")  # as the embedded engine: a zoned time in UTC
    set_run_day(con, read.run_day)
    schema = canonical_schema(checks)
    texts = [text_column(i) for i in range(len(read.texts))]
    query: list[str] = []

    def rows(batch: pa.RecordBatch) -> tuple[pa.Table, pa.Table]:
        if not query:
            types = {f.name: str(f.type) for f in batch.schema}
            select, _fields, _mapping = canonical_select(
                read.path, list(read.keys), types, require_text=False
            )
            select += text_select({t: t for t in texts}, tuple(texts), types)
            system = (
                f"nullif(trim(CAST({ident(read.system_column)} AS VARCHAR)), '')"
                if read.system_column
                else "NULL::VARCHAR"
            )
            flags = ", ".join(
                f"coalesce({condition}, false) AS bad_{k}"
                for k, (_f, condition, _m) in enumerate(UNUSABLE_CHECKS)
            )
            # the date as written is kept only where a date check failed: only the message
            # for an unusable row shows it, and each value a task returns costs the JVM
            dated = " OR ".join(
                f"bad_{k}"
                for k, (field, _c, _m) in enumerate(UNUSABLE_CHECKS)
                if field == "recorded_date_raw"
            )
            query.append(
                f"SELECT * REPLACE (CASE WHEN {dated} THEN recorded_date_raw END AS "
                f"recorded_date_raw) FROM (SELECT *, {flags} FROM (SELECT {ident(ROW)} AS "
                f"record_no, {', '.join(select)}, {system} AS {SYSTEM_VALUE} FROM batch_rows))"
            )
        con.register("batch_rows", batch)
        table = con.sql(query[0]).to_arrow_table()
        con.unregister("batch_rows")
        canonical = table.select(schema.names).cast(schema)
        return _first_systems(canonical), table.select(texts)

    return rows


def _with_hits(canonical: pa.Table, texts: pa.Table, search: Search) -> pa.Table:
    """``canonical`` with the ``HITS`` of each row: its text (the columns of ``texts``, the
    fields of ``search`` in order) put through the worker's matcher."""
    matcher = _worker_matcher(search.lexicon, search.platforms)
    evidence = EvidenceBuilder()
    refs = canonical.column("crime_ref")
    rows: list[int] = []
    for field, column in zip(search.fields, texts.columns, strict=True):
        hits = matcher.match_array(column, field)
        rows += evidence.add_hits(refs, search.system, hits, column, field)
    return canonical.append_column(HITS, _per_row(evidence.batch(), rows, canonical.num_rows))


def _per_row(evidence: pa.RecordBatch, rows: list[int], count: int) -> pa.Array:
    """The evidence rows as a list for each of ``count`` rows (``rows``: the row of each
    evidence row), null for a row with none."""
    at = np.asarray(rows, dtype=np.int64)
    order = np.argsort(at, kind="stable")
    per_row = np.bincount(at, minlength=count) if at.size else np.zeros(count, np.int64)
    offsets = np.concatenate([[0], np.cumsum(per_row)]).astype(np.int32)
    values = pa.StructArray.from_arrays(evidence.columns, fields=list(EVIDENCE_SCHEMA)).take(
        pa.array(order)
    )
    return pa.ListArray.from_arrays(
        pa.array(offsets), values, type=HITS_TYPE, mask=pa.array(per_row == 0)
    )


def _first_systems(table: pa.Table) -> pa.Table:
    """``table`` with each value of ``SYSTEM_VALUE`` kept only on the first row holding it: the
    checks need the values a file names (how many, which), not the rows, and each value a
    task returns costs the JVM."""
    values = table.column(SYSTEM_VALUE).combine_chunks()
    codes = values.dictionary_encode().indices.to_numpy(zero_copy_only=False)
    valid = np.asarray(values.is_valid())
    keep = np.zeros(table.num_rows, dtype=bool)
    if valid.any():
        rows = np.flatnonzero(valid)
        _values, first = np.unique(codes[rows], return_index=True)
        keep[rows[first]] = True
    kept = pc.if_else(pa.array(keep), values, pa.scalar(None, pa.string()))
    return table.set_column(table.schema.get_field_index(SYSTEM_VALUE), SYSTEM_VALUE, kept)


def _worker_matcher(lexicon: Lexicon, platforms: tuple[str, ...]) -> Matcher:
    """The matcher for this Python worker, compiled once from the lexicon's data that the
    driver sent (Hyperscan databases are CPU-specific, so each worker compiles its own)."""
    key = (lexicon, platforms)
    if key not in _MATCHERS:
        _MATCHERS[key] = Matcher(lexicon, list(lexicon.select(list(platforms))))
    return _MATCHERS[key]


def match_batches(lexicon: Lexicon, platforms: tuple[str, ...], system: str) -> Any:
    """A ``mapInArrow`` function: a snapshot's notes (crime_ref, entry, text) to evidence."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        matcher = _worker_matcher(lexicon, platforms)
        for batch in batches:
            evidence = EvidenceBuilder()
            texts = batch.column("text")
            hits = matcher.match_array(texts, "note")
            entries = batch.column("entry")
            evidence.add_hits(
                batch.column("crime_ref"), system, hits, texts, note_fields(entries, hits)
            )
            yield evidence.batch()

    return run
