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
an application that handles signals itself (a web server) keeps its own handlers. This module
imports nothing from foidesk, so every room may use it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import tempfile
import threading
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
        finally:
            shutil.rmtree(path, ignore_errors=True)
