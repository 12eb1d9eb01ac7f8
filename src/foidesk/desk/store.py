"""The desk's store: people, cases, the statutory clock's events and every action, as
SQLAlchemy models (docs/desk.md).

The schema is made and upgraded only by the Alembic migrations in ``migrations/`` (``db.py``
runs them); a change to a model here needs a new revision there. Every time is UTC and comes
back from the store as an aware ``datetime`` (``UTCDateTime``), on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from foidesk.casework.clock import DESK_STATUSES, EVENT_KINDS

ROLES = ("officer", "analyst", "approver", "admin")
# where a case is, in the order a case usually moves through them, and the statutory clock's
# events: stated once, by the clock (``casework.clock``), which computes the due dates from them
STATUSES = DESK_STATUSES
CLOCK_KINDS = EVENT_KINDS
NAME_LENGTH = 64  # the longest user name
JOB_KINDS = ("search",)
# a job's state: running until it ends done or failed; a job found running when the desk
# starts was cut off by a stop or a crash, and is marked interrupted (``desk.jobs``)
JOB_STATES = ("running", "done", "failed", "interrupted")


def now() -> datetime:
    """The time now, in UTC (every ``at`` and ``created`` of the store)."""
    return datetime.now(UTC)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    """A CHECK constraint's text: ``column`` holds one of ``values``."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"{column} IN ({quoted})"


class UTCDateTime(TypeDecorator[datetime]):
    """A time stored as UTC (``timestamp with time zone`` on PostgreSQL, text on SQLite) and
    read back as an aware UTC ``datetime``; a naive time is refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a time without a zone cannot be stored: {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """The desk's tables; names of constraints and indexes follow one convention, so that a
    migration can name them on every database."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_name)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        date: Date(),
        dict[str, Any]: JSON(none_as_null=True),
    }


class User(Base):
    """A person who may use the desk: a unique name, one role (``people.CAN`` says what it
    may do), an argon2 hash of the password. A user is never deleted, only made inactive, so
    that every event keeps its author."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_one_of("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    created: Mapped[datetime]
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:  # never the hash
        return f"User(id={self.id!r}, name={self.name!r}, role={self.role!r})"


class Case(Base):
    """A request being answered. ``request_path`` (the desk's copy of the request file) and
    ``folder_path`` (the case folder ``write_case`` writes) are relative to the data folder,
    with ``/`` between names, so that the folder can move."""

    __tablename__ = "cases"
    __table_args__ = (CheckConstraint(_one_of("status", STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str | None] = mapped_column(String(200))
    received: Mapped[date]
    status: Mapped[str] = mapped_column(String(40), default="received")
    request_path: Mapped[str] = mapped_column(Text)
    folder_path: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime]


class Event(Base):
    """One action: who (``user_id``; None for the command line, run by whoever may write the
    data folder), when (UTC), what (``action``, e.g. ``case.add``), and the value before and
    after it (JSON; None where there was none). ``case_id`` is None for an action on users."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class ClockEvent(Base):
    """An event of a case's statutory clock: its kind (``CLOCK_KINDS``), the date it
    happened, a number where the kind has one (an extension's working days, a fee in pence),
    who recorded it and when."""

    __tablename__ = "clock_events"
    __table_args__ = (CheckConstraint(_one_of("kind", CLOCK_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    date: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[int | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]


class WebSession(Base):
    """A logged-in browser of the desk (``desk.web.auth``): the sha256 of its token (the
    browser holds the token; the store never does), its user, its CSRF token, when it began
    and when it was last used."""

    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime]
    last_seen: Mapped[datetime]


class Job(Base):
    """Work run in the background for a case (``desk.jobs``): its kind (``JOB_KINDS``), its
    state (``JOB_STATES``), who started it and when, when it ended, the stage it is at and how
    far through it (``done`` of ``total`` units; total None when not known), and a one-line
    message (what it did, or why it failed). At most one job of a case runs at a time: a
    partial unique index on the running ones says so to the database itself."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(_one_of("kind", JOB_KINDS), name="kind"),
        CheckConstraint(_one_of("state", JOB_STATES), name="state"),
        Index(
            "ix_jobs_one_running",
            "case_id",
            unique=True,
            sqlite_where=text("state = 'running'"),
            postgresql_where=text("state = 'running'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started: Mapped[datetime]
    finished: Mapped[datetime | None]
    stage: Mapped[str | None] = mapped_column(String(200))
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None]
    message: Mapped[str | None] = mapped_column(Text)


class Approval(Base):
    """A release approved (``desk.release``): the case, the approver, when, the sha256 of the
    case's ``internal/audit.json`` that was approved (so a release answered again after its
    approval is seen to be another), and the disclosure log's folder it was added to."""

    __tablename__ = "approvals"
    # an answer (its audit) is approved once: a second approval of it, from any process of
    # the desk, is refused by the database itself
    __table_args__ = (UniqueConstraint("case_id", "audit_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
    audit_sha256: Mapped[str] = mapped_column(String(64))
    log_path: Mapped[str] = mapped_column(Text)
