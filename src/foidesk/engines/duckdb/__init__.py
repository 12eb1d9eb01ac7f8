"""The embedded engine (DuckDB): see ``engine.py``."""

from foidesk.engines.duckdb.engine import DuckDBEngine

__all__ = ["DuckDBEngine"]
