"""``foidesk bench``: the end-to-end answer against baselines, in one run.

Makes (or reuses) a synthetic data set, converts it to Parquet standard extracts, and times,
each in a fresh child process so that peak memory is the whole process's:

- ``answer``: ``foidesk answer`` end to end (reading, matching, counting, writing the whole
  case folder and audit), no cache between runs; the letter is written as Word only (the
  ``answer --no-pdf`` switch: LibreOffice's PDF conversion is not the engine's speed);
- ``duckdb-regexp``: one plain DuckDB query, the six names as one alternation
  (``regexp_extract_all``), with the same population filter, counting distinct crimes grouped
  as the table is (outcome, offence, platform by year): less work (no variants, no evidence,
  no files);
- ``naive-python``: a per-row Python ``re`` loop over the same texts, one pattern for each of
  the six names (a count by platform must know which one matched), timed on a sample and
  extrapolated (labelled so);
- ``read-text``: DuckDB reading the population's text columns as Arrow batches and dropping
  them: the ceiling for any engine that must look at every byte.

MB/s is megabytes of note text in the population per second. The report states the machine
(cores, memory, processor) and the two ratios issue 19 sets targets for: answer against the
raw read (at most 2x) and against the one-regexp query (at most 1x).

The data has the shape of the issue's measurement set by default: 2,000,000 notes, 1.12 GB of
text (560 bytes of free text per record) and 40% of records with a drug offence. The folder it
is made in names the rows and the shape, so that data of another shape is never reused.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import duckdb

from foidesk.tools.synth import check_shape, make_synthetic

SIX_NAMES = ("facebook", "twitter", "whatsapp", "instagram", "tiktok", "snapchat")
SIX = r"(?i)\b(" + "|".join(SIX_NAMES) + r")\b"
NAIVE_SAMPLE = 100_000
# The measurement set: 2,000,000 notes, 1.12 GB of text, 40% drug offences.
BENCH_DRUG_SHARE = 0.40
BENCH_NOTE_BYTES = 560
DRUG_CODES = ("92A", "92C", "92D", "92E")


@dataclass(frozen=True)
class Measure:
    """One timed run."""

    name: str
    seconds: float
    peak_mb: float
    note: str = ""


@dataclass(frozen=True)
class Machine:
    """The computer the benchmark ran on, as the report states it."""

    cores: int  # the cores this process may use
    memory_gb: float
    processor: str

    def line(self) -> str:
        return (
            f"Machine: {self.cores} {'core' if self.cores == 1 else 'cores'}, "
            f"{self.memory_gb:.0f} GB memory, {self.processor}"
        )


def machine() -> Machine:
    """The cores this process may use, the memory (Linux /proc/meminfo) and the processor."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    memory = 0.0
    processor = platform.processor() or platform.machine()
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            kb = next(int(line.split()[1]) for line in info if line.startswith("MemTotal:"))
        memory = kb / 1024 / 1024
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            processor = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                processor,
            )
    except (OSError, StopIteration, ValueError):
        pass
    return Machine(cores, memory, processor or "processor not known")


@dataclass(frozen=True)
class DataShape:
    """What the benchmark data holds, measured from its Parquet extracts."""

    rows: int
    text_mb: float  # note text of every row (all text columns), 10**6 bytes
    drug_share: float  # share of rows with a drug offence (Home Office codes 92A to 92E)
    population_mb: float  # note text of the request's population


def data_folder(
    rows: int,
    work: Path,
    drug_share: float = BENCH_DRUG_SHARE,
    note_bytes: int | None = BENCH_NOTE_BYTES,
) -> Path:
    """The folder for data of this many rows and this shape (None: the default notes)."""
    notes = "default" if note_bytes is None else str(note_bytes)
    return work / f"synth-{rows}-drugs{float(drug_share)!r}-notes{notes}"


# The bench's request is far over the s.12 limit (thousands of possible mentions undecided);
# it is answered anyway, so that what is timed is the whole answer, table files included
ANSWER_OVER_LIMIT = "\n[cost]\nanswer_over_limit = true\n"


def prepare(
    rows: int,
    work: Path,
    *,
    drug_share: float = BENCH_DRUG_SHARE,
    note_bytes: int | None = BENCH_NOTE_BYTES,
) -> tuple[Path, Path]:
    """Synthetic data as Parquet extracts and a request over them; returns (folder, request).

    Data already in the folder for these rows and this shape is reused.
    """
    check_shape(drug_share, note_bytes)
    folder = data_folder(rows, work, drug_share, note_bytes)
    request = folder / "bench-request.toml"
    if request.exists():
        if ANSWER_OVER_LIMIT not in request.read_text(encoding="utf-8"):  # made before issue 14
            with request.open("a", encoding="utf-8") as f:
                f.write(ANSWER_OVER_LIMIT)
        return folder, request
    data = make_synthetic(rows, folder / "csv", drug_share=drug_share, note_bytes=note_bytes)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    for name in ("legacy", "athena"):
        con.execute(
            f"COPY (SELECT * FROM read_csv('{folder / 'csv' / name}.csv', all_varchar = true, "
            f"header = true)) TO '{folder / name}.parquet' (FORMAT parquet)"
        )
    con.close()
    text = data.request_path.read_text(encoding="utf-8") + ANSWER_OVER_LIMIT
    text = text.replace('path = "legacy.csv"', 'path = "../legacy.parquet"')
    text = text.replace('path = "athena.csv"', 'path = "../athena.parquet"')
    (folder / "csv" / "bench-request.toml").write_text(text, encoding="utf-8")
    request.write_text(text.replace("../", ""), encoding="utf-8")
    return folder, request


# what a baseline's child process starts with: DuckDB, without its progress bar on stdout
_DUCKDB = """
import duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
"""


def timed_child(code: str, *, duckdb: bool = False) -> tuple[float, float, str]:
    """Run Python code in a fresh process; returns (seconds, peak MB, the code's ``note``).
    The time includes the imports the code makes (answer's cold start counts); peak memory
    is the process's VmHWM (Linux). With ``duckdb`` the code finds a DuckDB connection
    ``con``."""
    code = (_DUCKDB if duckdb else "") + textwrap.dedent(code)
    wrapper = textwrap.dedent(
        """
        import json, time
        started = time.perf_counter()
        note = ""
        {code}
        seconds = time.perf_counter() - started
        # VmHWM: this process's own peak (ru_maxrss would carry the parent's over fork+exec)
        with open("/proc/self/status") as status:
            peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM")) / 1024
        print(json.dumps({{"seconds": seconds, "peak_mb": peak, "note": note}}))
        """
    ).format(code=code.strip())
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["seconds"], result["peak_mb"], result["note"]


def _filter_sql(folder: Path) -> tuple[str, str]:
    sources = " UNION ALL BY NAME ".join(
        f"SELECT * FROM read_parquet('{folder / n}.parquet')" for n in ("legacy", "athena")
    )
    where = (
        f"ho_code IN {DRUG_CODES} AND coalesce(status, '') NOT IN "
        "('cancelled', 'transferred') AND CAST(CASE WHEN contains(recorded_date, '/') THEN "
        "strptime(recorded_date, '%d/%m/%Y') ELSE strptime(recorded_date, '%Y-%m-%d %H:%M:%S') "
        "END AS DATE) BETWEEN DATE '2015-01-01' AND DATE '2019-04-30'"
    )
    return sources, where


def run(
    rows: int,
    work: Path,
    *,
    drug_share: float = BENCH_DRUG_SHARE,
    note_bytes: int | None = BENCH_NOTE_BYTES,
    naive: bool = True,
    spark: bool = False,
) -> list[Measure]:
    """Every measure, answer first (``naive``: with the naive loop, which is no target and
    takes longest: a repeated round leaves it out; ``spark``: with ``answer-spark``, the same
    answer on the Spark engine, ``local[*]`` on this machine's cores)."""
    folder, request = prepare(rows, work, drug_share=drug_share, note_bytes=note_bytes)
    sources, where = _filter_sql(folder)
    texts = (
        "coalesce(text_mo, '') || ' ' || coalesce(text_summary, '') || ' ' || "
        "coalesce(text_log, '')"
    )
    # the population's text rows, as the naive loop and the raw read take them
    text_rows = f"SELECT crime_ref, text_mo, text_summary, text_log FROM ({sources}) WHERE {where}"
    measures = []
    seconds, peak, note = timed_child(
        f"""
        from pathlib import Path
        import foidesk.engines.duckdb
        from foidesk.answering import answer
        from foidesk.case_folder import write_case
        imports = time.perf_counter() - started
        result = answer(Path({str(request)!r}), letter_pdf=False)
        write_case(Path({str(folder / "bench-case")!r}), result, replace=True)
        note = (
            f"{{result.table.grand_total.total:,}} crimes; case folder written; cold start "
            f"{{imports:.2f}} s imports + {{result.audit['lexicon_seconds']:.2f}} s lexicon"
        )
        """
    )
    measures.append(Measure("answer", seconds, peak, note))
    if spark:
        # the same answer on Spark (local[*]: every core, as DuckDB uses them); the JVM is a
        # child process, so the peak is the driver's Python alone; the note gives Spark's
        # start-up (JVM and session), which the per-core figures also state without
        seconds, peak, note = timed_child(
            f"""
            from pathlib import Path
            from foidesk.answering import answer
            from foidesk.case_folder import write_case
            result = answer(Path({str(request)!r}), engine="spark", letter_pdf=False)
            write_case(Path({str(folder / "bench-case-spark")!r}), result, replace=True)
            startup = result.audit["engine"].get("startup_seconds", 0.0)
            note = f"{{result.table.grand_total.total:,}} crimes; Spark start-up {{startup:.2f}} s"
            """
        )
        measures.append(Measure(ANSWER_SPARK, seconds, peak, note))
    # one regexp (the six names as one alternation) over the population's text, each name
    # found a platform, distinct crimes counted by outcome, offence, platform and year, as
    # the table is grouped
    grouped = f"""
        SELECT outcome, offence, platform, year, count(DISTINCT crime_ref) AS crimes FROM (
            SELECT crime_ref, coalesce(outcome, '') AS outcome, offence,
                year(CAST(CASE WHEN contains(recorded_date, '/')
                    THEN strptime(recorded_date, '%d/%m/%Y')
                    ELSE strptime(recorded_date, '%Y-%m-%d %H:%M:%S') END AS DATE)) AS year,
                unnest(list_distinct(regexp_extract_all(lower({texts}), ?, 1))) AS platform
            FROM ({sources}) WHERE {where}
        ) GROUP BY ALL
    """
    seconds, peak, note = timed_child(
        f"""
        cells = con.execute({grouped!r}, [{SIX!r}]).fetchall()
        pairs = sum(c[-1] for c in cells)
        note = f"{{len(cells):,}} cells, {{pairs:,}} crime-platforms (six names only)"
        """,
        duckdb=True,
    )
    measures.append(Measure("duckdb-regexp", seconds, peak, note))
    if naive:
        seconds, peak, note = timed_child(
            f"""
            import re
            rows = con.execute({text_rows!r}).fetchall()
            total = len(rows)
            sample = rows[:{NAIVE_SAMPLE}]
            # one pattern a platform: a count by platform must know which platform matched
            patterns = [
                (name, re.compile(rf"\\b{{name}}\\b", re.IGNORECASE)) for name in {SIX_NAMES!r}
            ]
            started_loop = time.perf_counter()
            found = set()
            for ref, *fields in sample:
                for text in fields:
                    if text:
                        for name, pattern in patterns:
                            if pattern.search(text):
                                found.add((ref, name))
            loop = time.perf_counter() - started_loop
            started = time.perf_counter() - loop * total / max(len(sample), 1)
            note = "six names, one re each; extrapolated from "
            note += f"{{len(sample):,}} of {{total:,}} rows"
            """,
            duckdb=True,
        )
        measures.append(Measure("naive-python", seconds, peak, note))
    seconds, peak, note = timed_child(
        f"""
        reader = con.sql({text_rows!r}).to_arrow_reader(65536)
        n = sum(batch.num_rows for batch in reader)
        note = f"{{n:,}} records"
        """,
        duckdb=True,
    )
    measures.append(Measure("read-text", seconds, peak, note))
    return measures


def text_megabytes(folder: Path) -> float:
    """Megabytes of note text in the population."""
    sources, where = _filter_sql(folder)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    row = con.execute(
        f"SELECT sum(coalesce(strlen(text_mo), 0) + coalesce(strlen(text_summary), 0)"
        f" + coalesce(strlen(text_log), 0)) FROM ({sources}) WHERE {where}"
    ).fetchall()[0]
    return float(row[0] or 0) / 1e6


def data_shape(folder: Path) -> DataShape:
    """Rows, note text (all rows and the population) and drug share of the data, in one scan."""
    sources, where = _filter_sql(folder)
    length = (
        "coalesce(strlen(text_mo), 0) + coalesce(strlen(text_summary), 0)"
        " + coalesce(strlen(text_log), 0)"
    )
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    rows, text, drug, population = con.execute(
        f"SELECT count(*), sum({length}), count(*) FILTER (WHERE ho_code IN {DRUG_CODES}),"
        f" coalesce(sum({length}) FILTER (WHERE {where}), 0) FROM ({sources})"
    ).fetchall()[0]
    con.close()
    return DataShape(
        rows=int(rows),
        text_mb=float(text or 0) / 1e6,
        drug_share=drug / rows if rows else 0.0,
        population_mb=float(population) / 1e6,
    )


def median_round(rounds: list[list[Measure]]) -> list[Measure]:
    """Each run's median time and peak over ``rounds`` (the runs of the first round, in its
    order, with its notes)."""
    out = []
    for first in rounds[0]:
        same = [m for r in rounds for m in r if m.name == first.name]
        out.append(
            Measure(
                first.name,
                statistics.median(m.seconds for m in same),
                statistics.median(m.peak_mb for m in same),
                first.note,
            )
        )
    return out


def ranges(rounds: list[list[Measure]]) -> list[str]:
    """What a repeated bench adds: each run's fastest and slowest time, and the two target
    ratios as measured within each round (like with like), fastest and slowest."""
    lines = [f"Over {len(rounds)} rounds (each run once a round, in turn):"]
    for first in rounds[0]:
        times = [m.seconds for r in rounds for m in r if m.name == first.name]
        lines.append(
            f"  {first.name:<14} {min(times):.2f} to {max(times):.2f} s "
            f"({len(times)} run{'' if len(times) == 1 else 's'})"
        )
    for name in TARGETS:
        ratios = [
            by[ANSWER] / by[name]
            for by in ({m.name: m.seconds for m in r} for r in rounds)
            if by.get(name)
        ]
        if ratios:
            lines.append(
                f"  answer / {name}: {min(ratios):.2f}x to {max(ratios):.2f}x, "
                f"median {statistics.median(ratios):.2f}x"
            )
    return lines


# the ratios issue 19 sets targets for: answer's time over each of these, at most
TARGETS = {"read-text": 2.0, "duckdb-regexp": 1.0}
ANSWER = "answer"
ANSWER_SPARK = "answer-spark"
# issue 20: Spark's note text per core per second, at least this share of the embedded engine's
SPARK_PER_CORE_TARGET = 0.5


def _startup(note: str) -> float:
    """Spark's start-up seconds, as ``answer-spark``'s note states them."""
    found = re.search(r"Spark start-up ([0-9.]+) s", note)
    return float(found.group(1)) if found else 0.0


def per_core(measures: list[Measure], megabytes: float, cores: int) -> list[str]:
    """Issue 20's comparison: note text searched per core per second by each engine (both use
    every core: DuckDB's threads, Spark's local[*]), Spark's also without its start-up, and
    the share of the embedded engine's rate Spark reaches."""
    by = {m.name: m for m in measures}
    if ANSWER_SPARK not in by or not by[ANSWER].seconds or not cores:
        return []
    duck = megabytes / by[ANSWER].seconds / cores
    spark = by[ANSWER_SPARK]
    whole = megabytes / spark.seconds / cores
    working = spark.seconds - _startup(spark.note)
    work = megabytes / working / cores if working > 0 else 0.0
    share = whole / duck
    verdict = "meets" if share >= SPARK_PER_CORE_TARGET else "misses"
    return [
        f"Per core ({cores} cores, population text): answer {duck:.1f} MB/s; answer-spark "
        f"{whole:.1f} MB/s ({work:.1f} MB/s after its {_startup(spark.note):.1f} s start-up)",
        f"answer-spark / answer per core: {share:.2f} ({work / duck:.2f} after start-up; "
        f"target at least {SPARK_PER_CORE_TARGET:g}: {verdict} it)",
    ]


def report(
    rows: int,
    measures: list[Measure],
    megabytes: float,
    shape: DataShape | None = None,
    rounds: list[list[Measure]] | None = None,
) -> str:
    """The table printed by ``foidesk bench``; ``shape`` adds the data's shape to the header.
    With ``rounds`` (a repeated bench) the table gives each run's median (``median_round``)
    and the ranges follow it; the verdicts are on the medians."""
    if rounds and len(rounds) > 1:
        measures = median_round(rounds)
    answer = measures[0].seconds
    header = f"{rows:,} synthetic rows (Parquet); population text {megabytes:,.1f} MB"
    if shape is not None:
        per_row = shape.text_mb * 1e6 / shape.rows if shape.rows else 0.0
        header = (
            f"{shape.rows:,} synthetic rows (Parquet): {shape.text_mb:,.1f} MB of note text "
            f"({per_row:,.0f} bytes a row), drug share {shape.drug_share:.2f}; "
            f"population text {megabytes:,.1f} MB"
        )
    lines = [
        header,
        machine().line(),
        "",
        f"{'run':<14} {'seconds':>8} {'MB/s':>8} {'answer is':>11} {'peak MB':>8}  note",
    ]
    for m in measures:
        ratio = m.seconds / answer if answer else 0.0
        lines.append(
            f"{m.name:<14} {m.seconds:>8.2f} {megabytes / m.seconds:>8.0f} "
            f"{ratio:>10.2f}x {m.peak_mb:>8.0f}  {m.note}"
        )
    lines.append("")
    lines.append(
        "'answer is Nx' = how many times faster answer is than that run "
        "(below 1: that run is faster; read-text is the ceiling)."
    )
    by_name = {m.name: m.seconds for m in measures}
    lines.append("")
    if rounds and len(rounds) > 1:
        lines += [*ranges(rounds), ""]
    spark_lines = per_core(measures, megabytes, machine().cores)
    if spark_lines:
        lines += [*spark_lines, ""]
    for name, target in TARGETS.items():
        if by_name.get(name):
            times = answer / by_name[name]
            verdict = "meets" if times <= target else "misses"
            lines.append(
                f"answer / {name}: {times:.2f}x (target at most {target:g}x: {verdict} it)"
            )
    return "\n".join(lines) + "\n"
