"""The browser desk's pages (docs/desk-web.md).

Every page but /login, /healthz and /static/ needs a live session (else a redirect to
/login); every POST needs the session's CSRF token (else 403); every action asks the role
matrix (``people.can``; else 403, naming the role that may). Every change writes an ``Event``
with who, when, what, and the value before and after, in the same transaction as the change.
Plain form posts answer with a redirect (the page works without JavaScript); the clock's form
also answers htmx with the clock panel and the event log.
"""

from __future__ import annotations

import json
import secrets
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from foidesk.casework.clock import (
    DESK_STATUSES,
    DESK_WORK_STATUSES,
    EVENT_KINDS,
    VALUED_KINDS,
    ClockState,
    clock,
    desk_status,
)
from foidesk.casework.clock import ClockEvent as Tick
from foidesk.desk.cases import data_named
from foidesk.desk.people import CAN, add_user, authenticate, can
from foidesk.desk.store import ROLES, Case, ClockEvent, Event, User, now
from foidesk.desk.web.app import Desk, LoginRequired, Refused, secure
from foidesk.desk.web.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, WebSession, same_token
from foidesk.errors import FoideskError

router = APIRouter()
INCOMING = ".incoming"  # DATA/cases/.incoming/: an uploaded request while it is taken in
REQUEST_LIMIT = 256 * 1024  # bytes: an uploaded request larger than this is refused
WHAT = {  # an action, as a refusal says it
    "create_case": "create a case",
    "change_status": "set a case's status",
    "clock_event": "record an event of a case's clock",
    "manage_users": "manage users",
    "run_search": "run a case's search",
    "review": "review a case's hits",
    "approve_release": "approve a release",
}
SORTS = ("reference", "received", "due", "days_left", "status")


@dataclass
class Who:
    """The logged-in user of a request, and their session and its token."""

    user: User
    session: WebSession


def get_desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


DeskDep = Annotated[Desk, Depends(get_desk)]


def current(request: Request, desk: DeskDep) -> Who:
    """The request's user; no live session, or a user made inactive: a redirect to /login."""
    token = request.cookies.get(SESSION_COOKIE)
    session = desk.sessions.find(token)
    if session is None:
        raise LoginRequired()
    with desk.store.session() as db:
        user = db.get(User, session.user_id)
    if user is None or not user.active:
        desk.sessions.end(token)
        raise LoginRequired()
    return Who(user, session)


WhoDep = Annotated[Who, Depends(current)]


async def checked(request: Request, who: WhoDep) -> Who:
    """The user of a POST that carries the session's CSRF token (else 403)."""
    form = await request.form()
    given = form.get("csrf_token")
    if not same_token(given if isinstance(given, str) else None, who.session.csrf_token):
        raise Refused(
            403,
            "The form was not sent from this desk's page (its token is missing or "
            "wrong). Go back, reload the page and send it again.",
        )
    return who


PostDep = Annotated[Who, Depends(checked)]


def allow(who: Who, action: str) -> None:
    """Refuse (403) an action the user's role may not do, naming the roles that may."""
    if not can(who.user.role, action):
        roles = [role for role in ROLES if action in CAN[role]]
        may = " or ".join(f"an {r}" if r[0] in "aeiou" else f"a {r}" for r in roles)
        raise Refused(
            403,
            f"Only {may} may {WHAT.get(action, action.replace('_', ' '))}. You are logged in "
            f"as {who.user.name} ({who.user.role}).",
        )


def page(
    request: Request, name: str, context: dict[str, Any], status: int = 200, who: Who | None = None
) -> HTMLResponse:
    """A template rendered with what every page shows (the user, the CSRF token, ``can``)."""
    desk = get_desk(request)
    if who is not None:
        context = {
            "who": who.user,
            "csrf": who.session.csrf_token,
            "may": lambda action: can(who.user.role, action),
            **context,
        }
    response: HTMLResponse = desk.templates.TemplateResponse(
        request, name, {"who": None, **context}, status_code=status
    )
    # no page shows the server's folders: a message from the library naming a file in the
    # data folder (a case folder in use, a log that cannot be read) names it DATA/...
    body = bytes(response.body).decode("utf-8")
    named = data_named(body, desk.data)
    if named != body:
        response = HTMLResponse(named, status_code=status)
    return response


def refusal_page(request: Request, exc: Refused) -> Response:
    """The page of a refused request: its status and its one line."""
    desk = get_desk(request)
    session = desk.sessions.find(request.cookies.get(SESSION_COOKIE))
    who = None
    if session is not None:
        with desk.store.session() as db:
            user = db.get(User, session.user_id)
        who = Who(user, session) if user is not None and user.active else None
    titles = {400: "Not done", 403: "Not allowed", 404: "Not found", 429: "Too many attempts"}
    context = {"title": titles.get(exc.status, "Refused"), "message": exc.message}
    if request.headers.get("HX-Request") == "true":
        # a request htmx made: the one line, for the page's alert region (#flash; a 400 is
        # swapped there, the others are put there by desk.js), not a whole page in a panel
        response = page(request, "refused_line.html", context, status=exc.status, who=who)
        response.headers.update({"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
    else:
        response = page(request, "refused.html", context, status=exc.status, who=who)
    response.headers.update(exc.headers)
    return response


# --- logging in and out ---------------------------------------------------------------------


@router.get("/healthz", response_class=PlainTextResponse)
def healthz() -> str:
    return "ok"


def _login_page(
    request: Request, desk: Desk, message: str | None = None, status: int = 200
) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(request, "login.html", {"csrf": token, "message": message}, status=status)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure(desk, request),
        path="/login",
    )
    return response


@router.get("/login")
def login_form(request: Request, desk: DeskDep) -> Response:
    if desk.sessions.find(request.cookies.get(SESSION_COOKIE)) is not None:
        return RedirectResponse("/", status_code=303)
    return _login_page(request, desk)


@router.post("/login")
def login(
    request: Request,
    desk: DeskDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if not same_token(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        raise Refused(
            403,
            "The login form was not sent from this desk's page (its token is "
            "missing or wrong). Reload the login page and log in again.",
        )
    address = request.client.host if request.client else "unknown"
    wait = desk.throttle.wait(name, address)
    if wait:
        minutes = (wait + 59) // 60
        raise Refused(
            429,
            f"Too many failed logins for this name or from this address: try again in "
            f"{minutes} minute{'s' if minutes != 1 else ''}.",
            headers={"Retry-After": str(wait)},
        )
    user = authenticate(desk.store, name, password[:1024]) if name else None
    if user is None:
        desk.throttle.failed(name, address)
        return _login_page(request, desk, "Wrong name or password.", status=401)
    desk.throttle.succeeded(name)
    desk.sessions.end(request.cookies.get(SESSION_COOKIE))
    token, _ = desk.sessions.start(user.id)
    with desk.store.session() as db:
        db.add(
            Event(
                case_id=None,
                user_id=user.id,
                at=now(),
                action="session.login",
                before=None,
                after={"address": address},
            )
        )
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure(desk, request),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, desk: DeskDep, who: PostDep) -> Response:
    desk.sessions.end(request.cookies.get(SESSION_COOKIE))
    with desk.store.session() as db:
        db.add(
            Event(
                case_id=None,
                user_id=who.user.id,
                at=now(),
                action="session.logout",
                before=None,
                after=None,
            )
        )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure(desk, request)
    )
    return response


# --- the cases --------------------------------------------------------------------------------


def _ticks(events: list[ClockEvent]) -> list[Tick]:
    return [Tick(e.kind, e.date, e.value) for e in events]


def _state(events: list[ClockEvent], today: date) -> tuple[ClockState | None, str | None]:
    """The clock of a case's stored events, or the one line that says why there is none."""
    try:
        return clock(_ticks(events), today), None
    except FoideskError as exc:
        return None, str(exc)


def _shown_status(case: Case, state: ClockState | None) -> str:
    if state is None:
        return case.status
    return desk_status(state, case.status if case.status in DESK_WORK_STATUSES else None)


def _clock_events(desk: Desk, case_ids: list[int] | None = None) -> dict[int, list[ClockEvent]]:
    from sqlalchemy import select

    query = select(ClockEvent).order_by(ClockEvent.id)
    if case_ids is not None:
        query = query.where(ClockEvent.case_id.in_(case_ids))
    held: dict[int, list[ClockEvent]] = {}
    with desk.store.session() as db:
        for event in db.scalars(query):
            held.setdefault(event.case_id, []).append(event)
    return held


@router.get("/")
def case_list(
    request: Request, desk: DeskDep, who: WhoDep, sort: str = "due", order: str = "asc"
) -> Response:
    from sqlalchemy import select

    sort = sort if sort in SORTS else "due"
    order = "desc" if order == "desc" else "asc"
    with desk.store.session() as db:
        cases = list(db.scalars(select(Case)))
    events = _clock_events(desk)
    today = desk.today()
    rows = []
    for case in cases:
        state, problem = _state(events.get(case.id, []), today)
        rows.append(
            {"case": case, "state": state, "problem": problem, "status": _shown_status(case, state)}
        )
    far = date.max

    def key(row: dict[str, Any]) -> Any:
        state: ClockState | None = row["state"]
        due = state.due if state is not None and state.due is not None else None
        left = state.working_days_left if state is not None else None
        return {
            "reference": (row["case"].reference,),
            "received": (row["case"].received, row["case"].reference),
            "due": (due is None, due or far, row["case"].reference),
            "days_left": (left is None, left or 0, row["case"].reference),
            "status": (_status_rank(row["status"]), row["case"].reference),
        }[sort]

    rows.sort(key=key, reverse=order == "desc")
    return page(
        request,
        "cases.html",
        {"rows": rows, "sort": sort, "order": order, "today": today, "title": "Cases"},
        who=who,
    )


def _status_rank(status: str) -> int:
    return DESK_STATUSES.index(status) if status in DESK_STATUSES else len(DESK_STATUSES)


@router.get("/cases/new")
def new_case_form(request: Request, who: WhoDep) -> Response:
    allow(who, "create_case")
    return page(request, "new_case.html", {"title": "New case", "message": None}, who=who)


def _incoming_request(text: str, data: Path) -> str:
    """The uploaded request's text with its relative paths naming files under DATA/sources/
    (the upload has no folder of its own): absolute paths there. Comments are kept."""
    import copy
    import tomllib

    from foidesk.desk.cases import rewrite_paths
    from foidesk.search.lexicon import builtin_lexicons

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return text  # load_request says what is wrong, in its words
    sources = (data / "sources").absolute()
    wanted = copy.deepcopy(raw)

    def placed(value: Any) -> Any:
        if isinstance(value, str) and value and not Path(value).is_absolute():
            return str(sources / value)
        return value

    for src in wanted.get("source", []) if isinstance(wanted.get("source"), list) else []:
        if isinstance(src, dict) and "path" in src:
            src["path"] = placed(src["path"])
    search = wanted.get("search")
    lexicon = search.get("lexicon") if isinstance(search, dict) else None
    if isinstance(search, dict) and isinstance(lexicon, str) and lexicon not in builtin_lexicons():
        search["lexicon"] = placed(lexicon)
    force = wanted.get("force")
    if isinstance(force, dict) and "letter_template" in force:
        force["letter_template"] = placed(force["letter_template"])
    disclosure = wanted.get("disclosure")
    if isinstance(disclosure, dict) and isinstance(disclosure.get("earlier"), list):
        disclosure["earlier"] = [placed(p) for p in disclosure["earlier"]]
    if wanted == raw:
        return text
    note = "uploaded on the desk's page, its paths rewritten to name files under sources/"
    return rewrite_paths(text, raw, wanted, note)


@router.post("/cases/new")
async def new_case(
    request: Request,
    desk: DeskDep,
    who: PostDep,
    request_file: Annotated[UploadFile | None, File()] = None,
    request_text: Annotated[str, Form()] = "",
) -> Response:
    from starlette.concurrency import run_in_threadpool

    allow(who, "create_case")
    text = request_text
    if request_file is not None and request_file.filename:
        body = await request_file.read(REQUEST_LIMIT + 1)
        if len(body) > REQUEST_LIMIT:
            return _new_case_refused(request, who, "The request file is larger than 256 KB.")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return _new_case_refused(request, who, "The request file is not UTF-8 text.")
    if not text.strip():
        return _new_case_refused(request, who, "Give the request: a file, or its text.")
    if len(text.encode("utf-8")) > REQUEST_LIMIT:
        return _new_case_refused(request, who, "The request is larger than 256 KB.")
    try:
        named = request_file.filename if request_file is not None else None
        case = await run_in_threadpool(_take_case, desk, who, text, named)
    except FoideskError as exc:
        return _new_case_refused(request, who, str(exc))
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


def _take_case(desk: Desk, who: Who, text: str, named: str | None = None) -> Case:
    from foidesk.desk.cases import add_case

    folder = desk.data / "cases" / INCOMING / secrets.token_hex(8)
    folder.mkdir(parents=True)
    path = folder / "request.toml"
    try:
        path.write_text(_incoming_request(text, desk.data), encoding="utf-8")
        try:
            # the log names the upload (the file's name, or the pasted text), not the
            # temporary file it was read from
            source = f"uploaded file {named!r}" if named else "text pasted on the page"
            return add_case(desk.store, desk.data, path, by=who.user, source_name=source)
        except FoideskError as exc:
            raise type(exc)(str(exc).replace(str(path), "the request")) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _new_case_refused(request: Request, who: Who, message: str) -> Response:
    return page(
        request, "new_case.html", {"title": "New case", "message": message}, status=400, who=who
    )


def find_case(desk: Desk, case_id: int) -> Case:
    with desk.store.session() as db:
        case = db.get(Case, case_id)
    if case is None:
        raise Refused(404, f"There is no case {case_id}.")
    return case


def case_context(desk: Desk, case: Case) -> dict[str, Any]:
    from sqlalchemy import select

    events = _clock_events(desk, [case.id]).get(case.id, [])
    state, problem = _state(events, desk.today())
    with desk.store.session() as db:
        names = {u.id: u.name for u in db.scalars(select(User))}
        log = list(db.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.id)))
    return {
        "case": case,
        "state": state,
        "problem": problem,
        "status": _shown_status(case, state),
        "clock_events": events,
        "names": names,
        "log": log,
        "kinds": EVENT_KINDS,
        "valued": VALUED_KINDS,
        "work_statuses": DESK_WORK_STATUSES,
        "today": desk.today(),
        "title": f"Case {case.reference}",
        "message": None,
        "status_message": None,
        **_panels(desk, case),
    }


def _panels(desk: Desk, case: Case) -> dict[str, Any]:
    """What the case page's search, review and release panels show (each module's own)."""
    from foidesk.desk.web import release_pages, review_pages, search_pages

    return {
        **search_pages.panel_context(desk, case),
        **review_pages.panel_context(desk, case),
        **release_pages.panel_context(desk, case),
    }


@router.get("/cases/{case_id}")
def case_page(request: Request, desk: DeskDep, who: WhoDep, case_id: int) -> Response:
    return page(request, "case.html", case_context(desk, find_case(desk, case_id)), who=who)


def _clock_summary(state: ClockState | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "status": state.status,
        "due": state.due.isoformat() if state.due else None,
        "review_due": state.review_due.isoformat() if state.review_due else None,
    }


def _after_clock(status: str, state: ClockState) -> str:
    """The case's stored status after a clock event: a status the desk set stays while the
    clock says "received"; otherwise the clock's."""
    return desk_status(state, status if status in DESK_WORK_STATUSES else None)


@router.post("/cases/{case_id}/clock")
def add_clock_event(
    request: Request,
    desk: DeskDep,
    who: PostDep,
    case_id: int,
    kind: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
) -> Response:
    from sqlalchemy import select

    allow(who, "clock_event")
    case = find_case(desk, case_id)
    htmx = request.headers.get("HX-Request") == "true"

    def refused(message: str) -> Response:
        context = {**case_context(desk, case), "message": message}
        return page(request, "clock_panel.html" if htmx else "case.html", context, 400, who)

    if kind not in EVENT_KINDS:
        return refused(f"Event {kind!r}: choose one of the list.")
    try:
        day = date.fromisoformat(on)
    except ValueError:
        return refused(f"Date {on!r}: give a date like 2019-05-01.")
    number: int | None = None
    if value.strip():
        try:
            number = int(value.strip())
        except ValueError:
            return refused(f"Value {value!r}: a whole number of working days.")
    with desk.store.session() as db:
        stored = db.get(Case, case_id)
        assert stored is not None
        held = list(
            db.scalars(
                select(ClockEvent).where(ClockEvent.case_id == case_id).order_by(ClockEvent.id)
            )
        )
        before, _ = _state(held, desk.today())
        try:
            after = clock([*_ticks(held), Tick(kind, day, number)], desk.today())
        except FoideskError as exc:
            return refused(str(exc))
        at = now()
        status_before = stored.status
        stored.status = _after_clock(stored.status, after)
        db.add(
            ClockEvent(
                case_id=case_id, kind=kind, date=day, value=number, user_id=who.user.id, at=at
            )
        )
        db.add(
            Event(
                case_id=case_id,
                user_id=who.user.id,
                at=at,
                action=f"clock.{kind}",
                before={**(_clock_summary(before) or {}), "case_status": status_before},
                after={
                    **(_clock_summary(after) or {}),
                    "case_status": stored.status,
                    "event": {"kind": kind, "date": day.isoformat(), "value": number},
                },
            )
        )
    if htmx:
        context = case_context(desk, find_case(desk, case_id))
        return page(request, "clock_panel.html", {**context, "oob": True}, who=who)
    return RedirectResponse(f"/cases/{case_id}#clock", status_code=303)


@router.post("/cases/{case_id}/status")
def set_status(
    request: Request,
    desk: DeskDep,
    who: PostDep,
    case_id: int,
    status: Annotated[str, Form()] = "",
) -> Response:
    allow(who, "change_status")
    case = find_case(desk, case_id)
    context = case_context(desk, case)
    state: ClockState | None = context["state"]
    message = None
    if status not in DESK_WORK_STATUSES:
        message = f"Status {status!r}: the desk sets only {', '.join(DESK_WORK_STATUSES)}."
    elif state is None or state.status != "received":
        shown = state.status if state is not None else case.status
        message = (
            f"The clock says {shown!r}: the desk's own statuses apply only while the clock "
            "runs (status received). Record the clock's event instead."
        )
    if message is not None:
        return page(request, "case.html", {**context, "status_message": message}, 400, who)
    with desk.store.session() as db:
        stored = db.get(Case, case_id)
        assert stored is not None
        before = stored.status
        stored.status = status
        db.add(
            Event(
                case_id=case_id,
                user_id=who.user.id,
                at=now(),
                action="case.status",
                before={"status": before},
                after={"status": status},
            )
        )
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


# --- users ---------------------------------------------------------------------------------


def _users_page(
    request: Request, desk: Desk, who: Who, message: str | None = None, status: int = 200
) -> Response:
    from sqlalchemy import select

    with desk.store.session() as db:
        users = list(db.scalars(select(User).order_by(User.name)))
    return page(
        request,
        "users.html",
        {"users": users, "roles": ROLES, "message": message, "title": "Users"},
        status=status,
        who=who,
    )


@router.get("/users")
def users(request: Request, desk: DeskDep, who: WhoDep) -> Response:
    allow(who, "manage_users")
    return _users_page(request, desk, who)


@router.post("/users")
def users_add(
    request: Request,
    desk: DeskDep,
    who: PostDep,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    allow(who, "manage_users")
    try:
        add_user(desk.store, name, role, password, by=who.user)
    except FoideskError as exc:
        return _users_page(request, desk, who, str(exc), 400)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}/deactivate")
def users_deactivate(request: Request, desk: DeskDep, who: PostDep, user_id: int) -> Response:
    allow(who, "manage_users")
    if user_id == who.user.id:
        return _users_page(
            request, desk, who, "You cannot make yourself inactive: ask another admin.", 400
        )
    with desk.store.session() as db:
        user = db.get(User, user_id)
        if user is None:
            raise Refused(404, f"There is no user {user_id}.")
        if user.active:
            user.active = False
            db.add(
                Event(
                    case_id=None,
                    user_id=who.user.id,
                    at=now(),
                    action="user.deactivate",
                    before={"user_id": user.id, "name": user.name, "active": True},
                    after={"user_id": user.id, "name": user.name, "active": False},
                )
            )
    desk.sessions.end_user(user_id)
    return RedirectResponse("/users", status_code=303)


def shown_json(value: Any) -> str:
    """An event's before or after, as the log shows it."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
