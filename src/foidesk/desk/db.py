"""Opening the desk's store: SQLite in the data folder, or PostgreSQL, with its schema made and
upgraded by the Alembic migrations in ``migrations/`` (docs/desk.md).

The data folder (``DATA``) holds ``desk.sqlite`` (unless the store is on PostgreSQL),
``desk.toml`` (optional settings), ``sources/`` (the extracts cases may read) and ``cases/``
(one folder a case). ``open_store`` makes the folders it lacks and brings the schema to this
foidesk's newest revision; a store whose revision this foidesk does not know (made by a newer
one) is refused, and left as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from foidesk.errors import DeskError

SQLITE_NAME = "desk.sqlite"
SETTINGS_NAME = "desk.toml"
SOURCES_NAME = "sources"
CASES_NAME = "cases"


@dataclass
class Store:
    """An open store: its engine, the data folder, and where it is (shown without a
    password). ``session()`` is a transaction: committed when the block ends, rolled back
    when it raises."""

    engine: Engine
    data: Path
    where: str
    _sessions: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        """Release the store's connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _migrations() -> str:
    """The migrations' folder inside the installed package (Alembic's script_location)."""
    return str(resources.files("foidesk.desk").joinpath("migrations"))


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", _migrations())
    cfg.attributes["connection"] = connection
    return cfg


def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _engine(data: Path, url: str | None) -> tuple[Engine, str]:
    if url is None:
        path = data / SQLITE_NAME
        engine = create_engine(f"sqlite:///{path}")
        event.listen(engine, "connect", _sqlite_foreign_keys)
        return engine, str(path)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DeskError(
            "--db: not a database URL; give e.g. postgresql+psycopg://USER@HOST/DATABASE"
        ) from None
    where = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() not in ("postgresql", "sqlite"):
        raise DeskError(f"--db {where}: the desk's store is PostgreSQL or SQLite")
    try:
        engine = create_engine(parsed)
    except (ArgumentError, ImportError) as exc:
        raise DeskError(f"--db {where}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys)
    return engine, where


def upgrade(engine: Engine, where: str) -> None:
    """Bring the schema to the newest revision this foidesk has (a no-op when it is there);
    refuse a store at a revision it does not know."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with engine.begin() as connection:
        cfg = _alembic_config(connection)
        script = ScriptDirectory.from_config(cfg)
        current = MigrationContext.configure(connection).get_current_revision()
        head = script.get_current_head()
        known = {rev.revision for rev in script.walk_revisions()}
        if current is not None and current not in known:
            raise DeskError(
                f"{where}: made by a newer foidesk (schema revision {current!r}; this foidesk "
                f"knows up to {head!r}): upgrade foidesk to use it"
            )
        if current != head:
            command.upgrade(cfg, "head")


def open_store(data: Path, url: str | None = None) -> Store:
    """Open the store of the data folder ``data``: ``DATA/desk.sqlite``, or the database at
    ``url`` (``postgresql+psycopg://USER:PASSWORD@HOST/DATABASE``). Makes ``DATA``,
    ``DATA/sources`` and ``DATA/cases`` if they are missing, and the schema, or upgrades it."""
    data = Path(data)
    if data.exists() and not data.is_dir():
        raise DeskError(f"--data {data}: not a folder")
    for folder in (data, data / SOURCES_NAME, data / CASES_NAME):
        folder.mkdir(parents=True, exist_ok=True)
    engine, where = _engine(data, url)
    try:
        upgrade(engine, where)
    except DeskError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise DeskError(f"{where}: cannot open the store: {reason[0] if reason else exc}") from None
    return Store(engine=engine, data=data, where=where)
