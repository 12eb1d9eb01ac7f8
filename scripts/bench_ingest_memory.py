"""Peak memory and speed of ``foidesk ingest`` on a large CSV (not run in CI).

    .venv/bin/python scripts/bench_ingest_memory.py [--gb 5] [--work /tmp/foidesk-ingest-bench]

Builds a CSV of about --gb gigabytes from synthetic crime records (each copy of the synthetic
set gets new crime references, so every row is a distinct crime), then runs
``foidesk ingest`` on it in a child process and reports its wall time, throughput and peak
resident memory (ru_maxrss of the child), against the 1.5 GB budget.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

from foidesk.tools.synth import make_synthetic


def build(path: Path, gigabytes: float, work: Path) -> int:
    """Write the big CSV; returns the number of data rows."""
    seed = work / "seed"
    if not (seed / "legacy.csv").exists():
        make_synthetic(500_000, seed)
    lines = (seed / "legacy.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    target = int(gigabytes * 1e9)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header)
        copy = 0
        while out.tell() < target:
            prefix = f"C{copy}-"
            out.writelines(prefix + line for line in body)
            rows += len(body)
            copy += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=5.0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/foidesk-ingest-bench"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    big = args.work / f"big-{args.gb:g}gb.csv"
    if not big.exists():
        started = time.perf_counter()
        rows = build(big, args.gb, args.work)
        print(
            f"built {big} ({big.stat().st_size / 1e9:.2f} GB, {rows:,} rows) in "
            f"{time.perf_counter() - started:.0f} s"
        )
    snapshot = args.work / "snap"
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "foidesk",
            "ingest",
            str(big),
            "--system",
            "Legacy",
            "--out",
            str(snapshot),
            "--replace",
        ],
        check=True,
    )
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    size_mb = big.stat().st_size / 1e6
    print(
        f"ingest: {size_mb:,.0f} MB in {seconds:.0f} s ({size_mb / seconds:.1f} MB/s), "
        f"peak resident memory {peak_mb:,.0f} MB "
        f"({'within' if peak_mb <= 1536 else 'OVER'} the 1,536 MB budget)"
    )


if __name__ == "__main__":
    main()
