"""Reading standard-extract sources (CSV or Parquet) into DuckDB, with their sha256.

Each source becomes one DuckDB table ``src_<i>`` holding the canonical columns (``rowid`` is
the record's position in the file). CSV is read as text with a fixed dialect (no sniffing) and
dates are parsed only with the explicit formats below, never guessed per file and never MM/DD.
The sha256 of the file is computed in a thread while DuckDB reads it, so hashing costs no
second pass of wall time. Rows that cannot be used stop the run with the file, line and field.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from foidesk.casework.home_office import HO_CODE_PADDING
from foidesk.casework.request import SourceSpec
from foidesk.engines.base import (
    no_text_column,
    several_systems,
    unreadable_notes,
    unreadable_rows,
)
from foidesk.engines.population import sql_str
from foidesk.errors import SourceError
from foidesk.ingest.hashing import FileHasher
from foidesk.ingest.record import (
    DATE_FORMATS_HELP,
    DATE_RANGE_HELP,
    FIRST_DATE,
    ISO_FORMATS,
    REF_TRIM_RANGES,
    REQUIRED,
    STATUSES,
    UK_FORMATS,
    WHITESPACE,
    run_day,
)


@dataclass(frozen=True)
class LoadedSource:
    """A source read into DuckDB table ``table``."""

    index: int
    spec: SourceSpec
    table: str
    text_fields: tuple[str, ...]
    rows_read: int
    digest: Callable[[], str]  # the file's sha256, waited for only when it is reported
    size_bytes: int
    notes_table: str | None = None  # a snapshot's notes: one row per log entry
    rows_unreadable: int = 0  # a snapshot's rows ingest quarantined as unreadable
    notes_unread: tuple[int, int] = (0, 0)  # a snapshot's unreadable and orphan notes
    stop_hash: Callable[[], None] = lambda: None  # a run that failed stops the hash thread

    @property
    def sha256(self) -> str:
        """The file's sha256 (hashed in a thread while the engine works; the first use waits
        for it). A file that cannot be read is a ``SourceError``."""
        return self.digest()


def hashed(hasher: FileHasher, path: Path) -> Callable[[], str]:
    """The digest of ``hasher``, waited for when it is asked for; a read error is the
    source's one line."""

    def digest() -> str:
        try:
            return hasher.result()
        except OSError as exc:
            raise SourceError(f"{path}: cannot be read: {exc.strerror or exc}") from exc

    return digest


def first_row(con: duckdb.DuckDBPyConnection, query: str, params: list[Any] | None = None) -> Any:
    """The first row of a query, or None; the result is read to the end (DuckDB 2.0 refuses
    new work on a connection with an unfinished result)."""
    rows = con.execute(query, params).fetchall() if params else con.execute(query).fetchall()
    return rows[0] if rows else None


def _trim(expr: str) -> str:
    """``expr`` with WHITESPACE trimmed from both ends."""
    return f"trim({expr}, {sql_str(WHITESPACE)})"


# the characters ``record.trim_ref`` removes from a reference's ends, as a RE2 class of code
# points (listed, not \p{Cf}: RE2's Unicode tables need not be Python's)
_REF_CLASS = (
    "["
    + "".join(
        f"\\x{{{first:X}}}" + (f"-\\x{{{last:X}}}" if last != first else "")
        for first, last in REF_TRIM_RANGES
    )
    + "]"
)


def _trim_ref(expr: str) -> str:
    """A crime reference without ``record.REF_TRIM`` at either end, as ``record.trim_ref``.
    The column is of mostly distinct values, read on every scan of a view: trimming a set of
    characters cost about 0.13 us a value (15% of a scan), so a value whose first and last
    characters are printable ASCII (nearly all) is passed through after a cheap look at both
    ends, and only the rest go to the regular expression (measured on 2,000,000 references:
    the same time as the ASCII-only look it replaced, and a value that needs the expression
    costs about what the plain trim did). Not for the other columns: their
    Parquet dictionaries make the plain trim cheap, and with this CASE on them DuckDB's scans
    took much more memory (measured: out of memory at a 700 MB limit)."""
    pattern = f"^{_REF_CLASS}+|{_REF_CLASS}+$"
    return (
        f"CASE WHEN ascii({expr}) BETWEEN 33 AND 126 AND ascii(right({expr}, 1)) BETWEEN 33 "
        f"AND 126 THEN {expr} ELSE regexp_replace({expr}, {sql_str(pattern)}, '', 'g') END"
    )


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _first_format(value: str, formats: tuple[str, ...], by_length: dict[int, list[str]]) -> str:
    """``try_strptime`` against ``formats``, with a fast path: a value of a fixed-width length
    is tried first against the formats of that length (one format, not the whole list), and
    only a value none of them reads goes to the list. The result is the list's own, as the
    fast path tries formats of the list; it is about 4x faster on ISO timestamps."""
    listed = "[" + ", ".join(sql_str(f) for f in formats) + "]"
    branches = " ".join(
        f"WHEN {length} THEN "
        + (
            f"try_strptime({value}, {sql_str(fmts[0])})"
            if len(fmts) == 1
            else "coalesce(" + ", ".join(f"try_strptime({value}, {sql_str(f)})" for f in fmts) + ")"
        )
        for length, fmts in sorted(by_length.items())
    )
    return f"coalesce(CASE length({value}) {branches} END, try_strptime({value}, {listed}))"


def _text_date_sql(value: str) -> str:
    """The SQL date of a text value, read only with the accepted formats (a value with a '/'
    only with the UK ones, the rest only with ISO: one short list per value). DuckDB's %Y also
    takes 1 to 3 digits ("01/02/19" would be AD 19): a year before 1000 can only come from
    fewer than four digits, so it is refused. The parsed value is referenced once (a CASE would
    evaluate it twice)."""
    iso = _first_format(value, ISO_FORMATS, _fixed_widths(ISO_FORMATS))
    uk = _first_format(value, UK_FORMATS, _fixed_widths(UK_FORMATS))
    parsed = f"CAST(CASE WHEN contains({value}, '/') THEN {uk} ELSE {iso} END AS DATE)"
    return f"nullif(greatest({parsed}, DATE '0999-12-31'), DATE '0999-12-31')"


def _fixed_widths(formats: tuple[str, ...]) -> dict[int, list[str]]:
    """Formats by the length of the values they read when every field is zero-padded
    (%Y 4 characters, the others 2); formats with fractions of a second vary and are left to
    the list."""
    widths: dict[int, list[str]] = {}
    for fmt in formats:
        if "%f" in fmt:
            continue
        length = len(re.sub("%[A-Za-z]", lambda m: "YYYY" if m[0] == "%Y" else "00", fmt))
        widths.setdefault(length, []).append(fmt)
    return widths


def _csv_header(path: Path) -> list[str]:
    with path.open("rb") as f:
        first = f.readline()
    try:
        line = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: line 1: not UTF-8 text ({exc.reason})") from exc
    header = next(csv.reader([line]), None)
    if not header or not any(h.strip() for h in header):
        raise SourceError(f"{path}: the file is empty (no header line)")
    # an empty name (a trailing comma in an Excel export) becomes a column nobody reads
    return [h if h.strip() else f"_unnamed_{i + 1}" for i, h in enumerate(header)]


def _physical_line(path: Path, record_index: int) -> int:
    """The physical line where data record ``record_index`` (0-based) starts; header is line 1."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        line = reader.line_num + 1
        i = 0
        for row in reader:
            if row:  # DuckDB skips blank lines: they are not records
                if i == record_index:
                    return line
                i += 1
            line = reader.line_num + 1
    return line


def _canonical_columns(path: Path, names: list[str]) -> dict[str, str]:
    """Map canonical name -> column name in the file (names compared trimmed, lower case)."""
    mapping: dict[str, str] = {}
    for name in names:
        canon = name.strip().lower()
        if canon in mapping:
            raise SourceError(f"{path}: column {canon!r} appears twice in the header")
        mapping[canon] = name
    missing = [c for c in REQUIRED if c not in mapping]
    if missing:
        raise SourceError(
            f"{path}: missing required column {missing[0]!r} "
            f"(a standard extract needs {', '.join(REQUIRED)})"
        )
    return mapping


def canonical_select(
    path: Path | str, names: list[str], date_types: dict[str, str], require_text: bool = True
) -> tuple[list[str], tuple[str, ...], dict[str, str]]:
    """The canonical columns (not the text) of a standard extract with columns ``names``
    (``date_types``: the
    Arrow type of each typed column; text otherwise), as DuckDB select expressions: the one
    statement of how a raw extract's values are read (trimmed, codes padded, statuses spelled
    canonically, dates only in the accepted formats). The embedded engine runs it over the
    file, the Spark engine over each task's Arrow batches (DuckDB inside the executor).
    Returns the expressions, the text fields and the mapping of canonical name to column
    (``require_text``: a file with no text field is refused; off where the text columns are
    read apart)."""
    mapping = _canonical_columns(Path(path), names)
    text_fields = tuple(c for c in mapping if c == "text" or c.startswith("text_"))
    if require_text and not text_fields:
        raise no_text_column(Path(path))

    def col(canon: str) -> str:
        if canon not in mapping:
            return "NULL::VARCHAR"
        return f"CAST({ident(mapping[canon])} AS VARCHAR)"

    raw_date = ident(mapping["recorded_date"])
    dtype = date_types.get(mapping["recorded_date"], "string")
    if dtype.startswith("timestamp") and "tz=" in dtype:
        # a zoned timestamp counts by its date in UTC, on every machine
        date_expr = f"CAST(timezone('UTC', {raw_date}) AS DATE)"
    elif dtype.startswith(("date", "timestamp")):
        date_expr = f"CAST({raw_date} AS DATE)"
    else:
        date_expr = _text_date_sql(_trim(f"CAST({raw_date} AS VARCHAR)"))
    select = [
        f"nullif({_trim_ref(col('crime_ref'))}, '') AS crime_ref",
        f"{date_expr} AS recorded_date",
        f"{col('recorded_date')} AS recorded_date_raw",
        f"nullif({_trim(col('offence'))}, '') AS offence",
        f"regexp_replace(upper(replace(nullif({_trim(col('ho_code'))}, ''), ' ', '')), "
        f"{sql_str(HO_CODE_PADDING[0])}, {sql_str(HO_CODE_PADDING[1])}) AS ho_code",
        f"nullif({_trim(col('outcome'))}, '') AS outcome",
        f"upper(nullif({_trim(col('ho_outcome'))}, '')) AS ho_outcome",
        f"{_status_sql(col('status'))} AS status",
    ]
    return select, text_fields, mapping


def text_select(
    mapping: dict[str, str], text_fields: tuple[str, ...], types: dict[str, str] | None = None
) -> list[str]:
    """The text fields of a standard extract as DuckDB select expressions (read as they are;
    a column of bytes, ``types`` saying so, read as UTF-8: a cast would escape them)."""

    def text(name: str) -> str:
        if (types or {}).get(name, "").startswith(("binary", "large_binary")):
            return f"decode({ident(name)})"
        return f"CAST({ident(name)} AS VARCHAR)"

    return [f"{text(mapping[f])} AS {ident(f)}" for f in text_fields]


def load_snapshot(con: duckdb.DuckDBPyConnection, index: int, spec: SourceSpec) -> LoadedSource:
    """A snapshot folder written by ``foidesk ingest``: already validated and canonical; its
    hash is read from the manifest, not recomputed."""
    manifest = json.loads((spec.path / "manifest.json").read_text(encoding="utf-8"))
    table = f"src_{index}"
    text_fields = tuple(manifest.get("text_fields", []))
    text = "".join(f", {ident(t)}" for t in text_fields)
    con.execute(
        f"CREATE VIEW {table} AS SELECT file_row_number AS record_no, crime_ref, "
        f"recorded_date, CAST(recorded_date AS VARCHAR) AS recorded_date_raw, offence, "
        f"ho_code, outcome, ho_outcome, status{text} "
        f"FROM read_parquet({sql_str(str(spec.path / 'crimes.parquet'))}, "
        f"file_row_number = true)"
    )
    notes_table = None
    if (spec.path / "notes.parquet").is_file():
        notes_table = f"notes_{index}"
        con.execute(
            f"CREATE VIEW {notes_table} AS SELECT crime_ref, entry, text "
            f"FROM read_parquet({sql_str(str(spec.path / 'notes.parquet'))})"
        )
    row = first_row(con, f"SELECT count(*) FROM {table}")
    size = sum(p.stat().st_size for p in spec.path.iterdir() if p.is_file())
    return LoadedSource(
        index=index,
        spec=spec,
        table=table,
        text_fields=text_fields,
        rows_read=int(row[0]) if row else 0,
        digest=lambda: str(manifest.get("snapshot_sha256", "")),
        size_bytes=size,
        notes_table=notes_table,
        rows_unreadable=unreadable_rows(manifest),
        notes_unread=unreadable_notes(manifest),
    )


def load_source(con: duckdb.DuckDBPyConnection, index: int, spec: SourceSpec) -> LoadedSource:
    """Read one source into DuckDB table ``src_<index>``. Its rows are checked by
    ``validate_source``, which the engine calls only for a source with an unusable row (it
    finds them in a scan it makes anyway: ``UNUSABLE_SQL``)."""
    set_run_day(con)
    if spec.format == "snapshot":
        return load_snapshot(con, index, spec)
    hasher = FileHasher(spec.path)
    if spec.format == "csv":
        names = _csv_header(spec.path)
        columns = "{" + ", ".join(f"{sql_str(n)}: 'VARCHAR'" for n in names) + "}"
        scan = (
            f"read_csv({sql_str(str(spec.path))}, header = true, auto_detect = false, "
            f"columns = {columns}, delim = ',', quote = '\"', escape = '\"', "
            f"strict_mode = true, encoding = 'utf-8')"
        )
        date_types: dict[str, str] = {}
    else:
        try:
            schema = pq.read_schema(spec.path)
        except Exception as exc:
            raise SourceError(f"{spec.path}: not a readable Parquet file ({exc})") from exc
        names = list(schema.names)
        scan = f"read_parquet({sql_str(str(spec.path))}, file_row_number = true)"
        date_types = {n: str(schema.field(n).type) for n in names}
    select, text_fields, mapping = canonical_select(spec.path, names, date_types)
    select += text_select(mapping, text_fields, date_types)
    table = f"src_{index}"
    try:
        if spec.format == "csv":
            # CSV is parsed once into a table (on disk when the engine's database is)
            con.execute(f"CREATE TABLE {table}_data AS SELECT {', '.join(select)} FROM {scan}")
            con.execute(f"CREATE VIEW {table} AS SELECT rowid AS record_no, * FROM {table}_data")
        else:
            # Parquet is read where it lies: filters and projections are pushed into the scan
            select.insert(0, "file_row_number AS record_no")
            con.execute(f"CREATE VIEW {table} AS SELECT {', '.join(select)} FROM {scan}")
    except duckdb.OutOfMemoryException:
        raise  # the engine says so, naming its memory limit: not a fault of the file
    except duckdb.Error as exc:
        message = " ".join(str(exc).split())[:400]
        hint = (
            " (answer reads UTF-8 CSV in the standard layout; foidesk ingest reads other "
            "encodings and layouts)"
            if spec.format == "csv"
            else ""
        )
        raise SourceError(
            f"{spec.path}: cannot be read as {spec.format.upper()}: {message}{hint}"
        ) from exc
    if "system" in mapping:
        systems = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT trim(CAST({ident(mapping['system'])} AS VARCHAR)) FROM {scan} "
                f"WHERE nullif(trim(CAST({ident(mapping['system'])} AS VARCHAR)), '') IS NOT NULL"
            ).fetchall()
        ]
        if len(systems) > 1:
            raise several_systems(spec.path, systems)
    row = first_row(con, f"SELECT count(*) FROM {table}")
    return LoadedSource(
        index=index,
        spec=spec,
        table=table,
        text_fields=text_fields,
        rows_read=int(row[0]) if row else 0,
        digest=hashed(hasher, spec.path),
        stop_hash=hasher.stop,
        size_bytes=spec.path.stat().st_size,
    )


def line_of_record(spec: SourceSpec, record: int) -> str:
    """Where record ``record`` (0-based) of a source is: a CSV's physical line, else its row."""
    if spec.format == "csv":
        return f"line {_physical_line(spec.path, record)}"
    if spec.format == "snapshot":
        return f"row {record + 1} of crimes.parquet"
    return f"row {record + 1}"


def line_of(source: LoadedSource, record: int) -> str:
    """Where record ``record`` of a loaded source is (see ``line_of_record``)."""
    return line_of_record(source.spec, record)


def validate_source(con: duckdb.DuckDBPyConnection, source: LoadedSource) -> None:
    """Stop with the file, line and field of the first unusable row of ``source``, if any
    (a snapshot was validated by ingest)."""
    if source.spec.format != "snapshot":
        _validate(con, source.table, source.spec)


_STATUS_VALUES = tuple(dict.fromkeys(STATUSES.values()))


def _status_sql(column: str) -> str:
    """A status as its canonical value (``ingest.record.STATUSES``): blank is recorded."""
    value = f"lower(coalesce({_trim(column)}, ''))"
    spellings = " ".join(
        f"WHEN {sql_str(k)} THEN {sql_str(v)}" for k, v in STATUSES.items() if k != v
    )
    return f"CASE {value} {spellings} ELSE {value} END"


# the day of the run, the last recorded date in range: a DuckDB variable set by ``load_source``
# (UNUSABLE_SQL is a constant the engine puts in its scan; the day is known only at the run)
_RUN_DAY_NAME = "foidesk_run_day"
_RUN_DAY = f"getvariable('{_RUN_DAY_NAME}')"

# what makes a row unusable: (canonical field shown, SQL condition, message)
_CHECKS = (
    ("crime_ref", "crime_ref IS NULL", "crime_ref is empty"),
    ("offence", "offence IS NULL", "offence is empty"),
    (
        "recorded_date_raw",
        "recorded_date IS NULL",
        "recorded_date {value} is not a date (" + DATE_FORMATS_HELP + ")",
    ),
    (
        "recorded_date_raw",
        f"recorded_date NOT BETWEEN DATE '{FIRST_DATE.isoformat()}' AND {_RUN_DAY}",
        "recorded_date {value} is out of range (" + DATE_RANGE_HELP + ", {today})",
    ),
    (
        "status",
        f"status NOT IN ({', '.join(sql_str(s) for s in _STATUS_VALUES)})",
        "status {value} is not one of " + ", ".join(_STATUS_VALUES) + " (or blank)",
    ),
)

# the checks for engines that run them themselves (Spark runs each condition in its tasks)
UNUSABLE_CHECKS = _CHECKS

# SQL over a source's canonical columns, true for an unusable row (an engine can compute it in a
# scan it makes anyway, and call ``validate_source`` only for a source with such a row)
UNUSABLE_SQL = "(" + " OR ".join(condition for _, condition, _ in _CHECKS) + ")"


def set_run_day(con: duckdb.DuckDBPyConnection, day: date | None = None) -> None:
    """Give ``_RUN_DAY`` its value (``record.run_day()``) on ``con``: set as each source is
    loaded, so that the scan that finds unusable rows and the check that names them agree."""
    con.execute(f"SET VARIABLE {_RUN_DAY_NAME} = DATE '{(day or run_day()).isoformat()}'")


def _validate(con: duckdb.DuckDBPyConnection, table: str, spec: SourceSpec) -> None:
    """One scan counts every kind of bad row; only a source with one is looked at again."""
    checks = _CHECKS
    counts = first_row(
        con,
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE {condition})" for _, condition, _ in checks)
        + f" FROM {table}",
    )
    for (field, condition, message), count in zip(checks, counts, strict=True):
        if not count:
            continue
        bad: Any = first_row(
            con,
            f"SELECT record_no, {field} FROM {table} WHERE {condition} ORDER BY record_no LIMIT 1",
        )
        today = first_row(con, f"SELECT {_RUN_DAY}")[0]
        raise unusable_error(spec, message, int(bad[0]), bad[1], count, today)


def unusable_error(
    spec: SourceSpec, message: str, record: int, value: Any, count: int, today: Any
) -> SourceError:
    """The one line for a source's first unusable row (``UNUSABLE_CHECKS``' message filled in
    with the row's value): record ``record`` (0-based), ``count`` rows with the problem."""
    more = f" ({count} rows have this problem)" if count > 1 else ""
    text = message.format(value=repr(value), today=today)
    return SourceError(f"{spec.path}: {line_of_record(spec, record)}: {text}{more}")
