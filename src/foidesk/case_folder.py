"""The case folder: ``public/`` (releasable) and ``internal/`` (evidence and audit).

``write_case`` builds both folders in a staging folder inside the destination and then swaps
them in, so a failed run leaves the previous case folder as it was and never a half-written
one. ``public/`` is written by ``release.publish.write_public`` from the answer's
``PublicRelease`` alone; record-level data (the evidence) goes only to ``internal/``.

A folder that already holds a case is rebuilt only when asked (``replace=True``), and what
people added to it is kept: anything under ``internal/`` the answer does not write stays as it
was (review decisions, notes), and a file in ``public/`` the answer does not write, or one it
wrote that has been edited since (its sha256 differs from the one recorded in
``internal/written.json``), is moved to ``internal/set-aside/<time>/public/``. One writer at a
time: ``.foidesk.lock`` in the case folder is held (``flock``) for the whole write, and every
move of the swap is logged in the staging folder first, so a writer killed part-way is undone
by the next one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from foidesk.answering import Answer
from foidesk.case_scan import scan_public
from foidesk.casework.decisions import Decision, DecisionLog
from foidesk.errors import CaseError
from foidesk.notices import Notice
from foidesk.release.publish import write_public, write_text
from foidesk.workspace import signals_stop_work

LOCK_NAME = ".foidesk.lock"
STAGING_PREFIX = ".foidesk-"
WRITTEN_NAME = "written.json"
EVIDENCE_NAME = "evidence.parquet"
CRIME_HITS_NAME = "crime-hits.parquet"
SEARCHED_HITS_NAME = "searched-hits.parquet"  # before record conditions and decisions
AUDIT_NAME = "audit.json"
SET_ASIDE = "set-aside"
MOVES_NAME = "moves.jsonl"
_DONE = '"done"'


@dataclass(frozen=True)
class SetAside:
    """A file or folder of the earlier ``public/`` kept in ``internal/set-aside/<time>/``.

    ``name``: its path under ``public/``; ``reason``: ``added`` (the answer does not write
    it) or ``edited`` (the answer writes it, and it had been changed since); ``path``: where
    it is now."""

    name: str
    reason: str
    path: Path


class CaseFolders(dict[str, Path]):
    """``{"public": Path, "internal": Path}``, and what a replace set aside:
    ``set_aside`` (``SetAside`` each) and ``set_aside_folder`` (``internal/set-aside/<time>``,
    or None when nothing was); ``notices``: what the scan of ``public/`` says (also in the
    audit)."""

    def __init__(
        self,
        out: Path,
        set_aside: tuple[SetAside, ...] = (),
        set_aside_folder: Path | None = None,
        notices: tuple[Notice, ...] = (),
    ) -> None:
        super().__init__(public=out / "public", internal=out / "internal")
        self.set_aside = set_aside
        self.set_aside_folder = set_aside_folder
        self.notices = notices

    @property
    def set_aside_note(self) -> str | None:
        """One line saying what was set aside and where, or None when nothing was."""
        if self.set_aside_folder is None:
            return None
        names = ", ".join(
            f"{s.name}{'/' if s.path.is_dir() else ''} ({s.reason})" for s in self.set_aside
        )
        return (
            "Kept what people added or edited in the earlier public/ (not for release), set "
            f"aside in {self.set_aside_folder / 'public'}: {names}"
        )


def write_internal(folder: Path, answer: Answer) -> list[Path]:
    """Write the evidence Parquet, the counted crime hits, the engine's crime hits before the
    record conditions and decisions (``review.preview`` counts them again) and ``audit.json``:
    record-level, so the folder is private to its owner (0700) and the files readable by the
    owner only (0600).
    The decisions log and review files people make are not written here: they are kept."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    evidence = folder / EVIDENCE_NAME
    pq.write_table(answer.evidence, evidence)
    written = [evidence]
    for table, name in (
        (answer.crime_hits, CRIME_HITS_NAME),
        (answer.searched_hits, SEARCHED_HITS_NAME),
    ):
        if table is not None:
            pq.write_table(table, folder / name)
            written.append(folder / name)
    audit = folder / AUDIT_NAME
    write_text(audit, json.dumps(answer.audit, indent=2, sort_keys=True, default=str) + "\n")
    written.append(audit)
    for path in written:
        path.chmod(0o600)
    return written


def case_decisions(out: Path | str) -> list[Decision]:
    """The decisions of the case in ``out`` (``internal/decisions.jsonl``), in the order made;
    none for a folder that holds no case yet. ``answer --replace`` applies them again."""
    return DecisionLog(Path(out) / "internal").read()


# --- what the folder holds ----------------------------------------------------------------


def _check_shape(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise CaseError(f"{out}: is a file, not a folder for the case")
    for name in ("public", "internal"):
        if (out / name).is_symlink():
            raise CaseError(f"{out / name}: is a link where the case's {name}/ folder goes")
        if (out / name).exists() and not (out / name).is_dir():
            raise CaseError(f"{out / name}: is a file where the case's {name}/ folder goes")


def _own_entry(name: str) -> bool:
    """The lock file and staging folders: foidesk's, not the case's."""
    return name == LOCK_NAME or name.startswith(STAGING_PREFIX)


def _check_contents(out: Path, replace: bool) -> None:
    if not out.is_dir():
        return
    names = [p.name for p in out.iterdir() if not _own_entry(p.name)]
    if "public" in names or "internal" in names:
        if not replace:
            raise CaseError(f"{out}: already holds a case (use --replace to rebuild it)")
    elif names:
        hint = "--replace only rebuilds a case folder; " if replace else ""
        raise CaseError(
            f"{out}: is not a case folder (it holds other files but no public/ or internal/): "
            f"{hint}answer into a new or empty folder"
        )


def _holder(path: Path) -> str:
    """The holder's pid for the message, or nothing: the file may be empty for a moment (its
    holder has the lock but has not yet written its pid) or already gone."""
    with contextlib.suppress(OSError, ValueError, UnicodeDecodeError):
        words = path.read_text(encoding="utf-8").split()
        if words:
            return f" (pid {int(words[0])})"
    return ""


def _in_use(out: Path) -> CaseError:
    return CaseError(
        f"{out}: is in use by another foidesk run writing this case{_holder(out / LOCK_NAME)}; "
        "try again when it has finished"
    )


def check_case_folder(out: Path | str, replace: bool = False) -> None:
    """Raise ``CaseError`` if ``write_case(out, ..., replace)`` would refuse ``out`` as it is
    now (a file, a case without ``replace``, a folder that holds no case, a folder being
    written, a folder that cannot be made): the command line asks before working out the
    answer. Leaves nothing changed."""
    out = Path(out)
    _check_shape(out)
    _check_contents(out, replace)
    if not out.exists():  # can it be made? (made and removed again: nothing is left)
        missing = [p for p in (out, *out.parents) if not p.exists()][::-1]
        made: list[Path] = []
        try:
            for folder in missing:
                folder.mkdir()
                made.append(folder)
        except OSError as exc:
            raise CaseError(
                f"{out}: cannot be made a folder for the case ({exc.strerror or exc})"
            ) from exc
        finally:
            for folder in reversed(made):
                with contextlib.suppress(OSError):
                    folder.rmdir()
        return
    lock = out / LOCK_NAME
    if lock.is_file():
        try:
            fd = os.open(lock, os.O_RDONLY)
        except OSError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _in_use(out) from None
        finally:
            os.close(fd)


@contextlib.contextmanager
def case_lock(out: Path | str) -> Iterator[None]:
    """Hold ``out/.foidesk.lock`` (``out`` must exist): one writer of a case at a time.

    The lock is ``flock`` on the file, so it ends with its holder however that ends; the file
    holds the holder's pid (for the message) and is removed on release. ``CaseError`` if
    another process holds it."""
    out = Path(out)
    path = out / LOCK_NAME
    for _ in range(10):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise _in_use(out) from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # its holder removed the file as we opened it: take the new one
    else:
        raise _in_use(out)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(fd)


# --- the swap, logged so that it can be undone ---------------------------------------------


class _Moves:
    """Renames inside ``out``, each logged (relative paths) in the staging folder before it is
    made, so that an interrupted swap can be undone, by this process or the next writer."""

    def __init__(self, out: Path, staging: Path) -> None:
        self.out = out
        self.log = (staging / MOVES_NAME).open("a", encoding="utf-8")

    def move(self, src: Path, dst: Path) -> None:
        rel = [p.relative_to(self.out).as_posix() for p in (src, dst)]
        self.log.write(json.dumps(rel) + "\n")
        self.log.flush()
        src.rename(dst)

    def done(self) -> None:
        self.log.write(_DONE + "\n")
        self.log.flush()

    def close(self) -> None:
        self.log.close()


def _undo(out: Path, staging: Path) -> bool:
    """Undo the logged moves of ``staging`` (last first) unless the swap was done; True when
    ``staging`` holds nothing of the case any more and can be removed."""
    log = staging / MOVES_NAME
    if not log.is_file():  # written by a foidesk without the log: only whole folders moved
        for name in ("public", "internal"):
            if (staging / "earlier" / name).exists() and not (out / name).exists():
                (staging / "earlier" / name).rename(out / name)
        return not (staging / "earlier").exists() or not any((staging / "earlier").iterdir())
    lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    if lines and lines[-1] == _DONE:
        return True
    undone = True
    for line in reversed(lines):
        src, dst = (out / p for p in json.loads(line))
        if os.path.lexists(dst) and not os.path.lexists(src):
            try:
                dst.rename(src)
            except OSError:
                undone = False
        elif os.path.lexists(dst):
            undone = False  # both there: a person has to look
    return undone


def _recover(out: Path) -> None:
    """Undo and remove the staging folders of writers that were killed (under the lock, any
    staging folder is a dead writer's)."""
    for staging in sorted(out.glob(STAGING_PREFIX + "*")):
        if not staging.is_dir() or staging.is_symlink():
            continue
        if not _undo(out, staging):
            raise CaseError(
                f"{staging}: an earlier write of this case was interrupted and its files could "
                "not all be put back: put them back by hand and remove that folder"
            )
        shutil.rmtree(staging, ignore_errors=True)


# --- what to keep -------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _recorded(internal: Path) -> dict[str, str] | None:
    """The sha256 of each public file the earlier answer wrote, or None without a record."""
    try:
        record = json.loads((internal / WRITTEN_NAME).read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in record["public"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def public_changes(out: Path | str) -> list[str]:
    """The files of the case's ``public/`` that are not as the last answer wrote them (its
    ``internal/written.json``): edited, added or removed, by name; every file when there is
    no record. What a person approves must be what foidesk wrote and scanned."""
    out = Path(out)
    public = out / "public"
    recorded = _recorded(out / "internal")
    present = {p.name: p for p in public.iterdir() if p.is_file()} if public.is_dir() else {}
    if recorded is None:
        return sorted(present) or ["written.json"]
    changed = {name for name in recorded if name not in present}
    changed |= {n for n, p in present.items() if recorded.get(n) != _sha256(p)}
    return sorted(changed)


def _to_set_aside(
    earlier: Path, new: Path, written: set[str], recorded: dict[str, str] | None
) -> list[tuple[str, str]]:
    """(path under public/, reason) of each entry of the earlier ``public/`` to keep: one the
    answer does not write (a folder whole, unless the answer writes inside it), or one it
    writes that was edited since (without a record: whose bytes differ from the new one's)."""
    keep: list[tuple[str, str]] = []

    def visit(folder: Path, prefix: str) -> None:
        for entry in sorted(folder.iterdir()):
            name = prefix + entry.name
            if name in written and entry.is_file():
                earlier_sha = _sha256(entry)
                if recorded is not None and name in recorded:
                    edited = earlier_sha != recorded[name]
                else:
                    edited = earlier_sha != _sha256(new / name)
                if edited:
                    keep.append((name, "edited"))
            elif (
                entry.is_dir()
                and not entry.is_symlink()
                and any(w.startswith(name + "/") for w in written)
            ):
                visit(entry, name + "/")
            else:
                keep.append((name, "added"))

    visit(earlier, "")
    return keep


def _set_aside_folder(internal: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    folder, n = internal / SET_ASIDE / stamp, 1
    while folder.exists():
        n += 1
        folder = internal / SET_ASIDE / f"{stamp}-{n}"
    return folder


def _write_record(path: Path, public: Path, files: list[Path]) -> None:
    record = {
        "about": "sha256 of each file the answer wrote in public/: a file whose bytes differ "
        "has been edited and is kept when the case is rebuilt",
        "public": {p.relative_to(public).as_posix(): _sha256(p) for p in files},
    }
    write_text(path, json.dumps(record, indent=2, sort_keys=True) + "\n")


# --- writing ------------------------------------------------------------------------------


def write_case(out: Path | str, answer: Answer, replace: bool = False) -> CaseFolders:
    """Write ``out/public`` and ``out/internal``; returns the two folders (a ``CaseFolders``,
    which also says what was set aside).

    A folder that already holds a case (``public/`` or ``internal/``) is refused with
    ``CaseError`` unless ``replace``, and so is a non-empty folder that holds no case; a new
    or empty folder is written into. With ``replace``, ``public/`` and the evidence and audit
    are made anew, everything else under ``internal/`` is kept, and the files of the earlier
    ``public/`` the answer does not write, or that were edited since it wrote them, are moved
    to ``internal/set-aside/<time>/public/``.

    Both folders are written in a staging folder inside ``out``; the earlier folders are then
    moved aside, what is kept moved across, the new ones moved in, and the earlier ones
    removed. If anything fails (or SIGTERM or SIGINT arrive), every move is undone, so ``out``
    holds the earlier case or the new one, never half of each. ``out/.foidesk.lock`` is held
    for the whole write: a second writer is refused with ``CaseError`` ("in use")."""
    out = Path(out)
    _check_shape(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise CaseError(f"{out}: cannot be made a folder for the case ({exc.strerror})") from exc
    with signals_stop_work(), case_lock(out):
        _recover(out)
        _check_shape(out)
        _check_contents(out, replace)
        return _swap(out, answer)


def _swap(out: Path, answer: Answer) -> CaseFolders:
    # (not workspace.make_private_folder: a dead writer's staging is undone, not removed)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=out))
    earlier = staging / "earlier"
    earlier.mkdir()
    new_public, new_internal = staging / "public", staging / "internal"
    moves = _Moves(out, staging)
    set_aside: list[SetAside] = []
    set_aside_folder: Path | None = None
    undone = True
    try:
        public_files = write_public(new_public, answer.release)
        # every public file read back: a crime reference or note text refuses the case
        scan = scan_public(
            new_public, answer.evidence, answer.crime_hits, force=answer.request.force.name
        )
        if scan.notices:
            notices = [*answer.audit.get("notices", []), *(n.as_audit() for n in scan.notices)]
            answer = dataclasses.replace(answer, audit={**answer.audit, "notices": notices})
        internal_files = write_internal(new_internal, answer)
        _write_record(new_internal / WRITTEN_NAME, new_public, public_files)
        written = {p.relative_to(new_public).as_posix() for p in public_files}
        answer_internal = {p.name for p in internal_files} | {WRITTEN_NAME}
        recorded = _recorded(out / "internal")
        for name in ("public", "internal"):
            if (out / name).exists():
                moves.move(out / name, earlier / name)
        if (earlier / "internal").is_dir():  # what people added to internal/ stays
            for entry in sorted((earlier / "internal").iterdir()):
                if entry.name not in answer_internal:
                    moves.move(entry, new_internal / entry.name)
        if (earlier / "public").is_dir():  # what they added or edited in public/ is kept
            keep = _to_set_aside(earlier / "public", new_public, written, recorded)
            if keep:
                folder = _set_aside_folder(new_internal)
                set_aside_folder = out / "internal" / folder.relative_to(new_internal)
                for name, reason in keep:
                    target = folder / "public" / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    moves.move(earlier / "public" / name, target)
                    set_aside.append(SetAside(name, reason, set_aside_folder / "public" / name))
        for name in ("public", "internal"):
            moves.move(staging / name, out / name)
        moves.done()
    except BaseException as exc:
        moves.close()
        try:
            undone = _undo(out, staging)
        except BaseException:
            undone = False
            raise
        finally:
            if not undone:
                exc.add_note(f"the earlier case could not all be put back: see {staging}")
        raise
    finally:
        moves.close()
        if undone:
            shutil.rmtree(staging, ignore_errors=True)
    return CaseFolders(out, tuple(set_aside), set_aside_folder, scan.notices)
