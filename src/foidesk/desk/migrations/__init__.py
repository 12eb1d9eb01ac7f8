"""The desk store's Alembic migrations (run by ``foidesk.desk.db.upgrade``)."""
