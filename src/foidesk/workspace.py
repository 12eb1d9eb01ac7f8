"""Private working folders for record-level files, and stopping cleanly on a signal.

An engine's working files hold crime references and note text (DuckDB's spill files, the
evidence before it reaches the case folder), and so do ingest's staging folders. They live in
a folder only the user can read (mode 0700, as ``tempfile.mkdtemp`` makes it) whose name
carries the owner's process id, ``foidesk-<kind>-<pid>-<random>``; it is removed when the work
ends or fails, and when the process is stopped with SIGTERM, SIGINT or SIGHUP: while such a
folder exists the signal raises ``Terminated`` (a ``SystemExit`` with the conventional status,
128 + the signal's number: 143, 130, 129), so every ``finally`` and context manager runs,
and then ``foidesk: terminated`` (or ``interrupted``) is written on stderr. A process killed
outright (SIGKILL, out of memory) cannot clean up: the next run removes the folders of owners
that are no longer alive (``clear_stale``).

The handlers are installed only in the main thread and only in place of Python's defaults, so
an application that handles signals itself (a web server) keeps its own handlers.

Running out of memory is the other way work stops without a user's mistake in the input. Under
an address-space limit (``ulimit -v``, RLIMIT_AS) Python, Arrow, NumPy, DuckDB and Hyperscan
fail in many ways (``MemoryError``, ``duckdb.OutOfMemoryException``, "can't start new thread",
``ENOMEM``, a library that cannot be mapped); ``memory_exhausted`` recognises them all, and
``out_of_memory_message`` says it in one line that names the limit. ``fit_address_space``
(called by the command line before the libraries load) stops them reserving address space
they never use; ``threads_that_cannot_start_raise`` (also called by the command line) turns
a thread that dies of ``MemoryError`` before it starts, which Python leaves its starter
waiting for ever, into an exception in the main thread. A folder that could not be removed
because memory had run out is removed once the failed work's memory is released.

This module imports nothing from foidesk (nor Arrow, NumPy, DuckDB or Hyperscan), so every
room may use it.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

PREFIX = "foidesk-"
_KIND = re.compile(r"[a-z][a-z0-9_]*-")

# the signals that stop the work, with what is said on stderr
_STOPPING: dict[int, str] = {
    signal.SIGTERM: "terminated",
    signal.SIGINT: "interrupted",
    signal.SIGHUP: "terminated",
}


class Terminated(SystemExit):
    """The process was asked to stop (SIGTERM, SIGINT, SIGHUP): raised where the work is, so
    that clean-up runs; exits with status 128 + the signal's number and no traceback."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


class _State:
    depth = 0
    installed: dict[int, object] = {}  # noqa: RUF012 (one process-wide state)
    received: int | None = None


def _handler(signum: int, frame: FrameType | None) -> None:
    if _State.received is not None:
        # asked again while cleaning up: stop at once, as without foidesk's handler
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    _State.received = signum
    raise Terminated(signum)


def _is_default(signum: int, current: object) -> bool:
    if signum == signal.SIGINT:
        return current is signal.default_int_handler
    return current == signal.SIG_DFL


@contextlib.contextmanager
def signals_stop_work() -> Iterator[None]:
    """While inside, SIGTERM, SIGINT and SIGHUP raise ``Terminated`` where the work is.

    Some libraries turn an exception raised by a signal handler into their own (DuckDB raises
    "Query interrupted"); whatever leaves the block after a signal is ``Terminated``. Nested
    blocks share the outermost's handlers; in another thread than the main one, nothing
    changes."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are handled in the main thread only
        return
    outermost = _State.depth == 0
    if outermost:
        _State.received = None
        for signum in _STOPPING:
            current = signal.getsignal(signum)
            if _is_default(signum, current):
                _State.installed[signum] = current
                signal.signal(signum, _handler)
    _State.depth += 1
    try:
        yield
    except Terminated:
        raise
    except BaseException as exc:
        if _State.received is not None:
            raise Terminated(_State.received) from exc
        raise
    else:
        if _State.received is not None:  # the signal's exception was swallowed on the way
            raise Terminated(_State.received)
    finally:
        _State.depth -= 1
        if outermost:
            if _State.received is not None:  # said once the clean-up is done
                with contextlib.suppress(OSError):
                    word = _STOPPING.get(_State.received, "terminated")
                    os.write(2, f"foidesk: {word}\n".encode())
            for signum, previous in _State.installed.items():
                signal.signal(signum, previous)  # type: ignore[arg-type]
            _State.installed.clear()
            _State.received = None


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (a process of another user counts as alive)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_pid(name: str, prefix: str, any_kind: bool = False) -> int | None:
    """The process id in a name ``<prefix><pid>-<random>`` (``<prefix><kind>-<pid>-<random>``
    with ``any_kind``), or None for another name."""
    if not name.startswith(prefix):
        return None
    rest = name[len(prefix) :]
    if any_kind:
        kind = _KIND.match(rest)
        if kind is None:
            return None
        rest = rest[kind.end() :]
    pid, sep, tail = rest.partition("-")
    if not sep or not tail or not pid.isdigit():
        return None
    return int(pid)


def clear_stale(parent: Path, prefix: str, any_kind: bool = False) -> list[Path]:
    """Remove the folders ``<prefix><pid>-<random>`` in ``parent`` (``<prefix><kind>-<pid>-
    <random>`` with ``any_kind``) that this user owns and whose process is no longer alive;
    returns them. Other names are left alone."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    uid = os.getuid()
    for entry in entries:
        pid = owner_pid(entry.name, prefix, any_kind)
        if pid is None or pid == os.getpid() or pid_alive(pid):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not entry.is_dir(follow_symlinks=False) or info.st_uid != uid:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed


def make_private_folder(parent: Path, prefix: str) -> Path:
    """A new folder ``<prefix><pid>-<random>`` in ``parent``, mode 0700, after removing the
    stale ones of that prefix."""
    clear_stale(parent, prefix)
    path = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))
    os.chmod(path, 0o700)  # mkdtemp's mode already; said here so it stays so
    return path


@contextlib.contextmanager
def private_folder(kind: str, parent: Path | str | None = None) -> Iterator[Path]:
    """A private working folder ``foidesk-<kind>-<pid>-<random>`` in ``parent`` (the
    temporary folder: ``TMPDIR``), removed when the block ends, fails or is stopped by a
    signal. Every foidesk folder in ``parent`` whose owner is no longer alive is removed
    first."""
    where = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    with signals_stop_work():
        clear_stale(where, PREFIX, any_kind=True)  # the other engines' leftovers too
        path = make_private_folder(where, f"{PREFIX}{kind}-")
        try:
            yield path
        except BaseException as exc:
            remove_folder(path, exc)
            raise
        finally:
            remove_folder(path)


def remove_folder(path: Path, failure: BaseException | None = None) -> None:
    """Remove ``path`` and everything in it, ignoring errors. When memory ran out
    (``failure`` is a memory error) even listing a folder can fail, so if the folder is still
    there the failed work's memory is released first (the locals of the frames ``failure``
    has unwound: the batches and tables they held) and the removal is tried again."""
    shutil.rmtree(path, ignore_errors=True)
    if failure is None or not os.path.lexists(path) or memory_exhausted(failure) is None:
        return
    release_memory(failure)
    shutil.rmtree(path, ignore_errors=True)


def release_memory(failure: BaseException) -> None:
    """Give back the memory the work that raised ``failure`` held: clear the locals of the
    frames it and the exceptions in its chain have unwound (the traceback still shows where
    it happened), then collect."""
    for current in _chain(failure):
        traceback.clear_frames(current.__traceback__)
    gc.collect()


# ---- the address-space limit (ulimit -v) and running out of memory ----------------------

# what DuckDB says when an allocation fails (its own memory limit, or the system's)
_DUCKDB_NO_MEMORY = ("out of memory", "bad allocation", "bad_alloc", "allocation failure")
# what the dynamic loader says when a library cannot be mapped into the address space
_NOT_MAPPED = ("failed to map segment", "cannot allocate memory")

# glibc's mallopt parameter for the number of malloc arenas
_M_ARENA_MAX = -8


def address_space_limit() -> int | None:
    """This process's address-space limit in bytes (``ulimit -v``: the soft RLIMIT_AS), or
    None when there is none (or the platform has no such limit)."""
    try:
        import resource
    except ImportError:  # not a POSIX system
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return None
    return soft


def describe_limit(limit: int) -> str:
    """``this process may use at most 700 MB of address space (ulimit -v)``."""
    return f"this process may use at most {limit / 2**20:,.0f} MB of address space (ulimit -v)"


def fit_address_space() -> int | None:
    """Under an address-space limit, keep the C libraries from reserving address space they
    do not use; returns the limit (None: there is none, and nothing is changed).

    Measured under ``ulimit -v`` (answer on 200,000 synthetic rows needed 1.5 GB of address
    space, ingest of 146,000 rows 2.5 GB; both under 0.9 GB with these): Arrow's default
    allocator (mimalloc) reserves 1 GB at its first allocation, so the system allocator is
    used instead (``ARROW_DEFAULT_MEMORY_POOL=system``); glibc gives each thread that
    allocates a malloc arena of 64 MB of address space (DuckDB starts eight threads or more),
    so two arenas are used; NumPy's OpenBLAS (foidesk does no linear algebra) gets one thread.
    A setting already in the environment is kept. Called before Arrow, NumPy or DuckDB is
    imported (they read these once); without a limit nothing changes."""
    limit = address_space_limit()
    if limit is None:
        return None
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if "MALLOC_ARENA_MAX" not in os.environ and sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):  # not glibc (musl): its malloc has no arenas
            import ctypes

            ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 2)
    return limit


class ThreadNotStarted(MemoryError):
    """A thread could not start because memory ran out; raised in the main thread."""


def threads_that_cannot_start_raise() -> None:
    """Make a thread that dies of ``MemoryError`` before it starts raise in the main thread.

    ``threading.Thread.start`` waits, without a timeout, for the new thread to say it has
    started; when the new thread's first allocations fail (under ``ulimit -v``), Python reports
    the ``MemoryError`` as "Exception ignored in thread started by" and the waiting thread
    waits for ever (seen in CI: ``foidesk answer`` at 500 MB hung until killed). Installed by
    the command line: such a report sends SIGUSR1 to the main thread, whose handler raises
    ``ThreadNotStarted`` once; a blocked wait is interrupted by a signal, so the waiting
    ``start`` raises, clean-up runs and the error is the usual one line. A signal that arrives
    just before the main thread blocks is not seen by the wait, so it is sent again every 50 ms
    until the handler has run. Any other unraisable exception goes to the hook that was there
    before."""
    if threading.current_thread() is not threading.main_thread():
        return
    main_ident = threading.main_thread().ident
    previous = sys.unraisablehook
    failure = ThreadNotStarted("a thread could not be started")  # made while memory remains
    raised = threading.Event()

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        try:
            dying = isinstance(unraisable.exc_value, MemoryError) and (
                unraisable.err_msg or ""
            ).startswith("Exception ignored in thread started by")
        except MemoryError:  # even this could not be asked: memory has run out
            dying = True
        if not dying or main_ident is None:
            previous(unraisable)
            return
        while not raised.is_set():
            with contextlib.suppress(MemoryError):  # memory may come back: try again
                signal.pthread_kill(main_ident, signal.SIGUSR1)
                raised.wait(0.05)

    def raise_failure(signum: int, frame: FrameType | None) -> None:
        if not raised.is_set():  # once: a later signal must not break the clean-up
            raised.set()
            raise failure

    signal.signal(signal.SIGUSR1, raise_failure)
    sys.unraisablehook = hook


def memory_exhausted(exc: BaseException) -> BaseException | None:
    """The exception in ``exc`` or its chain (its cause, or the exception it was raised while
    handling unless raised ``from None``) that says memory ran out, or None. An error raised
    while cleaning up after a failed allocation (DuckDB's "connection has an open result")
    counts as the allocation's. Recognised: ``MemoryError`` (Arrow's ``ArrowMemoryError`` is
    one), DuckDB's out-of-memory errors (Arrow passes them on as ``OSError``), Hyperscan's
    ``HS_NOMEM``, "can't start new thread", ``OSError`` ENOMEM, and a library that could not
    be mapped."""
    for current in _chain(exc):
        if _says_no_memory(current):
            return current
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, its cause or context, theirs, ... (a context raised ``from None`` is not)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if current.__cause__ is not None:
            current = current.__cause__
        elif current.__suppress_context__:
            current = None
        else:
            current = current.__context__


def _says_no_memory(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    text = str(exc).lower()
    if isinstance(exc, RuntimeError) and "can't start new thread" in text:
        return True
    if isinstance(exc, OSError) and (exc.errno == errno.ENOMEM or "out of memory" in text):
        return True  # (Arrow reports DuckDB's errors in a stream of batches as OSError)
    if isinstance(exc, ImportError):
        return any(marker in text for marker in _NOT_MAPPED)
    module = type(exc).__module__ or ""
    if module.startswith(("duckdb", "_duckdb")):
        return type(exc).__name__ == "OutOfMemoryException" or any(
            marker in text for marker in _DUCKDB_NO_MEMORY
        )
    if module.startswith("hyperscan"):
        return type(exc).__name__ == "NoMemoryError" or "nomem" in text
    return False


def memory_detail(exc: BaseException) -> str:
    """What the library said, on one short line (``MemoryError`` when it said nothing)."""
    text = str(exc).strip()
    first = text.splitlines()[0].strip() if text else type(exc).__name__
    return first if len(first) <= 160 else first[:157] + "..."


def out_of_memory_message(exc: BaseException, doing: str, remedy: str = "") -> str:
    """One line for a memory error ``exc`` (as ``memory_exhausted`` found it) met ``doing``
    ("while ingesting"): what the library said, the address-space limit when there is one,
    and what to do: raise the limit, or ``remedy`` (what uses less memory), or free memory."""
    limit = address_space_limit()
    detail = memory_detail(exc)
    if limit is not None:
        return f"out of memory {doing} ({detail}): {describe_limit(limit)}; raise the limit" + (
            f", or {remedy}" if remedy else ""
        )
    return f"out of memory {doing} ({detail}); " + (remedy or "free some memory and run it again")
