"""Running a case's search from the browser: a background job (desk.jobs) with its progress,
polled by htmx; one per case; a job cut off by a restart is marked interrupted.

``POST /cases/{id}/search`` (an analyst) starts it: htmx gets the search panel's job part
back, a plain form a redirect to the case. ``GET /cases/{id}/search`` is that part: while the
job runs it asks for itself again every second (``hx-trigger="every 1s"``, swapping itself
whole), so the polling stops by itself when the job ends; without JavaScript it has a
Refresh link.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from foidesk.desk.jobs import QUEUED, SearchRunning, latest_job, start_search
from foidesk.desk.store import Case, Job, User, now
from foidesk.desk.web.app import Desk, Refused
from foidesk.desk.web.pages import (
    DeskDep,
    PostDep,
    Who,
    WhoDep,
    allow,
    case_context,
    find_case,
    page,
)
from foidesk.errors import FoideskError

router = APIRouter()


def _seconds(seconds: float) -> str:
    """A duration as the page says it: 8 s, 2 min 05 s, 1 h 02 min."""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S UTC") if at is not None else ""


def _notices(desk: Desk, case: Case) -> list[str]:
    """What the case's last answer says to check (its audit's notices), as the command line
    prints them; none when the audit cannot be read."""
    import json

    from foidesk.desk.cases import case_folder

    try:
        audit = json.loads(
            (case_folder(desk.data, case) / "internal" / "audit.json").read_text("utf-8")
        )
        return [str(n["message"]) for n in audit.get("notices", []) if n.get("message")]
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        return []


def _answered_outside(desk: Desk, case: Case, job: Job | None) -> str | None:
    """When the case folder holds an answer made outside the desk (``foidesk answer`` on the
    command line) after its last search job, or with none: the time of that answer (its
    audit's modification time: a job finishes after its answer is written)."""
    from datetime import UTC

    from foidesk.desk.cases import case_folder

    try:
        written = (case_folder(desk.data, case) / "internal" / "audit.json").stat().st_mtime
    except OSError:
        return None
    created = datetime.fromtimestamp(written, UTC)
    if job is not None and (job.finished is None or created <= job.finished):
        return None
    return _when(created)


def panel_context(desk: Desk, case: Case) -> dict[str, Any]:
    """What the case page's search panel (``search_panel.html``) shows: the case's latest
    search job (None before the first), whether it runs, who started it, how long it has
    taken, and whether it waits for another case's search."""
    job: Job | None = latest_job(desk.store, case.id)
    by = None
    if job is not None and job.user_id is not None:
        with desk.store.session() as db:
            user = db.get(User, job.user_id)
            by = user.name if user is not None else None
    running = job is not None and job.state == "running"
    elapsed = None
    if job is not None:
        elapsed = _seconds(((job.finished or now()) - job.started).total_seconds())
    return {
        "search_job": job,
        "search_notices": _notices(desk, case) if job is not None and job.state == "done" else [],
        "search_running": running,
        "search_queued": running and job is not None and job.stage == QUEUED,
        "search_by": by,
        "search_elapsed": elapsed,
        "search_started": _when(job.started) if job is not None else "",
        "search_finished": _when(job.finished) if job is not None else "",
        "search_message": None,
        "search_outside": None if running else _answered_outside(desk, case, job),
    }


def _panel(
    request: Request, desk: Desk, who: Who, case: Case, status: int = 200, **extra: Any
) -> Response:
    """The panel's job part (``search_job.html``), for htmx."""
    context = {"case": case, **panel_context(desk, case), **extra}
    return page(request, "search_job.html", context, status=status, who=who)


@router.post("/cases/{case_id}/search")
def start(request: Request, desk: DeskDep, who: PostDep, case_id: int) -> Response:
    allow(who, "run_search")
    case = find_case(desk, case_id)
    htmx = request.headers.get("HX-Request") == "true"
    try:
        start_search(
            desk.store,
            desk.data,
            case.id,
            who.user,
            letter_date=desk.today(),
            runner=desk.jobs,
        )
    except SearchRunning as exc:
        if htmx:  # the panel as it is (the running job), with the line; 400 is swapped
            return _panel(request, desk, who, case, 400, search_message=str(exc))
        raise Refused(409, str(exc)) from None
    except FoideskError as exc:
        if htmx:
            return _panel(request, desk, who, case, 400, search_message=str(exc))
        raise Refused(400, str(exc)) from None
    if htmx:
        return _panel(request, desk, who, case)
    return RedirectResponse(f"/cases/{case.id}#search", status_code=303)


@router.get("/cases/{case_id}/search")
def panel(request: Request, desk: DeskDep, who: WhoDep, case_id: int) -> Response:
    """The job part, which htmx polls while the search runs. The poll that finds it ended
    also carries, out of band, what the search changed elsewhere on the case page: the
    status, the review and release panels and the event log."""
    case = find_case(desk, case_id)
    if request.headers.get("HX-Request") == "true" and not panel_context(desk, case).get(
        "search_running"
    ):
        context = {**case_context(desk, case), "oob": True}
        return page(request, "search_job.html", context, who=who)
    return _panel(request, desk, who, case)
