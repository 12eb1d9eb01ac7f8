"""Writing a snapshot: every input row loaded, quarantined with its line and reason, or counted
as an exact duplicate, so that ``rows_read = rows_loaded + rows_quarantined + duplicates``.

The folder is built as ``.<name>.partial-<pid>-<random>`` (mode 0700) beside the destination
and renamed into place only when complete, so an interrupted ingest leaves no snapshot (SIGTERM
and SIGINT remove the folder; the next ingest beside it removes one whose process was killed).
Each source's loaded rows stream in batches (memory stays bounded whatever the input's size)
to a part written as crimes.parquet is written (``CrimesPart``, ``GroupWriter``), with their
lines and references in a keys file; DuckDB, with a memory limit, then settles duplicates from
the keys (reading the rows of repeated references only), and the one part becomes
crimes.parquet as it is, or the parts are written again without the copies not kept:

- the LAST copy of each crime_ref in input order is kept (files in the order given, then by
  line: exports list a record's latest state last);
- an earlier copy identical in every field to the kept one, or to a later copy, is an exact
  duplicate: merged and counted under ``duplicates``;
- the last copy of any other content is quarantined as "superseded", naming the kept line
  (so a record that changed and changed back keeps its latest state).

Notes (a child table, one row per investigation-log entry) are kept in ``notes.parquet``; a
note whose crime is not in the snapshot is quarantined as an orphan, never dropped silently.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import shutil
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from foidesk.errors import SourceError
from foidesk.ingest import fast as fast_csv
from foidesk.ingest.canonicalize import Canonicalizer, NotesCanonicalizer
from foidesk.ingest.hashing import sha256_file
from foidesk.ingest.mapping import Mapping
from foidesk.ingest.readers import open_reader
from foidesk.version import __version__
from foidesk.workspace import (
    make_private_folder,
    memory_exhausted,
    out_of_memory_message,
    remove_folder,
    signals_stop_work,
)

SCHEMA_VERSION = 1
BATCH = 50_000
ROW_GROUP = 122_880  # rows per row group of crimes.parquet (as DuckDB writes them)
# written with dictionaries (the other columns, references and free text, are mostly distinct)
DICTIONARY_COLUMNS = ("recorded_date", "offence", "ho_code", "outcome", "ho_outcome", "status")
MEMORY_LIMIT = "600MB"


@dataclass(frozen=True)
class IngestResult:
    """The snapshot written and its manifest."""

    snapshot: Path
    manifest: dict[str, Any]


def _sql(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class _Quarantine:
    def __init__(self, path: Path) -> None:
        self.file = path.open("w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.file, lineterminator="\n")
        self.writer.writerow(["source", "line", "reason"])
        self.counts: dict[int, int] = {}

    def add(self, source_index: int, source: str, line: int, reason: str) -> None:
        self.writer.writerow([source, line, reason])
        self.counts[source_index] = self.counts.get(source_index, 0) + 1

    def close(self) -> None:
        self.file.close()


class _BatchWriter:
    """Rows (dicts) in batches of BATCH to ``sink``: a ``CrimesPart`` or a ParquetWriter."""

    def __init__(self, sink: Any, schema: pa.Schema) -> None:
        self.schema = schema
        self.sink = sink
        self.rows: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            table = pa.Table.from_pylist(self.rows, schema=self.schema)
            if isinstance(self.sink, CrimesPart):
                self.sink.add(table)
            else:
                self.sink.write_table(table)
            self.rows = []

    def close(self) -> None:
        self.flush()
        if not isinstance(self.sink, CrimesPart):
            self.sink.close()


class GroupWriter:
    """crimes.parquet as every path writes it: row groups of exactly ROW_GROUP rows (the last
    one fewer) whatever the batches that come, each written from one contiguous table, so that
    the same rows make the same bytes; Snappy, dictionaries for the repetitive columns only.
    The encoding and compression run in a thread of their own (pyarrow releases the GIL), so
    they overlap the reading."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        dictionary = [n for n in DICTIONARY_COLUMNS if n in schema.names]
        self.writer = pq.ParquetWriter(
            path, schema, compression="snappy", use_dictionary=dictionary
        )
        self.pending: list[pa.Table] = []
        self.pending_rows = 0
        self.rows = 0
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="foidesk-parquet")
        self.futures: deque[Future[None]] = deque()

    def add(self, table: pa.Table) -> None:
        if not table.num_rows:
            return
        self.rows += table.num_rows
        self.pending.append(table)
        self.pending_rows += table.num_rows
        if self.pending_rows < ROW_GROUP:
            return
        whole = pa.concat_tables(self.pending)
        start = 0
        while whole.num_rows - start >= ROW_GROUP:
            self._submit(whole.slice(start, ROW_GROUP))
            start += ROW_GROUP
        rest = whole.slice(start)
        self.pending = [rest] if rest.num_rows else []
        self.pending_rows = rest.num_rows

    def _submit(self, group: pa.Table) -> None:
        while len(self.futures) >= 2:  # bounded memory: at most two groups waiting
            self.futures.popleft().result()
        self.futures.append(self.pool.submit(self._write, group))

    def _write(self, group: pa.Table) -> None:
        self.writer.write_table(group.combine_chunks(), row_group_size=ROW_GROUP)

    def close(self) -> None:
        """Write what is left and close the file (re-raises a failed write)."""
        try:
            if self.pending_rows:
                self._submit(pa.concat_tables(self.pending))
                self.pending, self.pending_rows = [], 0
            while self.futures:
                self.futures.popleft().result()
        finally:
            self.abort()

    def abort(self) -> None:
        """Stop, leaving the file as it is (the caller removes it)."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.futures.clear()
        self.writer.close()


KEYS_SCHEMA = pa.schema([("_line", pa.int64()), ("crime_ref", pa.string())])


class CrimesPart:
    """One source's loaded rows, in input order: their fields written as crimes.parquet is
    (``GroupWriter``), and their lines and references to a keys file for the duplicate check
    (row k of one is row k of the other). With one source and no duplicates the part becomes
    crimes.parquet as it is: the rows are written once."""

    def __init__(self, folder: Path, index: int, schema: pa.Schema) -> None:
        self.index = index
        self.path = folder / f"crimes-part-{index}.parquet"
        self.keys_path = folder / f"keys-part-{index}.parquet"
        self.names = [n for n in schema.names if not n.startswith("_")]
        self.crimes = GroupWriter(self.path, _fields(schema))
        self.keys = pq.ParquetWriter(
            self.keys_path, KEYS_SCHEMA, compression="none", use_dictionary=False
        )
        self.closed = False

    @property
    def rows(self) -> int:
        return self.crimes.rows

    def add(self, table: pa.Table) -> None:
        """Rows of the staging schema (the fields, ``_source``, ``_line``), in input order."""
        if not table.num_rows:
            return
        self.keys.write_table(
            pa.table([table.column("_line"), table.column("crime_ref")], schema=KEYS_SCHEMA)
        )
        self.crimes.add(table.select(self.names))

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self.crimes.close()
            finally:
                self.keys.close()

    def discard(self) -> None:
        """Stop and remove the files (the source is read again another way)."""
        if not self.closed:
            self.closed = True
            self.crimes.abort()
            self.keys.close()
        self.path.unlink(missing_ok=True)
        self.keys_path.unlink(missing_ok=True)


def _fields(schema: pa.Schema) -> pa.Schema:
    """crimes.parquet's schema: the staging schema without ``_source`` and ``_line``."""
    return pa.schema([f for f in schema if not f.name.startswith("_")])


def ingest(
    inputs: list[str],
    out: Path,
    mapping: Mapping,
    system: str | None = None,
    notes: list[str] | None = None,
    replace: bool = False,
    progress: Callable[[int], None] | None = None,
    check_systems: Callable[[str, set[str]], None] | None = None,
    fast: bool | None = None,
    own_process: bool = False,
) -> IngestResult:
    """Read ``inputs`` (files or connection URLs) with ``mapping`` into the snapshot ``out``.

    ``check_systems(input, names)`` is called as each input has been read, with the distinct
    values of its ``system`` column (empty without one); it may raise to stop the ingest, which
    then leaves nothing behind.

    ``fast``: whether a well-formed UTF-8 CSV file may be read by the fast path (fast.py),
    which gives the same snapshot; None (the default) means yes unless the environment
    variable FOIDESK_INGEST_SLOW=1 is set.

    ``own_process``: the caller owns the process (the ``foidesk ingest`` command): Arrow then
    allocates with the system's allocator and the garbage collector pauses while the fast
    path reads, both process-wide. A library caller (the Spark engine inside ``answer``, the
    desk's threads) leaves both as they are."""
    out = Path(out)
    if out.exists() and not replace:
        raise SourceError(f"{out}: already exists (use --replace to overwrite it)")
    if out.exists() and not (out.is_dir() and (out / "manifest.json").is_file()):
        raise SourceError(f"{out}: is not a snapshot folder: --replace only replaces snapshots")
    system_name = system or mapping.system
    if not system_name:
        raise SourceError("--system: name the record system (or set system in the mapping)")
    out.parent.mkdir(parents=True, exist_ok=True)
    # staged in a private folder .<name>.partial-<pid>-<random> (mode 0700) beside ``out``: a
    # SIGTERM or SIGINT removes it, and the stale ones of an ingest killed outright go first
    allocator = _system_allocator() if own_process else contextlib.nullcontext()
    with signals_stop_work(), allocator:
        staging = make_private_folder(out.parent, f".{out.name}.partial-")
        try:
            manifest = _build(
                inputs,
                staging,
                mapping,
                system_name,
                notes or [],
                progress,
                check_systems,
                fast_csv.enabled(fast),
                own_process,
            )
            (staging / "manifest.json").write_text(
                json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n",
                encoding="utf-8",
            )
            if out.exists():
                shutil.rmtree(out)
            os.replace(staging, out)
        # -- out of memory (issue 11): one SourceError, once the staging folder is removed
        # (removing it may need the failed work's memory back first: remove_folder)
        except Exception as exc:
            culprit = memory_exhausted(exc)
            remove_folder(staging, exc)
            if culprit is None or isinstance(exc, SourceError):
                raise
            raise SourceError(
                out_of_memory_message(
                    culprit,
                    f"while ingesting into {out} (nothing was written)",
                    "",  # ingest has no option that uses less memory
                )
            ) from exc
        # -- end of out of memory
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return IngestResult(out, manifest)


@contextlib.contextmanager
def _system_allocator() -> Iterator[None]:
    """Arrow allocates with the system's malloc while ingesting, unless
    ARROW_DEFAULT_MEMORY_POOL chooses: its default (mimalloc) hands the memory of each batch
    back and faults it in again for the next, zeroed (measured: 0.4 s of kernel time in an
    ingest of 500,000 rows, of 0.8 s)."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        yield
        return
    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(before)


def _build(
    inputs: list[str],
    folder: Path,
    mapping: Mapping,
    system: str,
    notes: list[str],
    progress: Callable[[int], None] | None,
    check_systems: Callable[[str, set[str]], None] | None = None,
    fast: bool = False,
    own_process: bool = False,
) -> dict[str, Any]:
    readers = []
    canonicalizers = []
    for name in inputs:
        reader = open_reader(
            name,
            mapping.format,
            mapping.encoding,
            mapping.delimiter,
            mapping.quote,
            mapping.sheet,
            mapping.query,
        )
        readers.append(reader)
        canonicalizers.append(Canonicalizer(mapping, reader.columns, str(reader.path)))
    text_fields: list[str] = []
    for canon in canonicalizers:
        text_fields += [t for t in canon.text if t not in text_fields]
    schema = pa.schema(
        [
            ("crime_ref", pa.string()),
            ("recorded_date", pa.date32()),
            ("offence", pa.string()),
            ("ho_code", pa.string()),
            ("outcome", pa.string()),
            ("ho_outcome", pa.string()),
            ("status", pa.string()),
            *[(t, pa.string()) for t in text_fields],
            ("_source", pa.int32()),
            ("_line", pa.int64()),
        ]
    )
    quarantine = _Quarantine(folder / "quarantine.csv")
    sources: list[dict[str, Any]] = []
    parts: list[CrimesPart] = []
    # one DuckDB database for the whole ingest: the fast path reads with it, the duplicate
    # check runs in it (connecting takes 20 to 50 ms)
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
    try:
        con.execute(f"SET temp_directory = {_sql(str(folder / 'duckdb-tmp'))}")
        try:
            for index, (reader, canon) in enumerate(zip(readers, canonicalizers, strict=True)):
                label = str(reader.path)
                part = CrimesPart(folder, index, schema)
                parts.append(part)
                # a well-formed UTF-8 CSV file is read by DuckDB (fast.py); any file that path
                # cannot be sure of (None) is read here, whole, its rows written so far dropped
                taken = None
                if fast and fast_csv.eligible(reader, mapping):
                    taken = fast_csv.read_source(
                        reader, canon, index, schema, part, con, pause_gc=own_process
                    )
                    if taken is None:
                        part.discard()
                        part = parts[-1] = CrimesPart(folder, index, schema)
                if taken is not None:
                    part.close()
                    for line, reason in taken.quarantined:
                        quarantine.add(index, label, line, reason)
                    if progress:
                        progress(taken.rows_read)
                    reader.close()
                    if check_systems is not None:
                        check_systems(label, canon.systems)
                    sources.append(
                        {
                            "path": label,
                            "format": "csv",
                            "encoding": reader.encoding,
                            "delimiter": reader.delimiter,
                            "sha256": taken.sha256,
                            "rows_read": taken.rows_read,
                            "text_fields": list(canon.text),
                        }
                    )
                    continue
                batches = _BatchWriter(part, schema)
                read = 0
                for line, values, problem in reader.records():
                    read += 1
                    if progress and read % 10_000 == 0:
                        progress(10_000)
                    if problem is None and values is not None:
                        row, problem = canon(values)
                        if row is not None:
                            row["_source"], row["_line"] = index, line
                            batches.add(row)
                            continue
                    quarantine.add(index, label, line, problem or "unreadable")
                batches.close()
                part.close()
                if progress:
                    progress(read % 10_000)
                reader.close()
                if check_systems is not None:
                    check_systems(label, canon.systems)
                sources.append(
                    {
                        "path": label,
                        "format": type(reader).__name__.removesuffix("Reader").lower(),
                        "encoding": reader.encoding,
                        "delimiter": reader.delimiter,
                        "sha256": reader.sha256,
                        "rows_read": read,
                        "text_fields": list(canon.text),
                        **getattr(reader, "decoded_as_cp1252", {}),  # CSV rows not UTF-8
                        **getattr(reader, "sheet_read", {}),  # XLSX: the sheet and its state
                    }
                )
            notes_summary = _notes(notes, folder, mapping, quarantine, len(inputs))
        finally:
            quarantine.close()
            for part in parts:
                if not part.closed:  # an error on the way: stop its writer thread
                    part.discard()
        notes_names = [s["path"] for s in notes_summary["sources"]] if notes_summary else []
        counts = _merge_duplicates(con, folder, schema, parts, sources, notes_names)
    finally:
        con.close()
    for index, source in enumerate(sources):
        loaded, duplicates, superseded = counts.get(index, (0, 0, 0))
        source["rows_loaded"] = loaded
        source["duplicates"] = duplicates
        source["rows_quarantined"] = quarantine.counts.get(index, 0) + superseded
        source["superseded"] = superseded  # of those, copies replaced by a later one
        if source["rows_read"] != loaded + duplicates + source["rows_quarantined"]:
            raise AssertionError(f"{source['path']}: rows do not reconcile: {source}")
    if notes_summary is not None:
        notes_summary.update(counts.get("notes", {}))
    files = {
        name: sha256_file(folder / name)
        for name in ("crimes.parquet", "notes.parquet")
        if (folder / name).exists()
    }
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "foidesk", "version": __version__},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "system": system,
        "data_quality_from": mapping.data_quality_from,
        "mapping": {"name": mapping.name, "source": mapping.source, "sha256": mapping.sha256},
        "text_fields": text_fields,
        "sources": sources,
        "notes": notes_summary,
        "files": files,
        "snapshot_sha256": hashlib.sha256(
            json.dumps(files, sort_keys=True).encode("utf-8")
        ).hexdigest(),
        "totals": {
            key: sum(s[key] for s in sources)
            for key in ("rows_read", "rows_loaded", "rows_quarantined", "duplicates")
        },
    }


def _notes(
    notes: list[str], folder: Path, mapping: Mapping, quarantine: _Quarantine, first_index: int
) -> dict[str, Any] | None:
    if not notes:
        return None
    spec = mapping.notes
    schema = pa.schema(
        [
            ("crime_ref", pa.string()),
            ("entry", pa.string()),
            ("entry_date", pa.string()),
            ("text", pa.string()),
            ("_source", pa.int32()),
            ("_line", pa.int64()),
        ]
    )
    writer = _BatchWriter(pq.ParquetWriter(folder / "notes_staging.parquet", schema), schema)
    summary: dict[str, Any] = {"sources": []}
    for offset, name in enumerate(notes):
        index = first_index + offset
        reader = open_reader(
            name,
            spec.format if spec else None,
            spec.encoding if spec else "auto",
            spec.delimiter if spec else None,
            '"',
            spec.sheet if spec else None,
            spec.query if spec else None,
        )
        canon = NotesCanonicalizer(spec.columns if spec else {}, reader.columns, str(reader.path))
        read = 0
        for line, values, problem in reader.records():
            read += 1
            if problem is None and values is not None:
                row, problem = canon(values)
                if row is not None:
                    row["_source"], row["_line"] = index, line
                    writer.add(row)
                    continue
            quarantine.add(index, str(reader.path), line, problem or "unreadable")
        reader.close()
        summary["sources"].append(
            {
                "path": str(reader.path),
                "sha256": reader.sha256,
                "rows_read": read,
                "rows_quarantined_on_read": quarantine.counts.get(index, 0),
                "index": index,
                **getattr(reader, "decoded_as_cp1252", {}),
                **getattr(reader, "sheet_read", {}),
            }
        )
    writer.close()
    return summary


def _merge_duplicates(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    schema: pa.Schema,
    parts: list[CrimesPart],
    sources: list[dict[str, Any]],
    notes_names: list[str],
) -> dict[Any, Any]:
    """Duplicates, superseded copies and orphan notes; write the final Parquet files.

    Every source's loaded rows are in its part (``CrimesPart``), in input order; the keys
    files say each row's line and crime_ref. crimes.parquet is the parts' rows, in order,
    without the copies that are not kept: the one part as it is when nothing is dropped,
    else written again (``GroupWriter``: the same rows give the same bytes either way)."""
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    fields = [n for n in schema.names if not n.startswith("_")]
    content = "md5_number(to_json(struct_pack(" + ", ".join(f'"{f}"' for f in fields) + ")))"
    # only the rows of a crime_ref that appears more than once can be duplicates or
    # superseded: their content is hashed, the others are kept as they are (hashing every
    # row's text was most of an ingest's time)
    every_key = "[" + ", ".join(_sql(str(p.keys_path)) for p in parts) + "]"
    con.execute(
        f"CREATE TABLE repeated AS SELECT crime_ref FROM read_parquet({every_key}) "
        "GROUP BY crime_ref HAVING count(*) > 1"
    )
    any_repeated = con.execute("SELECT count(*) FROM repeated").fetchall()[0][0] > 0
    # the keys of the rows whose reference is repeated (none, nearly always)
    con.execute(
        "CREATE TABLE refs AS "
        + " UNION ALL ".join(
            f"SELECT {p.index}::INTEGER AS _source, file_row_number AS _row, _line, crime_ref "
            f"FROM read_parquet({_sql(str(p.keys_path))}, file_row_number = true)"
            + (" SEMI JOIN repeated USING (crime_ref)" if any_repeated else " LIMIT 0")
            for p in parts
        )
    )
    # the rows of the repeated references, their content read from the parts by row number
    # (no part is read when no reference is repeated)
    repeated_rows = " UNION ALL ".join(
        f"SELECT {p.index}::INTEGER AS _source, _row, {content} AS content FROM "
        f"(SELECT *, file_row_number AS _row FROM read_parquet({_sql(str(p.path))}, "
        f"file_row_number = true)) SEMI JOIN (SELECT _row FROM refs WHERE _source = {p.index}) "
        "USING (_row)"
        for p in parts
        if any_repeated
    )
    if not any_repeated:
        repeated_rows = "SELECT _source, _row, 0::UHUGEINT AS content FROM refs"
    con.execute(
        f"""
        CREATE TABLE keys AS
        SELECT _source, _row, _line, crime_ref, content,
            row_number() OVER latest AS recency,
            first_value(content) OVER latest AS kept_content,
            first_value(_source) OVER latest AS kept_source,
            first_value(_line) OVER latest AS kept_line,
            row_number() OVER (PARTITION BY crime_ref, content ORDER BY _source DESC, _line DESC)
                AS copy_rank
        FROM (SELECT r._source, r._row, r._line, r.crime_ref, c.content
              FROM refs r JOIN ({repeated_rows}) c USING (_source, _row))
        WINDOW latest AS (PARTITION BY crime_ref ORDER BY _source DESC, _line DESC)
        """
    )
    # the last copy of a crime is kept; a copy with the kept content, or an earlier copy of
    # content that recurs later, is an exact duplicate; the last copy of any other content is
    # superseded (quarantined, naming the kept line)
    con.execute(
        """
        CREATE TABLE fate AS SELECT *,
            CASE WHEN recency = 1 THEN 'kept'
                 WHEN content = kept_content OR copy_rank > 1 THEN 'duplicate'
                 ELSE 'superseded' END AS fate
        FROM keys
        """
    )
    dropped: dict[int, Any] = {}
    for part in parts:
        rows = con.execute(
            f"SELECT _row FROM fate WHERE fate <> 'kept' AND _source = {part.index} ORDER BY _row"
        ).fetchnumpy()["_row"]
        if len(rows):
            dropped[part.index] = rows
    _write_crimes(folder / "crimes.parquet", _fields(schema), parts, dropped)
    counts: dict[Any, Any] = {p.index: (p.rows, 0, 0) for p in parts}
    for index, duplicates, superseded in con.execute(
        """
        SELECT _source,
            count(*) FILTER (WHERE fate = 'duplicate'),
            count(*) FILTER (WHERE fate = 'superseded')
        FROM fate GROUP BY _source
        """
    ).fetchall():
        loaded = counts[int(index)][0] - int(duplicates) - int(superseded)
        counts[int(index)] = (loaded, int(duplicates), int(superseded))
    names = [s["path"] for s in sources]
    with (folder / "quarantine.csv").open("a", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        for source, line, ref, kept_source, kept_line in con.execute(
            "SELECT _source, _line, crime_ref, kept_source, kept_line FROM fate "
            "WHERE fate = 'superseded' ORDER BY _source, _line"
        ).fetchall():
            where = "" if kept_source == source else f"{names[kept_source]} "
            writer.writerow(
                [
                    names[source],
                    line,
                    f"superseded: crime_ref {ref} appears again with different content at "
                    f"{where}line {kept_line}, which is kept",
                ]
            )
        if notes_names:
            notes_staging = folder / "notes_staging.parquet"
            con.execute(
                f"CREATE TABLE notes AS SELECT * FROM read_parquet({_sql(str(notes_staging))})"
            )
            con.execute(
                f"CREATE TABLE crime_refs AS SELECT DISTINCT crime_ref "
                f"FROM read_parquet({_sql(str(folder / 'crimes.parquet'))})"
            )
            orphans = con.execute(
                "SELECT _source, _line, crime_ref FROM notes "
                "ANTI JOIN crime_refs USING (crime_ref) ORDER BY _source, _line"
            ).fetchall()
            for source, line, ref in orphans:
                writer.writerow(
                    [
                        notes_names[source - len(sources)],
                        line,
                        f"orphan note: no crime {ref} in this snapshot",
                    ]
                )
            con.execute(
                f"COPY (SELECT crime_ref, entry, entry_date, text FROM notes "
                f"SEMI JOIN crime_refs USING (crime_ref) ORDER BY _source, _line) "
                f"TO {_sql(str(folder / 'notes.parquet'))} (FORMAT parquet)"
            )
            row = con.execute("SELECT count(*) FROM notes").fetchall()[0]
            counts["notes"] = {
                "notes_loaded": int(row[0]) - len(orphans),
                "orphan_notes": len(orphans),
            }
            notes_staging.unlink()
    for part in parts:
        part.path.unlink(missing_ok=True)
        part.keys_path.unlink(missing_ok=True)
    shutil.rmtree(folder / "duckdb-tmp", ignore_errors=True)
    return counts


def _write_crimes(
    path: Path, schema: pa.Schema, parts: list[CrimesPart], dropped: dict[int, Any]
) -> None:
    """crimes.parquet: the parts' rows in order, but the ``dropped`` row numbers of each."""
    full = [p for p in parts if p.rows]
    if not dropped and len(full) <= 1:
        os.replace((full or parts)[0].path, path)  # written once: the part is the file
        return
    writer = GroupWriter(path, schema)
    try:
        for part in full:
            drop = dropped.get(part.index)
            source = pq.ParquetFile(part.path)
            start = 0
            for group in range(source.num_row_groups):
                table = source.read_row_group(group)
                end = start + table.num_rows
                if drop is not None:
                    inside = drop[(drop >= start) & (drop < end)] - start
                    if len(inside):
                        keep = np.ones(table.num_rows, dtype=bool)
                        keep[inside] = False
                        table = table.filter(fast_csv.arrow_of(keep))
                writer.add(table)
                start = end
    except BaseException:
        writer.abort()
        raise
    writer.close()
