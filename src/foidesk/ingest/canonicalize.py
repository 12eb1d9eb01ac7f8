"""One raw record to the canonical record, or the reason it cannot be loaded.

Built once per source from its mapping and header: finds the column of every canonical field
(a missing required column, or any column the mapping names, refuses the whole file), the
free-text columns, and the notes columns. Dates are parsed only with the mapping's explicit
formats (cached: exports repeat dates); statuses and outcomes go through the mapping's value
maps.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from foidesk.casework.home_office import ho_code as canonical_ho_code
from foidesk.errors import SourceError
from foidesk.ingest.mapping import Mapping
from foidesk.ingest.record import (
    CANONICAL,
    DATE_RANGE_HELP,
    REQUIRED,
    STATUSES,
    WHITESPACE,
    date_in_range,
    run_day,
    trim_ref,
)


def date_parser(formats: tuple[str, ...]) -> Callable[[Any], date | None]:
    """A cached parser trying ``formats`` in order; a timestamp counts by its date, a zoned
    one (a format with %z) by its date in UTC. Whether the date is in range is the caller's."""

    # a format's literal punctuation (a '-', '/', ':' or '.' outside its %-directives) must be
    # in any text it matches (strptime matches literals as they are; only letters match in
    # any case and whitespace as any run of it): a format whose punctuation is missing from
    # the text is skipped without trying, which gives the same result ~8x faster
    needs = [(fmt, set(re.sub(r"%.", "", fmt)) & set("-/:.")) for fmt in formats]

    @lru_cache(maxsize=65_536)
    def parse_text(text: str) -> date | None:
        for fmt, punctuation in needs:
            if not punctuation.issubset(text):
                continue
            try:
                parsed = datetime.strptime(text, fmt)
            except ValueError:
                continue
            return (parsed.astimezone(UTC) if parsed.tzinfo else parsed).date()
        return None

    def parse(value: Any) -> date | None:
        if isinstance(value, datetime):
            # a zoned timestamp counts by its date in UTC, as in the engines
            return (value.astimezone(UTC) if value.tzinfo else value).date()
        if isinstance(value, date):
            return value
        if value is None:
            return None
        return parse_text(str(value).strip(WHITESPACE))

    return parse


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text


def missing_column(
    source: str, column: str, key: str, columns: list[str], what: str = "column"
) -> SourceError:
    """A column the mapping names (``key``: columns.ho_code, text.mo, ...), or a required one,
    that is not in the file's header: the error names both and lists the file's columns (the
    first 40 named ones; repr keeps the message on one line whatever a name holds)."""
    named = [repr(c) for c in columns if c.strip()]
    shown = ", ".join(named[:40]) + (f", and {len(named) - 40} more" if len(named) > 40 else "")
    return SourceError(
        f"{source}: missing {what} {column!r} ({key}); the file's columns are: {shown or 'none'}"
    )


def refuse_repeated_names(
    columns: list[str], used: dict[str, str], prefix: str | None, source: str
) -> None:
    """Refuse a header that repeats a name the mapping reads (``used``: column -> what it is
    read as; with ``prefix``, every column named prefix or prefix_*), names compared trimmed and
    in any case, as they are matched: the mapping would read one copy and drop the other
    silently. A repeated name the mapping does not read, or an empty one, is harmless."""
    wanted = {column.strip().lower(): role for column, role in used.items()}
    positions: dict[str, list[int]] = {}
    for number, column in enumerate(columns, start=1):
        positions.setdefault(column.strip().lower(), []).append(number)
    for key, where in positions.items():
        if len(where) < 2 or not key:
            continue
        role = wanted.get(key)
        if role is None and prefix and (key == prefix or key.startswith(prefix + "_")):
            role = "free text"
        if role is None:
            continue
        listed = ", ".join(map(str, where[:-1])) + f" and {where[-1]}"
        raise SourceError(
            f"{source}: the header repeats {columns[where[0] - 1].strip()!r} (columns {listed}),"
            f" a column the mapping reads as {role}: which one to read cannot be known; rename"
            " or remove all but one"
        )


class Canonicalizer:
    """Turns a source's raw records into canonical rows."""

    def __init__(self, mapping: Mapping, columns: list[str], source: str) -> None:
        self.mapping = mapping
        used = {"system": "system"}  # a standard extract's system column (below)
        used |= {column: f"text.{name}" for name, column in mapping.text.items()}
        used |= {mapping.source_column(c): c for c in CANONICAL if c not in mapping.constants}
        refuse_repeated_names(columns, used, mapping.text_prefix, source)
        index = {c.strip().lower(): i for i, c in enumerate(columns)}
        self.fields: dict[str, int | None] = {}
        for canonical in CANONICAL:
            column = mapping.source_column(canonical)
            position = index.get(column.strip().lower())
            required = canonical in REQUIRED and canonical not in mapping.constants
            # a column the mapping names is a column the mapping says is there, even for an
            # optional field (a silently empty ho_code would empty every offence group)
            named = canonical in mapping.columns
            if position is None and (required or named):
                key = f"columns.{canonical} in the mapping" if named else canonical
                what = "required column" if required else "column"
                raise missing_column(source, column, key, columns, what)
            self.fields[canonical] = position
        self.text: dict[str, int] = {}
        for name, column in mapping.text.items():
            position = index.get(column.strip().lower())
            if position is None:
                key = f"text.{name} in the mapping"
                raise missing_column(source, column, key, columns, "text column")
            self.text[f"text_{name}"] = position
        prefix = mapping.text_prefix
        if prefix:
            for i, column in enumerate(columns):
                key = column.strip().lower()
                if key == prefix or key.startswith(prefix + "_"):
                    name = "text" if key == prefix else "text_" + key[len(prefix) + 1 :]
                    self.text.setdefault(name, i)
        self.parse_date = date_parser(mapping.date_formats)
        self.today = run_day()  # the last recorded date in range (record.DATE_RANGE_HELP)
        # a standard extract may name each record's system: the distinct names are collected
        # (trimmed of spaces, blanks ignored, as the answer path reads them), so that a file
        # holding several systems can be refused where each system must be its own source
        self._system = index.get("system")
        self.systems: set[str] = set()

    def _get(self, values: list[Any], canonical: str) -> Any:
        if canonical in self.mapping.constants:
            return self.mapping.constants[canonical]
        position = self.fields[canonical]
        return None if position is None else values[position]

    # -- one field at a time: the rules stated once, called per row by ``__call__`` and per
    # distinct value by the fast CSV path (fast.py), so the two cannot drift apart. Each takes
    # the raw value as ``_get`` gives it (None when the column is absent).

    def add_system(self, raw: Any) -> None:
        """Collect a row's system name (trimmed of spaces; blanks ignored)."""
        if raw is not None:
            system = str(raw).strip(" ")
            if system:
                self.systems.add(system)

    def ref_of(self, raw: Any) -> tuple[str | None, str | None]:
        """The crime reference trimmed (``trim_ref``), or None and the reason."""
        ref = _text(raw)
        ref = trim_ref(ref) if ref is not None else ""
        if not ref:
            return None, "crime_ref is empty"
        return ref, None

    def date_of(self, raw: Any) -> tuple[date | None, str | None]:
        """The recorded date, or None and the reason (not a date; out of range)."""
        recorded = self.parse_date(raw)
        if recorded is None:
            shown = "empty" if raw in (None, "") else repr(str(raw))
            formats = self.mapping.date_formats
            listed = ", ".join(formats[:4]) + (", ..." if len(formats) > 4 else "")
            return None, f"recorded_date {shown} is not a date in the mapping's formats ({listed})"
        if not date_in_range(recorded, self.today):
            shown = repr(str(raw))
            return None, (
                f"recorded_date {shown} is out of range ({DATE_RANGE_HELP}, {self.today})"
            )
        return recorded, None

    def offence_of(self, raw: Any) -> tuple[str | None, str | None]:
        """The offence trimmed, or None and the reason (empty)."""
        offence = _text(raw)
        if offence is None or not offence.strip(WHITESPACE):
            return None, "offence is empty"
        return offence.strip(WHITESPACE), None

    def status_of(self, raw: Any) -> tuple[str | None, str | None]:
        """The status after the value map (blank is recorded), or None and the reason."""
        status_raw = (_text(raw) or "").strip(WHITESPACE)
        status_map = self.mapping.values.get("status", {})
        status_value = status_map.get(status_raw.upper(), status_raw).lower()
        status = STATUSES.get(status_value)
        if status is None:
            return None, (
                f"status {status_raw!r} is not recorded, cancelled or transferred "
                "(map it in [values.status])"
            )
        return status, None

    def outcome_of(self, raw: Any) -> str | None:
        """The outcome trimmed and mapped (None when blank)."""
        outcome = _text(raw)
        outcome = outcome.strip(WHITESPACE) if outcome else None
        if outcome and "outcome" in self.mapping.values:
            outcome = self.mapping.values["outcome"].get(outcome.upper(), outcome)
        return outcome or None

    def ho_code_of(self, raw: Any) -> str | None:
        """The Home Office code mapped and written as every path writes it."""
        ho_code = _text(raw)
        if ho_code and "ho_code" in self.mapping.values:
            ho_code = self.mapping.values["ho_code"].get(ho_code.strip(WHITESPACE).upper(), ho_code)
        return canonical_ho_code(ho_code) if ho_code else None

    def ho_outcome_of(self, raw: Any) -> str | None:
        """The Home Office outcome code mapped, trimmed and upper case."""
        ho_outcome = _text(raw)
        if ho_outcome and "ho_outcome" in self.mapping.values:
            ho_outcome = self.mapping.values["ho_outcome"].get(ho_outcome.strip(WHITESPACE).upper())
        return ho_outcome.strip(WHITESPACE).upper() if ho_outcome else None

    def __call__(self, values: list[Any]) -> tuple[dict[str, Any] | None, str | None]:
        """The canonical row, or None and the reason to quarantine."""
        if self._system is not None:
            self.add_system(values[self._system])
        ref, problem = self.ref_of(self._get(values, "crime_ref"))
        if problem:
            return None, problem
        recorded, problem = self.date_of(self._get(values, "recorded_date"))
        if problem:
            return None, problem
        offence, problem = self.offence_of(self._get(values, "offence"))
        if problem:
            return None, problem
        status, problem = self.status_of(self._get(values, "status"))
        if problem:
            return None, problem
        row: dict[str, Any] = {
            "crime_ref": ref,
            "recorded_date": recorded,
            "offence": offence,
            "ho_code": self.ho_code_of(self._get(values, "ho_code")),
            "outcome": self.outcome_of(self._get(values, "outcome")),
            "ho_outcome": self.ho_outcome_of(self._get(values, "ho_outcome")),
            "status": status,
        }
        for name, position in self.text.items():
            row[name] = _text(values[position])
        return row, None


class NotesCanonicalizer:
    """Turns a notes source's raw records into (crime_ref, entry, entry_date, text) rows."""

    def __init__(self, columns_map: dict[str, str], columns: list[str], source: str) -> None:
        keys = ("crime_ref", "text", "entry", "entry_date")
        used = {columns_map.get(key, key): f"the note's {key}" for key in keys}
        refuse_repeated_names(columns, used, None, source)
        index = {c.strip().lower(): i for i, c in enumerate(columns)}
        self.positions: dict[str, int | None] = {}
        for key, default in (
            ("crime_ref", "crime_ref"),
            ("text", "text"),
            ("entry", "entry"),
            ("entry_date", "entry_date"),
        ):
            column = columns_map.get(key, default)
            position = index.get(column.strip().lower())
            named = key in columns_map  # named by the mapping: said to be there
            if position is None and (named or key in ("crime_ref", "text")):
                where = f"notes.columns.{key} in the mapping" if named else key
                what = "required notes column" if key in ("crime_ref", "text") else "notes column"
                raise missing_column(source, column, where, columns, what)
            self.positions[key] = position
        self.number = 0

    def __call__(self, values: list[Any]) -> tuple[dict[str, Any] | None, str | None]:
        """The note row, or None and the reason to quarantine."""
        self.number += 1

        def get(key: str) -> Any:
            position = self.positions[key]
            return None if position is None else values[position]

        ref = _text(get("crime_ref"))
        ref = trim_ref(ref) if ref is not None else ""  # as the crimes' references
        if not ref:
            return None, "note's crime_ref is empty"
        entry = _text(get("entry"))
        entry_date = get("entry_date")
        return {
            "crime_ref": ref,
            "entry": entry.strip() if entry and entry.strip() else str(self.number),
            "entry_date": _text(entry_date),
            "text": _text(get("text")),
        }, None
