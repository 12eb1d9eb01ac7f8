"""Ingest: extracts from any record system into a snapshot, with nothing lost.

mapping.py (what the columns mean) -> readers.py (CSV, XLSX, Parquet, JSON lines, SQL, each
yielding raw records with the physical line they start on, hashed as read by hashing.py) ->
canonicalize.py (one raw record to the canonical record of record.py, or a reason to
quarantine it; fast.py reads a well-formed UTF-8 CSV with DuckDB and the same rules, per
distinct value) -> snapshot.py (streams valid rows to Parquet and bad ones to quarantine.csv in
a temporary folder, merges duplicates with DuckDB, writes manifest.json, then renames the
folder into place). It imports only ``casework`` and ``errors``; the engines use its record
rules and the Spark engine its ``ingest`` to read raw extracts.
"""
