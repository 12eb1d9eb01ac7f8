"""The Spark engine's user errors: one line on stderr, exit 2, nothing written, and the same
message as the embedded engine where both check the same thing.

The multi-system refusal and the bad master URLs are caught before Spark starts, so they need
neither PySpark nor Java; the start-up failure test does (skipped, saying why, without them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import COLUMNS as STANDARD
from tests.conftest import crime, run_cli, write_extract, write_request

COLUMNS = [*STANDARD, "system"]


def _one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("foidesk: error: ")
    return lines[0]


def _refusals(tmp_path: Path, request: Path) -> dict[str, str]:
    """Each engine's one line refusing ``request`` (exit 2, nothing written, no temporary
    folder left behind)."""
    messages = {}
    for engine in ("duckdb", "spark"):
        out = tmp_path / f"case-{engine}"
        scratch = tmp_path / f"tmp-{engine}"  # the engine's temporary folders go here
        scratch.mkdir()
        command = ["answer", str(request), "--out", str(out), "--engine", engine, "--quiet"]
        proc = subprocess.run(
            [sys.executable, "-m", "foidesk", *command],
            capture_output=True,
            text=True,
            timeout=300,
            env=os.environ | {"TMPDIR": str(scratch)},
        )
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == ""
        messages[engine] = _one_line(proc.stderr)
        assert not out.exists()
        assert list(scratch.iterdir()) == []  # no temporary snapshot left behind either
    return messages


def test_a_source_of_two_systems_is_refused_by_both_engines_alike(tmp_path: Path) -> None:
    rows = [
        crime("M1", "2018-06-01", "on Facebook", system="Athena"),
        crime("M2", "2018-03-01", "on Snapchat", system=" Legacy "),
        crime("M3", "2018-03-02", "x", system=""),
    ]
    write_extract(tmp_path / "all.csv", rows, COLUMNS)
    request = write_request(tmp_path, [("all.csv", "All")])
    messages = _refusals(tmp_path, request)
    assert messages["spark"] == messages["duckdb"]
    expected = "all.csv: holds records of 2 systems (Athena, Legacy): give each system"
    assert expected in messages["spark"]


def _parquet(path: Path, rows: list[dict[str, str]]) -> None:
    names = COLUMNS
    pq.write_table(
        pa.table({n: [r.get(n, "") for r in rows] for n in names}), path, row_group_size=2
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {3: {"system": "Legacy"}},
            "x.parquet: holds records of 2 systems (Athena, Legacy)",
        ),
        (
            {3: {"recorded_date": "31/02/2018"}, 4: {"recorded_date": "2018-13-01"}},
            "x.parquet: row 4: recorded_date '31/02/2018' is not a date",
        ),
        (
            {2: {"status": "maybe"}},
            "x.parquet: row 3: status 'maybe' is not one of",
        ),
        (
            {i: {"ho_code": " "} for i in range(6)},
            "x.parquet: no ho_code values: the population (drugs) is chosen by Home Office",
        ),
    ],
)
def test_a_parquet_extract_read_by_the_executors_is_refused_as_the_embedded_engine_does(
    tmp_path: Path, change: dict[int, dict[str, str]], expected: str
) -> None:
    """Spark reads a raw Parquet extract's rows on the executors (DuckDB's statement of the
    canonical columns in each task); its refusals are the embedded engine's, word for word,
    naming the first bad row and how many share the problem."""
    rows = [crime(f"P{i}", "2018-06-01", "on Facebook", system="Athena") for i in range(6)]
    for i, values in change.items():
        rows[i].update(values)
    _parquet(tmp_path / "x.parquet", rows)
    request = write_request(tmp_path, [("x.parquet", "Athena")])
    messages = _refusals(tmp_path, request)
    assert messages["spark"] == messages["duckdb"]
    assert expected in messages["spark"], messages["spark"]


def test_one_system_named_in_the_column_is_not_refused(tmp_path: Path) -> None:
    rows = [crime(f"S{i}", "2018-06-01", "on Facebook", system="Athena") for i in range(3)]
    write_extract(tmp_path / "athena.csv", rows, COLUMNS)
    request = write_request(tmp_path, [("athena.csv", "Athena")])
    proc = run_cli("answer", request, "--out", tmp_path / "case", "--engine", "duckdb")
    assert proc.returncode == 0, proc.stderr
    from foidesk.casework.request import load_request
    from foidesk.engines.spark.engine import SparkEngine

    # the Spark engine's ingest accepts it (it stops before Spark starts only on a refusal)
    engine = SparkEngine()
    sources = engine._sources(load_request(request), tmp_path / "tmp")
    assert sources[0].manifest["totals"]["rows_loaded"] == 3


@pytest.mark.parametrize(
    ("master", "reason"),
    [
        ("bogus://x", "not a Spark master URL"),
        ("spark://nohost.invalid:7077", "cannot reach the master (unknown host"),
        ("spark://127.0.0.1:1", "cannot reach the master ("),
        ("spark://head", "expected spark://host:port"),
    ],
)
def test_a_bad_master_is_one_line_before_any_work(tmp_path: Path, master: str, reason: str) -> None:
    write_extract(tmp_path / "a.csv", [crime("A1", "2018-01-01", "on Facebook")])
    request = write_request(tmp_path, [("a.csv", "Legacy")])
    out = tmp_path / "case"
    started = time.monotonic()
    proc = run_cli("answer", request, "--out", out, "--engine", "spark", "--spark-master", master)
    assert time.monotonic() - started < 30  # a few seconds at most: Spark is never started
    assert proc.returncode == 2
    line = _one_line(proc.stderr)
    assert line.startswith(f"foidesk: error: --spark-master {master}: "), line
    assert reason in line
    assert not out.exists()


def test_spark_failing_to_start_is_one_line(tmp_path: Path) -> None:
    """The master passes the checks made before Spark starts, and Spark refuses it: the JVM's
    warnings and Java stack trace stay off the terminal; the reason is Spark's own."""
    pytest.importorskip("pyspark", reason="PySpark is not installed (pip install 'foidesk[spark]')")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime for Spark (Debian: default-jre-headless)")
    write_extract(tmp_path / "a.csv", [crime("A1", "2018-01-01", "on Facebook")])
    request = write_request(tmp_path, [("a.csv", "Legacy")])
    out = tmp_path / "case"
    proc = run_cli(
        "answer", request, "--out", out, "--engine", "spark", "--spark-master", "local[abc]"
    )
    assert proc.returncode == 2
    line = _one_line(proc.stderr)
    assert line == (
        "foidesk: error: --spark-master local[abc]: Spark did not start "
        "(Could not parse Master URL: 'local[abc]')"
    )
    assert not out.exists()


def test_an_int96_date_out_of_range_is_refused_by_both_engines_alike(tmp_path: Path) -> None:
    """INT96 timestamps (the old default of Spark, Hive and Impala) read in nanoseconds would
    wrap a date after 2262 into range without a word; both engines read them in microseconds
    and refuse 9999-12-31 naming its row."""
    rows = [crime(f"P{i}", "2018-06-01", "on Facebook", system="Athena") for i in range(5)]
    table = pa.table({n: [r.get(n, "") for r in rows] for n in COLUMNS})
    dates = pa.array(
        [datetime(2018, 6, 1)] * 2 + [datetime(9999, 12, 31)] + [datetime(2018, 6, 2)] * 2
    )
    table = table.set_column(COLUMNS.index("recorded_date"), "recorded_date", dates)
    pq.write_table(
        table, tmp_path / "x.parquet", row_group_size=2, use_deprecated_int96_timestamps=True
    )
    request = write_request(tmp_path, [("x.parquet", "Athena")])
    messages = _refusals(tmp_path, request)
    assert messages["spark"] == messages["duckdb"]
    assert (
        "x.parquet: row 3: recorded_date '9999-12-31 00:00:00' is out of range" in messages["spark"]
    )
