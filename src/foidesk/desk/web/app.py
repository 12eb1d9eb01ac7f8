"""The browser desk's application: ``create_app`` (docs/desk-web.md).

FastAPI with Jinja2 templates (autoescaped) and htmx (vendored in ``static/``; every page works
without it). The store is ``foidesk.desk``'s (SQLite in the data folder, or PostgreSQL);
sessions and the login throttle are ``auth``'s; the pages are ``pages``'s.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from foidesk.desk.db import Store, open_store
from foidesk.desk.jobs import JobRunner, mark_interrupted
from foidesk.desk.web.auth import Sessions, Throttle

HERE = Path(__file__).parent
# what the browser may load and where it may send forms: this site only, no inline script
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@dataclass
class Desk:
    """What every page needs: the store, the data folder, the sessions, the throttle, the
    templates, today's date (a function, so that tests can fix it) and whether cookies are
    Secure (None: when the request came over HTTPS)."""

    store: Store
    data: Path
    templates: Jinja2Templates
    today: Callable[[], date] = date.today
    secure_cookies: bool | None = None
    sessions: Sessions = field(init=False)
    throttle: Throttle = field(default_factory=Throttle)
    jobs: JobRunner = field(default_factory=JobRunner)  # the searches run from the page

    def __post_init__(self) -> None:
        self.sessions = Sessions(self.store)


class LoginRequired(Exception):
    """Raised by a page for a request with no live session: a redirect to /login."""


class Refused(Exception):
    """A request refused with a status and a one-line message shown on a page."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every value written into a page is escaped
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


def create_app(
    data: Path,
    db_url: str | None = None,
    *,
    secure_cookies: bool | None = None,
    forwarded_allow_ips: str | None = None,
    today: Callable[[], date] | None = None,
) -> FastAPI:
    """The desk on the data folder ``data`` (its store there, or at ``db_url``).

    ``secure_cookies``: True or False to decide; None (the default): Secure when the request
    came over HTTPS. ``forwarded_allow_ips``: the addresses of a reverse proxy whose
    X-Forwarded-Proto and X-Forwarded-For are believed (comma-separated, or ``*``); none
    believed by default. ``today``: the date the clock counts to (default: the real one).
    """
    from foidesk.desk.web import pages, release_pages, review_pages, search_pages

    data = Path(data)
    store = open_store(data, db_url)
    desk = Desk(
        store=store,
        data=data,
        templates=_templates(),
        today=today or date.today,
        secure_cookies=secure_cookies,
    )
    mark_interrupted(store, desk.today())  # a search still "running" was cut off by a stop

    @asynccontextmanager
    async def _lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        desk.jobs.shutdown()
        store.close()

    app = FastAPI(
        title="foidesk",
        lifespan=_lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.desk = desk
    desk.templates.env.filters["json"] = pages.shown_json
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages.router)
    for module in (search_pages, review_pages, release_pages):
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("HX-Request") == "true":
            # htmx would follow a redirect and swap the login page into a panel: the whole
            # browser goes to /login instead
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        return pages.refusal_page(request, exc)

    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    if forwarded_allow_ips:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=forwarded_allow_ips)
    return app


def secure(desk: Desk, request: Request) -> bool:
    """Whether the response's cookies are Secure."""
    if desk.secure_cookies is not None:
        return desk.secure_cookies
    return request.url.scheme == "https"
