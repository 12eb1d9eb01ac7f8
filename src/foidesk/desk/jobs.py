"""A case's search run in the background (the desk's page starts it; docs/desk-web.md).

``start_search`` records a ``Job`` (state "running", one per case: checked in the transaction
and held by the partial unique index ``ix_jobs_one_running``) and an ``Event`` "search.start",
then hands the work to the desk's ``JobRunner``. The work is the command line's
``foidesk answer --out CASE [--replace]``: the same ``answer`` (with the case's decisions) and
``write_case`` (atomic; ``case_lock`` refuses a concurrent writer). ``JobProgress`` writes the
stage and how far through it into the job's row as ``answer`` reports it; the page polls it.
The job ends "done" with a one-line summary, or "failed" with the one line of a
``FoideskError`` (an unexpected error is named by its type, its traceback logged, never shown).
``mark_interrupted`` runs when the desk starts: a job still "running" then was cut off.

The runner runs one search at a time, in a daemon thread, in the order started: a search of
another case waits its turn (its page says so) rather than sharing two cores. A stopped desk
does not wait for a running search: the job is found "running" at the next start and marked
interrupted, and its case folder holds the earlier case or nothing (``write_case`` swaps it
whole). One desk process per store: another process's running job would be marked too.

While the clock's status is "received", a search moves the desk's status to "searching" and,
when it is done, to "in review" (the events "search.start" and "search.done" say the status
before and after); a search that fails or is cut off puts back the status it found.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from foidesk.casework.clock import ClockEvent as Tick
from foidesk.casework.clock import clock
from foidesk.desk.cases import case_folder, case_request, data_named
from foidesk.desk.db import Store
from foidesk.desk.store import Case, ClockEvent, Event, Job, User, now
from foidesk.errors import DeskError, FoideskError

log = logging.getLogger(__name__)

STARTING = "Starting"
QUEUED = "Waiting for another case's search to finish (the desk runs one at a time)"
WRITING = "Writing the case folder"
INTERRUPTED = "cut off when the desk stopped; run the search again"
PROGRESS_INTERVAL = 0.25  # seconds: at most four progress writes a second (and one a stage)


class SearchRunning(DeskError):
    """A search of the case is already running."""


# --- the runner -----------------------------------------------------------------------------


class JobRunner:
    """Runs jobs one at a time, in the order given, in a daemon thread (started on the first
    job). ``wait(job_id)`` is for tests and the command line: it returns when the job has
    ended (True) or ``timeout`` has passed (False)."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[int, Callable[[], None]] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._ended: dict[int, threading.Event] = {}
        self._thread: threading.Thread | None = None
        self._closed = False

    def busy(self) -> bool:
        """Whether a job is running or waiting."""
        with self._lock:
            return any(not ended.is_set() for ended in self._ended.values())

    def submit(self, job_id: int, work: Callable[[], None]) -> None:
        with self._lock:
            if self._closed:
                raise DeskError("the desk is stopping: start the search again when it is back")
            self._ended[job_id] = threading.Event()
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="foidesk-jobs", daemon=True)
                self._thread.start()
        self._queue.put((job_id, work))

    def wait(self, job_id: int, timeout: float | None = None) -> bool:
        with self._lock:
            ended = self._ended.get(job_id)
        return True if ended is None else ended.wait(timeout)

    def shutdown(self) -> None:
        """Take no more jobs; the thread ends after the running one (a waiting job is left
        "running" in the store, to be marked interrupted at the next start)."""
        with self._lock:
            self._closed = True
        self._queue.put(None)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None or self._closed:
                return
            job_id, work = item
            try:
                work()
            except Exception:  # the work records its own failure; this is the last resort
                log.exception("job %s", job_id)
            finally:
                with self._lock:
                    self._ended[job_id].set()


# --- progress -------------------------------------------------------------------------------


@dataclass
class JobProgress:
    """A ``foidesk.engines.base.Progress`` that writes the stage, and ``done`` of ``total``,
    into the job's row: each new stage at once, the units done at most every
    ``interval`` seconds. ``stages`` lists the stages heard, in order."""

    store: Store
    job_id: int
    interval: float = PROGRESS_INTERVAL
    clock: Callable[[], float] = time.monotonic
    stages: list[str] = field(default_factory=list)
    _label: str | None = None
    _total: int | None = None
    _done: int = 0
    _written: float = float("-inf")

    def begin(self, label: str, total: int | None = None) -> None:
        self._label, self._total, self._done = label, total, 0
        self.stages.append(label)
        self._write()

    def advance(self, units: int) -> None:
        self._done += units
        if self.clock() - self._written >= self.interval:
            self._write()

    def end(self) -> None:
        if self._total is not None and self._done != self._total:
            self._done = self._total
            self._write()

    def _write(self) -> None:
        self._written = self.clock()
        with self.store.session() as db:
            job = db.get(Job, self.job_id)
            if job is not None and job.state == "running":
                job.stage = (self._label or "")[:200]
                job.done = self._done
                job.total = self._total


# --- the case's status ----------------------------------------------------------------------


def _clock_status(db: Session, case_id: int, today: date) -> str | None:
    """The clock's status of the case, or None when its events make no clock."""
    events = db.scalars(
        select(ClockEvent).where(ClockEvent.case_id == case_id).order_by(ClockEvent.id)
    )
    try:
        return clock([Tick(e.kind, e.date, e.value) for e in events], today).status
    except FoideskError:
        return None


def _status_before(db: Session, job: Job) -> str | None:
    """The case's status when the job started (its "search.start" event's before)."""
    for event in db.scalars(
        select(Event)
        .where(Event.case_id == job.case_id, Event.action == "search.start")
        .order_by(Event.id.desc())
    ):
        if (event.after or {}).get("job_id") == job.id:
            before = (event.before or {}).get("case_status")
            return before if isinstance(before, str) else None
    return None


def _put_back(db: Session, case: Case, job: Job, today: date) -> None:
    """A search that did not finish: the status it found, if it is still "searching"."""
    before = _status_before(db, job)
    if (
        case.status == "searching"
        and before is not None
        and before != "searching"
        and _clock_status(db, case.id, today) == "received"
    ):
        case.status = before


# --- starting, running and ending a search --------------------------------------------------


def latest_job(store: Store, case_id: int) -> Job | None:
    """The case's most recent job, or None."""
    with store.session() as db:
        return db.scalars(
            select(Job).where(Job.case_id == case_id).order_by(Job.id.desc()).limit(1)
        ).first()


def _running_line(db: Session, job: Job) -> str:
    user = db.get(User, job.user_id) if job.user_id is not None else None
    by = f" by {user.name}" if user is not None else ""
    return (
        f"A search of this case is already running (started{by} at "
        f"{job.started.strftime('%H:%M:%S')} UTC): wait for it to finish."
    )


def start_search(
    store: Store,
    data: Path,
    case_id: int,
    user: User | None,
    *,
    letter_date: date,
    runner: JobRunner,
) -> Job:
    """Start the search of case ``case_id`` for ``user``: a running ``Job`` and the event
    "search.start", then the work on ``runner``. ``letter_date`` is the letter's date and the
    day the clock is read on. ``SearchRunning`` when a search of the case runs already."""
    queued = runner.busy()
    try:
        with store.session() as db:
            case = db.get(Case, case_id)
            if case is None:
                raise DeskError(f"there is no case {case_id}")
            running = db.scalars(
                select(Job).where(Job.case_id == case_id, Job.state == "running")
            ).first()
            if running is not None:
                raise SearchRunning(_running_line(db, running))
            at = now()
            job = Job(
                case_id=case_id,
                kind="search",
                state="running",
                user_id=user.id if user is not None else None,
                started=at,
                stage=QUEUED if queued else STARTING,
                done=0,
            )
            db.add(job)
            db.flush()  # the index refuses a second running job here
            before = case.status
            if _clock_status(db, case_id, letter_date) == "received":
                case.status = "searching"
            db.add(
                Event(
                    case_id=case_id,
                    user_id=job.user_id,
                    at=at,
                    action="search.start",
                    before={"case_status": before},
                    after={
                        "job_id": job.id,
                        "case_status": case.status,
                        "letter_date": letter_date.isoformat(),
                    },
                )
            )
    except IntegrityError:
        raise SearchRunning(
            "A search of this case is already running (started a moment ago): wait for it "
            "to finish."
        ) from None
    runner.submit(job.id, lambda: run_search(store, data, job.id, letter_date=letter_date))
    return job


def run_search(store: Store, data: Path, job_id: int, *, letter_date: date) -> None:
    """The work of a search job (the runner's thread): answer the case's request with its
    decisions, write the case folder, and end the job done or failed."""
    from foidesk.answering import answer
    from foidesk.case_folder import case_decisions, write_case

    progress = JobProgress(store, job_id)
    try:
        with store.session() as db:
            job = db.get(Job, job_id)
            case = db.get(Case, job.case_id) if job is not None else None
        if job is None or case is None or job.state != "running":
            return  # marked interrupted meanwhile, or gone
        progress.begin("Reading the request and the case's decisions")
        request, folder = case_request(data, case), case_folder(data, case)
        decisions = case_decisions(folder) if folder.exists() else []
        result = answer(request, decisions=decisions, letter_date=letter_date, progress=progress)
        progress.begin(WRITING)
        write_case(folder, result, replace=folder.exists())
        progress.end()
        message = summary(result.audit, len(result.notices))
    except FoideskError as exc:
        line = data_named(str(exc).strip() or type(exc).__name__, data)
        _finish(store, job_id, "failed", line, letter_date)
        return
    except Exception as exc:
        log.exception("the search of job %s failed", job_id)
        _finish(
            store,
            job_id,
            "failed",
            f"the search stopped on an unexpected error ({type(exc).__name__}); the desk's "
            "log has the details",
            letter_date,
        )
        return
    _finish(store, job_id, "done", message, letter_date)


def summary(audit: dict[str, Any], notices: int = 0) -> str:
    """A search's result in one line, from its audit's counts."""
    counts = audit.get("counts", {})
    review = audit.get("review", {})
    possible = int(counts.get("crimes_with_possible_mentions_only", 0))
    also = f" ({possible:,} more with possible mentions only)" if possible else ""
    undecided = int(review.get("possible_hits_undecided", 0))
    line = (
        f"Searched {int(counts.get('population', 0)):,} crimes: "
        f"{int(counts.get('crimes_with_hits', 0)) - possible:,} with a mention{also}; "
        f"{int(counts.get('evidence_rows', 0)):,} hits, "
        f"{undecided:,} possible hit{'' if undecided == 1 else 's'} undecided"
    )
    if notices:
        line += f"; {notices:,} notice{'' if notices == 1 else 's'} to check"
    return line + "."


def _finish(store: Store, job_id: int, state: str, message: str, today: date) -> None:
    """End a running job: its state, message and time, the case's status, and the event."""
    with store.session() as db:
        job = db.get(Job, job_id)
        if job is None or job.state != "running":
            return
        case = db.get(Case, job.case_id)
        assert case is not None
        job.state, job.message, job.finished = state, message, now()
        before = case.status
        if state == "done":
            if case.status == "searching" and _clock_status(db, case.id, today) == "received":
                case.status = "in review"
        else:
            _put_back(db, case, job, today)
        db.add(
            Event(
                case_id=case.id,
                user_id=job.user_id,
                at=job.finished,
                action="search.done" if state == "done" else "search.failed",
                before={"case_status": before},
                after={"job_id": job.id, "message": message, "case_status": case.status},
            )
        )


def mark_interrupted(store: Store, today: date | None = None) -> int:
    """At the desk's start: every job still "running" was cut off (the process that ran it
    is gone): "interrupted", with the time and the event "search.interrupted". How many."""
    today = today or date.today()
    with store.session() as db:
        jobs = list(db.scalars(select(Job).where(Job.state == "running")))
        for job in jobs:
            case = db.get(Case, job.case_id)
            assert case is not None
            job.state, job.message, job.finished = "interrupted", INTERRUPTED, now()
            db.flush()
            before = case.status
            _put_back(db, case, job, today)
            db.add(
                Event(
                    case_id=case.id,
                    user_id=None,
                    at=job.finished,
                    action="search.interrupted",
                    before={"case_status": before},
                    after={"job_id": job.id, "message": INTERRUPTED, "case_status": case.status},
                )
            )
    return len(jobs)
