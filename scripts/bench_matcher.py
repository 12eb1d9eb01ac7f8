"""Matcher throughput on synthetic crime notes, with baselines, in one run.

    .venv/bin/python scripts/bench_matcher.py [--rows 200000] [--repeat 3]

Makes (or reuses) a synthetic data set, loads every free-text field as Arrow strings, and
times on one thread:
  matcher         foidesk's Matcher.match_array (scan + row mapping + boundaries, signals,
                  exclusions, spans) with the full built-in lexicon, all platforms
  hyperscan-only  every rule and exclusion of the same lexicon in one Hyperscan database,
                  scanning the same buffers (rows joined) with a callback that only counts:
                  the ceiling the matcher's own work is measured against
  python-re       Python's re with a whole-word regex of the six names: what a plain Python
                  search does (and finds much less)
Prints MB/s (UTF-8 bytes of note text per second, one core) and ratios. Best of --repeat.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path
from typing import Any

import hyperscan
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from foidesk.search.lexicon import load_lexicon
from foidesk.search.matcher import SEPARATOR, Matcher, _compile
from foidesk.tools.synth import make_synthetic


def _arrays(folder: Path) -> list[pa.Array]:
    arrays = []
    for name in ("legacy.csv", "athena.csv"):
        table = pacsv.read_csv(
            folder / name,
            convert_options=pacsv.ConvertOptions(
                column_types={
                    "text_mo": pa.string(),
                    "text_summary": pa.string(),
                    "text_log": pa.string(),
                },
                include_columns=["text_mo", "text_summary", "text_log"],
                include_missing_columns=True,
            ),
        )
        for column in table.columns:
            chunked = column.combine_chunks()
            for start in range(0, len(chunked), 65_536):
                arrays.append(chunked.slice(start, 65_536))
    return arrays


def _best(fn: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=Path("/tmp/foidesk-bench-synth"))
    args = parser.parse_args()
    folder = args.data / str(args.rows)
    if not (folder / "athena.csv").exists():
        make_synthetic(args.rows, folder)
    arrays = _arrays(folder)
    nbytes = sum(
        int(
            (a.buffers()[1] is not None and pa.compute.sum(pa.compute.binary_length(a)).as_py())
            or 0
        )
        for a in arrays
    )
    lexicon = load_lexicon("social-media")
    matcher = Matcher(lexicon, list(lexicon.platforms))
    patterns = [r.pattern for r in matcher.rules] + [e.pattern for e in matcher.exclusions]
    db = _compile(patterns, [str(i) for i in range(len(patterns))], "bench")
    scratch = hyperscan.Scratch(db)

    hits = 0

    def run_matcher() -> None:
        nonlocal hits
        hits = sum(len(matcher.match_array(a, "f")) for a in arrays)

    joined = []
    for a in arrays:
        offsets = np.frombuffer(a.buffers()[1], dtype=np.int32)[a.offset : a.offset + len(a) + 1]
        data = np.frombuffer(a.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        joined.append(np.insert(data, (offsets - offsets[0])[1:-1], SEPARATOR).tobytes())
    count = 0

    def on_match(*_: Any) -> None:
        nonlocal count
        count += 1

    def run_hyperscan() -> None:
        for buf in joined:
            db.scan(buf, match_event_handler=on_match, scratch=scratch)

    naive = re.compile(r"\b(?:facebook|twitter|whatsapp|instagram|tiktok|snapchat)\b", re.I)
    texts = [t for a in arrays for t in a.to_pylist() if t]
    naive_hits = 0

    def run_re() -> None:
        nonlocal naive_hits
        naive_hits = sum(len(naive.findall(t)) for t in texts)

    results = {
        "matcher": _best(run_matcher, args.repeat),
        "hyperscan-only": _best(run_hyperscan, args.repeat),
        "python-re": _best(run_re, args.repeat),
    }
    mb = nbytes / 1e6
    print(f"{args.rows:,} synthetic rows, {len(texts):,} non-empty note fields, {mb:,.1f} MB")
    print(f"matcher hits: {hits:,}; python-re (six names, whole word) hits: {naive_hits:,}")
    print(f"{'run':<16} {'seconds':>8} {'MB/s/core':>10} {'vs matcher':>11}")
    for name, seconds in results.items():
        ratio = results["matcher"] / seconds
        print(f"{name:<16} {seconds:>8.3f} {mb / seconds:>10.0f} {ratio:>10.2f}x")
    target = 300
    speed = mb / results["matcher"]
    verdict = "meets" if speed >= target else "MISSES"
    print(f"matcher {speed:.0f} MB/s per core {verdict} the {target} MB/s target")


if __name__ == "__main__":
    main()
