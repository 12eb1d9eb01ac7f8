"""``foidesk bench``: the end-to-end answer against baselines, in one run.

Makes (or reuses) a synthetic data set, converts it to Parquet standard extracts, and times,
each in a fresh child process so that peak memory is the whole process's:

- ``answer``: ``foidesk answer`` end to end (reading, matching, counting, writing the whole
  case folder and audit), no cache between runs;
- ``duckdb-regexp``: a plain DuckDB query with ``regexp_matches`` for the six names only, with
  the same population filter (less work: no variants, no evidence, no table);
- ``naive-python``: a per-row Python ``re`` loop over the same texts, timed on a sample and
  extrapolated (labelled so);
- ``read-text``: DuckDB reading the population's text columns as Arrow batches and dropping
  them: the ceiling for any engine that must look at every byte.

MB/s is megabytes of note text in the population per second.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import duckdb

from foidesk.synth import make_synthetic

SIX = r"(?i)\b(facebook|twitter|whatsapp|instagram|tiktok|snapchat)\b"
NAIVE_SAMPLE = 100_000


@dataclass(frozen=True)
class Measure:
    """One timed run."""

    name: str
    seconds: float
    peak_mb: float
    note: str = ""


def prepare(rows: int, work: Path) -> tuple[Path, Path]:
    """Synthetic data as Parquet extracts and a request over them; returns (folder, request)."""
    folder = work / f"synth-{rows}"
    request = folder / "bench-request.toml"
    if request.exists():
        return folder, request
    data = make_synthetic(rows, folder / "csv")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    for name in ("legacy", "athena"):
        con.execute(
            f"COPY (SELECT * FROM read_csv('{folder / 'csv' / name}.csv', all_varchar = true, "
            f"header = true)) TO '{folder / name}.parquet' (FORMAT parquet)"
        )
    con.close()
    text = data.request_path.read_text(encoding="utf-8")
    text = text.replace('path = "legacy.csv"', 'path = "../legacy.parquet"')
    text = text.replace('path = "athena.csv"', 'path = "../athena.parquet"')
    (folder / "csv" / "bench-request.toml").write_text(text, encoding="utf-8")
    request.write_text(text.replace("../", ""), encoding="utf-8")
    return folder, request


def _child(code: str) -> tuple[float, float, str]:
    """Run Python code in a fresh process; returns (seconds, peak MB, note). The time includes
    the imports the code makes (answer's cold start counts); peak memory is the process's
    VmHWM (Linux)."""
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
    ).format(code=textwrap.indent(textwrap.dedent(code), "").strip())
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
        "ho_code IN ('92A', '92C', '92D', '92E') AND coalesce(status, '') NOT IN "
        "('cancelled', 'transferred') AND CAST(CASE WHEN contains(recorded_date, '/') THEN "
        "strptime(recorded_date, '%d/%m/%Y') ELSE strptime(recorded_date, '%Y-%m-%d %H:%M:%S') "
        "END AS DATE) BETWEEN DATE '2015-01-01' AND DATE '2019-04-30'"
    )
    return sources, where


def run(rows: int, work: Path) -> list[Measure]:
    """Every measure, answer first."""
    folder, request = prepare(rows, work)
    sources, where = _filter_sql(folder)
    texts = (
        "coalesce(text_mo, '') || ' ' || coalesce(text_summary, '') || ' ' || "
        "coalesce(text_log, '')"
    )
    measures = []
    seconds, peak, note = _child(
        f"""
        from pathlib import Path
        from foidesk.answer import answer
        result = answer(Path({str(request)!r}), Path({str(folder / "bench-case")!r}), quiet=True)
        note = f"{{result.table.grand_total.total:,}} crimes; case folder written"
        """
    )
    measures.append(Measure("answer", seconds, peak, note))
    seconds, peak, note = _child(
        f"""
        import duckdb
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        n = con.execute(\"\"\"SELECT count(DISTINCT crime_ref) FROM ({sources})
            WHERE {where} AND regexp_matches({texts}, ?)\"\"\", [{SIX!r}]).fetchall()[0][0]
        note = f"{{n:,}} crimes (six names only)"
        """
    )
    measures.append(Measure("duckdb-regexp", seconds, peak, note))
    seconds, peak, note = _child(
        f"""
        import duckdb, re
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        rows = con.execute(\"\"\"SELECT crime_ref, text_mo, text_summary, text_log
            FROM ({sources}) WHERE {where}\"\"\").fetchall()
        total = len(rows)
        sample = rows[:{NAIVE_SAMPLE}]
        pattern = re.compile({SIX[4:]!r}, re.IGNORECASE)
        started_loop = time.perf_counter()
        found = set()
        for ref, *fields in sample:
            for text in fields:
                if text and pattern.search(text):
                    found.add(ref)
        loop = time.perf_counter() - started_loop
        started = time.perf_counter() - loop * total / max(len(sample), 1)
        note = f"extrapolated from {{len(sample):,}} of {{total:,}} rows"
        """
    )
    measures.append(Measure("naive-python", seconds, peak, note))
    seconds, peak, note = _child(
        f"""
        import duckdb
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        reader = con.sql(\"\"\"SELECT crime_ref, text_mo, text_summary, text_log
            FROM ({sources}) WHERE {where}\"\"\").to_arrow_reader(65536)
        n = sum(batch.num_rows for batch in reader)
        note = f"{{n:,}} records"
        """
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


def report(rows: int, measures: list[Measure], megabytes: float) -> str:
    """The table printed by ``foidesk bench``."""
    answer = measures[0].seconds
    lines = [
        f"{rows:,} synthetic rows (Parquet); population text {megabytes:,.1f} MB",
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
    return "\n".join(lines) + "\n"
