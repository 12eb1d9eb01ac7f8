"""The scale-out engine: Apache Spark moves the data, the shared matcher finds the mentions.

Every source is first made a canonical snapshot by the shared ingest code (a snapshot source is
used as it is), so Spark reads Parquet and parsing can never differ from the embedded engine:
a row ingest would quarantine stops the run, as it does there, and so does a file whose
``system`` column names several systems (seen by ingest as it reads, with the embedded engine's
message). Spark then settles which copy of each candidate crime wins (cached), and one
aggregate of the winners, grouped by system, period and overlap, gives every count: stages,
copies searched per source, population after each data-quality date, records searched by
system and period, and overlaps.
Every rule of the population (scope, winner, statuses, period) is the SQL of
``engines.population``, run through ``F.expr``, as the embedded engine runs it in DuckDB.
The text of every copy of every population crime streams through ``Matcher`` inside
``mapInArrow``: the matcher the engine is handed travels to the workers as its lexicon's data
and is compiled there, once per Python worker (compiled Hyperscan databases are specific to a
CPU); one write puts the
evidence, each hit with its crime's winning fields, in Parquet, which the driver reads back
and takes the (crime, platform) rows from, so nothing is collected through Spark but the
aggregate. ``table.build_table`` then counts exactly as for the embedded engine.

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
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
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
    no_free_text,
    no_offence_codes,
    no_text_column,
    note_fields,
    several_systems,
    source_report,
    unreadable_notes,
    unreadable_rows,
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
from foidesk.errors import EngineError, SourceError
from foidesk.ingest.mapping import load_mapping
from foidesk.ingest.record import CANONICAL
from foidesk.ingest.snapshot import ingest
from foidesk.search.lexicon import Lexicon
from foidesk.search.matcher import Matcher
from foidesk.workspace import private_folder

_MATCHERS: dict[tuple[Lexicon, tuple[str, ...]], Matcher] = {}

# seconds allowed to open a connection to a standalone master before Spark is started (Spark
# itself retries an unreachable master for a minute before it gives up)
CONNECT_TIMEOUT = 5.0


def _worker_matcher(lexicon: Lexicon, platforms: tuple[str, ...]) -> Matcher:
    """The matcher for this Python worker, compiled once from the lexicon's data that the
    driver sent (Hyperscan databases are CPU-specific, so each worker compiles its own)."""
    key = (lexicon, platforms)
    if key not in _MATCHERS:
        _MATCHERS[key] = Matcher(lexicon, list(lexicon.select(list(platforms))))
    return _MATCHERS[key]


def _match_batches(
    lexicon: Lexicon,
    platforms: tuple[str, ...],
    system: str,
    fields: tuple[str, ...],
    notes: bool,
) -> Any:
    """A ``mapInArrow`` function: record batches of (crime_ref, text fields...) to evidence."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        matcher = _worker_matcher(lexicon, platforms)
        for batch in batches:
            evidence = EvidenceBuilder()
            refs = batch.column("crime_ref")
            names = ["text"] if notes else list(fields)
            for name in names:
                texts = batch.column(name)
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


class SparkEngine:
    """Scale-out engine: the same matcher and counting, Spark moving the data."""

    name = "spark"

    def __init__(
        self,
        master: str = "local[*]",
        conf: dict[str, str] | None = None,
    ) -> None:
        """``master``: the Spark master URL (``local[*]``, ``spark://host:port``);
        ``conf``: further Spark settings."""
        self.master = master
        self.conf = conf or {}

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
        )
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

    def _snapshots(self, request: Request, tmp: Path) -> list[tuple[Path, dict[str, Any]]]:
        """A canonical snapshot for every source (ingesting the raw ones with the shared code)."""
        snapshots = []
        for i, spec in enumerate(request.sources):
            if spec.format == "snapshot":
                folder = spec.path
            else:
                folder = tmp / f"source-{i}"
                mapping = replace(load_mapping(None), format=spec.format)

                def one_system(_input: str, systems: set[str], path: Path = spec.path) -> None:
                    # as the embedded engine: each system must be its own [[source]]
                    if len(systems) > 1:
                        raise several_systems(path, systems)

                result = ingest(
                    [str(spec.path)],
                    folder,
                    mapping,
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
            snapshots.append((folder, manifest))
        return snapshots

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
            progress.begin("Reading the sources (ingest to snapshots)")
            snapshots = self._snapshots(request, tmp)
            progress.end()
            if not any(
                m.get("text_fields") or (folder / "notes.parquet").is_file()
                for folder, m in snapshots
            ):
                raise no_free_text([str(spec.path) for spec in request.sources])
            progress.begin("Starting Spark and searching")
            spark = self._session()
            try:
                return self._run(spark, request, matcher, snapshots, tmp)
            finally:
                spark.stop()
                progress.end()

    def _run(
        self,
        spark: Any,
        request: Request,
        matcher: Matcher,
        snapshots: list[tuple[Path, dict[str, Any]]],
        tmp: Path,
    ) -> EngineResult:
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        # Spark runs two jobs: an aggregate that settles the winners (cached) and yields every
        # count, and a write of the evidence; the driver reads the rest from Parquet metadata
        # and from the evidence
        crimes = []
        metas = []
        for i, ((folder, _manifest), spec) in enumerate(
            zip(snapshots, request.sources, strict=True)
        ):
            df = _read_parquet(spark, folder / "crimes.parquet")
            crimes.append(df)
            # a snapshot holds one copy of a crime: the rules' "last copy within a source" is
            # that copy (record_no 0)
            metas.append(
                df.select(
                    F.lit(i).alias("source_idx"),
                    F.lit(spec.system).alias("system"),
                    F.lit(0).cast("long").alias("record_no"),
                    *CANONICAL,
                )
            )
            # the Parquet statistics say whether there are codes; Spark looks only without them
            # (every offence: a source needs no codes)
            has_codes = request.all_offences or _has_values(folder / "crimes.parquet", "ho_code")
            if has_codes is None:
                has_codes = df.where(F.col("ho_code").isNotNull()).limit(1).count() > 0
            if not has_codes:
                raise no_offence_codes(spec.path, request)
        all_meta = metas[0]
        for meta in metas[1:]:
            all_meta = all_meta.unionByName(meta)
        rules = PopulationRules.of(request)
        in_scope = F.coalesce(F.expr(rules.in_scope()), F.lit(False))
        in_population = in_scope & F.expr(rules.counted())
        candidates = all_meta.where(in_scope).select("crime_ref").distinct()
        copies = all_meta.join(candidates, "crime_ref", "left_semi")
        order = [F.expr(e).desc() if desc else F.expr(e).asc() for e, desc in rules.winner_order()]
        ranked = Window.partitionBy("crime_ref").orderBy(*order)
        per_crime = Window.partitionBy("crime_ref")
        period = F.expr(rules.period())
        # each candidate crime's winning copy, with the systems and the sources holding a copy
        winners = (
            copies.withColumn("rk", F.row_number().over(ranked))
            .withColumn("systems", F.array_sort(F.collect_set("system").over(per_crime)))
            .withColumn("sources", F.collect_set("source_idx").over(per_crime))
            .where(F.col("rk") == 1)
            .drop("rk")
            .withColumn("n_systems", F.size("systems"))
            .withColumn("period", period.cast("int"))
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
            sums.append(
                F.sum(pop * F.array_contains("sources", i).cast("int")).alias(f"copies_{i}")
            )
            if spec.data_quality_from is not None:
                after = (F.col("system") == spec.system) & (
                    F.col("recorded_date") >= F.lit(spec.data_quality_from)
                )
                sums.append(F.sum(pop * after.cast("int")).alias(f"dq_{i}"))
        overlap = F.when(in_population & (F.col("n_systems") > 1), F.concat_ws(" and ", "systems"))
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

        refs = population.select("crime_ref")
        # the matcher travels as its lexicon's data, compiled on each worker
        lexicon, platforms = matcher.lexicon, tuple(matcher.platform_names)
        evidence_frames = []
        for i, ((folder, manifest), spec) in enumerate(
            zip(snapshots, request.sources, strict=True)
        ):
            fields = tuple(manifest.get("text_fields", []))
            if fields:
                evidence_frames.append(
                    crimes[i]
                    .join(refs, "crime_ref", "left_semi")
                    .select("crime_ref", *fields)
                    .mapInArrow(
                        _match_batches(lexicon, platforms, spec.system, fields, False),
                        _spark_schema(EVIDENCE_SCHEMA),
                    )
                )
            if (folder / "notes.parquet").is_file():
                notes = _read_parquet(spark, folder / "notes.parquet")
                evidence_frames.append(
                    notes.join(refs, "crime_ref", "left_semi")
                    .select("crime_ref", "entry", "text")
                    .mapInArrow(
                        _match_batches(lexicon, platforms, spec.system, (), True),
                        _spark_schema(EVIDENCE_SCHEMA),
                    )
                )
        evidence = evidence_frames[0]
        for frame in evidence_frames[1:]:
            evidence = evidence.unionByName(frame)
        # each hit carries its crime's winning fields (as crime_<name>), so that one write gives
        # both the evidence and the (crime, platform) rows, which the driver takes from it
        crime_fields = [
            n for n in CRIME_HITS_SCHEMA.names if n not in ("crime_ref", "platform", "certain")
        ]
        of_crime = population.select(
            "crime_ref", *[F.col(n).alias(f"crime_{n}") for n in crime_fields]
        )
        evidence = evidence.join(of_crime, "crime_ref").withColumn(
            "year", F.year("crime_recorded_date")
        )
        evidence.select(
            *EVIDENCE_SCHEMA.names, *[f"crime_{n}" for n in crime_fields]
        ).write.parquet(str(tmp / "evidence"))
        reports = []
        for i, ((folder, manifest), spec) in enumerate(
            zip(snapshots, request.sources, strict=True)
        ):
            source = manifest["sources"][0] if spec.format != "snapshot" else None
            reports.append(
                source_report(
                    spec,
                    sha256=source["sha256"] if source else str(manifest["snapshot_sha256"]),
                    size_bytes=spec.path.stat().st_size
                    if spec.path.is_file()
                    else sum(p.stat().st_size for p in spec.path.iterdir() if p.is_file()),
                    rows_read=int(manifest["totals"]["rows_read" if source else "rows_loaded"]),
                    text_fields=tuple(manifest.get("text_fields", [])),
                    copies_searched=copies_searched[i],
                    population_after_dq_date=total(f"dq_{i}") if spec.data_quality_from else 0,
                    has_notes=(folder / "notes.parquet").is_file(),
                    rows_quarantined=unreadable_rows(manifest) if spec.format == "snapshot" else 0,
                    notes_unread=unreadable_notes(manifest),
                )
            )
        hits = ds.dataset(str(tmp / "evidence"), format="parquet").to_table()
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
        rows_read = sum(
            int(m["totals"]["rows_read" if spec.format != "snapshot" else "rows_loaded"])
            for (_, m), spec in zip(snapshots, request.sources, strict=True)
        )
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
        codes = {
            str(r["ho_code"]) if r["ho_code"] is not None else "": int(r["count"])
            for r in all_meta.where(F.coalesce(F.expr(rules.in_window()), F.lit(False)))
            .groupBy("ho_code")
            .count()
            .collect()
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
        holders = all_meta.where(F.col(field) == label).select("source_idx").limit(1).collect()
        if not holders:
            return None
        path = request.sources[int(holders[0]["source_idx"])].path
        return f"{path} (run --engine duckdb for the line)"

    return label_facts(checks, counts, found, where)


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


def _has_values(path: Path, column: str) -> bool | None:
    """Whether ``column`` of the Parquet file ``path`` holds a value that is not null, read
    from the row groups' statistics (no scan); None where the statistics do not say."""
    try:
        meta = pq.ParquetFile(path).metadata
    except Exception:  # not one file (a folder of parts): let Spark look
        return None
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            if chunk.path_in_schema != column:
                continue
            stats = chunk.statistics
            if stats is None or not stats.has_null_count:
                return None
            if stats.null_count < group.num_rows:
                return True
            break
        else:
            return None  # no such column
    return False


def _read_parquet(spark: Any, path: Path) -> Any:
    """A snapshot's Parquet file as a DataFrame, given the schema its footer holds (read here
    with pyarrow: cheaper than Spark inferring it); Spark infers it where a type is not one
    a snapshot uses."""
    try:
        schema = _spark_schema(pq.read_schema(path))
    except (KeyError, OSError, pa.ArrowException):
        return spark.read.parquet(str(path))
    return spark.read.schema(schema).parquet(str(path))


def _spark_schema(schema: pa.Schema) -> Any:
    """The Spark StructType of an Arrow schema (the types of snapshots and evidence)."""
    from pyspark.sql.types import (
        DateType,
        IntegerType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    kinds = {
        pa.string(): StringType(),
        pa.large_string(): StringType(),
        pa.int32(): IntegerType(),
        pa.int64(): LongType(),
        pa.date32(): DateType(),
    }
    return StructType([StructField(f.name, kinds[f.type], True) for f in schema])
