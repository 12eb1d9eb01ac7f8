"""The embedded engine: DuckDB reads and filters, the shared matcher finds the mentions.

Flow: each source becomes a DuckDB view (Parquet, read in place) or table (CSV) of canonical
columns (``engines/duckdb/sources.py``). ``_settle_population`` reads the keys of every row once
(validating them), chooses each candidate crime's winning copy from the keys alone, reads the
winners' fields (date, offence, outcome) and keeps the population; every rule it applies
(scope, winner, statuses, period) is SQL written by ``engines.population``. ``_Search``
streams the text of every copy in scope through the matcher in Arrow record batches; a hit
counts if its copy is the last copy of a population crime in its source (both systems' copies
of a migrated crime count), and such copies that were not in scope themselves are searched
after. Hits come back to DuckDB (through a Parquet file) to be joined to the winners' fields
and to compute per-system coverage.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from queue import Full, Queue

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from foidesk.casework.request import Request
from foidesk.engines.base import (
    CRIME_HITS_SCHEMA,
    EVIDENCE_ORDER,
    EVIDENCE_SCHEMA,
    CoverageRow,
    EngineResult,
    EvidenceBuilder,
    NoProgress,
    Progress,
    StageTimings,
    no_free_text,
    no_offence_codes,
    note_fields,
    source_report,
)
from foidesk.engines.duckdb.sources import (
    UNUSABLE_SQL,
    LoadedSource,
    first_row,
    ident,
    line_of,
    load_source,
    validate_source,
)
from foidesk.engines.labels import (
    LabelFact,
    candidate_rows,
    exact_candidates,
    label_facts,
    labels_to_check,
    public_fields,
    raw_labels,
)
from foidesk.engines.population import (
    EXCLUDED_STATUSES,
    PopulationRules,
    excluded_stage,
    sql_str,
)
from foidesk.errors import EngineError
from foidesk.search import arrays
from foidesk.search.matcher import Hit, Matcher
from foidesk.workspace import (
    address_space_limit,
    describe_limit,
    memory_detail,
    memory_exhausted,
    out_of_memory_message,
    private_folder,
)

# DuckDB threads that decode text for the matcher. Streaming text columns to Arrow took about
# 190 MB of DuckDB's memory per thread (measured on 560-byte notes), so 4 threads ran out of a
# 512 MB limit; the matcher takes one batch at a time on one core, and two decoding threads
# keep it fed. The other queries use every thread.
SEARCH_THREADS = 2

# Bytes of the population's working tables (keys, candidates, winners, text copies) per row of
# the sources, measured with duckdb_memory() on the bench's 2,000,000 rows (275 MB)
SETTLE_BYTES_PER_ROW = 140


def settle_tables(rows: int, limit_bytes: float) -> str:
    """How the population's working tables are made: in memory (``TEMP TABLE``) when they fit
    in DuckDB's memory limit, else in the engine's database file (``TABLE``). Writing them to
    the file cost more than settling itself (3.9 against 1.7 s at 2,000,000 rows); in memory,
    DuckDB moves blocks to its temporary folder when the text scan needs the room, which costs
    what the file would have, and only then. Past the limit they are written to the file from
    the start: in memory they took longer at 10,000,000 rows (docs/performance.md)."""
    return "TEMP TABLE" if rows * SETTLE_BYTES_PER_ROW <= limit_bytes else "TABLE"


_UNITS: dict[str, float] = {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}
_UNITS |= {"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}


def _limit_bytes(con: duckdb.DuckDBPyConnection) -> float:
    """DuckDB's memory limit in bytes, as it states it ("488.2 MiB"); 0 when it cannot be
    read (the tables then go to the file)."""
    row = first_row(con, "SELECT current_setting('memory_limit')")
    match = re.fullmatch(r"\s*([\d.]+)\s*([A-Za-z]+)\s*", str(row[0]) if row else "")
    if match is None or match[2] not in _UNITS:
        return 0.0
    return float(match[1]) * _UNITS[match[2]]


# Rows of text a record batch: Arrow batches from DuckDB count against its memory limit, and
# 65,536 rows of 560-byte notes ran out of it at 10,000,000 rows (docs/performance.md)
BATCH_ROWS = 16_384


class _Search:
    """Streams text through the matcher and keeps each hit with the ``(source_idx,
    record_no)`` of its copy (``record_no`` null for a snapshot's notes, keyed by crime)."""

    def __init__(
        self,
        engine: DuckDBEngine,
        con: duckdb.DuckDBPyConnection,
        matcher: Matcher,
        progress: Progress,
    ):
        self._engine = engine
        self._con = con
        self._matcher = matcher
        self._progress = progress
        self._evidence = EvidenceBuilder()
        self._copy_keys: dict[str, list[int | None]] = {"source_idx": [], "record_no": []}
        self.seconds = 0.0  # wall time of the searches

    def copies(
        self,
        sources: list[LoadedSource],
        clause: Callable[[LoadedSource], str],
        label: str,
        total: int | None = None,
    ) -> None:
        """Every text field of the copies ``clause(source)`` chooses in each source; ``total``
        copies, when known, for the progress bar."""
        self._stream(
            label,
            total,
            [
                (
                    src,
                    f"SELECT record_no, crime_ref, {', '.join(ident(f) for f in src.text_fields)} "
                    f"FROM {src.table} {clause(src)}",
                    False,
                )
                for src in sources
                if src.text_fields
            ],
        )

    def notes(self, sources: list[LoadedSource], label: str) -> None:
        """A snapshot's notes: each log entry of a population crime is a field of its own,
        named by its entry (a snapshot holds one copy of each crime)."""
        self._stream(
            label,
            None,
            [
                (
                    src,
                    f"SELECT NULL::BIGINT AS record_no, crime_ref, entry, text "
                    f"FROM {src.notes_table} "
                    "WHERE crime_ref IN (SELECT crime_ref FROM population)",
                    True,
                )
                for src in sources
                if src.notes_table
            ],
        )

    def _stream(
        self, label: str, total: int | None, jobs: list[tuple[LoadedSource, str, bool]]
    ) -> None:
        """Run each job's query (columns record_no, crime_ref, then the text fields, or for
        notes entry and text) and match its batches."""
        started = time.perf_counter()
        sources, records = self._copy_keys["source_idx"], self._copy_keys["record_no"]
        self._progress.begin(label, total)
        self._con.execute(f"SET threads = {min(self._engine.threads, SEARCH_THREADS)}")
        try:
            for src, query, notes in jobs:
                reader = self._con.sql(query).to_arrow_reader(self._engine.batch_rows)
                for batch in self._engine._batches(reader):
                    numbers, refs = batch.column(0), batch.column(1)
                    for field, texts, hits in self._hits(batch, src.text_fields, notes):
                        rows = self._evidence.add_hits(refs, src.spec.system, hits, texts, field)
                        sources.extend([src.index] * len(rows))
                        records.extend(numbers.take(_rows(rows)).to_pylist())
                    self._progress.advance(batch.num_rows)
        finally:
            self._con.execute(f"SET threads = {self._engine.threads}")
            self._progress.end()
        self.seconds += time.perf_counter() - started

    def _hits(
        self, batch: pa.RecordBatch, fields: tuple[str, ...], notes: bool
    ) -> Iterator[tuple[str | Callable[[Hit], str], pa.Array, list[Hit]]]:
        """(the field the hits are evidence in, or each hit's, that field's text array, the
        hits) for each text field of the batch."""
        if notes:
            entries, texts = batch.column(2), batch.column(3)
            hits = self._matcher.match_array(texts, "note")
            yield note_fields(entries, hits), texts, hits
            return
        for field in fields:
            texts = batch.column(field)
            yield field, texts, self._matcher.match_array(texts, field)

    def result(self) -> pa.Table:
        """The evidence, with the ``source_idx`` and ``record_no`` of the copy of each hit."""
        table = self._evidence.table()
        return table.append_column(
            "source_idx", arrays.from_list(self._copy_keys["source_idx"], pa.int32())
        ).append_column("record_no", arrays.from_list(self._copy_keys["record_no"], pa.int64()))


class DuckDBEngine:
    """Embedded engine: one machine, streaming through DuckDB with a memory limit."""

    name = "duckdb"

    def __init__(
        self,
        memory_limit: str = "512MB",
        threads: int = 0,
        batch_rows: int = BATCH_ROWS,
        prefetch: bool = True,
    ):
        """``memory_limit``: DuckDB's (tables past it spill to a temporary folder);
        ``threads``: DuckDB's threads (0: one a core); ``batch_rows``: rows of text a record
        batch; ``prefetch``: decode the next batch while the matcher works on this one."""
        self.memory_limit = memory_limit
        self.batch_rows = batch_rows
        self.prefetch = prefetch
        self.threads = threads or os.cpu_count() or 1

    @staticmethod
    def database(tmp: str, request: Request) -> str:
        """Where the working tables live. CSV sources are parsed into tables, which are
        fastest in memory (spilling to ``tmp`` past the memory limit). With Parquet or snapshot
        sources a database file in ``tmp`` is used: in memory was 20% faster at 2,000,000 rows
        but ran out of its memory limit at 10,000,000 (the keys of every row are a table, and
        a file lets DuckDB move its blocks out of memory); see docs/performance.md."""
        if all(s.format == "csv" for s in request.sources):
            return ":memory:"
        return str(Path(tmp) / "work.duckdb")

    def run(
        self, request: Request, matcher: Matcher, progress: Progress | None = None
    ) -> EngineResult:
        """Answer ``request`` with ``matcher``; see the module docstring for the flow."""
        # -- out of memory (issue 11): whatever ran out (DuckDB, Arrow, a thread, the address
        # space) is one EngineError, raised once the private folder is removed
        try:
            return self._run_in_folder(request, matcher, progress)
        except Exception as exc:
            culprit = memory_exhausted(exc)
            if culprit is None or isinstance(exc, EngineError):
                raise
            raise EngineError(self._out_of_memory(culprit)) from exc

    def _out_of_memory(self, exc: BaseException) -> str:
        """The line for running out of memory: DuckDB's own limit ("could not allocate block
        of size 30.5 MiB (480.0 MiB/488.2 MiB used)"), or what the process may use."""
        detail = memory_detail(exc)
        limit = address_space_limit()
        fewer = " or use fewer threads (--engine-option threads=1)" if self.threads > 1 else ""
        if "used)" in detail:
            within = f"; {describe_limit(limit)}" if limit is not None else ""
            return (
                f"the embedded engine ran out of its memory limit ({self.memory_limit}): "
                f"{detail}; give it more (--engine-option memory_limit=2GB{within}){fewer}"
            )
        return out_of_memory_message(
            exc,
            f"in the embedded engine (memory_limit {self.memory_limit}, {self.threads} "
            f"thread{'s' if self.threads != 1 else ''})",
            "use less: --engine-option memory_limit=128MB (DuckDB spills to disk past it)"
            + (" and --engine-option threads=1" if self.threads > 1 else ""),
        )

    # -- end of out of memory

    def _run_in_folder(
        self, request: Request, matcher: Matcher, progress: Progress | None
    ) -> EngineResult:
        # a private folder (0700), removed at the end, on failure and on SIGTERM or SIGINT
        with private_folder("duckdb") as folder:
            tmp = str(folder)
            # tables beyond the memory limit spill to the temporary folder
            con = duckdb.connect(self.database(tmp, request), config={"threads": self.threads})
            con.execute(f"SET memory_limit = {sql_str(self.memory_limit)}")
            con.execute("SET TimeZone = 'UTC'")
            # DuckDB's own progress bar prints on stdout, which carries only the table
            con.execute("SET enable_progress_bar = false")
            con.execute(f"SET temp_directory = {sql_str(tmp)}")
            # every result that is shown or written is ordered explicitly
            con.execute("SET preserve_insertion_order = false")
            try:
                return self._run(con, request, matcher, tmp, progress or NoProgress())
            finally:
                con.close()

    def _run(
        self,
        con: duckdb.DuckDBPyConnection,
        request: Request,
        matcher: Matcher,
        tmp: str,
        progress: Progress,
    ) -> EngineResult:
        started = time.perf_counter()
        timings = StageTimings()
        loaded: list[LoadedSource] = []
        try:
            for i, spec in enumerate(request.sources):
                loaded.append(load_source(con, i, spec))
            return self._answer(con, request, matcher, tmp, progress, loaded, started, timings)
        except BaseException:
            for src in loaded:  # nobody will read their hashes: stop reading the files
                src.stop_hash()
            raise

    def _answer(
        self,
        con: duckdb.DuckDBPyConnection,
        request: Request,
        matcher: Matcher,
        tmp: str,
        progress: Progress,
        loaded: list[LoadedSource],
        started: float,
        timings: StageTimings,
    ) -> EngineResult:
        rules = PopulationRules.of(request)
        timings.load = time.perf_counter() - started
        if not any(src.text_fields or src.notes_table for src in loaded):
            raise no_free_text([str(src.spec.path) for src in loaded])
        stages: dict[str, int] = {"rows_read": sum(s.rows_read for s in loaded)}
        con.execute(
            "CREATE VIEW all_meta AS "
            + " UNION ALL ".join(
                f"SELECT {s.index} AS source_idx, {sql_str(s.spec.system)} AS system, "
                f"record_no, crime_ref, recorded_date, offence, ho_code, outcome, "
                f"ho_outcome, status FROM {s.table}"
                for s in loaded
            )
        )
        in_scope = rules.in_scope()
        progress.begin("Choosing each crime's copy (the population)")
        table = settle_tables(sum(src.rows_read for src in loaded), _limit_bytes(con))
        self._settle_population(con, request, rules, loaded, stages, table)
        progress.end()
        timings.settle = time.perf_counter() - started
        searched = [src for src in loaded if src.text_fields]
        in_scope_row = first_row(
            con,
            "SELECT count(*) FROM keys WHERE in_scope AND source_idx IN "
            f"({', '.join(str(src.index) for src in searched) or 'NULL'})",
        )
        # The copies whose text counts are, in each source, the last copy of each population
        # crime (as ingest keeps it); both systems' copies of a migrated crime count. Nearly
        # all are in the window and offences themselves, so every copy in scope is searched
        # with that filter pushed into the scan (cheaper than joining to text_copies), the hits
        # of copies that do not count are dropped, and the few counted copies that are not in
        # scope themselves (a crime reclassified or redated between systems) are searched after
        # the patterns compiled while the population was settled (``Matcher(background=True)``);
        # one that did not is the error now, before any text is read
        matcher.ready()
        search = _Search(self, con, matcher, progress)
        search.copies(
            searched,
            lambda src: f"WHERE {in_scope}",
            "Searching free text",
            int(in_scope_row[0]) if in_scope_row else None,
        )
        search.copies(
            searched,
            lambda src: (
                f"SEMI JOIN (SELECT crime_ref, record_no FROM text_copies "
                f"WHERE source_idx = {src.index} AND NOT in_scope) USING (crime_ref, record_no)"
            ),
            "Searching copies out of scope",
        )
        search.notes(loaded, "Searching notes")
        timings.search = search.seconds
        # hits of copies that do not count are dropped; notes are of population crimes already
        found = Path(tmp) / "evidence-found.parquet"
        pq.write_table(search.result(), found)
        hits = f"SELECT * FROM read_parquet({sql_str(str(found))})"
        con.execute(
            "CREATE TABLE evidence_raw AS SELECT * EXCLUDE (source_idx, record_no) FROM ("
            f"{hits} WHERE record_no IS NULL UNION ALL "
            f"{hits} SEMI JOIN text_copies USING (source_idx, record_no))"
        )
        copies = {
            int(r[0]): int(r[1])
            for r in con.execute(
                "SELECT source_idx, count(*) FROM text_copies GROUP BY ALL"
            ).fetchall()
        }
        stages["copies_searched"] = sum(copies.values())
        hits_row = first_row(con, "SELECT count(*) FROM evidence_raw")
        stages["hits"] = int(hits_row[0]) if hits_row else 0
        result = self._results(con, loaded, copies, stages)
        self._window_facts(con, rules, result)
        result.label_facts = self._label_facts(con, request, loaded, result.crime_hits)
        timings.total = time.perf_counter() - started
        result.timings = timings
        result.engine["seconds"] = timings.as_dict()
        return result

    def _settle_population(
        self,
        con: duckdb.DuckDBPyConnection,
        request: Request,
        rules: PopulationRules,
        loaded: list[LoadedSource],
        stages: dict[str, int],
        table: str = "TABLE",
    ) -> None:
        """Validate the sources and build tables ``cand_keys`` (every copy of every crime that
        has a copy in the window and the offences), ``population`` (per crime, the fields of
        the copy that wins) and ``text_copies`` (the copies whose text counts).

        The sources are read twice: once for the keys of every row (a few narrow columns, with
        the checks for unusable rows), once for the fields of the winning copies in scope. The
        winner is chosen from the keys alone, as the request's rule needs only the source and
        the position of each copy. ``table``: what the tables are made as, ``TABLE`` (in the
        engine's database) or ``TEMP TABLE`` (in memory, ``settle_tables``)."""
        in_scope = rules.in_scope()
        # one scan: the keys of every row, whether it is in scope, whether it is usable
        # (and whether it is in the window, and in the window with a code that is not in the
        # Home Office's notation: two booleans, so that an empty population or unknown codes
        # can be told apart from a true zero without another scan)
        con.execute(
            f"CREATE {table} keys AS SELECT source_idx, record_no, crime_ref, "
            f"coalesce({in_scope}, false) AS in_scope, {UNUSABLE_SQL} AS unusable, "
            f"coalesce({rules.in_window()}, false) AS in_window, "
            f"coalesce({rules.odd_code()}, false) AS odd_code FROM all_meta"
        )
        # (each source's system is joined in for the candidates only: a string on every row
        # of keys cost 15% of its scan)
        con.execute(
            f"CREATE {table} source_systems AS SELECT * FROM (VALUES "
            + ", ".join(f"({src.index}, {sql_str(src.spec.system)})" for src in loaded)
            + ") AS t(source_idx, system)"
        )
        unusable = {
            int(r[0])
            for r in con.execute("SELECT DISTINCT source_idx FROM keys WHERE unusable").fetchall()
        }
        for src in loaded:
            if src.index in unusable:
                validate_source(con, src)  # stops with the file, line and field
        # then the checks on whole sources, in the order the user would fix things
        for src in loaded:
            if request.all_offences:
                break  # every offence: a source needs no codes
            has_codes = first_row(con, f"SELECT count(ho_code) FROM {src.table}")
            if not has_codes or has_codes[0] == 0:
                raise no_offence_codes(src.spec.path, request)
        winner_order = rules.winner_order_sql()
        # only a crime with some copy in the window and the offences can be in the population,
        # so the copy that wins is settled for those crimes alone (a small share of a force's
        # records for most requests)
        con.execute(
            f"CREATE {table} cand_keys AS SELECT k.* EXCLUDE (unusable), s.system "
            "FROM keys k JOIN source_systems s USING (source_idx) "
            "WHERE k.crime_ref IN (SELECT crime_ref FROM keys WHERE in_scope)"
        )
        # most crimes are held once: their only copy wins without a sort; the copies of the
        # rest are ranked by the request's rule
        # (the distinct counts only for crimes held more than once: they cost a hash set each)
        con.execute(
            f"CREATE {table} held_more_than_once AS SELECT crime_ref, count(*) AS n_copies, "
            "count(DISTINCT source_idx) AS n_sources, count(DISTINCT system) AS n_systems "
            "FROM cand_keys WHERE crime_ref IN "
            "(SELECT crime_ref FROM cand_keys GROUP BY crime_ref HAVING count(*) > 1) "
            "GROUP BY crime_ref"
        )
        con.execute(
            f"""
            CREATE {table} winner_keys AS
            SELECT source_idx, record_no, in_scope, 1 AS n_systems, 1 AS n_sources,
                1 AS n_copies
            FROM cand_keys c ANTI JOIN held_more_than_once USING (crime_ref)
            UNION ALL
            SELECT source_idx, record_no, in_scope, n_systems, n_sources, n_copies FROM (
                SELECT c.*, m.n_systems, m.n_sources, m.n_copies,
                    row_number() OVER (PARTITION BY crime_ref ORDER BY {winner_order}) AS rk
                FROM cand_keys c JOIN held_more_than_once m USING (crime_ref)
            ) WHERE rk = 1
            """
        )
        # the fields of the winning copies in scope (a crime whose winner is out of scope is
        # not in the population). The join alone chooses the rows: DuckDB pushes its keys into
        # the scan, which then reads only the winners' row groups and rows; the filter on
        # ``in_scope`` repeated over the sources' rows (the same rows) made the scan one
        # thread, and took twice as long (docs/performance.md)
        period = rules.period()
        con.execute(
            f"CREATE {table} winners AS SELECT m.*, w.n_systems, w.n_sources, w.n_copies, "
            f"{period} AS period FROM all_meta m "
            "JOIN (SELECT * FROM winner_keys WHERE in_scope) w USING (source_idx, record_no)"
        )
        con.execute(f"CREATE VIEW population AS SELECT * FROM winners WHERE {rules.counted()}")
        keys_row = first_row(
            con,
            """
            SELECT count(*), count(*) FILTER (WHERE n_systems > 1),
                count(*) FILTER (WHERE n_copies > n_sources)
            FROM winner_keys
            """,
        )
        winners_row = first_row(
            con,
            "SELECT count(*), "
            + "".join(
                f"count(*) FILTER (WHERE {rules.excluded(status)}), "
                for status in EXCLUDED_STATUSES
            )
            + f"count(*) FILTER (WHERE {rules.counted()}) FROM winners",
        )
        stages.update(
            candidate_crimes=int(keys_row[0]),
            crimes_in_more_than_one_system=int(keys_row[1]),
            crime_refs_repeated_within_a_source=int(keys_row[2]),
            in_window_and_offences=int(winners_row[0]),
        )
        for i, status in enumerate(EXCLUDED_STATUSES, start=1):
            stages[excluded_stage(status)] = int(winners_row[i])
        stages["population"] = int(winners_row[-1])
        # in each source, the last copy of each population crime (as ingest keeps it); both
        # systems' copies of a migrated crime are searched
        con.execute(
            f"CREATE {table} text_copies AS SELECT source_idx, crime_ref, "
            "max(record_no) AS record_no, arg_max(in_scope, record_no) AS in_scope "
            "FROM cand_keys SEMI JOIN population USING (crime_ref) GROUP BY ALL"
        )

    @staticmethod
    def _window_facts(
        con: duckdb.DuckDBPyConnection, rules: PopulationRules, result: EngineResult
    ) -> None:
        """Rows in the window, and the ``ho_code`` values of the window's rows when the
        population is empty or a value is not in the Home Office notation."""
        row = first_row(
            con, "SELECT count(*) FILTER (WHERE in_window), bool_or(odd_code) FROM keys"
        )
        result.rows_in_window = int(row[0]) if row else 0
        if result.stages.get("population", 0) == 0 or (row and row[1]):
            result.codes_in_window = {
                str(code) if code is not None else "": int(n)
                for code, n in con.execute(
                    f"SELECT ho_code, count(*) FROM all_meta WHERE {rules.in_window()} "
                    "GROUP BY ALL ORDER BY count(*) DESC, ho_code"
                ).fetchall()
            }

    @staticmethod
    def _label_facts(
        con: duckdb.DuckDBPyConnection,
        request: Request,
        loaded: list[LoadedSource],
        crime_hits: pa.Table,
    ) -> tuple[LabelFact, ...]:
        """The labels bound for public/ (``engines.labels``): the population crimes carrying
        each, and a crime reference of any source found in it, with a row that carries it."""
        raw = raw_labels(request, crime_hits)
        checks = labels_to_check(request, raw)
        counts: dict[tuple[str, str], int] = {}
        for field in public_fields(request):
            if raw[field]:
                for label, n in con.execute(
                    f"SELECT {ident(field)}, count(*) FROM population "
                    f"WHERE {ident(field)} IN (SELECT unnest(?)) GROUP BY ALL",
                    [sorted(raw[field])],
                ).fetchall():
                    counts[(field, str(label))] = int(n)
        found: dict[tuple[str, str], str] = {}
        for rows, key in (
            (candidate_rows(checks), "lower(k.crime_ref)"),
            (exact_candidates(checks), "k.crime_ref"),
        ):
            if not rows:
                continue
            candidates = pa.table(
                {
                    "candidate": arrays.from_list([r[0] for r in rows], pa.string()),
                    "field": arrays.from_list([r[1] for r in rows], pa.string()),
                    "label": arrays.from_list([r[2] for r in rows], pa.string()),
                }
            )
            con.register("label_candidates", candidates)
            for field, label, ref in con.execute(
                "SELECT c.field, c.label, min(k.crime_ref) FROM keys k "
                f"JOIN label_candidates c ON {key} = c.candidate GROUP BY ALL"
            ).fetchall():
                found.setdefault((str(field), str(label)), str(ref))
            con.unregister("label_candidates")
        return label_facts(
            checks, counts, found, lambda field, label: _where_label(con, loaded, field, label)
        )

    def _results(
        self,
        con: duckdb.DuckDBPyConnection,
        loaded: list[LoadedSource],
        copies: dict[int, int],
        stages: dict[str, int],
    ) -> EngineResult:
        """Hits joined to the population's fields, coverage and overlaps (from DuckDB)."""
        con.execute(
            """
            CREATE TABLE hit_crimes AS
            SELECT e.crime_ref, e.platform, bool_or(e.certainty = 'certain') AS certain
            FROM evidence_raw e GROUP BY ALL
            """
        )
        crime_hits = con.sql(
            """
            SELECT p.crime_ref, p.system, p.recorded_date, CAST(p.period AS INTEGER) AS period,
                p.offence, p.ho_code, p.outcome, p.ho_outcome, h.platform, h.certain
            FROM population p JOIN hit_crimes h USING (crime_ref)
            ORDER BY p.crime_ref, h.platform
            """
        ).to_arrow_table()
        crime_hits = crime_hits.cast(CRIME_HITS_SCHEMA)
        stages["crimes_with_hits"] = len(set(crime_hits.column("crime_ref").to_pylist()))
        evidence_out = con.sql(
            """
            SELECT e.crime_ref, e.system, CAST(year(p.recorded_date) AS INTEGER) AS year,
                e.platform, e.field, e.start, e."end", e.text, e.rule, e.signal, e.certainty,
                e.before, e.after
            FROM evidence_raw e JOIN population p USING (crime_ref)
            ORDER BY """
            + ", ".join(f"e.{ident(c)}" for c in EVIDENCE_ORDER)
        ).to_arrow_table()
        coverage = [
            CoverageRow(str(r[0]), int(r[1]), int(r[2]), int(r[3]))
            for r in con.execute(
                """
                SELECT p.system, p.period, count(*),
                    count(*) FILTER (
                        WHERE p.crime_ref IN (SELECT crime_ref FROM hit_crimes WHERE certain))
                FROM population p GROUP BY ALL ORDER BY ALL
                """
            ).fetchall()
        ]
        overlap_counts: dict[str, int] = {}
        # every copy of a population crime is in cand_keys (a population crime is a candidate)
        for systems, _ in con.execute(
            """
            SELECT string_agg(DISTINCT system, ' and ' ORDER BY system) AS systems, crime_ref
            FROM cand_keys
            WHERE crime_ref IN (SELECT crime_ref FROM population WHERE n_systems > 1)
            GROUP BY crime_ref HAVING count(DISTINCT system) > 1
            """
        ).fetchall():
            overlap_counts[str(systems)] = overlap_counts.get(str(systems), 0) + 1
        reports = []
        for src in loaded:
            dq = src.spec.data_quality_from
            after = 0
            if dq is not None:
                row = first_row(
                    con,
                    "SELECT count(*) FROM population WHERE system = ? AND recorded_date >= ?",
                    [src.spec.system, dq],
                )
                after = int(row[0]) if row else 0
            reports.append(
                source_report(
                    src.spec,
                    sha256=src.sha256,
                    size_bytes=src.size_bytes,
                    rows_read=src.rows_read,
                    text_fields=src.text_fields,
                    copies_searched=copies.get(src.index, 0),
                    population_after_dq_date=after,
                    has_notes=src.notes_table is not None,
                    rows_quarantined=src.rows_unreadable,
                    notes_unread=src.notes_unread,
                )
            )
        return EngineResult(
            crime_hits=crime_hits,
            evidence=evidence_out.cast(EVIDENCE_SCHEMA),
            coverage=coverage,
            overlaps=overlap_counts,
            sources=reports,
            stages=stages,
            engine={"name": self.name, "duckdb": duckdb.__version__, "threads": self.threads},
        )

    def _batches(self, reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
        """The reader's batches; with ``prefetch``, DuckDB decodes the next batch in a thread
        while the matcher works on this one (both release the GIL for their heavy parts)."""
        if not self.prefetch:
            yield from reader
            return
        queue: Queue[pa.RecordBatch | BaseException | None] = Queue(maxsize=2)
        stop = threading.Event()  # the consumer has gone (an error, or it stopped early)

        def put(item: pa.RecordBatch | BaseException | None) -> bool:
            while not stop.is_set():
                try:
                    queue.put(item, timeout=0.1)
                    return True
                except Full:
                    continue
            return False

        def produce() -> None:
            try:
                for batch in reader:
                    if not put(batch):
                        return
                put(None)
            except BaseException as exc:  # handed to the consumer
                put(exc)

        thread = threading.Thread(target=produce, name="foidesk-prefetch", daemon=True)
        thread.start()
        try:
            while (item := queue.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            thread.join()


def _rows(rows: list[int]) -> pa.Array:
    """Row numbers as an Arrow array, for ``take``."""
    return arrays.integers(np.asarray(rows, dtype=np.int64))


def _where_label(
    con: duckdb.DuckDBPyConnection, loaded: list[LoadedSource], field: str, label: str
) -> str:
    """'path: line N' (or 'row N') of the first row of any source whose ``field`` is
    ``label``."""
    for src in loaded:
        row = first_row(
            con,
            f"SELECT min(record_no) FROM {src.table} WHERE {ident(field)} = ?",
            [label],
        )
        if row and row[0] is not None:
            return f"{src.spec.path}: {line_of(src, int(row[0]))}"
    return "(not found again)"
