"""The desk's store (foidesk.desk): users and passwords, the role matrix, cases taken into the
data folder, the Alembic migrations, PostgreSQL, and the ``users add`` / ``cases add``
commands (docs/desk.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import uuid
from collections.abc import Iterator
from datetime import UTC, date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from foidesk.casework.clock import ClockEvent as ClockEvent_
from foidesk.casework.clock import clock as clock_of
from foidesk.casework.deadline import due_date
from foidesk.casework.request import load_request
from foidesk.desk.cases import add_case, case_folder, case_request, slug
from foidesk.desk.db import open_store
from foidesk.desk.people import ACTIONS, CAN, ROLES, add_user, authenticate, can, verify_password
from foidesk.desk.store import CLOCK_KINDS, STATUSES, Case, ClockEvent, Event, User
from foidesk.errors import DeskError, FoideskError, RequestError
from tests.conftest import SEED, run_cli

PASSWORD = "correct horse battery"


def _seeded(data: Path) -> Path:
    """The seed request with its extracts under DATA/sources/seed/: the request's path."""
    folder = data / "sources" / "seed"
    folder.mkdir(parents=True)
    for name in ("request.toml", "legacy.csv", "athena.csv"):
        shutil.copy(SEED / name, folder / name)
    return folder / "request.toml"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data: Path) -> Iterator[object]:
    with open_store(data) as opened:
        yield opened


# --- people -------------------------------------------------------------------------------


def test_user_added_and_verified(store, data: Path) -> None:
    user = add_user(store, "a.officer", "officer", PASSWORD)
    assert user.id is not None and user.role == "officer" and user.active
    assert user.created.tzinfo is not None
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash and PASSWORD not in repr(user)
    assert verify_password(user, PASSWORD)
    assert not verify_password(user, PASSWORD + "!")
    assert not verify_password(user, "")
    assert authenticate(store, "a.officer", PASSWORD).id == user.id
    assert authenticate(store, "a.officer", "wrong password here") is None
    assert authenticate(store, "nobody", PASSWORD) is None
    with store.session() as session:
        stored = session.scalars(select(User)).one()
        assert stored.password_hash == user.password_hash
        event = session.scalars(select(Event)).one()
    assert event.action == "user.add" and event.case_id is None and event.user_id is None
    assert event.before is None
    assert event.after == {
        "user_id": user.id,
        "name": "a.officer",
        "role": "officer",
        "active": True,
    }
    assert PASSWORD not in str(event.after)
    raw = (data / "desk.sqlite").read_bytes()
    assert PASSWORD.encode() not in raw


def test_role_matrix() -> None:
    expected = {
        ("officer", "create_case"),
        ("officer", "change_status"),
        ("officer", "clock_event"),
        ("officer", "write_letter"),
        ("analyst", "run_search"),
        ("analyst", "review"),
        ("approver", "approve_release"),
        ("admin", "manage_users"),
    }
    assert set(CAN) == set(ROLES) == {"officer", "analyst", "approver", "admin"}
    assert len(ACTIONS) == 8
    for role in ROLES:
        for action in ACTIONS:
            assert can(role, action) is ((role, action) in expected), (role, action)
    with pytest.raises(ValueError):
        can("boss", "review")
    with pytest.raises(ValueError):
        can("admin", "delete_everything")


def test_user_by_admin_only(store) -> None:
    admin = add_user(store, "root", "admin", PASSWORD)
    officer = add_user(store, "o", "officer", PASSWORD, by=admin)
    with pytest.raises(DeskError, match="may not manage users"):
        add_user(store, "p", "officer", PASSWORD, by=officer)
    with store.session() as session:
        events = session.scalars(select(Event).order_by(Event.id)).all()
    assert [e.user_id for e in events] == [None, admin.id]


def test_duplicate_and_bad_users_refused(store) -> None:
    add_user(store, "alice", "analyst", PASSWORD)
    for name in ("alice", "ALICE"):
        with pytest.raises(DeskError, match="already taken") as caught:
            add_user(store, name, "admin", PASSWORD)
        assert "\n" not in str(caught.value)
    with pytest.raises(DeskError, match="at least 12"):
        add_user(store, "bob", "analyst", "elevenchars")
    for bad in ("", "a b", "x" * 65, "名前", "a/b", "bob\n"):
        with pytest.raises(DeskError, match="user name"):
            add_user(store, bad, "analyst", PASSWORD)
    with pytest.raises(DeskError, match="role 'boss'"):
        add_user(store, "bob", "boss", PASSWORD)
    add_user(store, "b" * 64, "approver", PASSWORD)
    with store.session() as session:
        assert session.scalar(select(text("count(*)")).select_from(User)) == 2


# --- cases --------------------------------------------------------------------------------


def test_case_added(store, data: Path) -> None:
    request = _seeded(data)
    officer = add_user(store, "officer1", "officer", PASSWORD)
    case = add_case(store, data, request, by=officer)
    assert slug("FOI2019/02832") == "foi2019-02832"
    assert case.reference == "FOI2019/02832" and case.status == "received"
    assert case.received == date(2019, 4, 26)
    assert case.request_path == "cases/foi2019-02832/request.toml"
    assert case.folder_path == "cases/foi2019-02832/case"
    copy = case_request(data, case)
    assert copy == data / "cases" / "foi2019-02832" / "request.toml"
    assert case_folder(data, case) == data / "cases" / "foi2019-02832" / "case"
    assert not case_folder(data, case).exists()  # answer --out refuses a folder that exists
    # the copy keeps the request's comments and points at the same extracts, relatively
    written = copy.read_text(encoding="utf-8")
    assert "# FOI2019/02832, answered on a hand-written two-system extract" in written
    raw = tomllib.loads(written)
    assert [s["path"] for s in raw["source"]] == [
        "../../sources/seed/legacy.csv",
        "../../sources/seed/athena.csv",
    ]
    original, copied = load_request(request), load_request(copy)
    assert [s.path.resolve() for s in copied.sources] == [
        s.path.resolve() for s in original.sources
    ]
    assert copied.reference == original.reference and copied.disclosure == original.disclosure
    with store.session() as session:
        row = session.scalars(select(Case)).one()
        assert (row.id, row.title, row.created.tzinfo) == (case.id, None, UTC)
        clock = session.scalars(select(ClockEvent)).one()
        events = session.scalars(select(Event).where(Event.case_id == case.id)).all()
    assert (clock.case_id, clock.kind, clock.date, clock.value) == (
        case.id,
        "received",
        date(2019, 4, 26),
        None,
    )
    assert clock.user_id == officer.id and clock.at.tzinfo == UTC
    (event,) = events
    assert (event.action, event.user_id, event.before) == ("case.add", officer.id, None)
    assert event.after is not None
    assert event.after["reference"] == "FOI2019/02832"
    assert event.after["status"] == "received"
    assert event.after["received"] == "2019-04-26"
    assert event.after["folder_path"] == "cases/foi2019-02832/case"
    assert event.after["clock"] == [{"kind": "received", "date": "2019-04-26"}]


def test_case_by_whom(store, data: Path) -> None:
    request = _seeded(data)
    analyst = add_user(store, "an", "analyst", PASSWORD)
    with pytest.raises(DeskError, match="may not create case"):
        add_case(store, data, request, by=analyst)
    assert not (data / "cases" / "foi2019-02832").exists()


def test_clarified_request_starts_the_clock_again(store, data: Path) -> None:
    request = _seeded(data)
    text_ = request.read_text(encoding="utf-8")
    request.write_text(
        text_.replace("received = 2019-04-26", "received = 2019-04-26\nclarified = 2019-05-08")
    )
    case = add_case(store, data, request)
    with store.session() as session:
        clock = session.scalars(select(ClockEvent).order_by(ClockEvent.id)).all()
    assert [(c.kind, c.date) for c in clock] == [
        ("received", date(2019, 4, 26)),
        ("clarification_sought", date(2019, 4, 26)),
        ("clarification_received", date(2019, 5, 8)),
    ]
    assert {c.user_id for c in clock} == {None} and case.status == "received"
    # the statutory clock reads the same due date from them as foidesk deadline gives
    state = clock_of([ClockEvent_(c.kind, c.date) for c in clock], date(2019, 5, 20))
    assert state.due == due_date(date(2019, 4, 26), date(2019, 5, 8)).due == date(2019, 6, 6)


def test_source_outside_sources_refused(store, data: Path) -> None:
    with pytest.raises(DeskError) as caught:
        add_case(store, data, SEED / "request.toml")
    message = str(caught.value)
    assert "source[1].path" in message and "'legacy.csv'" in message
    assert "outside the data folder's sources" in message and "\n" not in message
    assert not any((data / "cases").iterdir())
    with store.session() as session:
        assert session.scalars(select(Case)).first() is None


def test_symlink_out_of_sources_refused(store, data: Path, tmp_path: Path) -> None:
    request = _seeded(data)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    athena = request.parent / "athena.csv"
    shutil.move(athena, elsewhere / "athena.csv")
    athena.symlink_to(elsewhere / "athena.csv")
    with pytest.raises(DeskError, match=r"source\[2\]\.path: 'athena.csv' is .*elsewhere"):
        add_case(store, data, request)
    # a folder linked into sources/ is refused the same way
    (request.parent / "athena.csv").unlink()
    shutil.move(elsewhere / "athena.csv", athena)
    linked = data / "sources" / "linked"
    linked.symlink_to(elsewhere)
    shutil.copy(request.parent / "legacy.csv", elsewhere / "legacy.csv")
    request.write_text(
        request.read_text(encoding="utf-8").replace('"legacy.csv"', '"../linked/legacy.csv"'),
        encoding="utf-8",
    )
    with pytest.raises(DeskError, match=r"source\[1\]\.path: '\.\./linked/legacy\.csv'"):
        add_case(store, data, request)


def test_symlink_inside_sources_accepted(store, data: Path) -> None:
    request = _seeded(data)
    shared = data / "sources" / "shared"
    shared.mkdir()
    athena = request.parent / "athena.csv"
    shutil.move(athena, shared / "athena-2019.csv")
    athena.symlink_to(shared / "athena-2019.csv")
    case = add_case(store, data, request)
    copied = load_request(case_request(data, case))
    assert copied.sources[1].path.resolve() == (shared / "athena-2019.csv").resolve()


def test_allowed_sources_honoured(store, data: Path, tmp_path: Path) -> None:
    extracts = tmp_path / "extracts"
    extracts.mkdir()
    request = extracts / "request.toml"
    for name in ("request.toml", "legacy.csv", "athena.csv"):
        shutil.copy(SEED / name, extracts / name)
    with pytest.raises(DeskError, match="allowed_sources"):
        add_case(store, data, request)
    (data / "desk.toml").write_text(f'allowed_sources = ["{extracts}"]\n', encoding="utf-8")
    case = add_case(store, data, request)
    raw = tomllib.loads(case_request(data, case).read_text(encoding="utf-8"))
    # outside the data folder: named absolutely
    assert [s["path"] for s in raw["source"]] == [
        str((extracts / "legacy.csv").resolve()),
        str((extracts / "athena.csv").resolve()),
    ]
    load_request(case_request(data, case))


def test_desk_toml_mistakes(store, data: Path) -> None:
    request = _seeded(data)
    for body, says in (
        ("allowed_sources = [", "not valid TOML"),
        ("allowed = []", "unknown key 'allowed'"),
        ('allowed_sources = "x"', "a list of folders"),
        ('allowed_sources = ["missing"]', "allowed_sources[1]: 'missing' is not a folder"),
    ):
        (data / "desk.toml").write_text(body + "\n", encoding="utf-8")
        with pytest.raises(DeskError, match=says.replace("[", r"\[")):
            add_case(store, data, request)


def test_same_reference_twice_refused(store, data: Path) -> None:
    request = _seeded(data)
    add_case(store, data, request)
    with pytest.raises(DeskError, match="FOI2019/02832 is already a case") as caught:
        add_case(store, data, request)
    assert "\n" not in str(caught.value)
    # another reference that makes the same folder name
    request.write_text(
        request.read_text(encoding="utf-8").replace("FOI2019/02832", "foi2019 02832"),
        encoding="utf-8",
    )
    with pytest.raises(DeskError, match="already exists"):
        add_case(store, data, request)
    with store.session() as session:
        assert len(session.scalars(select(Case)).all()) == 1


def test_bad_request_refused_as_the_request_file_rules_say(store, data: Path) -> None:
    request = _seeded(data)
    request.write_text(
        request.read_text(encoding="utf-8").replace(
            "received = 2019-04-26", "received = 2019-04-26\nclarified = 2019-04-01"
        ),
        encoding="utf-8",
    )
    with pytest.raises(RequestError, match="clarified: 2019-04-01 is before received"):
        add_case(store, data, request)


def test_copy_written_whole_when_paths_cannot_be_edited_in_place(store, data: Path) -> None:
    request = _seeded(data)
    request.write_text(
        request.read_text(encoding="utf-8").replace(
            '[[source]]\npath = "legacy.csv"\nsystem = "Legacy"\n', ""
        )
        + '\n[[source]]\n"path" = "legacy.csv"\nsystem = "Legacy"\n',
        encoding="utf-8",
    )
    case = add_case(store, data, request)
    copy = case_request(data, case)
    copied, original = load_request(copy), load_request(request)
    assert [s.path.resolve() for s in copied.sources] == [
        s.path.resolve() for s in original.sources
    ]
    assert copied.request_text == original.request_text and copied.raw["disclosure"] == {
        "suppress_below": 0
    }


# --- the migrations -----------------------------------------------------------------------


def test_migrations_fresh_then_no_op(data: Path) -> None:
    with open_store(data) as store:
        add_user(store, "keep.me", "admin", PASSWORD)
    path = data / "desk.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as con:
        assert con.execute(text("select version_num from alembic_version")).scalar() == "0003"
        tables = set(inspect(con).get_table_names())
    assert tables == {
        "alembic_version",
        "users",
        "cases",
        "events",
        "clock_events",
        "sessions",
        "jobs",
        "approvals",
    }
    before = path.read_bytes()
    with open_store(data) as store:  # the second time: nothing to do
        assert store.where == str(path)
    assert path.read_bytes() == before
    # the models and the migrations agree
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from foidesk.desk.store import Base

    with engine.connect() as con:
        assert compare_metadata(MigrationContext.configure(con), Base.metadata) == []
    engine.dispose()


def test_newer_store_refused(data: Path) -> None:
    open_store(data).close()
    engine = create_engine(f"sqlite:///{data / 'desk.sqlite'}")
    with engine.begin() as con:
        con.execute(text("update alembic_version set version_num = '9999'"))
    engine.dispose()
    with pytest.raises(DeskError, match="newer foidesk") as caught:
        open_store(data)
    assert "'9999'" in str(caught.value) and "\n" not in str(caught.value)


def test_constraints_hold(store) -> None:
    from sqlalchemy.exc import IntegrityError

    assert len(STATUSES) == 10 and len(CLOCK_KINDS) == 12
    with pytest.raises(IntegrityError), store.session() as session:
        session.execute(
            text(
                "insert into users (name, role, password_hash, created, active) "
                "values ('x', 'boss', 'h', '2020-01-01', 1)"
            )
        )


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema on the server of FOIDESK_TEST_POSTGRES_URL (dropped afterwards), as
    a URL whose search_path is that schema."""
    url = os.environ.get("FOIDESK_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("FOIDESK_TEST_POSTGRES_URL is not set: .ci/run starts a server and sets it")
    from sqlalchemy.engine import make_url

    schema = f"foidesk_desk_{uuid.uuid4().hex[:12]}"
    base = make_url(url)
    if base.drivername == "postgresql":
        base = base.set(drivername="postgresql+psycopg")
    admin = create_engine(base)
    with admin.begin() as con:
        con.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as con:
            con.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_store_on_postgres(postgres_url: str, data: Path) -> None:
    request = _seeded(data)
    with open_store(data, postgres_url) as store:
        assert store.where.startswith("postgresql")
        officer = add_user(store, "pg.officer", "officer", PASSWORD)
        assert authenticate(store, "pg.officer", PASSWORD) is not None
        with pytest.raises(DeskError, match="already taken"):
            add_user(store, "PG.officer", "officer", PASSWORD)
        case = add_case(store, data, request, by=officer)
        with pytest.raises(DeskError, match="already a case"):
            add_case(store, data, request, by=officer)
        with store.session() as session:
            clock = session.scalars(select(ClockEvent)).one()
            events = session.scalars(select(Event).order_by(Event.id)).all()
    assert (clock.kind, clock.date, clock.at.tzinfo) == ("received", date(2019, 4, 26), UTC)
    assert [e.action for e in events] == ["user.add", "case.add"]
    assert events[1].case_id == case.id and events[1].after["status"] == "received"
    assert not (data / "desk.sqlite").exists()
    with open_store(data, postgres_url) as store, store.engine.connect() as con:
        assert con.execute(text("select version_num from alembic_version")).scalar() == "0003"


# --- the commands -------------------------------------------------------------------------


def _cli_stdin(*args: object, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foidesk", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_users_add(data: Path) -> None:
    done = _cli_stdin(
        "users", "add", "desk.admin", "--role", "admin", "--data", data, stdin=PASSWORD + "\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Added admin desk.admin to {data / 'desk.sqlite'}\n"
    with open_store(data) as store:
        user = authenticate(store, "desk.admin", PASSWORD)
        assert user is not None and user.role == "admin"
    again = _cli_stdin(
        "users", "add", "desk.admin", "--role", "officer", "--data", data, stdin=PASSWORD
    )
    assert again.returncode == 2
    assert (
        again.stderr
        == "foidesk: error: user name 'desk.admin': already taken ('desk.admin'); choose another\n"
    )
    short = _cli_stdin("users", "add", "x", "--role", "officer", "--data", data, stdin="short\n")
    assert short.returncode == 2 and short.stderr.count("\n") == 1
    assert "use at least 12" in short.stderr and "Traceback" not in short.stderr
    empty = _cli_stdin("users", "add", "y", "--role", "officer", "--data", data, stdin="")
    assert empty.returncode == 2 and "password: none given" in empty.stderr
    bad_name = _cli_stdin(
        "users", "add", "a b", "--role", "officer", "--data", data, stdin=PASSWORD
    )
    assert bad_name.returncode == 2 and bad_name.stderr.startswith("foidesk: error: user name")
    bad_db = _cli_stdin(
        "users",
        "add",
        "z",
        "--role",
        "officer",
        "--data",
        data,
        "--db",
        "mysql://u:secret@h/d",
        stdin=PASSWORD,
    )
    assert bad_db.returncode == 2 and "secret" not in bad_db.stderr
    assert bad_db.stderr.count("\n") == 1


def test_cli_cases_add(data: Path) -> None:
    request = _seeded(data)
    done = run_cli("cases", "add", request, "--data", data)
    assert done.returncode == 0, done.stderr
    home = data / "cases" / "foi2019-02832"
    assert done.stdout == (
        "Case FOI2019/02832 added (status received; received 2019-04-26)\n"
        "Due date (FOIA s.10): 2019-05-28\n"
        f"Request: {home / 'request.toml'}\n"
        f"Case folder: {home / 'case'} (foidesk answer {home / 'request.toml'} --out "
        f"{home / 'case'})\n"
    )
    again = run_cli("cases", "add", request, "--data", data)
    assert again.returncode == 2 and again.stderr.count("\n") == 1
    assert "is already a case in the store" in again.stderr
    outside = run_cli("cases", "add", SEED / "request.toml", "--data", data)
    assert outside.returncode == 2 and outside.stderr.count("\n") == 1
    assert "source[1].path: 'legacy.csv'" in outside.stderr
    missing = run_cli("cases", "add", data / "nothing.toml", "--data", data)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    assert "Traceback" not in missing.stderr


def test_cli_help() -> None:
    for args, says in (
        (("users", "add", "--help"), "--role"),
        (("cases", "add", "--help"), "allowed_sources"),
        (("--help",), "users"),
    ):
        done = run_cli(*args)
        assert done.returncode == 0 and says in done.stdout, done.stdout
    top = run_cli("--help").stdout
    assert "cases" in top


def test_errors_are_foidesk_errors() -> None:
    assert issubclass(DeskError, FoideskError)
