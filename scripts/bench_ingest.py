"""Time `foidesk ingest` of one CSV export, fast path and line by line, against DuckDB's
`select count(*), sum(strlen(<text column>)) from read_csv(FILE)`, each in a fresh process,
repeated; prints the ranges and the ratio to DuckDB (issue 19, part 3: within 3x).

    python scripts/bench_ingest.py export.csv [--column text_mo] [--repeat 3] [--no-slow]

Make a 500,000-row export with `foidesk synth --rows 700000 --out DIR` and
`head -n 500001 DIR/legacy.csv > export.csv` (legacy.csv has no multi-line notes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

FOIDESK = [sys.executable, "-m", "foidesk"]


def _time(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--column", default="text_mo", help="the text column DuckDB sums")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-slow", action="store_true", help="skip the line-by-line path")
    args = parser.parse_args()
    path = str(args.csv.resolve()).replace("'", "''")
    duck = f"select count(*), sum(strlen(\"{args.column}\")) from read_csv('{path}')"
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    base = dict(os.environ)
    base.pop("FOIDESK_INGEST_SLOW", None)
    runs: dict[str, list[float]] = {"duckdb": [], "fast": [], "slow": []}
    load = os.getloadavg()
    try:
        for _ in range(args.repeat):
            code = f"import duckdb; duckdb.sql({duck!r}).fetchall()"
            runs["duckdb"].append(_time([sys.executable, "-c", code], base))
            for way in ("fast", "slow"):
                if way == "slow" and args.no_slow:
                    continue
                env = base | ({"FOIDESK_INGEST_SLOW": "1"} if way == "slow" else {})
                out = work / way
                command = [*FOIDESK, "ingest", str(args.csv), "--system", "Bench"]
                runs[way].append(_time([*command, "--out", str(out), "--quiet"], env))
                shutil.rmtree(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    floor = min(runs["duckdb"])
    print(f"{args.csv}: {os.cpu_count()} cores, {args.repeat} runs each, fresh processes")
    print(f"  load average before and after: {load[0]:.1f}, {os.getloadavg()[0]:.1f}")
    for name, times in runs.items():
        if not times:
            continue
        line = f"  {name:7} {min(times):6.2f}-{max(times):6.2f} s (median {median(times):.2f})"
        if name != "duckdb":
            # each run against the DuckDB run just before it (the machine is shared: a ratio
            # within one round is steadier than best against best)
            pairs = sorted(t / d for t, d in zip(times, runs["duckdb"], strict=True))
            line += (
                f"  ratio per round {pairs[0]:.1f}x-{pairs[-1]:.1f}x (median {median(pairs):.1f}x)"
            )
        print(line)
    print(f"  fast path / DuckDB read_csv (best of each): {min(runs['fast']) / floor:.2f}x")


if __name__ == "__main__":
    main()
