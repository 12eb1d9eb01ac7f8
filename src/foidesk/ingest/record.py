"""The canonical record's rules, shared by ingest and both engines (the embedded engine's
loader ``engines/duckdb/sources.py`` reads extracts with them), so that no two places can
drift apart: the fields, the required ones, the accepted date formats, the whitespace trimmed
from values and the statuses.
"""

from __future__ import annotations

CANONICAL = ("crime_ref", "recorded_date", "offence", "ho_code", "outcome", "ho_outcome", "status")
REQUIRED = ("crime_ref", "recorded_date", "offence")

# Accepted date formats (DESIGN.md section 3): ISO and day-first UK dates, with optional time;
# never month-first. The answer path tries a value with a '/' only against the UK formats and
# the rest only against ISO (one short list per value is ~25x faster in DuckDB).
ISO_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%SZ",
)
UK_FORMATS = ("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
DATE_FORMATS = ISO_FORMATS + UK_FORMATS
DATE_FORMATS_HELP = "YYYY-MM-DD or DD/MM/YYYY, optionally with a time"

# what both paths trim from values (str.strip(WHITESPACE) in ingest, trim(x, WHITESPACE) in SQL)
WHITESPACE = " \t\n\r\x0b\x0c"

# status values (lower-cased) and what they mean; blank is recorded
STATUSES = {
    "": "recorded",
    "recorded": "recorded",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "transferred": "transferred",
}
