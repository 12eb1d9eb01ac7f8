"""A real Spark standalone cluster on 127.0.0.1 for the tests: one master and N workers.

Started with PySpark's own launcher (``<pyspark>/bin/spark-class``), each daemon in its own
process group with its output in a log file, and everything it writes under one folder: the
workers' working folders (``work-N``, where each application gets ``<app-id>/<executor-id>/``
with the executor's ``stdout`` and ``stderr``), their scratch folders (``local-N``), the logs
(``logs``) and the JVMs' temporary files (``tmp``). ``with running(folder) as cluster:`` waits
until every worker has registered (the master's JSON says so) and, at the end, kills the
process groups and checks that none of the processes is left (``pgrep``).

By hand, the same: docs/spark.md, "A cluster in CI".
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
# the environment variable every process of one cluster carries (the executors and their
# Python workers inherit it from the worker): how leftovers are found after the teardown
MARKER = "FOIDESK_TEST_SPARK_CLUSTER"
# the JVMs live for seconds on a small shared machine: the quick compiler only (no C2
# threads competing for the two cores), and no hsperfdata file in /tmp
SHORT_LIVED_JVM = "-XX:TieredStopAtLevel=1 -XX:-UsePerfData"


class ClusterError(RuntimeError):
    """The cluster did not start (the message ends with the daemons' log tails)."""


def spark_class() -> Path:
    """PySpark's ``bin/spark-class`` (the launcher of Spark's daemons)."""
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


def free_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports free on 127.0.0.1 now (all held open until all are chosen)."""
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class Daemon:
    """One of the cluster's JVMs: its name, process (leader of its own process group) and
    log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class SparkCluster:
    """A running standalone cluster: its master URL, the master's web UI port, and each
    worker's working folder."""

    root: Path
    port: int
    webui_port: int
    work_dirs: list[Path]
    daemons: list[Daemon] = field(default_factory=list)

    @property
    def master(self) -> str:
        return f"spark://{HOST}:{self.port}"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def driver_conf(self) -> dict[str, str]:
        """Settings for a driver (``SparkEngine(conf=...)``) on this cluster: executors that
        fit the 1 GB, 1-core workers, one per worker, and no task before both are there
        (``minRegisteredResourcesRatio`` of ``cores.max``), so that both do work."""
        java = f"-Djava.io.tmpdir={self.tmp} {SHORT_LIVED_JVM}"
        return {
            "spark.executor.memory": "512m",
            "spark.executor.cores": "1",
            "spark.cores.max": str(len(self.work_dirs)),
            "spark.scheduler.minRegisteredResourcesRatio": "1.0",
            "spark.scheduler.maxRegisteredResourcesWaitingTime": "60s",
            "spark.driver.host": HOST,
            "spark.driver.bindAddress": HOST,
            "spark.local.dir": str(self.root / "driver-local"),
            "spark.executor.extraJavaOptions": java,
        }

    def client_conf_dir(self, **extra: str) -> Path:
        """A Spark configuration folder for a driver started as its own process (``foidesk
        answer --engine spark``): ``spark-defaults.conf`` with ``driver_conf()``, ``extra``
        and the short-lived-JVM options for the driver's JVM; name it in ``SPARK_CONF_DIR``."""
        folder = self.root / "client-conf"
        folder.mkdir(exist_ok=True)
        conf = self.driver_conf() | {"spark.driver.extraJavaOptions": SHORT_LIVED_JVM} | extra
        (folder / "spark-defaults.conf").write_text(
            "".join(f"{key} {value}\n" for key, value in conf.items()), encoding="utf-8"
        )
        return folder

    def state(self) -> dict[str, Any]:
        """The master's JSON (``/json/``): workers, ``aliveworkers``, applications."""
        url = f"http://{HOST}:{self.webui_port}/json/"
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read().decode("utf-8"))

    def app_dirs(self) -> dict[str, list[Path]]:
        """Application id -> the folders it got in the workers' working folders."""
        apps: dict[str, list[Path]] = {}
        for work in self.work_dirs:
            for folder in sorted(work.glob("app-*")):
                apps.setdefault(folder.name, []).append(folder)
        return apps

    def tails(self, lines: int = 30) -> str:
        return "\n".join(
            f"--- {d.name} ({d.log}), exit status {d.process.poll()}:\n{d.tail(lines)}"
            for d in self.daemons
        )


def _environment(root: Path, worker: int | None = None) -> dict[str, str]:
    """The daemons' environment: everything they write goes under ``root``."""
    env = dict(os.environ)
    env.pop("SPARK_HOME", None)  # spark-class finds PySpark's own
    tmp = root / "tmp"
    env.update(
        {
            MARKER: str(root),
            "SPARK_LOCAL_IP": HOST,
            "SPARK_CONF_DIR": str(root / "conf"),  # empty: no spark-defaults.conf of the machine
            "SPARK_LOG_DIR": str(root / "logs"),
            "SPARK_PID_DIR": str(root / "logs"),
            "SPARK_DAEMON_MEMORY": "512m",
            "SPARK_DAEMON_JAVA_OPTS": f"-Djava.io.tmpdir={tmp} {SHORT_LIVED_JVM}",
            "SPARK_LAUNCHER_OPTS": SHORT_LIVED_JVM,
            "TMPDIR": str(tmp),
        }
    )
    if worker is not None:
        env["SPARK_WORKER_DIR"] = str(root / f"work-{worker}")
        env["SPARK_LOCAL_DIRS"] = str(root / f"local-{worker}")
    return env


def _start(name: str, args: list[str], root: Path, env: dict[str, str]) -> Daemon:
    log = root / "logs" / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(spark_class()), *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=root,
            env=env,
            start_new_session=True,  # its own process group: killed as one at the end
        )
    return Daemon(name, process, log)


def start(root: Path, workers: int = 2, timeout: float = 90.0) -> SparkCluster:
    """Start a master and ``workers`` workers (1 core, 1 GB each) under ``root`` and wait
    until the master lists them all alive; raise ClusterError (with the logs' tails) if it
    does not within ``timeout`` seconds. The caller must ``stop`` it."""
    for sub in ("conf", "logs", "tmp", "driver-local"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    port, webui, *ports = free_ports(2 + 2 * workers)
    cluster = SparkCluster(root, port, webui, [root / f"work-{i}" for i in range(1, workers + 1)])
    try:
        cluster.daemons.append(
            _start(
                "master",
                [MASTER_CLASS, "--host", HOST, "--port", str(port), "--webui-port", str(webui)],
                root,
                _environment(root),
            )
        )
        for i, work in enumerate(cluster.work_dirs, start=1):
            work.mkdir()
            (root / f"local-{i}").mkdir()
            worker_port, worker_webui = ports[2 * (i - 1)], ports[2 * (i - 1) + 1]
            args = [WORKER_CLASS, cluster.master, "--host", HOST, "--port", str(worker_port)]
            args += ["--cores", "1", "--memory", "1g", "--work-dir", str(work)]
            args += ["--webui-port", str(worker_webui)]
            cluster.daemons.append(_start(f"worker-{i}", args, root, _environment(root, i)))
        _wait_for_workers(cluster, workers, timeout)
    except BaseException as exc:
        left = stop(cluster)
        if left:
            exc.add_note(f"Spark processes left after the teardown: {left}")
        raise
    return cluster


def _wait_for_workers(cluster: SparkCluster, workers: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "the master's web UI did not answer"
    while time.monotonic() < deadline:
        dead = [d for d in cluster.daemons if d.process.poll() is not None]
        if dead:
            names = ", ".join(d.name for d in dead)
            raise ClusterError(f"Spark daemon(s) exited while starting: {names}\n{cluster.tails()}")
        with contextlib.suppress(OSError, ValueError):
            state = cluster.state()
            alive = int(state.get("aliveworkers", 0))
            if alive >= workers:
                return
            last = f"the master lists {alive} of {workers} workers alive"
        time.sleep(0.5)
    raise ClusterError(
        f"the Spark cluster did not start within {timeout:g} s ({last})\n{cluster.tails()}"
    )


def _group_members(pgid: int) -> list[str]:
    """The live processes of process group ``pgid`` (``pgrep -g``), as 'pid command' lines:
    a zombie (exited, not yet reaped by an init that may never reap it) is no longer running
    and holds nothing, so it is not counted."""
    proc = subprocess.run(
        ["pgrep", "-a", "-g", str(pgid)], capture_output=True, text=True, check=False
    )
    return [line for line in proc.stdout.splitlines() if not _zombie(int(line.split()[0]))]


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True  # gone since pgrep listed it
    return stat.rpartition(")")[2].split()[0] in ("Z", "X")


def _marked(root: Path) -> list[int]:
    """Processes carrying this cluster's marker in their environment (an executor's Python
    workers make a process group of their own, so ``pgrep -g`` does not see them)."""
    wanted = f"{MARKER}={root}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if wanted in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
    return found


def stop(cluster: SparkCluster, grace: float = 15.0) -> list[str]:
    """Kill every daemon's process group (SIGTERM, then SIGKILL after ``grace`` seconds) and
    any process left with the cluster's marker; return what was still running afterwards
    ('pid command' lines: empty when the teardown is clean)."""
    groups = [d.process.pid for d in cluster.daemons]
    for pgid in reversed(groups):  # the workers (and their executors) before the master
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for d in cluster.daemons:
        with contextlib.suppress(subprocess.TimeoutExpired):
            d.process.wait(timeout=max(0.1, deadline - time.monotonic()))
    while time.monotonic() < deadline and (
        any(_group_members(g) for g in groups) or _marked(cluster.root)
    ):
        time.sleep(0.2)
    for pgid in groups:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    for pid in _marked(cluster.root):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for d in cluster.daemons:
        with contextlib.suppress(subprocess.TimeoutExpired):
            d.process.wait(timeout=5)
    time.sleep(0.2)
    left = [line for g in groups for line in _group_members(g)]
    left += [f"{pid} (marked)" for pid in _marked(cluster.root)]
    return left


@contextlib.contextmanager
def running(root: Path, workers: int = 2, timeout: float = 90.0) -> Iterator[SparkCluster]:
    """A started cluster for the block; at the end it is stopped, and a process left behind
    is an AssertionError."""
    cluster = start(root, workers, timeout)
    try:
        yield cluster
    finally:
        left = stop(cluster)
        assert not left, f"Spark processes left after the teardown: {left}"
