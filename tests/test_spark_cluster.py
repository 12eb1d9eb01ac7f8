"""The Spark engine on a real standalone cluster: a master and two workers on 127.0.0.1.

The cluster (``tests/spark_cluster.py``) is started once for the module with PySpark's own
launcher, each worker with one core, 1 GB and its own working folder under the test's
temporary folder, and is torn down at the end (no JVM may be left: checked with ``pgrep``).
On it, the seed case and a synthetic extract give the same tables, evidence, coverage and
stages as the embedded engine, with work done on both workers; and ``foidesk answer
--engine spark --spark-master spark://...`` writes its case folder.

Skipped, saying why, where PySpark or Java is missing (CI installs both, and fails a skip).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from foidesk.release.render import RENDERERS
from foidesk.tools.synth import make_synthetic
from tests.conftest import SEED, control_off
from tests.helpers import answer_case, answer_with_both, assert_same_answer

pytest.importorskip("pyspark", reason="PySpark is not installed (pip install 'foidesk[spark]')")
if shutil.which("java") is None:
    pytest.skip("no Java runtime for Spark (Debian: default-jre-headless)", allow_module_level=True)

from foidesk.engines.spark.engine import SparkEngine
from tests import spark_cluster
from tests.spark_cluster import SparkCluster

# what an executor's log says once it has run a task
TASK_DONE = "Finished task"
# both executors are on this machine: no task waits for the one holding its data
LOCAL_TASKS = {"spark.locality.wait": "0s"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkCluster]:
    with spark_cluster.running(tmp_path_factory.mktemp("spark-cluster"), workers=2) as running:
        yield running


def _engine(cluster: SparkCluster, **conf: str) -> SparkEngine:
    """A SparkEngine on the cluster: executors that fit the workers, and (unless ``conf``
    says otherwise) two shuffle partitions, one per executor, as the data are small."""
    small = {"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2", **LOCAL_TASKS}
    return SparkEngine(master=cluster.master, conf=cluster.driver_conf() | small | conf)


def test_the_seed_case_on_the_cluster(cluster: SparkCluster, tmp_path: Path) -> None:
    """The seed case: the same tables, evidence, coverage and stages as the embedded engine."""
    duck, spark = answer_with_both(SEED / "request.toml", tmp_path, _engine(cluster))
    assert duck[0].table.grand_total.total == 3
    assert spark[0].audit["engine"]["master"] == cluster.master
    assert_same_answer(duck, spark)


def test_a_synthetic_extract_on_both_workers(cluster: SparkCluster, tmp_path: Path) -> None:
    """Two sources (legacy.csv, athena.csv with migrated copies), a few thousand rows, read in
    small splits into several partitions: the same answer as the embedded engine. And the
    work ran on both workers: the run is one new application, which got a folder in each
    worker's working folder holding one executor whose log (stderr) says it finished tasks,
    and the master lists it as finished, with 512 MB per executor as asked."""
    before = set(cluster.app_dirs())
    data = make_synthetic(3_000, tmp_path / "data", seed=11)
    engine = _engine(
        cluster,
        **{
            "spark.sql.shuffle.partitions": "4",
            "spark.default.parallelism": "4",
            "spark.sql.files.maxPartitionBytes": "65536",
        },
    )
    duck, spark = answer_with_both(control_off(data.request_path), tmp_path, engine)
    assert duck[0].table.grand_total.total > 10
    assert len(duck[0].audit["sources"]) == 2
    assert duck[0].audit["counts"]["crimes_in_more_than_one_system"] > 0
    assert_same_answer(duck, spark)

    new = {app: dirs for app, dirs in cluster.app_dirs().items() if app not in before}
    assert len(new) == 1, (sorted(before), cluster.app_dirs())
    [(app, dirs)] = new.items()
    assert [d.parent for d in dirs] == cluster.work_dirs, f"{app} ran on {dirs} only"
    for folder in dirs:
        executors = [e for e in folder.iterdir() if e.is_dir()]
        assert len(executors) == 1, executors
        log = (executors[0] / "stderr").read_text(encoding="utf-8", errors="replace")
        assert TASK_DONE in log, f"{executors[0]} ran no task:\n{log[-3000:]}"
    finished = {a["id"]: a for a in cluster.state()["completedapps"]}
    assert app in finished, cluster.state()
    assert finished[app]["name"] == "foidesk"
    assert finished[app]["memoryperexecutor"] == 512


def test_the_command_line_on_the_cluster(cluster: SparkCluster, tmp_path: Path) -> None:
    """``foidesk answer ... --engine spark --spark-master spark://...``, in its own process
    with the cluster's client settings in ``SPARK_CONF_DIR`` (spark-defaults.conf, as a
    machine submitting to a cluster has): exit 0, the case folder written, the table the
    embedded engine prints, and the audit naming the cluster's master."""
    out = tmp_path / "case"
    scratch = tmp_path / "tmp"  # the engine's temporary folders (the executors write there)
    scratch.mkdir()
    command = ["answer", str(SEED / "request.toml"), "--out", str(out), "--engine", "spark"]
    command += ["--spark-master", cluster.master, "--no-pdf", "--quiet"]
    env = {"SPARK_CONF_DIR": str(cluster.client_conf_dir(**LOCAL_TASKS)), "TMPDIR": str(scratch)}
    proc = subprocess.run(
        [sys.executable, "-m", "foidesk", *command],
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ | env,
    )
    assert proc.returncode == 0, proc.stderr
    duck = answer_case(SEED / "request.toml", tmp_path / "duck")
    assert proc.stdout == RENDERERS["text"](duck.table)
    table = (out / "public" / "table.csv").read_text(encoding="utf-8")
    assert table == RENDERERS["csv"](duck.table)
    assert (out / "internal" / "evidence.parquet").is_file()
    audit = json.loads((out / "internal" / "audit.json").read_text(encoding="utf-8"))
    assert audit["engine"]["name"] == "spark"
    assert audit["engine"]["master"] == cluster.master
    assert list(scratch.iterdir()) == []  # the engine's temporary folder is gone


def test_a_parquet_extract_named_relatively_is_read_by_the_executors(
    cluster: SparkCluster, tmp_path: Path
) -> None:
    """``foidesk answer request.toml`` run in the request's folder, its source a raw Parquet
    extract named relatively: the executors run in their own working folders, so the path
    they are given must be absolute. The table is the embedded engine's, and an INT96
    timestamp (Spark's and Hive's old default) is read as the embedded engine reads it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests.conftest import COLUMNS, crime, run_cli, write_request

    rows = [crime(f"R{i}", "2018-06-01", "seen on Facebook and Snapchat") for i in range(12)]
    rows += [crime(f"Q{i}", "2017-02-03", "a WhatsApp message") for i in range(7)]
    table = pa.table({n: [r.get(n, "") for r in rows] for n in COLUMNS})
    dates = pa.array([r["recorded_date"] + "T10:00:00" for r in rows]).cast(pa.timestamp("us"))
    table = table.set_column(COLUMNS.index("recorded_date"), "recorded_date", dates)
    pq.write_table(
        table, tmp_path / "x.parquet", row_group_size=5, use_deprecated_int96_timestamps=True
    )
    write_request(tmp_path, [("x.parquet", "Athena")])
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    conf = cluster.client_conf_dir(**LOCAL_TASKS)
    command = ["answer", "request.toml", "--out", "spark", "--engine", "spark"]
    command += ["--spark-master", cluster.master, "--no-pdf", "--quiet"]
    proc = subprocess.run(
        [sys.executable, "-m", "foidesk", *command],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=os.environ | {"SPARK_CONF_DIR": str(conf), "TMPDIR": str(scratch)},
    )
    assert proc.returncode == 0, proc.stderr
    duck = run_cli("answer", "request.toml", "--out", "duck", "--no-pdf", "--quiet", cwd=tmp_path)
    assert duck.returncode == 0, duck.stderr
    assert proc.stdout == duck.stdout
    audit = json.loads((tmp_path / "spark" / "internal" / "audit.json").read_text("utf-8"))
    assert audit["counts"]["table_grand_total"] == 19  # 12 crimes in 2018, 7 in 2017
