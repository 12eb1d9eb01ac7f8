"""Record-level working files never outlive the run (issue 10, item 9).

The engines' temporary folders (which hold crime references and snippets, e.g.
``evidence-found.parquet``) and ingest's ``.partial`` staging folders are private (0700),
removed when the run ends, fails, or is stopped with SIGTERM or SIGINT, and the next run
removes the ones a process killed outright (SIGKILL) left behind.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from foidesk import workspace
from tests.conftest import SEED, run_cli


@pytest.fixture(scope="module")
def big(synthetic_200k: Path) -> Path:
    """200,000 synthetic rows and their request (the shared data set)."""
    return synthetic_200k


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _start(args: list[str], scratch: Path) -> subprocess.Popen[str]:
    # the line-by-line ingest (FOIDESK_INGEST_SLOW): the fast path may finish the file before
    # the test's signal arrives, and what is tested is the stop, not the reader
    return subprocess.Popen(
        [sys.executable, "-m", "foidesk", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"TMPDIR": str(scratch), "FOIDESK_INGEST_SLOW": "1"},
    )


def _wait_for(proc: subprocess.Popen[str], folder: Path, pattern: str) -> Path:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = list(folder.glob(pattern))
        if found:
            return found[0]
        assert proc.poll() is None, f"finished before {pattern} appeared: {proc.communicate()}"
        time.sleep(0.005)
    raise AssertionError(f"{pattern} did not appear in {folder}")


SIGNALS = [
    (signal.SIGTERM, 143, "foidesk: terminated\n"),
    (signal.SIGINT, 130, "foidesk: interrupted\n"),
]


@pytest.mark.parametrize(("sig", "status", "message"), SIGNALS, ids=["SIGTERM", "SIGINT"])
def test_answer_stopped_leaves_no_temporary_files(
    big: Path, tmp_path: Path, scratch: Path, sig: signal.Signals, status: int, message: str
) -> None:
    out = tmp_path / "case"
    proc = _start(["answer", str(big), "--out", str(out)], scratch)
    folder = _wait_for(proc, scratch, "foidesk-duckdb-*")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700  # private to the user
    assert folder.name.startswith(f"foidesk-duckdb-{proc.pid}-")  # the owner's pid in its name
    time.sleep(0.3)  # well into the work
    assert proc.poll() is None, "answer finished before it could be stopped"
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == status, stderr
    assert stderr == message  # one line, no traceback
    assert stdout == ""
    assert list(scratch.iterdir()) == []
    assert not list(tmp_path.rglob("evidence*")) and not out.exists()


@pytest.mark.parametrize(("sig", "status", "message"), SIGNALS, ids=["SIGTERM", "SIGINT"])
def test_ingest_stopped_leaves_no_partial_folder(
    big: Path, tmp_path: Path, scratch: Path, sig: signal.Signals, status: int, message: str
) -> None:
    out = tmp_path / "snapshots" / "legacy"
    args = ["ingest", str(big.parent / "legacy.csv"), "--system", "Legacy", "--out", str(out)]
    proc = _start(args, scratch)
    partial = _wait_for(proc, out.parent, ".legacy.partial-*")
    assert stat.S_IMODE(partial.stat().st_mode) == 0o700
    assert partial.name.startswith(f".legacy.partial-{proc.pid}-")
    time.sleep(0.3)
    assert proc.poll() is None, "ingest finished before it could be stopped"
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == status, stderr
    assert stderr == message
    assert list(out.parent.iterdir()) == []
    assert list(scratch.iterdir()) == []


def test_the_next_answer_removes_what_a_killed_one_left(tmp_path: Path, scratch: Path) -> None:
    dead = scratch / f"foidesk-duckdb-{_dead_pid()}-abc123"
    dead.mkdir(mode=0o700)
    (dead / "evidence-found.parquet").write_bytes(b"crime refs and snippets")
    alive = scratch / f"foidesk-duckdb-{os.getpid()}-def456"  # a run still going: kept
    alive.mkdir(mode=0o700)
    dead_spark = scratch / f"foidesk-spark-{_dead_pid()}-ghi789"
    dead_spark.mkdir(mode=0o700)
    unrelated = scratch / "foidesk-duckdb-notes"  # not a name foidesk makes: kept
    unrelated.mkdir()
    args = ["answer", str(SEED / "request.toml"), "--out", str(tmp_path / "case"), "--quiet"]
    proc = subprocess.run(
        [sys.executable, "-m", "foidesk", *args],
        capture_output=True,
        text=True,
        env=os.environ | {"TMPDIR": str(scratch)},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in scratch.iterdir()) == sorted([alive.name, unrelated.name])


def test_the_next_ingest_removes_a_killed_ones_partial_folder(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text(
        "crime_ref,recorded_date,offence,ho_code,outcome,status,text_mo\n"
        "A1,2018-01-01,Cannabis,92E,CAUTION,,on Facebook\n"
    )
    dead = tmp_path / f".snap.partial-{_dead_pid()}-abc123"
    dead.mkdir(mode=0o700)
    (dead / "staging.parquet").write_bytes(b"rows")
    other = tmp_path / f".other.partial-{_dead_pid()}-abc123"  # another snapshot's: its own
    other.mkdir()
    proc = run_cli("ingest", tmp_path / "x.csv", "--system", "T", "--out", tmp_path / "snap")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([other.name, "snap", "x.csv"])


def test_private_folder(tmp_path: Path) -> None:
    with workspace.private_folder("test", parent=tmp_path) as folder:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert folder.parent == tmp_path
        assert folder.name.startswith(f"foidesk-test-{os.getpid()}-")
        (folder / "evidence.parquet").write_bytes(b"x")
    assert not folder.exists()
    with pytest.raises(RuntimeError), workspace.private_folder("test", parent=tmp_path) as folder:
        (folder / "evidence.parquet").write_bytes(b"x")
        raise RuntimeError("engine failed")
    assert list(tmp_path.iterdir()) == []


def test_handlers_are_installed_only_in_place_of_the_defaults() -> None:
    """An application that handles SIGTERM itself (a web server) keeps its handler."""

    def own(signum: int, frame: object) -> None:
        pass

    before = signal.signal(signal.SIGTERM, own)
    try:
        with workspace.signals_stop_work():
            assert signal.getsignal(signal.SIGTERM) is own
        assert signal.getsignal(signal.SIGTERM) is own
    finally:
        signal.signal(signal.SIGTERM, before)
    if before == signal.SIG_DFL:
        with workspace.signals_stop_work():
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, own)
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
