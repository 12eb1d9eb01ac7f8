"""What any Spark design of the answer must spend, against the embedded engine (issue 20).

    .venv/bin/python scripts/bench_spark_floor.py DATA/bench-request.toml

For a request over raw Parquet extracts whose columns carry the canonical names (DATA: a data
set ``foidesk bench --rows N`` wrote under /tmp/foidesk-bench/), measures on this machine, in
one run:

  embedded      the embedded engine's whole answer in a fresh process (no PDF): wall seconds,
                and the core-seconds it had (wall x cores); half its rate a core allows a Spark
                answer twice those core-seconds: the budget
  start-up      a Spark session (``local[*]``) started in a fresh process: wall seconds
  read          what a Spark task does for every row whatever the design, without Spark:
                reading the row groups with pyarrow and the canonical statement (DuckDB):
                CPU seconds, one thread
  match         the matcher over the text of the copies in scope only (the least any design
                searches: the population's copies are among them): CPU seconds
  group         every row's crime reference and a number, from Python tasks into a fresh Spark
                session and grouped by crime (the least any design does to find a crime's
                copies across sources: the winners): CPU seconds of the process tree (the
                JVM and its Python workers), the session's start-up apart

and prints their sum beside the budget. Each part is a lower bound: a design also caches,
joins, writes the evidence and makes the table. When the sum is over the budget, no design of
this shape (the rows read in Python workers, crimes grouped by Spark) meets half the embedded
engine's rate a core on this machine, at this size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from foidesk.answering import request_matcher
from foidesk.casework.request import load_request
from foidesk.engines.duckdb.sources import UNUSABLE_CHECKS
from foidesk.engines.population import PopulationRules
from foidesk.engines.spark.tasks import (
    Search,
    SourceRead,
    _canonical_rows,
    _with_hits,
    group_batches,
)
from foidesk.ingest.record import CANONICAL, run_day
from foidesk.tools.bench import machine

HZ = os.sysconf("SC_CLK_TCK")


def tree_cpu(root: int) -> float:
    """CPU seconds (user and system) of process ``root`` and its descendants."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = sum(int(x) for x in fields[11:15]) / HZ
    mine = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                grew = True
    return sum(cpu.get(pid, 0.0) for pid in mine)


def embedded_seconds(request: Path) -> float:
    code = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from foidesk import answer
        started = time.perf_counter()
        answer(Path({str(request)!r}), letter_pdf=False)
        print(time.perf_counter() - started)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def python_parts(request: Path) -> tuple[float, float, int, pa.Table]:
    """(read CPU s, match-in-scope CPU s, rows, every row's crime_ref) over the sources."""
    req = load_request(request)
    rules = PopulationRules.of(req)
    matcher = request_matcher(req)
    lexicon, platforms = matcher.lexicon, tuple(matcher.platform_names)
    in_scope = rules.in_scope()
    con = duckdb.connect()
    read_cpu = match_cpu = 0.0
    rows = 0
    refs: list[pa.Array] = []
    for spec in req.sources:
        parquet = pq.ParquetFile(spec.path)
        names = parquet.schema_arrow.names
        texts = tuple(n for n in names if n.startswith("text_"))
        keys = tuple(n for n in names if n in CANONICAL or n == "system")
        search = Search(lexicon, platforms, spec.system, texts)
        read = SourceRead(str(spec.path), keys, texts, search, True, "system", run_day())
        canonical_rows = _canonical_rows(read, len(UNUSABLE_CHECKS))
        position = 0
        for group in range(parquet.num_row_groups):
            started, aside = time.process_time(), 0.0
            # the task's own reading (group_batches, as source_batches reads), less the
            # matcher and what only this script does, timed aside
            for named in group_batches(parquet, read, group, position):
                canonical, text = canonical_rows(named)
                aside_from = time.process_time()
                con.register("c", canonical)  # which copies are in scope: the rules' SQL
                scope = con.sql(f"SELECT coalesce({in_scope}, false) FROM c").to_arrow_table()
                con.unregister("c")
                keep = scope.column(0)
                refs.append(canonical.column("crime_ref").combine_chunks())
                rows += canonical.num_rows
                matching = time.process_time()
                _with_hits(canonical.filter(keep), text.filter(keep), search)
                match_cpu += time.process_time() - matching
                aside += time.process_time() - aside_from
            read_cpu += time.process_time() - started - aside
            position += parquet.metadata.row_group(group).num_rows
    return read_cpu, match_cpu, rows, pa.table({"crime_ref": pa.chunked_array(refs)})


SPARK = textwrap.dedent(
    """
    import json, os, sys, time
    sys.path.insert(0, {scripts!r})
    from bench_spark_floor import tree_cpu
    started = time.perf_counter()
    from pyspark.sql import SparkSession, functions as F
    spark = (SparkSession.builder.master("local[*]").config("spark.driver.memory", "6g")
             .config("spark.ui.enabled", "false").getOrCreate())

    startup = time.perf_counter() - started
    path = {path!r}
    groups = {groups}

    def read(batches):
        import pyarrow as pa, pyarrow.parquet as pq
        parquet = pq.ParquetFile(path)
        for batch in batches:
            for group in batch.column(0).to_pylist():
                for part in parquet.iter_batches(batch_size=100_000, row_groups=[group]):
                    yield pa.record_batch(
                        [part.column(0), pa.array(range(part.num_rows), pa.int64())],
                        names=["crime_ref", "key"],
                    )

    def grouped(rows):
        before = tree_cpu(os.getpid())
        rows.groupBy("crime_ref").agg(F.max("key")).write.format("noop").mode("overwrite").save()
        return tree_cpu(os.getpid()) - before

    if {jvm}:  # Spark's own reader: no Python worker
        group = grouped(spark.read.parquet(path).withColumn("key", F.lit(1).cast("long")))
    else:
        group = grouped(
            spark.createDataFrame([(g,) for g in range(groups)], "g int").repartition(groups)
            .mapInArrow(read, "crime_ref string, key long")
        )
    print(json.dumps({{"startup": startup, "group": group}}))
    """
)


def spark_parts(path: Path, jvm: bool) -> tuple[float, float]:
    """(start-up wall s, group CPU s) in a fresh process; ``jvm``: read by Spark's reader."""
    code = SPARK.format(
        scripts=str(Path(__file__).parent),
        path=str(path),
        groups=pq.ParquetFile(path).num_row_groups,
        jvm=jvm,
    )
    env = os.environ | {"PYSPARK_PYTHON": sys.executable}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return float(result["startup"]), float(result["group"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("request", type=Path, help="a bench data set's bench-request.toml")
    args = parser.parse_args()
    cores = machine().cores
    embedded = embedded_seconds(args.request)
    budget = 2 * embedded * cores
    read_cpu, match_cpu, rows, refs = python_parts(args.request)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "refs.parquet"
        pq.write_table(refs, path, row_group_size=125_000)
        startup, group_cpu = spark_parts(path, jvm=False)
        _startup, group_jvm = spark_parts(path, jvm=True)
    floor = startup * cores + read_cpu + match_cpu + group_cpu
    print(f"{rows:,} records, {cores} cores")
    print(f"embedded answer   {embedded:7.2f} s wall = {embedded * cores:6.1f} core-s")
    print(f"budget at 0.5     {budget:6.1f} core-s (half the embedded rate a core)")
    print(f"spark start-up    {startup:7.2f} s wall = {startup * cores:6.1f} core-s")
    print(f"read (python)     {read_cpu:6.1f} CPU-s")
    print(f"match in scope    {match_cpu:6.1f} CPU-s")
    print(f"group by crime    {group_cpu:6.1f} CPU-s (from Python workers: JVM and workers)")
    print(f"  (Spark reader)  {group_jvm:6.1f} CPU-s (the references read by Spark: JVM only)")
    print(f"floor             {floor:6.1f} core-s = {floor / budget:.2f} of the budget")
    jvm_floor = startup * cores + match_cpu + group_jvm
    print(
        f"floor, JVM reads  {jvm_floor:6.1f} core-s = {jvm_floor / budget:.2f} of the budget "
        "(rows read and made canonical by Spark at no cost: only the matcher in Python)"
    )


if __name__ == "__main__":
    main()
