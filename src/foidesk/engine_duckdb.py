"""The embedded engine: DuckDB reads and filters, the shared matcher finds the mentions.

Flow: each source into a DuckDB table (``sources.py``); one ``winners`` table keeps, per
crime_ref, the copy from the latest source in the request (it supplies date, offence and
outcome); the population is the winners inside the date window, in the offence codes, with
status recorded. The text of every copy of a population crime (both systems' notes for a
migrated crime) is streamed in Arrow record batches through the matcher. Hits come back to
DuckDB to be joined to the winners' fields and to compute per-system coverage.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from queue import Queue

import duckdb
import pyarrow as pa
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from foidesk.engine import (
    CRIME_HITS_SCHEMA,
    EVIDENCE_SCHEMA,
    CoverageRow,
    EngineResult,
    EvidenceBuilder,
    SourceReport,
    no_free_text,
    no_offence_codes,
)
from foidesk.matcher import Matcher
from foidesk.periods import period_key_sql
from foidesk.request import Request
from foidesk.sources import LoadedSource, _ident, _sql_str, first_row, load_source

BATCH_ROWS = 65_536


@contextmanager
def _progress(total: int, quiet: bool) -> Iterator[Progress]:
    console = Console(stderr=True)
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} records"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=quiet or not console.is_terminal,
    )
    with progress:
        yield progress


class DuckDBEngine:
    """Embedded engine: one machine, streaming through DuckDB with a memory limit."""

    name = "duckdb"

    def __init__(
        self,
        memory_limit: str = "512MB",
        threads: int | None = None,
        quiet: bool = False,
        batch_rows: int = BATCH_ROWS,
        prefetch: bool = True,
    ):
        self.memory_limit = memory_limit
        self.batch_rows = batch_rows
        self.prefetch = prefetch
        self.threads = threads or os.cpu_count() or 1
        self.quiet = quiet

    @staticmethod
    def database(tmp: str, request: Request) -> str:
        """Where the working tables live. CSV sources are parsed into tables, which are
        fastest in memory (spilling to ``tmp`` past the memory limit); with Parquet or
        snapshot sources the tables hold little, and a file in ``tmp`` keeps the peak lowest
        (measured in docs/performance.md)."""
        if all(s.format == "csv" for s in request.sources):
            return ":memory:"
        return str(Path(tmp) / "work.duckdb")

    def run(self, request: Request, matcher: Matcher) -> EngineResult:
        """Answer ``request`` with ``matcher``; see the module docstring for the flow."""
        with tempfile.TemporaryDirectory(prefix="foidesk-duckdb-") as tmp:
            # tables beyond the memory limit spill to the temporary folder
            con = duckdb.connect(self.database(tmp, request), config={"threads": self.threads})
            con.execute(f"SET memory_limit = {_sql_str(self.memory_limit)}")
            con.execute("SET TimeZone = 'UTC'")
            # DuckDB's own progress bar prints on stdout, which carries only the table
            con.execute("SET enable_progress_bar = false")
            con.execute(f"SET temp_directory = {_sql_str(tmp)}")
            con.execute("SET preserve_insertion_order = true")
            try:
                return self._run(con, request, matcher)
            finally:
                con.close()

    def _run(
        self, con: duckdb.DuckDBPyConnection, request: Request, matcher: Matcher
    ) -> EngineResult:
        loaded = [load_source(con, i, spec) for i, spec in enumerate(request.sources)]
        for src in loaded:
            has_codes = first_row(con, f"SELECT count(ho_code) FROM {src.table}")
            if not has_codes or has_codes[0] == 0:
                raise no_offence_codes(src.spec.path, request)
        if not any(src.text_fields or src.notes_table for src in loaded):
            raise no_free_text([str(src.spec.path) for src in loaded])
        stages: dict[str, int] = {"rows_read": sum(s.rows_read for s in loaded)}
        con.execute(
            "CREATE VIEW all_meta AS "
            + " UNION ALL ".join(
                f"SELECT {s.index} AS source_idx, {_sql_str(s.spec.system)} AS system, "
                f"record_no, crime_ref, recorded_date, offence, ho_code, outcome, "
                f"ho_outcome, status FROM {s.table}"
                for s in loaded
            )
        )
        if request.prefer == "earlier":
            winner_order = "source_idx ASC, record_no DESC"
        elif request.prefer == "later":
            winner_order = "source_idx DESC, record_no DESC"
        else:
            winner_order = (
                f"(system = {_sql_str(request.prefer)}) DESC, source_idx DESC, record_no DESC"
            )
        codes = ", ".join(_sql_str(c) for c in request.offence_codes)
        window = (
            f"recorded_date BETWEEN DATE {_sql_str(request.date_from.isoformat())} "
            f"AND DATE {_sql_str(request.date_to.isoformat())}"
        )
        # only a crime with some copy in the window and the offences can be in the population,
        # so the copy that wins is settled for those crimes alone (a small share of a force's
        # records for most requests)
        con.execute(
            f"CREATE TABLE candidates AS SELECT DISTINCT crime_ref FROM all_meta "
            f"WHERE {window} AND ho_code IN ({codes})"
        )
        # most crimes are held once: their only copy wins without a sort; the copies of the
        # rest are ranked by the request's rule
        con.execute(
            "CREATE TABLE cand_copies AS "
            "SELECT * FROM all_meta SEMI JOIN candidates USING (crime_ref)"
        )
        con.execute(
            "CREATE TABLE multi AS SELECT crime_ref, count(*) AS n_copies, "
            "count(DISTINCT source_idx) AS n_sources, count(DISTINCT system) AS n_systems "
            "FROM cand_copies GROUP BY crime_ref HAVING count(*) > 1"
        )
        con.execute(
            f"""
            CREATE TABLE winners AS
            SELECT c.*, 1 AS n_systems, 1 AS n_sources, 1 AS n_copies
            FROM cand_copies c ANTI JOIN multi USING (crime_ref)
            UNION ALL BY NAME
            SELECT * EXCLUDE (rk) FROM (
                SELECT c.*, m.n_systems, m.n_sources, m.n_copies,
                    row_number() OVER (PARTITION BY crime_ref ORDER BY {winner_order}) AS rk
                FROM cand_copies c JOIN multi m USING (crime_ref)
            ) WHERE rk = 1
            """
        )
        period = period_key_sql("recorded_date", request.columns)
        con.execute(
            f"CREATE TABLE population AS SELECT *, {period} AS period FROM winners "
            f"WHERE {window} AND ho_code IN ({codes}) AND status = 'recorded'"
        )
        stage_row = first_row(
            con,
            f"""
            SELECT count(*),
                count(*) FILTER (WHERE n_systems > 1),
                count(*) FILTER (WHERE n_copies > n_sources),
                count(*) FILTER (WHERE {window} AND ho_code IN ({codes})),
                count(*) FILTER (WHERE {window} AND ho_code IN ({codes})
                    AND status = 'cancelled'),
                count(*) FILTER (WHERE {window} AND ho_code IN ({codes})
                    AND status = 'transferred')
            FROM winners
            """,
        )
        assert stage_row is not None
        stages.update(
            candidate_crimes=int(stage_row[0]),
            crimes_in_more_than_one_system=int(stage_row[1]),
            crime_refs_repeated_within_a_source=int(stage_row[2]),
            in_window_and_offences=int(stage_row[3]),
            excluded_cancelled=int(stage_row[4]),
            excluded_transferred=int(stage_row[5]),
        )
        population_row = first_row(con, "SELECT count(*) FROM population")
        stages["population"] = int(population_row[0]) if population_row else 0

        # the copies whose text is searched: in each source, the last copy of each population
        # crime (as ingest keeps it); both systems' copies of a migrated crime are searched
        con.execute(
            "CREATE TABLE text_copies AS SELECT source_idx, crime_ref, max(record_no) AS record_no "
            "FROM cand_copies SEMI JOIN population USING (crime_ref) GROUP BY ALL"
        )
        evidence, copies = self._scan(con, loaded, matcher)
        stages["copies_searched"] = sum(copies.values())
        stages["hits"] = evidence.num_rows
        con.register("evidence_raw", evidence)
        con.execute(
            """
            CREATE TABLE hit_crimes AS
            SELECT DISTINCT e.crime_ref, e.platform FROM evidence_raw e
            """
        )
        crime_hits = con.sql(
            """
            SELECT p.crime_ref, p.system, p.recorded_date, CAST(p.period AS INTEGER) AS period,
                p.offence, p.ho_code, p.outcome, p.ho_outcome, h.platform
            FROM population p JOIN hit_crimes h USING (crime_ref)
            ORDER BY p.crime_ref, h.platform
            """
        ).to_arrow_table()
        crime_hits = crime_hits.cast(CRIME_HITS_SCHEMA)
        stages["crimes_with_hits"] = len(set(crime_hits.column("crime_ref").to_pylist()))
        evidence_out = con.sql(
            """
            SELECT e.crime_ref, e.system, CAST(year(p.recorded_date) AS INTEGER) AS year,
                e.platform, e.field, e.start, e."end", e.text, e.rule, e.signal
            FROM evidence_raw e JOIN population p USING (crime_ref)
            ORDER BY e.crime_ref, e.system, e.field, e.start, e.platform
            """
        ).to_arrow_table()
        coverage = [
            CoverageRow(str(r[0]), int(r[1]), int(r[2]), int(r[3]))
            for r in con.execute(
                """
                SELECT p.system, p.period, count(*),
                    count(*) FILTER (WHERE p.crime_ref IN (SELECT crime_ref FROM hit_crimes))
                FROM population p GROUP BY ALL ORDER BY ALL
                """
            ).fetchall()
        ]
        overlap_counts: dict[str, int] = {}
        for systems, _ in con.execute(
            """
            SELECT string_agg(DISTINCT system, ' and ' ORDER BY system) AS systems, crime_ref
            FROM all_meta
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
                SourceReport(
                    path=str(src.spec.path),
                    system=src.spec.system,
                    format=src.spec.format,
                    sha256=src.sha256,
                    size_bytes=src.size_bytes,
                    rows_read=src.rows_read,
                    text_fields=src.text_fields,
                    copies_searched=copies[src.index],
                    data_quality_from=dq.isoformat() if dq else None,
                    population_after_dq_date=after,
                    searchable=bool(src.text_fields or src.notes_table),
                    has_notes=src.notes_table is not None,
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

        def produce() -> None:
            try:
                for batch in reader:
                    queue.put(batch)
                queue.put(None)
            except BaseException as exc:  # handed to the consumer
                queue.put(exc)

        thread = threading.Thread(target=produce, daemon=True)
        thread.start()
        while (item := queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
        thread.join()

    def _scan(
        self, con: duckdb.DuckDBPyConnection, loaded: list[LoadedSource], matcher: Matcher
    ) -> tuple[pa.Table, dict[int, int]]:
        """Stream the text of every copy of every population crime through the matcher."""
        copies: dict[int, int] = {}
        totals = {}
        for src in loaded:
            row = first_row(con, f"SELECT count(*) FROM text_copies WHERE source_idx = {src.index}")
            totals[src.index] = int(row[0]) if row else 0

        evidence = EvidenceBuilder()
        add = evidence.add

        with _progress(sum(totals.values()), self.quiet) as progress:
            task = progress.add_task("Searching free text", total=sum(totals.values()))
            for src in loaded:
                copies[src.index] = totals[src.index]
                population = "crime_ref IN (SELECT crime_ref FROM population)"
                chosen = (
                    f"SEMI JOIN (SELECT crime_ref, record_no FROM text_copies "
                    f"WHERE source_idx = {src.index}) USING (crime_ref, record_no)"
                )
                if src.text_fields:
                    fields = ", ".join(_ident(f) for f in src.text_fields)
                    reader = con.sql(
                        f"SELECT crime_ref, {fields} FROM {src.table} {chosen}"
                    ).to_arrow_reader(self.batch_rows)
                    for batch in self._batches(reader):
                        refs = batch.column(0)
                        for field in src.text_fields:
                            for hit in matcher.match_array(batch.column(field), field):
                                add(refs[hit.row].as_py(), src.spec.system, hit, hit.field)
                        progress.advance(task, batch.num_rows)
                if src.notes_table:
                    # notes: each log entry is a field of its own, named by its entry
                    reader = con.sql(
                        f"SELECT crime_ref, entry, text FROM {src.notes_table} WHERE {population}"
                    ).to_arrow_reader(self.batch_rows)
                    for batch in self._batches(reader):
                        refs, entries = batch.column(0), batch.column(1)
                        for hit in matcher.match_array(batch.column(2), "note"):
                            field = f"note {entries[hit.row].as_py()}"
                            add(refs[hit.row].as_py(), src.spec.system, hit, field)
        return evidence.table(), copies
