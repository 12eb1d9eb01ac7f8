"""The canonical record's rules, shared by ingest and both engines (the embedded engine's
loader ``engines/duckdb/sources.py`` reads extracts with them), so that no two places can
drift apart: the fields, the required ones, the accepted date formats, the whitespace trimmed
from values and the statuses.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from foidesk.errors import FoideskError

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

# The range of recorded dates, on every path (ingest quarantines a date outside it, the direct
# read of an extract refuses it): from the first day of a four-digit year to the day of the run.
# A text date with a year before 1000 is a typing slip (0219 for 2019), and a crime cannot be
# recorded after the day it is counted (2091 for 2019).
FIRST_DATE = date(1000, 1, 1)
DATE_RANGE_HELP = "dates run from 1000-01-01 to the day of the run"
TODAY_VARIABLE = "FOIDESK_TODAY"  # YYYY-MM-DD: the day of the run, for tests


def run_day() -> date:
    """The day of the run: today's date in UTC, or ``$FOIDESK_TODAY`` (YYYY-MM-DD), which is
    for tests, so that they do not depend on the calendar. The one place it is read."""
    fixed = os.environ.get(TODAY_VARIABLE, "").strip()
    if not fixed:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(fixed)
    except ValueError:
        raise FoideskError(f"{TODAY_VARIABLE}={fixed!r} is not a date (YYYY-MM-DD)") from None


def date_in_range(value: date, today: date) -> bool:
    """True when ``value`` is a recorded date in the range (``today``: ``run_day()``)."""
    return FIRST_DATE <= value <= today


# what both paths trim from values (str.strip(WHITESPACE) in ingest, trim(x, WHITESPACE) in SQL)
WHITESPACE = " \t\n\r\x0b\x0c"

# What is removed from both ends of a crime reference, on every path (ingest: ``trim_ref``; the
# direct read of an extract: a regular expression of these code points, built by
# ``engines/duckdb/sources.py``): characters that show nothing, so that "Z1", "Z1" with a
# zero-width space, "Z1" with a no-break space and "Z1" after a byte-order mark are one crime.
# They are the Unicode (14.0) general categories Zs (spaces, the no-break space), Zl and Zp
# (line and paragraph separators), Cc (control characters: tab, line ends, NUL, DEL, C1) and
# Cf (format characters: zero-width space and joiners, the byte-order mark, direction marks,
# the soft hyphen), and the other characters Unicode says show nothing (Default_Ignorable_Code_
# Point: the combining grapheme joiner, Hangul fillers, variation selectors; the same ones a
# name may not hold, casework/request.py). Inside a reference nothing is removed. Listed, not
# looked up, so that the set does not change with the Python or DuckDB version.
REF_TRIM_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x0020),  # C0 controls (tab, line ends, NUL) and the space
    (0x007F, 0x00A0),  # DEL, C1 controls (NEL) and the no-break space
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x0600, 0x0605),
    (0x061C, 0x061C),  # Arabic letter mark
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x115F, 0x1160),  # Hangul fillers
    (0x1680, 0x1680),  # Ogham space mark
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),  # Mongolian variation selectors and vowel separator
    (0x2000, 0x200F),  # en quad to em space, thin and hair spaces, zero-width space to RLM
    (0x2028, 0x202F),  # line and paragraph separators, bidi embeddings, narrow no-break space
    (0x205F, 0x2064),  # medium mathematical space, word joiner, invisible operators
    (0x2066, 0x206F),  # bidi isolates, deprecated format characters
    (0x3000, 0x3000),  # ideographic space
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # byte-order mark (zero-width no-break space)
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF9, 0xFFFB),  # interlinear annotation
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),  # language tag
    (0xE0020, 0xE007F),  # tag characters
    (0xE0100, 0xE01EF),  # variation selectors supplement
)
REF_TRIM = "".join(chr(c) for first, last in REF_TRIM_RANGES for c in range(first, last + 1))
_PRINTABLE_ASCII = frozenset(chr(c) for c in range(0x21, 0x7F))  # none of them in REF_TRIM


def trim_ref(value: str) -> str:
    """A crime reference without ``REF_TRIM`` at either end ("" when nothing else is left).
    A value whose first and last characters are printable ASCII (nearly all) is returned as it
    is: stripping a set of 514 characters looks through the set at each end (430 ns a value,
    against 90 ns for this look and 70 ns for the ASCII whitespace trim it replaces)."""
    if value and value[0] in _PRINTABLE_ASCII and value[-1] in _PRINTABLE_ASCII:
        return value
    return value.strip(REF_TRIM)


# status values (lower-cased) and what they mean; blank is recorded
STATUSES = {
    "": "recorded",
    "recorded": "recorded",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "transferred": "transferred",
}
