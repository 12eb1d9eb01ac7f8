"""The desk: the store of people, cases and the statutory clock's events under the browser
desk and the ``foidesk users`` / ``foidesk cases`` commands (docs/desk.md).

- ``store``: the SQLAlchemy models (User, Case, Event, ClockEvent) and their constants
- ``db``: ``open_store`` (SQLite in the data folder or PostgreSQL; Alembic migrations)
- ``people``: users, argon2 passwords, the role matrix ``CAN`` and ``can``
- ``cases``: ``add_case``: a request file taken into the data folder as a case
"""
