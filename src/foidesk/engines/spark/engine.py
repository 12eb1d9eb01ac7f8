"""The scale-out engine: Apache Spark moves the data, the shared matcher finds the mentions.

This module plans the Spark jobs on the driver; ``tasks.py`` holds what runs in the executors.
Each source is read where it lies, by the executors: Spark plans a task per row group of each
Parquet file (a raw extract, or a snapshot's ``crimes.parquet``) and each task reads its own
with pyarrow; a raw extract's rows are made canonical in the task by the embedded engine's own
statement (``engines.duckdb.sources.canonical_select``, ``text_select`` and
``UNUSABLE_CHECKS``, run by DuckDB over the task's batches), so a value is read, and a bad row
refused, as the embedded engine does; a CSV extract is first made a snapshot by the shared
ingest code (Spark's CSV reader parses differently). In the same pass each row's text goes
through ``Matcher`` (the lexicon travels as data and is compiled once per Python worker:
Hyperscan databases are specific to a CPU) and the row leaves the task with its hits, not its
text. The rows are cached, and one aggregate gives the rows read, the unusable rows, the codes
in the window and the systems a file names. Every rule of the population (scope, winner,
statuses, period) is the SQL of ``engines.population``, run through ``F.expr``; one aggregate
of every row, grouped by crime, gives each candidate's winner (as one number), the sources
holding a copy and its last copy in each, and the winner's fields are joined to it from the
copies in scope; one aggregate of the winners, grouped by system, period and overlap, gives
every count. The hits of the copies searched (in each source, the last copy of each
population crime) are kept, with their crime's winning fields, and written by the executors
to Parquet (the driver's temporary folder, or ``work=``), which the driver reads back and
takes the (crime, platform) rows from. No join is made by broadcast, so nothing record-level
passes through the driver but the hits. ``table.build_table`` then counts exactly as for the
embedded engine.

A master URL is checked before any work (a standalone master must accept a connection within
``CONNECT_TIMEOUT`` seconds), and the JVM's own output is kept off the terminal: a failure to
start is one line naming the master and Spark's reason.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from foidesk.casework.request import Request, SourceSpec
from foidesk.engines.base import (
    CRIME_HITS_SCHEMA,
    EVIDENCE_ORDER,
    EVIDENCE_SCHEMA,
    CoverageRow,
    EngineResult,
    NoProgress,
    Progress,
    no_free_text,
    no_offence_codes,
    no_text_column,
    several_systems,
    source_report,
    unreadable_notes,
    unreadable_rows,
)
from foidesk.engines.duckdb.sources import (
    UNUSABLE_CHECKS,
    canonical_select,
    hashed,
    line_of_record,
    unusable_error,
)
from foidesk.engines.labels import (
    LabelFact,
    candidate_rows,
    exact_candidates,
    label_facts,
    labels_to_check,
    raw_labels,
)
from foidesk.engines.population import EXCLUDED_STATUSES, PopulationRules, excluded_stage
from foidesk.engines.spark.tasks import (
    HITS,
    SPLIT_SCHEMA,
    SYSTEM_VALUE,
    Search,
    SourceRead,
    match_batches,
    out_schema,
    source_batches,
)
from foidesk.errors import EngineError, SourceError
from foidesk.ingest.hashing import FileHasher
from foidesk.ingest.mapping import load_mapping
from foidesk.ingest.record import CANONICAL, run_day
from foidesk.ingest.snapshot import ingest
from foidesk.search.matcher import Matcher
from foidesk.workspace import private_folder

# seconds allowed to open a connection to a standalone master before Spark is started (Spark
# itself retries an unreachable master for a minute before it gives up)
CONNECT_TIMEOUT = 5.0

# the fields of a crime's winning copy that the population rules and the table read
_WINNER_FIELDS = (
    "source_idx",
    "system",
    "record_no",
    "recorded_date",
    "offence",
    "ho_code",
    "outcome",
    "ho_outcome",
    "status",
)


@dataclass(frozen=True)
class _Source:
    """One ``[[source]]`` as Spark reads it: a snapshot folder (``folder``, ``manifest``), or a
    raw Parquet extract read where it lies (``mapping``: canonical name to the file's column)."""

    index: int
    spec: SourceSpec
    folder: Path | None
    manifest: dict[str, Any]
    text_fields: tuple[str, ...]
    mapping: dict[str, str]
    digest: Callable[[], str]

    @property
    def raw(self) -> bool:
        return self.folder is None

    @property
    def notes(self) -> Path | None:
        notes = None if self.folder is None else self.folder / "notes.parquet"
        return notes if notes is not None and notes.is_file() else None


class SparkEngine:
    """Scale-out engine: the same matcher and counting, Spark moving the data."""

    name = "spark"

    def __init__(
        self,
        master: str = "local[*]",
        conf: dict[str, str] | None = None,
        work: str | None = None,
    ) -> None:
        """``master``: the Spark master URL (``local[*]``, ``spark://host:port``);
        ``conf``: further Spark settings; ``work``: a folder URI that the executors write the
        evidence to and the driver reads it from (``hdfs://...``, ``s3a://...``) when they
        share no file system; by default a private temporary folder of the driver's."""
        self.master = master
        self.conf = conf or {}
        self.work = work

    def _session(self) -> Any:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise EngineError(
                "--engine spark needs PySpark and Java: pip install 'foidesk[spark]' and a "
                "Java 17+ runtime (Debian: default-jre-headless)"
            ) from exc
        # the workers must run this very Python (same foidesk, same Hyperscan)
        os.environ["PYSPARK_PYTHON"] = sys.executable
        os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
        builder = (
            SparkSession.builder.master(self.master)
            .appName("foidesk")
            .config("spark.pyspark.python", sys.executable)
            .config("spark.pyspark.driver.python", sys.executable)
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.execution.arrow.maxRecordsPerBatch", "10000")
            # no join is made by broadcast: its table would pass through the driver, and
            # every table joined here is of records (candidates, copies, winners)
            .config("spark.sql.autoBroadcastJoinThreshold", "-1")
            # the cached rows are kept as they are: compressing them cost the JVM about 8 s of
            # CPU at 2,000,000 records (a third of reading them), for memory the cache has
            .config("spark.sql.inMemoryColumnarStorage.compressed", "false")
        )
        if self.master.startswith("local") and "spark.driver.memory" not in self.conf:
            # in local mode the driver's JVM is the executor too: Spark's default of 1 GB
            # held the cached rows of 10,000,000 records only by spilling them to disk
            builder = builder.config("spark.driver.memory", local_driver_memory())
        for key, value in self.conf.items():
            builder = builder.config(key, value)
        # The JVM writes to the stderr it inherits (its start-up warnings, log4j, a Java stack
        # trace when the master is wrong): it is started with stderr pointed at a temporary
        # file, kept for its life, so the terminal shows only foidesk's own lines; on failure
        # the file gives the reason (and, with --debug, the whole log as a note)
        sys.stderr.flush()
        saved = os.dup(2)
        with tempfile.TemporaryFile() as log:
            os.dup2(log.fileno(), 2)
            try:
                spark = builder.getOrCreate()
                failure = None
            except Exception as exc:  # no Java, a master Spark cannot use or reach
                failure = exc
            finally:
                os.dup2(saved, 2)
                os.close(saved)
            if failure is not None:
                log.seek(0)
                captured = log.read().decode("utf-8", "replace")
                error = EngineError(
                    f"--spark-master {self.master}: Spark did not start "
                    f"({_start_failure(failure, captured)})"
                )
                error.add_note("Spark's output while starting:\n" + captured)
                raise error from failure
        spark.sparkContext.setLogLevel("ERROR")
        return spark

    def _sources(self, request: Request, tmp: Path) -> list[_Source]:
        """Each source as Spark will read it: a snapshot as it is, a Parquet extract where it
        lies (its header checked here, its rows read by the executors), a CSV extract first
        made a snapshot by the shared ingest code (Spark's CSV reader parses differently and
        has no line numbers)."""
        sources = []
        for i, spec in enumerate(request.sources):
            if spec.format == "parquet":
                try:
                    names = list(pq.read_schema(spec.path).names)
                except Exception as exc:
                    raise SourceError(f"{spec.path}: not a readable Parquet file ({exc})") from exc
                _select, fields, mapping = canonical_select(spec.path, names, {})
                hasher = FileHasher(spec.path)
                sources.append(
                    _Source(i, spec, None, {}, fields, mapping, hashed(hasher, spec.path))
                )
                continue
            if spec.format == "snapshot":
                folder = spec.path
            else:
                folder = tmp / f"source-{i}"
                standard = replace(load_mapping(None), format=spec.format)

                def one_system(_input: str, systems: set[str], path: Path = spec.path) -> None:
                    # as the embedded engine: each system must be its own [[source]]
                    if len(systems) > 1:
                        raise several_systems(path, systems)

                result = ingest(
                    [str(spec.path)],
                    folder,
                    standard,
                    system=spec.system,
                    check_systems=one_system,
                )
                with (folder / "quarantine.csv").open(encoding="utf-8", newline="") as f:
                    for row in csv.DictReader(f):
                        # a superseded copy is the duplicate rule at work, not a bad row
                        if not row["reason"].startswith("superseded"):
                            raise SourceError(f"{spec.path}: line {row['line']}: {row['reason']}")
                if not result.manifest["text_fields"]:
                    raise no_text_column(spec.path)
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            source = manifest["sources"][0] if spec.format != "snapshot" else None
            sha = str(source["sha256"] if source else manifest["snapshot_sha256"])
            sources.append(
                _Source(
                    i,
                    spec,
                    folder,
                    manifest,
                    tuple(manifest.get("text_fields", [])),
                    {},
                    lambda sha=sha: sha,  # type: ignore[misc]
                )
            )
        return sources

    def run(
        self, request: Request, matcher: Matcher, progress: Progress | None = None
    ) -> EngineResult:
        """Answer ``request`` with ``matcher``'s lexicon and platforms on Spark."""
        progress = progress or NoProgress()
        check_master(self.master)
        # the workers compile the lexicon again: a pattern that does not compile is the
        # driver's one-line error, before Spark starts (a worker's would be a PythonException)
        matcher.ready()
        # a private folder (0700), removed at the end, on failure and on SIGTERM or SIGINT
        with private_folder("spark") as tmp:
            progress.begin("Reading the sources' headers (CSV ingested to snapshots)")
            sources = self._sources(request, tmp)
            progress.end()
            if not any(s.text_fields or s.notes is not None for s in sources):
                raise no_free_text([str(spec.path) for spec in request.sources])
            progress.begin("Starting Spark and searching")
            started = time.perf_counter()
            spark = self._session()
            startup = time.perf_counter() - started
            try:
                if not self.master.startswith("local") and (
                    self.work is None or any(s.spec.format == "csv" for s in sources)
                ):
                    _check_shared(spark, self.master, tmp)
                result = self._run(spark, request, matcher, sources, tmp)
                return replace(
                    result, engine={**result.engine, "startup_seconds": round(startup, 2)}
                )
            finally:
                if self.work is not None:  # a run's folder under work=, also after a failure
                    with contextlib.suppress(Exception):
                        _delete(spark, self._evidence_uri(tmp))
                spark.stop()
                progress.end()

    def _evidence_uri(self, tmp: Path) -> str:
        """Where the executors write the evidence: the private folder, or a run's own
        folder under ``work``."""
        if self.work is None:
            return str(tmp / "evidence")
        return f"{self.work.rstrip('/')}/foidesk-evidence-{tmp.name}"

    def _meta(self, spark: Any, source: _Source, checks: int, search: Search) -> Any:
        """A source's rows as canonical columns, unusable flags and each row's hits (its text
        searched in the same pass): a DataFrame of the file's row groups, each task reading
        its own where the file lies."""
        from pyspark.sql import functions as F

        # the absolute path: an executor on a cluster runs in its own working folder
        path = str(
            (
                source.spec.path if source.folder is None else source.folder / "crimes.parquet"
            ).resolve()
        )
        try:
            footer = pq.ParquetFile(path).metadata
        except Exception as exc:
            raise SourceError(f"{path}: not a readable Parquet file ({exc})") from exc
        if source.raw:
            # only the columns the answer reads
            keys = [source.mapping[c] for c in (*CANONICAL, "system") if c in source.mapping]
            texts = [source.mapping[f] for f in source.text_fields]
            read = SourceRead(
                path,
                tuple(keys),
                tuple(texts),
                search,
                True,
                source.mapping.get("system"),
                run_day(),
            )
        else:  # a snapshot was validated by ingest, and holds one copy of a crime
            names = set(footer.schema.to_arrow_schema().names)
            keys = [c for c in CANONICAL if c in names]
            read = SourceRead(path, tuple(keys), tuple(source.text_fields), search, False)
        # a task reads consecutive row groups of at least a quarter of a core's share of the
        # file's rows together: a file written in thousands of small groups is not thousands
        # of tasks (each reading the footer), while each core still gets several tasks
        least = footer.num_rows // (4 * max(1, int(spark.sparkContext.defaultParallelism)))
        splits: list[list[tuple[int, int]]] = []
        first, held = 0, 0
        for group in range(footer.num_row_groups):
            if not splits or held >= max(1, least):
                splits.append([])
                held = 0
            splits[-1].append((group, first))
            rows = footer.row_group(group).num_rows
            first += rows
            held += rows
        frame = (
            # one split a partition (parallelize gives each of n elements its own of n slices)
            spark.sparkContext.parallelize(splits, max(1, len(splits)))
            .flatMap(lambda split: split)
            .toDF(_spark_schema(SPLIT_SCHEMA))
            .mapInArrow(source_batches(read, checks), _spark_schema(out_schema(checks)))
        )
        return frame.select(
            F.lit(source.index).alias("source_idx"),
            F.lit(source.spec.system).alias("system"),
            "*",
        )

    def _run(
        self,
        spark: Any,
        request: Request,
        matcher: Matcher,
        sources: list[_Source],
        tmp: Path,
    ) -> EngineResult:
        from pyspark import StorageLevel
        from pyspark.sql import functions as F

        rules = PopulationRules.of(request)
        checks = len(UNUSABLE_CHECKS)
        # the matcher travels as its lexicon's data, compiled on each worker
        lexicon, platforms = matcher.lexicon, tuple(matcher.platform_names)
        metas = [
            self._meta(spark, s, checks, Search(lexicon, platforms, s.spec.system, s.text_fields))
            for s in sources
        ]
        read = metas[0]
        for meta in metas[1:]:
            read = read.unionByName(meta)
        # every row is read once, by the executors: the first action below settles the cache
        # (without the dates as written, which only an unusable row's message shows: a
        # string on every row of the cache)
        all_meta = read.drop("recorded_date_raw").persist(StorageLevel.MEMORY_AND_DISK)
        in_window = F.coalesce(F.expr(rules.in_window()), F.lit(False))
        # one aggregate over every row (a few rows: source by offence code in the window)
        # gives the rows read, the unusable rows of each kind, the codes and the systems named
        checked = (
            all_meta.groupBy("source_idx", F.when(in_window, F.col("ho_code")).alias("code"))
            .agg(
                F.count("*").alias("rows"),
                F.sum(in_window.cast("int")).alias("in_window"),
                F.count("ho_code").alias("with_code"),
                F.min(SYSTEM_VALUE).alias("system_min"),
                F.max(SYSTEM_VALUE).alias("system_max"),
                *[F.sum(F.col(f"bad_{k}").cast("int")).alias(f"bad_{k}") for k in range(checks)],
            )
            .collect()
        )
        per_source: dict[int, dict[str, Any]] = {
            s.index: {"rows": 0, "with_code": 0, "systems": set(), "bad": [0] * checks}
            for s in sources
        }
        codes: dict[str, int] = {}
        for g in checked:
            facts = per_source[int(g["source_idx"])]
            facts["rows"] += int(g["rows"])
            facts["with_code"] += int(g["with_code"])
            facts["systems"].update(v for v in (g["system_min"], g["system_max"]) if v)
            for k in range(checks):
                facts["bad"][k] += int(g[f"bad_{k}"] or 0)
            if g["in_window"]:
                code = str(g["code"]) if g["code"] is not None else ""
                codes[code] = codes.get(code, 0) + int(g["in_window"])
        # the checks in the embedded engine's order: a file of several systems, an unusable
        # row (its first, found by one small query), a source with no codes
        for s in sources:
            if len(per_source[s.index]["systems"]) > 1:  # their names, for the message
                named = (
                    all_meta.where(F.col("source_idx") == s.index)
                    .where(F.col(SYSTEM_VALUE).isNotNull())
                    .select(SYSTEM_VALUE)
                    .distinct()
                    .collect()
                )
                raise several_systems(s.spec.path, {str(r[0]) for r in named})
        for s in sources:
            for k, (field, _condition, message) in enumerate(UNUSABLE_CHECKS):
                count = per_source[s.index]["bad"][k]
                if count:
                    first = (
                        read.where((F.col("source_idx") == s.index) & F.col(f"bad_{k}"))
                        .orderBy("record_no")
                        .select("record_no", field)
                        .limit(1)
                        .collect()[0]
                    )
                    raise unusable_error(s.spec, message, int(first[0]), first[1], count, run_day())
        if not request.all_offences:
            for s in sources:
                if per_source[s.index]["with_code"] == 0:
                    raise no_offence_codes(s.spec.path, request)

        in_scope = F.coalesce(F.expr(rules.in_scope()), F.lit(False))
        in_population = in_scope & F.expr(rules.counted())
        # each candidate crime's winning copy, with the sources holding a copy and its last
        # copy in each: one aggregate over every row, grouped by crime (a crime is a candidate
        # when a copy is in scope), the winner the greatest of the copies' order keys written
        # as one number (``_winner_key``: with numbers only, Spark aggregates by hashing; a
        # greatest struct of the copies' fields made it sort every row twice, measured 3x
        # the time). The winning copy's fields are then joined to it from the copies in
        # scope: a crime whose winning copy is out of scope is a candidate, counted in no
        # later stage, and its fields are read by none.
        key = _winner_key(rules.winner_order(), len(sources))
        names = sorted({s.spec.system for s in sources})  # as Spark sorts strings (UTF-8)
        has_system = {
            name: F.greatest(
                F.lit(0), *[F.col(f"in_{s.index}") for s in sources if s.spec.system == name]
            )
            for name in names
        }
        per_crime = (
            all_meta.groupBy("crime_ref")
            .agg(
                F.max(in_scope.cast("int")).alias("candidate"),
                F.max(key).alias("winner_key"),
                *[
                    F.max((F.col("source_idx") == s.index).cast("int")).alias(f"in_{s.index}")
                    for s in sources
                ],
                *[
                    F.max(F.when(F.col("source_idx") == s.index, F.col("record_no"))).alias(
                        f"last_{s.index}"
                    )
                    for s in sources
                ],
            )
            .where("candidate = 1")
        )
        in_scope_copies = all_meta.where(in_scope).select(
            "crime_ref", key.alias("winner_key"), *_WINNER_FIELDS
        )
        winners = (
            per_crime.join(in_scope_copies, ["crime_ref", "winner_key"], "left")
            .select(
                "crime_ref",
                *_WINNER_FIELDS,
                *[f"in_{s.index}" for s in sources],
                *[f"last_{s.index}" for s in sources],
            )
            # the systems holding a copy, from the sources that do (plain sums: a set of
            # names for each crime cost more than the rest of the aggregate)
            .withColumn("n_systems", sum((has_system[name] for name in names), F.lit(0)))
            .withColumn(
                "systems",
                F.concat_ws(" and ", *[F.when(has_system[n] == 1, F.lit(n)) for n in names]),
            )
            .withColumn("period", F.expr(rules.period()).cast("int"))
            .cache()  # every later step starts from here: settle it once
        )
        population = winners.where(in_population)

        # one aggregate, grouped by what coverage and overlaps need (a few rows per system and
        # period), gives the stage counts, the copies searched in each source and the
        # population after each data-quality date; the driver adds the groups up
        pop = F.when(in_population, 1).otherwise(0)
        several = (F.col("n_systems") > 1).cast("int")
        sums = [
            F.count("*").alias("candidate_crimes"),
            F.sum(several).alias("in_more_than_one_system"),
            F.sum(in_scope.cast("int")).alias("in_scope"),
            *[
                F.sum((in_scope & F.expr(rules.excluded(s))).cast("int")).alias(excluded_stage(s))
                for s in EXCLUDED_STATUSES
            ],
            F.sum(pop).alias("population"),
        ]
        for i, spec in enumerate(request.sources):
            # a snapshot holds one copy of a crime: the copies searched in source i are its
            # population crimes
            sums.append(F.sum(pop * F.col(f"in_{i}")).alias(f"copies_{i}"))
            if spec.data_quality_from is not None:
                after = (F.col("system") == spec.system) & (
                    F.col("recorded_date") >= F.lit(spec.data_quality_from)
                )
                sums.append(F.sum(pop * after.cast("int")).alias(f"dq_{i}"))
        overlap = F.when(in_population & (F.col("n_systems") > 1), F.col("systems"))
        groups = winners.groupBy("system", "period", overlap.alias("overlap")).agg(*sums).collect()

        def total(name: str) -> int:
            return sum(int(g[name] or 0) for g in groups)

        copies_searched = {i: total(f"copies_{i}") for i in range(len(request.sources))}
        searched: dict[tuple[str, int], int] = {}
        overlaps: dict[str, int] = {}
        for g in groups:
            if g["population"]:
                key = (str(g["system"]), int(g["period"]))
                searched[key] = searched.get(key, 0) + int(g["population"])
                if g["overlap"] is not None:
                    overlaps[g["overlap"]] = overlaps.get(g["overlap"], 0) + int(g["population"])
        overlaps = dict(sorted(overlaps.items()))

        # the hits of the copies searched: in each source, the last copy of each population
        # crime (as ingest keeps it: both systems' copies of a migrated crime count), each row's
        # hits found as it was read (the text is never shuffled; only rows with a hit are).
        # Each hit carries its crime's winning fields (as crime_<name>), so that one write
        # gives both the evidence and the (crime, platform) rows, which the driver takes from
        # it; the population is joined to the rows with a hit once, for both
        crime_fields = [
            n for n in CRIME_HITS_SCHEMA.names if n not in ("crime_ref", "platform", "certain")
        ]
        crime_columns = [f"crime_{n}" for n in crime_fields]
        of_crime = population.select(
            "crime_ref", *[F.col(n).alias(f"crime_{n}") for n in crime_fields]
        )
        last_copy = F.col("record_no") == F.element_at(
            F.array(*[F.col(f"last_{s.index}") for s in sources]), F.col("source_idx") + 1
        )
        evidence = (
            all_meta.where(F.col(HITS).isNotNull())
            .select("source_idx", "record_no", "crime_ref", HITS)
            .join(
                population.select(
                    "crime_ref",
                    *[f"last_{s.index}" for s in sources],
                    *[F.col(n).alias(f"crime_{n}") for n in crime_fields],
                ),
                "crime_ref",
            )
            .where(last_copy)
            .select(F.explode(HITS).alias("hit"), *crime_columns)
            .select("hit.*", *crime_columns)
        )
        for s in sources:
            if s.notes is not None:
                notes = _read_parquet(spark, s.notes.resolve().as_uri())
                evidence = evidence.unionByName(
                    notes.join(population.select("crime_ref"), "crime_ref", "left_semi")
                    .select("crime_ref", "entry", "text")
                    .mapInArrow(
                        match_batches(lexicon, platforms, s.spec.system),
                        _spark_schema(EVIDENCE_SCHEMA),
                    )
                    .join(of_crime, "crime_ref")
                )
        evidence = evidence.withColumn("year", F.year("crime_recorded_date"))
        evidence.select(*EVIDENCE_SCHEMA.names, *crime_columns).write.parquet(
            self._evidence_uri(tmp)
        )
        reports = []
        for s in sources:
            spec = s.spec
            facts = per_source[s.index]
            reports.append(
                source_report(
                    spec,
                    sha256=s.digest(),
                    size_bytes=spec.path.stat().st_size
                    if spec.path.is_file()
                    else sum(p.stat().st_size for p in spec.path.iterdir() if p.is_file()),
                    rows_read=int(s.manifest["totals"]["rows_read"])
                    if spec.format == "csv"
                    else int(facts["rows"]),
                    text_fields=s.text_fields,
                    copies_searched=copies_searched[s.index],
                    population_after_dq_date=total(f"dq_{s.index}")
                    if spec.data_quality_from
                    else 0,
                    has_notes=s.notes is not None,
                    rows_quarantined=unreadable_rows(s.manifest)
                    if spec.format == "snapshot"
                    else 0,
                    notes_unread=unreadable_notes(s.manifest) if s.manifest else (0, 0),
                )
            )
        if self.work is None:
            hits = ds.dataset(str(tmp / "evidence"), format="parquet").to_table()
        else:  # the hits (a small share of the population) through Spark, as Arrow
            hits = spark.read.parquet(self._evidence_uri(tmp)).toArrow()
            _delete(spark, self._evidence_uri(tmp))
        evidence_table = (
            hits.select(EVIDENCE_SCHEMA.names)
            .cast(EVIDENCE_SCHEMA)
            .sort_by([(c, "ascending") for c in EVIDENCE_ORDER])
        )
        keys = ["crime_ref", "platform", *[f"crime_{n}" for n in crime_fields]]
        certain = pc.equal(hits.column("certainty"), "certain")
        distinct = (
            hits.select(keys)
            .append_column("certain", certain)
            .group_by(keys)
            .aggregate([("certain", "any")])
        )
        crime_hits = (
            pa.table(
                {
                    n: distinct.column(
                        n if n in keys else "certain_any" if n == "certain" else f"crime_{n}"
                    )
                    for n in CRIME_HITS_SCHEMA.names
                }
            )
            .cast(CRIME_HITS_SCHEMA)
            .sort_by([("crime_ref", "ascending"), ("platform", "ascending")])
        )
        del hits, distinct
        # records with a hit, by system and period: distinct crimes of the certain (crime,
        # platform) rows
        with_hits = {
            (str(r["system"]), int(r["period"])): int(r["crime_ref_count_distinct"])
            for r in crime_hits.filter(crime_hits.column("certain"))
            .group_by(["system", "period"])
            .aggregate([("crime_ref", "count_distinct")])
            .to_pylist()
        }
        coverage = [
            CoverageRow(system, period, n, with_hits.get((system, period), 0))
            for (system, period), n in sorted(searched.items())
        ]
        rows_read = sum(r.rows_read for r in reports)
        stages = {
            "rows_read": rows_read,
            "candidate_crimes": total("candidate_crimes"),
            "crimes_in_more_than_one_system": total("in_more_than_one_system"),
            "in_window_and_offences": total("in_scope"),
            **{excluded_stage(s): total(excluded_stage(s)) for s in EXCLUDED_STATUSES},
            "population": total("population"),
            "copies_searched": sum(copies_searched.values()),
            "hits": evidence_table.num_rows,
            "crimes_with_hits": len(pc.unique(crime_hits.column("crime_ref"))),
        }
        return EngineResult(
            crime_hits=crime_hits,
            evidence=evidence_table,
            coverage=coverage,
            overlaps=overlaps,
            sources=reports,
            stages=stages,
            engine={"name": self.name, "spark": spark.version, "master": self.master},
            label_facts=_label_facts(spark, request, all_meta, population, crime_hits),
            rows_in_window=sum(codes.values()),
            codes_in_window=dict(sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))),
        )


def _label_facts(
    spark: Any, request: Request, all_meta: Any, population: Any, crime_hits: pa.Table
) -> tuple[LabelFact, ...]:
    """The labels bound for public/ (``engines.labels``): population crimes carrying each, and
    a crime reference of any source found in one (a join on the executors: only the few
    matches reach the driver)."""
    from pyspark.sql import functions as F

    raw = raw_labels(request, crime_hits)
    checks = labels_to_check(request, raw)
    counts: dict[tuple[str, str], int] = {}
    for field, labels in raw.items():
        if labels:
            for r in (
                population.where(F.col(field).isin(sorted(labels))).groupBy(field).count().collect()
            ):
                counts[(field, str(r[field]))] = int(r["count"])
    found: dict[tuple[str, str], str] = {}
    for rows, key in (
        (candidate_rows(checks), F.lower("crime_ref")),
        (exact_candidates(checks), F.col("crime_ref")),
    ):
        if not rows:
            continue
        candidates = spark.createDataFrame(rows, "candidate string, field string, label string")
        for r in (
            all_meta.select(key.alias("candidate"), "crime_ref")
            .join(F.broadcast(candidates), "candidate")
            .groupBy("field", "label")
            .agg(F.min("crime_ref").alias("reference"))
            .collect()
        ):
            found.setdefault((str(r["field"]), str(r["label"])), str(r["reference"]))

    def where(field: str, label: str) -> str | None:
        # the first row holding it, as the embedded engine names it (a CSV extract was
        # ingested to a snapshot here: its line is the embedded engine's to give)
        holders = (
            all_meta.where(F.col(field) == label)
            .groupBy("source_idx")
            .agg(F.min("record_no").alias("record_no"))
            .orderBy("source_idx")
            .limit(1)
            .collect()
        )
        if not holders:
            return None
        spec = request.sources[int(holders[0]["source_idx"])]
        if spec.format == "csv":
            return f"{spec.path} (run --engine duckdb for the line)"
        return f"{spec.path}: {line_of_record(spec, int(holders[0]['record_no']))}"

    return label_facts(checks, counts, found, where)


def _winner_key(order: tuple[tuple[str, bool], ...], sources: int) -> Any:
    """``PopulationRules.winner_order`` (a copy's source, or whether it is of the preferred
    system, then its position in its file, last copy first) as one number, greatest for the
    copy that wins: each leading key (a source's index, a flag) in 8 bits, the position in
    the low 40 (a file of up to 1,099,511,627,776 rows)."""
    from pyspark.sql import functions as F

    *leading, (last, last_desc) = order
    if last != "record_no" or not last_desc or sources > 255:
        raise EngineError(f"the Spark engine cannot order the copies of {sources} sources")
    number = F.lit(0).cast("long")
    for expr, desc in leading:
        value = F.expr(expr).cast("long")
        number = number * 256 + (value if desc else 255 - value)
    return number * F.lit(1 << 40).cast("long") + F.col("record_no")


def local_driver_memory() -> str:
    """The driver's JVM heap for a local master: a quarter of this machine's memory, from 1 GB
    to 8 GB (Spark's own default is 1 GB whatever the machine)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "1g"
    return f"{max(1, min(8, total // 4 // (1 << 30)))}g"


def check_master(master: str) -> None:
    """Refuse, before any work, a master URL Spark could not use: spark-submit's own rule for
    the scheme, and for a standalone master (``spark://host:port``, or several for standby
    masters) a TCP connection to one of them within ``CONNECT_TIMEOUT`` seconds."""
    if not master.startswith(("local", "spark", "k8s", "yarn")):
        raise EngineError(
            f"--spark-master {master}: not a Spark master URL (expected local[*], local[N], "
            "spark://host:port, yarn or k8s://https://host:port)"
        )
    if not master.startswith("spark://"):
        return
    addresses = master.removeprefix("spark://").split(",")
    problems = []
    for address in addresses:
        host, _, port = address.rpartition(":")
        host = host.strip("[]")
        if not host or not port.isdigit():
            raise EngineError(f"--spark-master {master}: expected spark://host:port")
        try:
            socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT).close()
            return
        except socket.gaierror as exc:
            problems.append((address, f"unknown host: {exc.strerror}"))
        except TimeoutError:
            problems.append((address, f"no answer within {CONNECT_TIMEOUT:g} s"))
        except OSError as exc:
            problems.append((address, str(exc.strerror or exc)))
    why = "; ".join(f"{a}: {p}" if len(problems) > 1 else p for a, p in problems)
    raise EngineError(f"--spark-master {master}: cannot reach the master ({why})")


def _start_failure(exc: BaseException, log: str) -> str:
    """Why Spark did not start, on one line: the error Spark wrote while starting (the JVM's
    uncaught exception, or a logged ERROR) where there is one, else the exception's message."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    reason = None
    for line in lines:
        found = re.match(r'Exception in thread "main" [\w.$]+: (.+)', line)
        if found:
            reason = found.group(1)
            break
    if reason is None:
        for line in reversed(lines):  # Spark's last word ("All masters are unresponsive")
            found = re.search(r" ERROR [\w.$]+: (.+)", line)
            if found and not found.group(1).startswith("Error initializing SparkContext"):
                reason = found.group(1)
                break
    if reason is None:
        message = str(exc)
        java = getattr(exc, "java_exception", None)
        if java is not None:
            with contextlib.suppress(Exception):  # the JVM is gone: keep Python's message
                message = str(java.getMessage() or java.toString())
        reason = next((line.strip() for line in message.splitlines() if line.strip()), "")
        if "JAVA_GATEWAY_EXITED" in reason:
            # the launcher's first complaint (no java, JAVA_HOME wrong), not a warning
            said = [
                line
                for line in lines
                if not line.startswith(("WARNING:", "Using Spark's")) and " WARN " not in line
            ]
            reason = said[0] if said else reason
    reason = " ".join(reason.split()) or type(exc).__name__
    return reason if len(reason) <= 300 else reason[:297] + "..."


def _check_shared(spark: Any, master: str, tmp: Path) -> None:
    """Refuse a cluster whose executors cannot see the driver's temporary folder (where a
    CSV's snapshot is read from and the evidence is written, without ``work=``): a file
    written there must be seen by tasks on every executor, else the evidence would be lost."""
    marker = tmp / "shared-check"
    marker.write_text("foidesk", encoding="utf-8")
    name = str(marker)
    slots = max(2, int(spark.sparkContext.defaultParallelism)) * 2
    seen = (
        spark.sparkContext.parallelize(range(slots), slots)
        .map(lambda _: os.path.exists(name))
        .collect()
    )
    if not all(seen):
        raise EngineError(
            f"--spark-master {master}: the executors do not see the driver's temporary "
            f"folder ({tmp}); give a folder every node reaches: --engine-option "
            "work=hdfs://.../scratch (or s3a://, or a shared file system's path)"
        )


def _delete(spark: Any, uri: str) -> None:
    """Remove the folder ``uri`` through Hadoop's file system (any scheme Spark reads)."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).delete(path, True)


def _read_parquet(spark: Any, path: str) -> Any:
    """A snapshot's Parquet file as a DataFrame, given the schema its footer holds (read here
    with pyarrow: cheaper than Spark inferring it); Spark infers it where a type is not one
    a snapshot uses."""
    try:
        schema = _spark_schema(pq.read_schema(path))
    except (KeyError, OSError, pa.ArrowException):
        return spark.read.parquet(path)
    return spark.read.schema(schema).parquet(path)


def _spark_schema(schema: pa.Schema) -> Any:
    """The Spark StructType of an Arrow schema (the types of snapshots, evidence and a row's
    hits: strings, integers, dates, flags, and lists of structs of them)."""
    from pyspark.sql import types as T

    kinds = {
        pa.string(): T.StringType(),
        pa.large_string(): T.StringType(),
        pa.int32(): T.IntegerType(),
        pa.int64(): T.LongType(),
        pa.date32(): T.DateType(),
        pa.bool_(): T.BooleanType(),
    }

    def kind(t: pa.DataType) -> Any:
        if pa.types.is_list(t):
            return T.ArrayType(kind(t.value_type), True)
        if pa.types.is_struct(t):
            return _spark_schema(pa.schema(list(t)))
        return kinds[t]

    return T.StructType([T.StructField(f.name, kind(f.type), True) for f in schema])
