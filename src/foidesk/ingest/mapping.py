"""Mapping files: how a system's export maps to the canonical record (README "Mappings").

A mapping is TOML: the source format and dialect, the column behind each canonical field,
the columns that are free text, explicit date formats, value maps for outcome and status,
the system's name and data-quality date, and an optional child table of notes. Built-in
mappings (``standard``, ``police-uk-street``) live in ``mappings/``.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from foidesk.errors import SourceError
from foidesk.ingest.record import CANONICAL, DATE_FORMATS

FORMATS = ("csv", "xlsx", "parquet", "jsonl", "sql")
ENCODINGS = ("auto", "utf-8", "cp1252", "latin-1")
DEFAULT_DATE_FORMATS = DATE_FORMATS  # the answer path's own formats
_KEYS = {
    "name",
    "description",
    "format",
    "encoding",
    "delimiter",
    "quote",
    "sheet",
    "query",
    "table",
    "system",
    "data_quality_from",
    "date_formats",
    "columns",
    "text",
    "text_prefix",
    "values",
    "constants",
    "notes",
}
_NOTES_KEYS = {"format", "encoding", "delimiter", "sheet", "query", "table", "columns"}
NOTES_FIELDS = ("crime_ref", "entry", "entry_date", "text")  # [notes.columns] keys


@dataclass(frozen=True)
class NotesMapping:
    """A child table of notes (one row per investigation-log entry) joined on crime_ref."""

    format: str | None
    encoding: str
    delimiter: str | None
    sheet: str | None
    query: str | None
    columns: dict[str, str]  # crime_ref, text (required), entry, entry_date (optional)


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file."""

    name: str
    source: str
    sha256: str
    format: str | None = None  # None: from the file's extension
    encoding: str = "auto"
    delimiter: str | None = None  # None: the commonest of , ; tab | in the header line
    quote: str = '"'
    sheet: str | None = None
    query: str | None = None
    system: str | None = None
    data_quality_from: date | None = None
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source column
    text: dict[str, str] = field(default_factory=dict)  # text field name -> source column
    text_prefix: str | None = "text"  # source columns named text / text_* are free text
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {raw: value}
    constants: dict[str, str] = field(default_factory=dict)  # canonical field -> fixed value
    notes: NotesMapping | None = None

    def source_column(self, canonical: str) -> str:
        """The source column for a canonical field (the field's own name by default)."""
        return self.columns.get(canonical, canonical)


def builtin_mappings() -> list[str]:
    """Names of the mappings shipped with foidesk."""
    folder = resources.files("foidesk.ingest").joinpath("mappings")
    names = (p.name for p in folder.iterdir() if p.name.endswith(".toml"))
    return sorted(n.removesuffix(".toml") for n in names)


def load_mapping(name_or_path: str | None) -> Mapping:
    """A built-in mapping by name, a mapping file by path, or the standard extract (None)."""
    name = name_or_path or "standard"
    if name in builtin_mappings():
        data = resources.files("foidesk.ingest").joinpath(f"mappings/{name}.toml").read_bytes()
        return parse_mapping(data, f"built-in:{name}")
    path = Path(name)
    if not path.is_file():
        known = ", ".join(builtin_mappings())
        raise SourceError(f"mapping '{name}' is neither a built-in mapping ({known}) nor a file")
    return parse_mapping(path.read_bytes(), str(path))


def _table(source: str, raw: dict[str, Any], key: str) -> dict[str, str]:
    value = raw.get(key, {})
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise SourceError(f"{source}: [{key}] must map names to text")
    return dict(value)


def _choice(source: str, key: str, value: Any, allowed: tuple[str, ...]) -> Any:
    if value is not None and value not in allowed:
        raise SourceError(f"{source}: {key}: {value!r} is not one of {', '.join(allowed)}")
    return value


def parse_mapping(data: bytes, source: str) -> Mapping:
    """Parse and validate a mapping; problems name the file and the key."""
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SourceError(f"{source}: not a valid mapping TOML file: {exc}") from exc
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise SourceError(f"{source}: unknown key {unknown[0]!r}")
    columns = _table(source, raw, "columns")
    for key in columns:
        if key not in CANONICAL:
            raise SourceError(
                f"{source}: columns.{key}: not a canonical field ({', '.join(CANONICAL)})"
            )
    constants = _table(source, raw, "constants")
    for key in constants:
        if key not in CANONICAL:
            raise SourceError(f"{source}: constants.{key}: not a canonical field")
        if key in columns:  # one would be read and the other silently not
            raise SourceError(
                f"{source}: constants.{key}: columns.{key} names a column for it too: keep one"
            )
    text = _table(source, raw, "text")
    values_raw = raw.get("values", {})
    if not isinstance(values_raw, dict):
        raise SourceError(f"{source}: [values] must hold tables such as [values.status]")
    values: dict[str, dict[str, str]] = {}
    for key, table in values_raw.items():
        if key not in CANONICAL:
            raise SourceError(f"{source}: values.{key}: not a canonical field")
        if not isinstance(table, dict):
            raise SourceError(f"{source}: values.{key}: must be a table of value = value")
        values[key] = {str(k).strip().upper(): str(v) for k, v in table.items()}
    for key in ("delimiter", "quote"):
        if key in raw and (not isinstance(raw[key], str) or len(raw[key]) != 1):
            raise SourceError(f"{source}: {key}: must be one character, got {raw[key]!r}")
    for key in ("text_prefix", "sheet", "query", "table", "system", "name"):
        if key in raw and not isinstance(raw[key], str):
            raise SourceError(f"{source}: {key}: must be text, got {raw[key]!r}")
    formats = raw.get("date_formats", list(DEFAULT_DATE_FORMATS))
    if not isinstance(formats, list) or not formats or not all(isinstance(f, str) for f in formats):
        raise SourceError(f"{source}: date_formats must be a list of strptime formats")
    dq = raw.get("data_quality_from")
    if dq is not None and not isinstance(dq, date):
        raise SourceError(f"{source}: data_quality_from: expected a date like 2018-05-23")
    notes = None
    if "notes" in raw:
        n = raw["notes"]
        bad = sorted(set(n) - _NOTES_KEYS)
        if bad:
            raise SourceError(f"{source}: notes.{bad[0]}: unknown key")
        notes_columns = _table(source, n, "columns")
        for key in notes_columns:
            if key not in NOTES_FIELDS:
                raise SourceError(
                    f"{source}: notes.columns.{key}: not a notes field ({', '.join(NOTES_FIELDS)})"
                )
        notes = NotesMapping(
            format=_choice(source, "notes.format", n.get("format"), FORMATS),
            encoding=_choice(source, "notes.encoding", n.get("encoding", "auto"), ENCODINGS),
            delimiter=n.get("delimiter"),
            sheet=n.get("sheet"),
            query=n.get("query") or (f"SELECT * FROM {n['table']}" if "table" in n else None),
            columns=notes_columns,
        )
    query = raw.get("query") or (f"SELECT * FROM {raw['table']}" if "table" in raw else None)
    return Mapping(
        name=str(raw.get("name", source)),
        source=source,
        sha256=hashlib.sha256(data).hexdigest(),
        format=_choice(source, "format", raw.get("format"), FORMATS),
        encoding=_choice(source, "encoding", raw.get("encoding", "auto"), ENCODINGS),
        delimiter=raw.get("delimiter"),
        quote=str(raw.get("quote", '"')),
        sheet=raw.get("sheet"),
        query=query,
        system=raw.get("system"),
        data_quality_from=dq,
        date_formats=tuple(formats),
        columns=columns,
        text=text,
        text_prefix=raw.get("text_prefix", "text") or None,
        values=values,
        constants=constants,
        notes=notes,
    )
