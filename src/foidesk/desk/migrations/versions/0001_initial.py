"""The desk's first schema: users, cases, events, the statutory clock's events.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

The tables are written out here, not taken from ``store.py``: a revision stays what it was
when the models change (the next change is a revision 0002 beside this one).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ROLES = ("officer", "analyst", "approver", "admin")
STATUSES = (
    "received",
    "awaiting clarification",
    "awaiting fee",
    "searching",
    "in review",
    "awaiting approval",
    "sent",
    "internal review",
    "with the Information Commissioner",
    "closed",
)
CLOCK_KINDS = (
    "received",
    "clarification_sought",
    "clarification_received",
    "fee_notice_sent",
    "fee_received",
    "extension",
    "sent",
    "internal_review_requested",
    "review_extension",
    "internal_review_sent",
    "ico_complaint",
    "closed",
)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _at() -> sa.Column[object]:
    return sa.Column("at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(_one_of("role", ROLES), name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("received", sa.Date(), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("request_path", sa.Text(), nullable=False),
        sa.Column("folder_path", sa.Text(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_one_of("status", STATUSES), name=op.f("ck_cases_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_cases_reference")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        _at(),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_events_case_id_cases")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_events_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_case_id"), "events", ["case_id"])
    op.create_table(
        "clock_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        _at(),
        sa.CheckConstraint(_one_of("kind", CLOCK_KINDS), name=op.f("ck_clock_events_kind")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_clock_events_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_clock_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clock_events")),
    )
    op.create_index(op.f("ix_clock_events_case_id"), "clock_events", ["case_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_clock_events_case_id"), table_name="clock_events")
    op.drop_table("clock_events")
    op.drop_index(op.f("ix_events_case_id"), table_name="events")
    op.drop_table("events")
    op.drop_table("cases")
    op.drop_table("users")
