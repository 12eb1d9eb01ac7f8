"""Counting: record-level hits in, aggregates out (the table and the coverage)."""
