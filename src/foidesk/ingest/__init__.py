"""Ingest: extracts from any record system into a snapshot, with nothing lost.

mapping.py (what the columns mean) -> readers.py (CSV, XLSX, Parquet, JSON lines, SQL, each
yielding raw records with the physical line they start on) -> canonical.py (one raw record to
the canonical record, or a reason to quarantine it) -> snapshot.py (streams valid rows to
Parquet and bad ones to quarantine.csv in a temporary folder, settles duplicates with DuckDB,
writes manifest.json, then renames the folder into place).
"""
