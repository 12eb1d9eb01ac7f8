"""Time ``foidesk answer`` alone, several times, each in a fresh process.

    python scripts/time_answer.py REQUEST [--runs 3]

Prints each run's wall time (imports included), peak memory (VmHWM) and the engine's stage
times from the audit (``engine.seconds``). This machine's timings drift by up to 60%, so
compare two versions by running this script for each, alternately, and keep the ranges;
``foidesk bench`` gives the baselines (and runs each measure the same way, ``timed_child``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from foidesk.tools.bench import timed_child


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("request", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = []
    for run in range(args.runs):
        try:
            seconds, peak, stages = timed_child(
                f"""
                import tempfile
                from pathlib import Path
                from foidesk.answering import answer
                from foidesk.case_folder import write_case
                with tempfile.TemporaryDirectory() as tmp:
                    result = answer(Path({str(args.request)!r}))
                    write_case(Path(tmp) / "case", result)
                note = json.dumps(result.audit["engine"].get("seconds", {{}}))
                """
            )
        except RuntimeError as exc:
            sys.exit(str(exc).strip().splitlines()[-1])
        times.append(seconds)
        print(f"run {run + 1}: {seconds:.2f} s, peak {peak:.0f} MB, stages {stages}")
    print(f"min {min(times):.2f} s, max {max(times):.2f} s over {len(times)} runs")


if __name__ == "__main__":
    main()
