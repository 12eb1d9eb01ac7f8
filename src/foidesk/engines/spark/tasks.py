"""What runs inside Spark's Python workers: reading a raw extract's rows, and the matcher.

Both are ``mapInArrow`` functions built on the driver from plain data (column names, the
lexicon, the day of the run) and run by each executor over its own Arrow batches, so no
record reaches the driver:

- ``canonical_batches`` reads a raw Parquet extract's rows with the one statement of how a
  standard extract is read (``engines.duckdb.sources.canonical_select``: trimming, codes,
  statuses, dates in the accepted formats only) and of what makes a row unusable
  (``UNUSABLE_CHECKS``), run by DuckDB inside the task over the batch (zero-copy), so both
  engines read a file's values by the same SQL;
- ``match_batches`` puts the text of the population's copies through ``Matcher``, compiled once
  per Python worker from the lexicon's data (Hyperscan databases are specific to a CPU).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pyarrow as pa

from foidesk.engines.base import EvidenceBuilder, note_fields
from foidesk.search.lexicon import Lexicon
from foidesk.search.matcher import Matcher

ROW = "__row"  # the record's position in its file (Spark's _metadata.row_index)
GATHER_ROWS = 100_000  # rows canonicalised by one DuckDB statement (``_gathered``)
SYSTEM_VALUE = "system_value"  # a raw extract's own system column, trimmed
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


def out_schema(checks: int) -> pa.Schema:
    """``CANONICAL_OUT`` with a flag for each of ``checks`` unusable checks."""
    return pa.schema([*CANONICAL_OUT, *[(f"bad_{k}", pa.bool_()) for k in range(checks)]])


def canonical_batches(
    path: str, system_column: str | None, run_day: date, nanos: dict[str, str] | None = None
) -> Any:  # Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]
    """A ``mapInArrow`` function: a raw extract's batches (its columns and ``ROW``) to its
    canonical columns and unusable flags (``out_schema``). ``path`` names the file in errors;
    ``run_day`` is the driver's day of the run (the last recorded date in range); ``nanos``:
    the columns of nanosecond timestamps Spark read as integers, with their zone ("" for
    none), made timestamps again before the statement reads them."""
    retype = {n: pa.timestamp("ns", tz or None) for n, tz in (nanos or {}).items()}

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import duckdb

        from foidesk.engines.duckdb.sources import (
            UNUSABLE_CHECKS,
            canonical_select,
            ident,
            set_run_day,
        )

        con = duckdb.connect()
        con.execute("SET threads = 1")  # Spark gives each task its core
        con.execute("SET TimeZone = 'UTC'")  # as the embedded engine: a zoned time in UTC
        set_run_day(con, run_day)
        schema = out_schema(len(UNUSABLE_CHECKS))
        query = None
        for gathered in _gathered(batches):
            batch = gathered
            if retype:
                batch = pa.RecordBatch.from_arrays(
                    [
                        c.view(retype[n]) if n in retype else c
                        for n, c in zip(gathered.schema.names, gathered.columns, strict=True)
                    ],
                    names=gathered.schema.names,
                )
            if query is None:
                names = [n for n in batch.schema.names if n != ROW]
                types = {n: str(batch.schema.field(n).type) for n in names}
                select, _fields, _mapping = canonical_select(path, names, types, require_text=False)
                system = (
                    f"nullif(trim(CAST({ident(system_column)} AS VARCHAR)), '')"
                    if system_column
                    else "NULL::VARCHAR"
                )
                flags = ", ".join(
                    f"coalesce({condition}, false) AS bad_{k}"
                    for k, (_f, condition, _m) in enumerate(UNUSABLE_CHECKS)
                )
                query = (
                    f"SELECT *, {flags} FROM (SELECT {ident(ROW)} AS record_no, "
                    f"{', '.join(select)}, {system} AS {SYSTEM_VALUE} FROM batch_rows)"
                )
            con.register("batch_rows", batch)
            table = con.sql(query).to_arrow_table()
            con.unregister("batch_rows")
            yield from table.cast(schema).to_batches()

    return run


def _gathered(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``batches`` joined into batches of at least ``GATHER_ROWS`` rows (the last one fewer):
    DuckDB plans the canonical statement once a batch, about 20 ms, which on Spark's batches
    of 10,000 rows doubled the cost of reading them (measured: 1.40 s against 0.77 s of CPU
    for 290,000 rows)."""
    held: list[pa.RecordBatch] = []
    rows = 0
    for batch in batches:
        held.append(batch)
        rows += batch.num_rows
        if rows >= GATHER_ROWS:
            yield pa.Table.from_batches(held).combine_chunks().to_batches()[0]
            held, rows = [], 0
    if rows:
        yield pa.Table.from_batches(held).combine_chunks().to_batches()[0]


def _worker_matcher(lexicon: Lexicon, platforms: tuple[str, ...]) -> Matcher:
    """The matcher for this Python worker, compiled once from the lexicon's data that the
    driver sent (Hyperscan databases are CPU-specific, so each worker compiles its own)."""
    key = (lexicon, platforms)
    if key not in _MATCHERS:
        _MATCHERS[key] = Matcher(lexicon, list(lexicon.select(list(platforms))))
    return _MATCHERS[key]


def match_batches(
    lexicon: Lexicon,
    platforms: tuple[str, ...],
    system: str,
    fields: tuple[str, ...],
    notes: bool,
) -> Any:
    """A ``mapInArrow`` function: record batches of (crime_ref, then the text of each of
    ``fields`` in order, whatever the columns' names), or of a snapshot's notes (crime_ref,
    entry, text), to evidence."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        matcher = _worker_matcher(lexicon, platforms)
        for batch in batches:
            evidence = EvidenceBuilder()
            refs = batch.column("crime_ref")
            names = ["text"] if notes else list(fields)
            for i, name in enumerate(names):
                # a field's text is the column after the reference, in the fields' order
                texts = batch.column("text" if notes else i + 1)
                hits = matcher.match_array(texts, "note" if notes else name)
                entries = batch.column("entry") if notes else None
                evidence.add_hits(
                    refs,
                    system,
                    hits,
                    texts,
                    name if entries is None else note_fields(entries, hits),
                )
            yield evidence.batch()

    return run
