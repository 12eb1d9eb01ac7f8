"""``foidesk users add`` and ``foidesk cases add``: the desk's store on the command line.

Thin wrappers over ``foidesk.desk`` (the browser desk calls the same functions). Results go
to stdout; errors a user can fix are ``FoideskError``s (``DeskError``, ``RequestError``),
which ``cli.main`` turns into one line. SQLAlchemy, Alembic and argon2 load only inside the
commands.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from foidesk.errors import DeskError

users_app = typer.Typer(
    help=(
        "The desk's users: who may log in, and in which role (officer, analyst, approver, "
        "admin; docs/desk.md has what each may do)."
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)
cases_app = typer.Typer(
    help=(
        "The desk's cases: a request file taken into the data folder, with its statutory "
        "clock started."
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)

DataOption = Annotated[
    Path,
    typer.Option(
        "--data",
        help=(
            "The desk's data folder: desk.sqlite, desk.toml, sources/ (the extracts cases may "
            "read) and cases/; made if missing."
        ),
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="FOIDESK_DB",
        show_envvar=True,
        help=(
            "The store's database instead of DATA/desk.sqlite: a PostgreSQL URL, e.g. "
            "postgresql+psycopg://USER@HOST/DATABASE (a password is better kept in "
            "FOIDESK_DB or ~/.pgpass than on the command line)."
        ),
    ),
]
DEFAULT_DATA = Path("foidesk-data")


class Role(StrEnum):
    """The desk's roles (``foidesk.desk.people.ROLES``)."""

    officer = "officer"
    analyst = "analyst"
    approver = "approver"
    admin = "admin"


def _password() -> str:
    """The new user's password: a hidden prompt, typed twice, on a terminal; otherwise the
    first line of stdin (its line end removed)."""
    if sys.stdin.isatty():
        typed: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return typed
    line = sys.stdin.readline()
    if not line:
        raise DeskError("password: none given (type it at the prompt, or give one line on stdin)")
    return line.removesuffix("\n").removesuffix("\r")


@users_app.command("add")
def users_add(
    name: Annotated[
        str,
        typer.Argument(help="The user's login name: 1 to 64 letters, digits, '.', '-', '_'."),
    ],
    role: Annotated[Role, typer.Option("--role", help="What the user may do.")],
    data: DataOption = DEFAULT_DATA,
    db: DbOption = None,
) -> None:
    """Add a user who may log in to the desk. The password (at least 12 characters) is asked
    for twice, hidden, on a terminal; otherwise it is the first line of stdin. Only its argon2
    hash is stored. The store records the addition as an event (by the command line).
    """
    from foidesk.desk.db import open_store
    from foidesk.desk.people import add_user, check_name, check_password

    check_name(name)  # before the password is asked for
    password = check_password(_password())
    with open_store(data, db) as store:
        user = add_user(store, name, role.value, password)
        print(f"Added {user.role} {user.name} to {store.where}")


@cases_app.command("add")
def cases_add(
    request: Annotated[
        Path,
        typer.Argument(
            help=(
                "The request file. Its sources must be inside DATA/sources/ or a folder that "
                "DATA/desk.toml lists in allowed_sources."
            )
        ),
    ],
    data: DataOption = DEFAULT_DATA,
    db: DbOption = None,
) -> None:
    """Take a request into the desk as a case (status received): the request file is checked
    as foidesk answer checks it, copied to DATA/cases/<slug>/request.toml (the slug is the
    reference in lower case: FOI2019/02832 is foi2019-02832) with its paths rewritten to
    name the same files, and the case's statutory clock starts on its received date. Prints
    the reference, the due date (FOIA s.10) and where the case's files are.
    """
    from foidesk.casework.deadline import due_date
    from foidesk.casework.request import load_request
    from foidesk.desk.cases import add_case, case_folder, case_request
    from foidesk.desk.db import open_store

    with open_store(data, db) as store:
        case = add_case(store, data, request)
    copy = case_request(data, case)
    folder = case_folder(data, case)
    due = due_date(case.received, load_request(copy).clarified).due
    print(f"Case {case.reference} added (status {case.status}; received {case.received})")
    print(f"Due date (FOIA s.10): {due.isoformat()}")
    print(f"Request: {copy}")
    print(f"Case folder: {folder} (foidesk answer {copy} --out {folder})")


def serve(
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help=(
                "The address to listen on. Only this computer by default; another address "
                "(0.0.0.0: every one) needs --allow-remote."
            ),
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port to listen on.")] = 8000,
    data: DataOption = DEFAULT_DATA,
    db: DbOption = None,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote",
            help=(
                "Listen on an address other computers can reach. Put the desk behind an HTTPS "
                "reverse proxy (docs/desk-web.md); never serve it over plain HTTP on a network."
            ),
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            help=(
                "The reverse proxy's addresses (comma-separated, or *) whose X-Forwarded-Proto "
                "and X-Forwarded-For are believed: cookies are then Secure when the proxy says "
                "the browser came over HTTPS. None believed by default."
            ),
        ),
    ] = None,
) -> None:
    """Serve the browser desk: log in, the case list with the statutory clock, cases, their
    clock events and event log, users (docs/desk-web.md). Add the first user with foidesk
    users add. Runs until Ctrl-C.
    """
    import ipaddress

    import uvicorn

    from foidesk.desk.web.app import create_app

    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not allow_remote:
        raise DeskError(
            f"--host {host}: other computers could reach the desk; add --allow-remote (behind "
            "an HTTPS reverse proxy) to mean it"
        )
    app = create_app(data, db, forwarded_allow_ips=forwarded_allow_ips)
    print(f"foidesk desk on http://{host}:{port}/ (data: {data}); Ctrl-C stops it")
    uvicorn.run(app, host=host, port=port, proxy_headers=False, server_header=False)
