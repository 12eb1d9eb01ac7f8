"""The scale-out engine: Apache Spark moves the data, the shared matcher finds the mentions.

Every source is first made a canonical snapshot by the shared ingest code (a snapshot source is
used as it is), so Spark reads Parquet and parsing can never differ from the embedded engine:
a row ingest would quarantine stops the run, as it does there. Spark then settles which copy of
each candidate crime wins, builds the population, and streams the text of every copy of every
population crime through ``Matcher`` inside ``mapInArrow`` (the lexicon is compiled once per
Python worker and cached). Evidence and the (crime, platform) rows are written by Spark to
Parquet and read back in batches, so nothing large is collected to the driver; only coverage,
overlaps and stage counts (aggregates) are. ``table.build_table`` then counts exactly as for
the embedded engine.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds

from foidesk.canonical_record import CANONICAL
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
from foidesk.errors import FoideskError
from foidesk.ingest.mapping import load_mapping
from foidesk.ingest.snapshot import ingest
from foidesk.matcher import Matcher
from foidesk.request import Request

_MATCHERS: dict[tuple[str, str, tuple[str, ...]], Matcher] = {}


def _worker_matcher(lexicon: str, base: str, platforms: tuple[str, ...]) -> Matcher:
    """The matcher for this Python worker, compiled once (Hyperscan databases are CPU-specific,
    so each worker compiles its own)."""
    key = (lexicon, base, platforms)
    if key not in _MATCHERS:
        from foidesk.lexicon import load_lexicon

        lex = load_lexicon(lexicon, base=Path(base))
        _MATCHERS[key] = Matcher(lex, list(lex.select(list(platforms))))
    return _MATCHERS[key]


def _match_batches(
    lexicon: str,
    base: str,
    platforms: tuple[str, ...],
    system: str,
    fields: tuple[str, ...],
    notes: bool,
) -> Any:
    """A ``mapInArrow`` function: record batches of (crime_ref, text fields...) to evidence."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        matcher = _worker_matcher(lexicon, base, platforms)
        for batch in batches:
            evidence = EvidenceBuilder()
            refs = batch.column("crime_ref")
            names = ["text"] if notes else list(fields)
            for name in names:
                for hit in matcher.match_array(batch.column(name), "note" if notes else name):
                    field = f"note {batch.column('entry')[hit.row].as_py()}" if notes else name
                    evidence.add(refs[hit.row].as_py(), system, hit, field)
            yield evidence.batch()

    return run


class SparkEngine:
    """Scale-out engine: the same matcher and counting, Spark moving the data."""

    name = "spark"

    def __init__(
        self,
        master: str = "local[*]",
        quiet: bool = False,
        conf: dict[str, str] | None = None,
    ) -> None:
        self.master = master
        self.quiet = quiet
        self.conf = conf or {}

    def _session(self) -> Any:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise FoideskError(
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
        try:
            spark = builder.getOrCreate()
        except Exception as exc:  # no Java, bad master URL
            raise FoideskError(f"--engine spark: Spark did not start ({exc})") from exc
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
                result = ingest([str(spec.path)], folder, mapping, system=spec.system)
                with (folder / "quarantine.csv").open(encoding="utf-8", newline="") as f:
                    for row in csv.DictReader(f):
                        # a superseded copy is the duplicate rule at work, not a bad row
                        if not row["reason"].startswith("superseded"):
                            raise FoideskError(f"{spec.path}: line {row['line']}: {row['reason']}")
                if not result.manifest["text_fields"]:
                    raise FoideskError(
                        f"{spec.path}: no free-text column (a column named 'text' or 'text_<name>')"
                    )
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            snapshots.append((folder, manifest))
        return snapshots

    def run(self, request: Request, matcher: Matcher) -> EngineResult:
        """Answer ``request`` with ``matcher``'s lexicon and platforms on Spark."""
        with tempfile.TemporaryDirectory(prefix="foidesk-spark-") as name:
            tmp = Path(name)
            snapshots = self._snapshots(request, tmp)
            if not any(
                m.get("text_fields") or (folder / "notes.parquet").is_file()
                for folder, m in snapshots
            ):
                raise no_free_text([str(spec.path) for spec in request.sources])
            spark = self._session()
            try:
                return self._run(spark, request, matcher, snapshots, tmp)
            finally:
                spark.stop()

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

        crimes = []
        metas = []
        for i, ((folder, _manifest), spec) in enumerate(
            zip(snapshots, request.sources, strict=True)
        ):
            df = spark.read.parquet(str(folder / "crimes.parquet"))
            crimes.append(df)
            metas.append(
                df.select(
                    F.lit(i).alias("source_idx"), F.lit(spec.system).alias("system"), *CANONICAL
                )
            )
        for df, spec in zip(crimes, request.sources, strict=True):
            if df.where(F.col("ho_code").isNotNull()).limit(1).count() == 0:
                raise no_offence_codes(spec.path, request)
        all_meta = metas[0]
        for meta in metas[1:]:
            all_meta = all_meta.unionByName(meta)
        in_scope = (
            (F.col("recorded_date") >= F.lit(request.date_from))
            & (F.col("recorded_date") <= F.lit(request.date_to))
            & F.col("ho_code").isin(list(request.offence_codes))
        )
        candidates = all_meta.where(in_scope).select("crime_ref").distinct()
        copies = all_meta.join(candidates, "crime_ref", "left_semi")
        if request.prefer == "earlier":
            order = [F.col("source_idx").asc()]
        elif request.prefer == "later":
            order = [F.col("source_idx").desc()]
        else:
            order = [(F.col("system") == request.prefer).desc(), F.col("source_idx").desc()]
        ranked = Window.partitionBy("crime_ref").orderBy(*order)
        per_crime = Window.partitionBy("crime_ref")
        winners = (
            copies.withColumn("rk", F.row_number().over(ranked))
            .withColumn("n_systems", F.size(F.collect_set("system").over(per_crime)))
            .where(F.col("rk") == 1)
            .drop("rk")
            .cache()  # every later step starts from here: settle it once
        )
        year = F.year("recorded_date")
        period = (
            year - F.when(F.month("recorded_date") < 4, 1).otherwise(0)
            if request.columns == "financial_year"
            else year
        )
        population = (
            winners.where(in_scope & (F.col("status") == "recorded"))
            .withColumn("period", period.cast("int"))
            .cache()
        )
        stage = winners.agg(
            F.count("*").alias("candidate_crimes"),
            F.sum((F.col("n_systems") > 1).cast("int")).alias("in_two"),
            F.sum(in_scope.cast("int")).alias("in_scope"),
            F.sum((in_scope & (F.col("status") == "cancelled")).cast("int")).alias("cancelled"),
            F.sum((in_scope & (F.col("status") == "transferred")).cast("int")).alias("transf"),
        ).collect()[0]
        rows_read = sum(
            int(m["totals"]["rows_read" if spec.format != "snapshot" else "rows_loaded"])
            for (_, m), spec in zip(snapshots, request.sources, strict=True)
        )

        refs = population.select("crime_ref")
        lexicon, base = request.lexicon, str(request.path.parent)
        platforms = tuple(matcher.platform_names)
        evidence_frames = []
        copies_searched: dict[int, int] = {}
        for i, ((folder, manifest), spec) in enumerate(
            zip(snapshots, request.sources, strict=True)
        ):
            fields = tuple(manifest.get("text_fields", []))
            texts = crimes[i].join(refs, "crime_ref", "left_semi")
            copies_searched[i] = texts.count()
            if fields:
                evidence_frames.append(
                    texts.select("crime_ref", *fields).mapInArrow(
                        _match_batches(lexicon, base, platforms, spec.system, fields, False),
                        _spark_schema(EVIDENCE_SCHEMA),
                    )
                )
            if (folder / "notes.parquet").is_file():
                notes = spark.read.parquet(str(folder / "notes.parquet"))
                evidence_frames.append(
                    notes.join(refs, "crime_ref", "left_semi")
                    .select("crime_ref", "entry", "text")
                    .mapInArrow(
                        _match_batches(lexicon, base, platforms, spec.system, (), True),
                        _spark_schema(EVIDENCE_SCHEMA),
                    )
                )
        evidence = evidence_frames[0]
        for frame in evidence_frames[1:]:
            evidence = evidence.unionByName(frame)
        years = population.select("crime_ref", F.year("recorded_date").alias("y"))
        evidence = evidence.join(years, "crime_ref").withColumn("year", F.col("y")).drop("y")
        evidence.select(*EVIDENCE_SCHEMA.names).write.parquet(str(tmp / "evidence"))
        saved = spark.read.parquet(str(tmp / "evidence"))
        hit_crimes = saved.select("crime_ref", "platform").distinct()
        population.join(hit_crimes, "crime_ref").select(*CRIME_HITS_SCHEMA.names).write.parquet(
            str(tmp / "crime_hits")
        )
        hits_flag = hit_crimes.select("crime_ref").distinct().withColumn("hit", F.lit(1))
        coverage = [
            CoverageRow(r["system"], int(r["period"]), int(r["n"]), int(r["h"]))
            for r in population.join(hits_flag, "crime_ref", "left")
            .groupBy("system", "period")
            .agg(F.count("*").alias("n"), F.count("hit").alias("h"))
            .orderBy("system", "period")
            .collect()
        ]
        overlaps: dict[str, int] = {}
        two = population.where(F.col("n_systems") > 1).select("crime_ref")
        for r in (
            all_meta.join(two, "crime_ref", "left_semi")
            .groupBy("crime_ref")
            .agg(F.array_sort(F.collect_set("system")).alias("systems"))
            .groupBy("systems")
            .count()
            .collect()
        ):
            overlaps[" and ".join(r["systems"])] = int(r["count"])
        reports = []
        for i, ((folder, manifest), spec) in enumerate(
            zip(snapshots, request.sources, strict=True)
        ):
            dq = spec.data_quality_from
            after = 0
            if dq is not None:
                after = population.where(
                    (F.col("system") == spec.system) & (F.col("recorded_date") >= F.lit(dq))
                ).count()
            source = manifest["sources"][0] if spec.format != "snapshot" else None
            reports.append(
                SourceReport(
                    path=str(spec.path),
                    system=spec.system,
                    format=spec.format,
                    sha256=source["sha256"] if source else str(manifest["snapshot_sha256"]),
                    size_bytes=spec.path.stat().st_size
                    if spec.path.is_file()
                    else sum(p.stat().st_size for p in spec.path.iterdir() if p.is_file()),
                    rows_read=int(manifest["totals"]["rows_read" if source else "rows_loaded"]),
                    text_fields=tuple(manifest.get("text_fields", [])),
                    copies_searched=copies_searched[i],
                    data_quality_from=dq.isoformat() if dq else None,
                    population_after_dq_date=after,
                    searchable=bool(manifest.get("text_fields"))
                    or (folder / "notes.parquet").is_file(),
                    has_notes=(folder / "notes.parquet").is_file(),
                )
            )
        evidence_table = (
            ds.dataset(str(tmp / "evidence"), format="parquet")
            .to_table()
            .cast(EVIDENCE_SCHEMA)
            .sort_by(
                [(c, "ascending") for c in ("crime_ref", "system", "field", "start", "platform")]
            )
        )
        crime_hits = (
            ds.dataset(str(tmp / "crime_hits"), format="parquet")
            .to_table()
            .cast(CRIME_HITS_SCHEMA)
            .sort_by([("crime_ref", "ascending"), ("platform", "ascending")])
        )
        population_count = population.count()
        stages = {
            "rows_read": rows_read,
            "candidate_crimes": int(stage["candidate_crimes"]),
            "crimes_in_more_than_one_system": int(stage["in_two"] or 0),
            "in_window_and_offences": int(stage["in_scope"] or 0),
            "excluded_cancelled": int(stage["cancelled"] or 0),
            "excluded_transferred": int(stage["transf"] or 0),
            "population": population_count,
            "copies_searched": sum(copies_searched.values()),
            "hits": evidence_table.num_rows,
            "crimes_with_hits": len(set(crime_hits.column("crime_ref").to_pylist())),
        }
        return EngineResult(
            crime_hits=crime_hits,
            evidence=evidence_table,
            coverage=coverage,
            overlaps=overlaps,
            sources=reports,
            stages=stages,
            engine={"name": self.name, "spark": spark.version, "master": self.master},
        )


def _spark_schema(schema: pa.Schema) -> Any:
    """The Spark StructType of an Arrow schema."""
    from pyspark.sql.types import IntegerType, StringType, StructField, StructType

    kinds = {pa.string(): StringType(), pa.int32(): IntegerType()}
    return StructType([StructField(f.name, kinds[f.type], True) for f in schema])
