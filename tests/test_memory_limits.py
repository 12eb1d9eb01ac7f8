"""Running out of memory is one line and leaves nothing behind (issue 11, item 8).

Under an address-space limit (``ulimit -v``: RLIMIT_AS, set here in the child process) Python,
Arrow, NumPy, DuckDB and Hyperscan fail in many ways: ``MemoryError``, DuckDB's "Out of Memory
Error", "can't start new thread", ENOMEM, a library that cannot be mapped. Each is one line on
stderr, ``foidesk: error: ...``, naming the limit and what uses less memory, exit status 2 (the
user can change both), no traceback; and the engine's temporary folder (``foidesk-*`` under
``TMPDIR``), ingest's ``.NAME.partial-*`` staging folder and the case folder are gone.

Measured on this project's 2-core machine with 200,000 synthetic rows: answer needs about
760 MB of address space (670 MB with ``threads=1``; 1.5 GB before the libraries were told not
to reserve what they do not use), ingest of legacy.csv (146,326 rows) about 870 MB (2.5 GB
before); the libraries alone take about 420 MB. The failing limits below are well under those,
so those runs fail every time, and each test takes a few seconds.
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from foidesk import workspace

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="RLIMIT_AS is enforced on Linux only"
)

MB = 1 << 20


@pytest.fixture(scope="module")
def data(synthetic_200k: Path) -> Path:
    """200,000 synthetic rows and their request (the shared data set)."""
    return synthetic_200k


def _limited(mb: int, scratch: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m foidesk ARGS`` allowed at most ``mb`` MB of address space."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mb * MB, mb * MB))

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "foidesk", *map(str, args)],
            capture_output=True,
            text=True,
            env=os.environ | {"TMPDIR": str(scratch)},
            preexec_fn=limit,
            timeout=120,
        )

    proc = run()
    if proc.returncode == 127 and "cannot allocate memory for thread-local data" in proc.stderr:
        # glibc aborts the process when a new thread's TLS cannot be mapped (seen once in 30
        # CI runs at 500 MB): no handler of foidesk's can see it; which allocation meets the
        # limit first varies from run to run, so the run is made once more
        proc = run()
    return proc


def _one_line_naming_the_limit(proc: subprocess.CompletedProcess[str], mb: int) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("foidesk: error: "), proc.stderr
    assert f"this process may use at most {mb} MB of address space (ulimit -v)" in lines[0]
    return lines[0]


def test_answer_out_of_memory_is_one_line_and_leaves_nothing(
    data: Path, tmp_path: Path, scratch: Path
) -> None:
    out = tmp_path / "case"
    proc = _limited(500, scratch, "answer", data, "--out", out)
    line = _one_line_naming_the_limit(proc, 500)
    assert line.startswith("foidesk: error: out of memory")
    assert "--engine-option memory_limit=" in line and "--engine-option threads=1" in line
    assert proc.stdout == ""
    assert not out.exists()  # no case folder, not even a half one
    assert list(scratch.iterdir()) == []  # the engine's foidesk-duckdb-* is gone


@pytest.mark.parametrize("mb", [500, 650], ids=["while-reading", "while-merging"])
def test_ingest_out_of_memory_is_one_line_and_leaves_nothing(
    data: Path, tmp_path: Path, scratch: Path, mb: int
) -> None:
    """At 500 MB rows are still being read (Python and Arrow run out); at 650 MB, with every
    row held twice (the export given twice), the second copy and the settling of its
    duplicates run out (one copy now fits in 650 MB: crimes.parquet is written once, and
    duplicates are settled only for references that repeat). Either way no snapshot and no
    .partial folder."""
    out = tmp_path / "snapshots" / "legacy"
    files: list[str | Path] = [data.parent / "legacy.csv"]
    if mb == 650:
        again = tmp_path / "legacy-again.csv"
        shutil.copyfile(files[0], again)
        files.append(again)
    args = ["ingest", *files, "--system", "Legacy", "--out", out]
    proc = _limited(mb, scratch, *args)
    line = _one_line_naming_the_limit(proc, mb)
    assert line.startswith(f"foidesk: error: out of memory while ingesting into {out}")
    assert "nothing was written" in line
    assert list(out.parent.iterdir()) == []  # no snapshot, no .legacy.partial-*
    assert list(scratch.iterdir()) == []


def test_a_limit_below_what_the_libraries_take_is_refused_at_once(
    data: Path, tmp_path: Path, scratch: Path
) -> None:
    """Below about 400 MB the libraries cannot even load, and some fail where no handler sees
    it (OpenBLAS ends the process): refused before they load."""
    out = tmp_path / "case"
    proc = _limited(300, scratch, "answer", data, "--out", out)
    line = _one_line_naming_the_limit(proc, 300)
    assert "raise the limit" in line
    assert not out.exists() and list(scratch.iterdir()) == []


def test_commands_that_load_no_library_run_under_a_small_limit(scratch: Path) -> None:
    proc = _limited(300, scratch, "deadline", "2019-04-26")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "2019-05-28\n"


def test_answer_fits_in_well_under_the_address_space_it_used_to_need(
    data: Path, tmp_path: Path, scratch: Path
) -> None:
    """Arrow's allocator reserved 1 GB and glibc 64 MB per thread: answer needed 1.5 GB of
    address space on these rows. Under a limit they are told not to (fit_address_space)."""
    out = tmp_path / "case"
    proc = _limited(1200, scratch, "answer", data, "--out", out, "--engine-option", "threads=2")
    assert proc.returncode == 0, proc.stderr
    assert (out / "public" / "table.csv").is_file()
    assert list(scratch.iterdir()) == []


def test_under_a_limit_arrow_uses_the_system_allocator(scratch: Path) -> None:
    code = (
        "from foidesk.workspace import fit_address_space; fit_address_space(); "
        "import pyarrow as pa; pa.allocate_buffer(1 << 20); "
        "print(pa.default_memory_pool().backend_name)"
    )

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2048 * MB, 2048 * MB))

    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=limit,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "system\n"


def test_duckdbs_own_limit_says_how_to_give_it_more(
    data: Path, tmp_path: Path, scratch: Path
) -> None:
    """No address-space limit: DuckDB's own memory_limit is what ran out."""
    out = tmp_path / "case"
    args = ["answer", str(data), "--out", str(out), "--engine-option", "memory_limit=2MB"]
    proc = subprocess.run(
        [sys.executable, "-m", "foidesk", *args],
        capture_output=True,
        text=True,
        env=os.environ | {"TMPDIR": str(scratch)},
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(
        "foidesk: error: the embedded engine ran out of its memory limit (2MB): "
    )
    assert "--engine-option memory_limit=" in proc.stderr
    assert not out.exists() and list(scratch.iterdir()) == []


def _raised_while_handling(first: BaseException, then: BaseException) -> BaseException:
    try:
        try:
            raise first
        except BaseException:
            raise then  # noqa: B904 (the implicit context is the point)
    except BaseException as exc:
        return exc


@pytest.mark.parametrize(
    "exc",
    [
        MemoryError(),
        pa.ArrowMemoryError("malloc of size 4194304 failed"),
        RuntimeError("can't start new thread"),
        OSError(errno.ENOMEM, "Cannot allocate memory"),
        OSError("Out of Memory Error: ArrowBuffer: failed to allocate 1048576 bytes"),
        duckdb.OutOfMemoryException("Out of Memory Error: Allocation failure"),
        duckdb.IOException("IO Error: Failed to allocate block of 262144 bytes (bad allocation)"),
        ImportError("libarrow.so.2600: failed to map segment from shared object"),
        # DuckDB refusing the next statement while the failed one's result is open
        _raised_while_handling(
            duckdb.OutOfMemoryException("Out of Memory Error: Allocation failure"),
            duckdb.InvalidInputException("connection has an open result"),
        ),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_memory_errors_are_recognised(exc: BaseException) -> None:
    assert workspace.memory_exhausted(exc) is not None


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("Out of Memory"),  # not a library's error
        RuntimeError("dictionary changed size during iteration"),
        OSError(errno.ENOENT, "No such file or directory"),
        duckdb.ParserException("Parser Error: syntax error"),
        ImportError("No module named 'pyspark'"),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_other_errors_are_not(exc: BaseException) -> None:
    assert workspace.memory_exhausted(exc) is None


def test_an_error_raised_from_none_does_not_count_its_context() -> None:
    try:
        try:
            raise MemoryError
        except MemoryError:
            raise ValueError("too large to read") from None
    except ValueError as exc:
        assert workspace.memory_exhausted(exc) is None


def test_the_message_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workspace, "address_space_limit", lambda: 700 * MB)
    exc = duckdb.OutOfMemoryException(
        "Out of Memory Error: Failed to allocate block of 262144 bytes (bad allocation)\n\n"
        "Possible solutions:\n* Reducing the number of threads (SET threads=X)"
    )
    line = workspace.out_of_memory_message(exc, "while ingesting", "")
    assert line == (
        "out of memory while ingesting (Out of Memory Error: Failed to allocate block of "
        "262144 bytes (bad allocation)): this process may use at most 700 MB of address space "
        "(ulimit -v); raise the limit"
    )


@pytest.mark.parametrize("thread", ["foidesk-warm-imports", "foidesk-compile", "foidesk-prefetch"])
def test_a_thread_that_dies_of_memory_before_it_starts_is_one_line_not_a_hang(
    seed_request: Path, tmp_path: Path, scratch: Path, thread: str
) -> None:
    """Python reports a thread whose start-up raised ``MemoryError`` as "Exception ignored in
    thread started by" and leaves ``Thread.start`` waiting for ever (``foidesk answer`` hung at
    500 MB in CI). Here the named thread's start-up fails as it did there; the answer must end
    with the one line and leave no case folder."""
    out = tmp_path / "case"
    code = (
        "import sys, threading\n"
        "real = threading.Thread._bootstrap_inner\n"
        "def failing(self):\n"
        f"    if self.name == {thread!r}:\n"
        "        raise MemoryError\n"
        "    real(self)\n"
        "threading.Thread._bootstrap_inner = failing\n"
        "from foidesk.cli import main\n"
        f"sys.argv = ['foidesk', 'answer', {str(seed_request)!r}, '--out', {str(out)!r}]\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=os.environ | {"TMPDIR": str(scratch)},
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("foidesk: error: out of memory in "), proc.stderr
    assert "(a thread could not be started)" in lines[0]
    assert not out.exists()
    assert list(scratch.iterdir()) == []
