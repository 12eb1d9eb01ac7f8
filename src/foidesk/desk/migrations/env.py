"""Alembic's environment for the desk's store: run only through ``foidesk.desk.db``, which
hands over an open connection in ``config.attributes["connection"]`` (no alembic.ini, no
logging set up, no offline mode)."""

from __future__ import annotations

from alembic import context

from foidesk.desk.store import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the desk's migrations run through foidesk.desk.db.open_store")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
)
with context.begin_transaction():
    context.run_migrations()
