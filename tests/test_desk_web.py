"""The browser desk (foidesk.desk.web, docs/desk-web.md) over HTTP with FastAPI's TestClient:
logging in, sessions, CSRF, the throttle, the role matrix, cases and their clock, escaping,
cookies behind an HTTPS proxy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from foidesk.desk.db import open_store
from foidesk.desk.store import ROLES, Case, ClockEvent, Event, User
from foidesk.desk.web.app import create_app
from tests.conftest import SEED
from tests.desk_kit import PASSWORD, seed_data

TODAY = date(2019, 5, 20)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return seed_data(tmp_path / "data")


def _client(data: Path, **options: object) -> TestClient:
    app = create_app(data, None, today=lambda: TODAY, **options)  # type: ignore[arg-type]
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def client(data: Path) -> Iterator[TestClient]:
    with _client(data) as made:
        yield made


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log in; the session's CSRF token."""
    form = client.get("/login")
    reply = client.post(
        "/login", data={"name": name, "password": password, "csrf_token": _csrf(form.text)}
    )
    assert reply.status_code == 303, reply.text
    return _csrf(client.get("/").text)


def seed_request(text_paths: tuple[str, str] = ("seed/legacy.csv", "seed/athena.csv")) -> str:
    text = (SEED / "request.toml").read_text(encoding="utf-8")
    text = text.replace('path = "legacy.csv"', f'path = "{text_paths[0]}"')
    return text.replace('path = "athena.csv"', f'path = "{text_paths[1]}"')


def add_seed(client: TestClient, csrf: str, title: str | None = None) -> int:
    text = seed_request()
    if title is not None:
        text = text.replace(
            'reference = "FOI2019/02832"', f'reference = "FOI2019/02832"\ntitle = "{title}"'
        )
    reply = client.post(
        "/cases/new",
        data={"csrf_token": csrf},
        files={"request_file": ("request.toml", text.encode(), "application/toml")},
    )
    assert reply.status_code == 303, reply.text
    return int(reply.headers["location"].rsplit("/", 1)[1])


# --- anonymous ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/cases/new", "/cases/1", "/users"])
def test_anonymous_get_redirects_to_login(client: TestClient, path: str) -> None:
    reply = client.get(path)
    assert reply.status_code == 303 and reply.headers["location"] == "/login"


@pytest.mark.parametrize(
    "path",
    ["/logout", "/cases/new", "/cases/1/clock", "/cases/1/status", "/users", "/users/1/deactivate"],
)
def test_anonymous_post_redirects_to_login(client: TestClient, path: str) -> None:
    reply = client.post(path, data={"csrf_token": "x"})
    assert reply.status_code == 303 and reply.headers["location"] == "/login"


def test_healthz_static_and_login_open(client: TestClient) -> None:
    assert client.get("/healthz").text == "ok"
    assert client.get("/static/desk.css").status_code == 200
    htmx = client.get("/static/htmx.min.js")
    assert htmx.status_code == 200 and "htmx" in htmx.text
    page = client.get("/login")
    assert page.status_code == 200 and '<label for="name">' in page.text
    assert '<label for="password">' in page.text and 'href="#main"' in page.text
    assert "Content-Security-Policy" in page.headers


# --- logging in and out -------------------------------------------------------------------


def test_login_right_and_wrong(client: TestClient) -> None:
    form = client.get("/login")
    wrong = client.post(
        "/login",
        data={"name": "officer", "password": "not it at all", "csrf_token": _csrf(form.text)},
    )
    assert wrong.status_code == 401 and "Wrong name or password" in wrong.text
    assert "foidesk_session" not in wrong.cookies
    unknown = client.post(
        "/login", data={"name": "nobody", "password": PASSWORD, "csrf_token": _csrf(wrong.text)}
    )
    assert unknown.status_code == 401
    login(client, "officer")
    page = client.get("/")
    assert page.status_code == 200 and "officer (officer)" in page.text


def test_login_without_its_token_is_403(client: TestClient) -> None:
    client.get("/login")
    reply = client.post("/login", data={"name": "officer", "password": PASSWORD})
    assert reply.status_code == 403
    reply = client.post(
        "/login", data={"name": "officer", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert reply.status_code == 403


def test_throttle_after_five_failures(client: TestClient) -> None:
    for _ in range(5):
        form = client.get("/login")
        reply = client.post(
            "/login",
            data={"name": "officer", "password": "wrong password!", "csrf_token": _csrf(form.text)},
        )
        assert reply.status_code == 401
    form = client.get("/login")
    reply = client.post(
        "/login", data={"name": "officer", "password": PASSWORD, "csrf_token": _csrf(form.text)}
    )
    assert reply.status_code == 429 and int(reply.headers["Retry-After"]) > 0
    assert "Too many failed logins" in reply.text
    # the same address, another name: the address is throttled too
    reply = client.post(
        "/login", data={"name": "analyst", "password": PASSWORD, "csrf_token": _csrf(form.text)}
    )
    assert reply.status_code == 429


def test_a_session_outlives_a_restart_and_only_its_hash_is_stored(data: Path) -> None:
    with _client(data) as first:
        csrf = login(first, "officer")
        cookie = first.cookies.get("foidesk_session")
    assert cookie
    stored = (data / "desk.sqlite").read_bytes()
    assert cookie.encode() not in stored and csrf.encode() in stored
    with _client(data) as second:  # a new process over the same store
        second.cookies.set("foidesk_session", cookie)
        page = second.get("/")
        assert page.status_code == 200 and _csrf(page.text) == csrf
        assert second.post("/logout", data={"csrf_token": csrf}).status_code == 303
        assert second.get("/").status_code == 303  # ended for every process


def test_logout(client: TestClient) -> None:
    csrf = login(client, "officer")
    assert client.post("/logout", data={}).status_code == 403  # no token
    reply = client.post("/logout", data={"csrf_token": csrf})
    assert reply.status_code == 303 and reply.headers["location"] == "/login"
    assert client.get("/").status_code == 303


def test_cookies_httponly_samesite_and_secure_over_https(data: Path) -> None:
    with _client(data) as plain:
        form = plain.get("/login")
        reply = plain.post(
            "/login", data={"name": "officer", "password": PASSWORD, "csrf_token": _csrf(form.text)}
        )
        cookie = reply.headers["set-cookie"]
        assert "foidesk_session=" in cookie and "HttpOnly" in cookie
        assert "SameSite=lax" in cookie and "Secure" not in cookie
    with _client(data) as https:
        https.base_url = https.base_url.copy_with(scheme="https")
        form = https.get("/login")
        assert "Secure" in form.headers["set-cookie"]
        reply = https.post(
            "/login", data={"name": "officer", "password": PASSWORD, "csrf_token": _csrf(form.text)}
        )
        session = next(c for c in reply.headers.get_list("set-cookie") if "foidesk_session=" in c)
        assert "Secure" in session and "HttpOnly" in session and "SameSite=lax" in session


def test_secure_behind_a_trusted_proxy_only(data: Path) -> None:
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    with _client(data, forwarded_allow_ips="*") as client:
        assert "Secure" in client.get("/login", headers=proxied).headers["set-cookie"]
    with _client(data) as client:  # no proxy believed
        assert "Secure" not in client.get("/login", headers=proxied).headers["set-cookie"]


# --- CSRF -----------------------------------------------------------------------------------


POSTS = [
    ("/cases/new", "officer"),
    ("/cases/{case}/clock", "officer"),
    ("/cases/{case}/status", "officer"),
    ("/users", "admin"),
    ("/users/{user}/deactivate", "admin"),
    ("/logout", "officer"),
]


@pytest.mark.parametrize(("path", "role"), POSTS)
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_post_without_a_valid_csrf_token_is_403(
    client: TestClient, data: Path, path: str, role: str, token: str | None
) -> None:
    csrf = login(client, "officer")
    case = add_seed(client, csrf)
    client.post("/logout", data={"csrf_token": csrf})
    login(client, role)
    url = path.format(case=case, user=1)
    form = {
        "kind": "extension",
        "on": "2019-05-01",
        "value": "5",
        "status": "searching",
        "name": "new.one",
        "role": "analyst",
        "password": PASSWORD,
    }
    if token is not None:
        form["csrf_token"] = token
    reply = client.post(url, data=form)
    assert reply.status_code == 403, reply.text
    with open_store(data) as store, store.session() as db:
        assert len(db.scalars(select(ClockEvent)).all()) == 1
        assert db.scalars(select(Case)).one().status == "received"
        assert len(db.scalars(select(User)).all()) == 4
        assert all(u.active for u in db.scalars(select(User)))
    assert client.get("/").status_code == 200  # still logged in


# --- the role matrix ------------------------------------------------------------------------

ACTIONS = ("create_case", "clock_event", "change_status", "manage_users")
MAY = {"officer": {"create_case", "clock_event", "change_status"}, "admin": {"manage_users"}}


def _try(client: TestClient, csrf: str, action: str, case: int) -> int:
    if action == "create_case":
        text = seed_request().replace("FOI2019/02832", "FOI2019/99999")
        return client.post(
            "/cases/new", data={"csrf_token": csrf, "request_text": text}
        ).status_code
    if action == "clock_event":
        return client.post(
            f"/cases/{case}/clock",
            data={"csrf_token": csrf, "kind": "extension", "on": "2019-05-01", "value": "5"},
        ).status_code
    if action == "change_status":
        return client.post(
            f"/cases/{case}/status", data={"csrf_token": csrf, "status": "searching"}
        ).status_code
    return client.post(
        "/users",
        data={"csrf_token": csrf, "name": "new.one", "role": "analyst", "password": PASSWORD},
    ).status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_role_matrix(client: TestClient, role: str, action: str) -> None:
    csrf = login(client, "officer")
    case = add_seed(client, csrf)
    client.post("/logout", data={"csrf_token": csrf})
    csrf = login(client, role)
    status = _try(client, csrf, action, case)
    if action in MAY.get(role, set()):
        assert status == 303
    else:
        assert status == 403
        assert "Only a" in _forbidden_text(client, csrf, action, case)


def _forbidden_text(client: TestClient, csrf: str, action: str, case: int) -> str:
    if action == "manage_users":
        return client.get("/users").text
    if action == "create_case":
        return client.get("/cases/new").text
    return client.post(f"/cases/{case}/status", data={"csrf_token": csrf, "status": "x"}).text


def test_forbidden_page_names_the_role(client: TestClient) -> None:
    login(client, "analyst")
    reply = client.get("/users")
    assert reply.status_code == 403
    assert "Only an admin may manage users" in reply.text and "analyst (analyst)" in reply.text


# --- cases and the clock ------------------------------------------------------------------


def test_seed_case_through_the_page(client: TestClient, data: Path) -> None:
    csrf = login(client, "officer")
    case = add_seed(client, csrf)
    page = client.get("/").text
    assert "FOI2019/02832" in page and "2019-05-28" in page
    assert "2019-05-06 May Day" in page and "2019-05-27 Spring Bank Holiday" in page
    assert "Due soon" in page  # 5 working days left on 20 May 2019
    assert '<th scope="col"' in page and "<caption>" in page
    assert (data / "cases" / "foi2019-02832" / "request.toml").exists()
    assert not any((data / "cases" / ".incoming").iterdir())
    detail = client.get(f"/cases/{case}").text
    assert "case.add" in detail and "officer" in detail
    # the log names the upload, never the temporary file it was read from
    assert "uploaded file &#39;request.toml&#39;" in detail and ".incoming" not in detail
    # the status form suggests no status the case does not have
    assert '<option value="" disabled selected>Choose a status</option>' in detail
    # sortable
    for key in ("reference", "received", "due", "days_left", "status"):
        assert client.get(f"/?sort={key}&order=desc").status_code == 200


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "ABS_SEED"])
def test_request_outside_sources_refused(client: TestClient, data: Path, path: str) -> None:
    csrf = login(client, "officer")
    if path == "ABS_SEED":
        path = str(SEED / "legacy.csv")
    text = seed_request((path, "seed/athena.csv"))
    reply = client.post("/cases/new", data={"csrf_token": csrf, "request_text": text})
    assert reply.status_code == 400
    message = re.search(r'<p class="error" role="alert">([^<]*)</p>', reply.text)
    assert message and "source[1]" in message.group(1), reply.text
    with open_store(data) as store, store.session() as db:
        assert db.scalars(select(Case)).all() == []


def test_clock_events_move_the_due_date(client: TestClient, data: Path) -> None:
    csrf = login(client, "officer")
    case = add_seed(client, csrf)
    for kind, on in (
        ("clarification_sought", "2019-05-01"),
        ("clarification_received", "2019-05-08"),
    ):
        reply = client.post(
            f"/cases/{case}/clock", data={"csrf_token": csrf, "kind": kind, "on": on}
        )
        assert reply.status_code == 303
    page = client.get("/").text
    assert "2019-06-06" in page and "2019-05-28" not in page
    with open_store(data) as store, store.session() as db:
        events = db.scalars(
            select(Event).where(Event.action.like("clock.%")).order_by(Event.id)
        ).all()
        assert [e.action for e in events] == [
            "clock.clarification_sought",
            "clock.clarification_received",
        ]
        assert (
            events[0].before["due"] == "2019-05-28"
            and events[0].after["status"] == "awaiting clarification"
        )
        assert events[1].before["status"] == "awaiting clarification"
        assert events[1].after["due"] == "2019-06-06"
        assert events[1].user_id is not None
    detail = client.get(f"/cases/{case}").text
    assert "clock.clarification_received" in detail and "2019-06-06" in detail


def test_clock_event_through_htmx_answers_the_panel(client: TestClient) -> None:
    csrf = login(client, "officer")
    case = add_seed(client, csrf)
    reply = client.post(
        f"/cases/{case}/clock",
        data={"csrf_token": csrf, "kind": "extension", "on": "2019-05-10", "value": "20"},
        headers={"HX-Request": "true"},
    )
    assert reply.status_code == 200
    assert reply.text.startswith('<section id="clock"') and "2019-06-25" in reply.text
    assert 'hx-swap-oob="true"' in reply.text and "clock.extension" in reply.text


def test_impossible_clock_event_refused(client: TestClient, data: Path) -> None:
    csrf = login(client, "officer")
    case = add_seed(client, csrf)
    reply = client.post(
        f"/cases/{case}/clock",
        data={"csrf_token": csrf, "kind": "clarification_received", "on": "2019-05-08"},
    )
    assert reply.status_code == 400
    assert "clarification_received, 2019-05-08" in reply.text
    reply = client.post(
        f"/cases/{case}/clock", data={"csrf_token": csrf, "kind": "received", "on": "not a date"}
    )
    assert reply.status_code == 400
    with open_store(data) as store, store.session() as db:
        assert len(db.scalars(select(ClockEvent)).all()) == 1
        assert not db.scalars(select(Event).where(Event.action.like("clock.%"))).all()


def test_status_set_and_logged(client: TestClient, data: Path) -> None:
    csrf = login(client, "officer")
    case = add_seed(client, csrf)
    reply = client.post(f"/cases/{case}/status", data={"csrf_token": csrf, "status": "in review"})
    assert reply.status_code == 303
    assert "in review" in client.get("/").text
    reply = client.post(f"/cases/{case}/status", data={"csrf_token": csrf, "status": "sent"})
    assert reply.status_code == 400
    client.post(
        f"/cases/{case}/clock", data={"csrf_token": csrf, "kind": "sent", "on": "2019-05-17"}
    )
    assert (
        client.post(
            f"/cases/{case}/status", data={"csrf_token": csrf, "status": "searching"}
        ).status_code
        == 400
    )
    with open_store(data) as store, store.session() as db:
        event = db.scalars(select(Event).where(Event.action == "case.status")).one()
        assert (event.before, event.after) == ({"status": "received"}, {"status": "in review"})
        assert db.scalars(select(Case)).one().status == "sent"


# --- users ----------------------------------------------------------------------------------


def test_admin_adds_and_deactivates(client: TestClient, data: Path) -> None:
    csrf = login(client, "admin")
    reply = client.post(
        "/users",
        data={"csrf_token": csrf, "name": "k.jones", "role": "analyst", "password": PASSWORD},
    )
    assert reply.status_code == 303
    reply = client.post(
        "/users",
        data={
            "csrf_token": csrf,
            "name": "<script>x</script>",
            "role": "analyst",
            "password": PASSWORD,
        },
    )
    assert (
        reply.status_code == 400
        and "<script>x" not in reply.text
        and "&lt;script&gt;" in reply.text
    )
    with open_store(data) as store:
        officer_id = (
            store.session().__enter__().scalars(select(User.id).where(User.name == "officer")).one()
        )
    other = _client(data)
    login(other, "officer")
    assert (
        client.post(f"/users/{officer_id}/deactivate", data={"csrf_token": csrf}).status_code == 303
    )
    assert other.get("/").status_code == 303  # the officer's session is over
    with open_store(data) as store, store.session() as db:
        event = db.scalars(select(Event).where(Event.action == "user.deactivate")).one()
        assert event.before["active"] is True and event.after["active"] is False
    form = client.get("/users")
    assert "no (inactive)" in form.text


# --- escaping -------------------------------------------------------------------------------


def test_script_in_a_title_is_escaped(client: TestClient) -> None:
    csrf = login(client, "officer")
    case = add_seed(client, csrf, title="<script>alert(1)</script>")
    for path in ("/", f"/cases/{case}"):
        page = client.get(path).text
        assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
