"""Time ``foidesk answer`` alone, several times, each in a fresh process.

    python scripts/time_answer.py REQUEST [--runs 3]

Prints each run's wall time (imports included), peak memory (VmHWM) and the engine's stage
times from the audit (``engine.seconds``). This machine's timings drift by up to 60%, so
compare two versions by running this script for each, alternately, and keep the ranges;
``foidesk bench`` gives the baselines.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from foidesk.answer import answer
result = answer(Path(sys.argv[1]), Path(sys.argv[2]), quiet=True)
seconds = time.perf_counter() - started
with open("/proc/self/status") as status:
    peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM")) / 1024
stages = result.audit["engine"].get("seconds", {})
print(json.dumps({"seconds": seconds, "peak_mb": peak, "stages": stages}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("request", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(args.request), str(Path(tmp) / "case")],
                capture_output=True,
                text=True,
            )
        if out.returncode:
            sys.exit(out.stderr.strip().splitlines()[-1])
        result = json.loads(out.stdout.strip().splitlines()[-1])
        times.append(result["seconds"])
        print(
            f"run {run + 1}: {result['seconds']:.2f} s, peak {result['peak_mb']:.0f} MB, "
            f"stages {result['stages']}"
        )
    print(f"min {min(times):.2f} s, max {max(times):.2f} s over {len(times)} runs")


if __name__ == "__main__":
    main()
