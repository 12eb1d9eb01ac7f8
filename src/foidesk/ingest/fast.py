"""The fast path for a well-formed UTF-8 CSV file: DuckDB's CSV reader instead of Python's.

Its place in the flow: ``snapshot._build`` opens every input with ``readers.open_reader`` (the
header, encoding and delimiter are the ``CsvReader``'s, and ``Canonicalizer`` checks the
header as ever), then, for a CSV source this module accepts (``eligible``), calls
``read_source`` instead of iterating ``CsvReader.records()`` through ``Canonicalizer``. It
hands the same rows (with ``_source``, ``_line``) to the source's ``snapshot.CrimesPart``, as
the line-by-line path does, and returns the quarantined lines and the manifest's facts, or
None: then the part is discarded and the file is read line by line, WHOLE, as before.

Exactness (the snapshot, ``quarantine.csv`` and the manifest are those of the line-by-line
path on every file this path takes) rests on three things:

1. DuckDB parses a record as Python's ``csv`` module (strict, ``"`` doubled inside quotes)
   does. Where DuckDB is more lenient it drops bytes (spaces around a quoted field, a
   trailing delimiter); the file is checked to hold exactly the bytes the parsed values,
   delimiters and line ends account for (quotes aside), else the file falls back. Anything
   DuckDB cannot parse (a wrong field count, a quote left open, text after a closing quote,
   bytes that are not UTF-8, a line longer than its limit) falls back too.
2. Line numbers are computed: the header is line 1 and each record takes 1 + the line breaks
   inside its fields. That holds when the file has no line the records do not account for (a
   blank line, which both readers skip, a lone CR, which Python's reader ends a line at): the
   file's physical lines are counted and must equal the sum, else it falls back.
3. The canonical rules are ``Canonicalizer``'s own per-field functions, applied to each
   DISTINCT value (exports repeat dates, offences, statuses, codes) and taken back to the rows
   in Arrow; crime references whose first and last characters are printable ASCII (nearly
   all) are unchanged by ``trim_ref``, so only the others go through Python.

The line-by-line reader's rules for quoted fields that run over several lines
(``CsvReader.records``: judged unclosed when the lines after the first read as whole records,
or past the limits) are checked on every multi-line record; when one might be so judged, the
file falls back. Notes files (``--notes``) are always read line by line. The environment
variable ``FOIDESK_INGEST_SLOW=1`` (or ``ingest(..., fast=False)``) switches this path off.
"""

from __future__ import annotations

import gc
import os
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeGuard

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from foidesk.ingest.canonicalize import Canonicalizer
from foidesk.ingest.mapping import Mapping
from foidesk.ingest.readers import QUOTED_CHARS_LIMIT, QUOTED_LINES_LIMIT, CsvReader

SLOW_VARIABLE = "FOIDESK_INGEST_SLOW"  # =1: every file line by line (for tests, comparisons)
BATCH_ROWS = 122_880  # snapshot.ROW_GROUP: a batch is a row group (none copied to make one)
CHUNK = 8 << 20
MAX_QUARANTINED = 100_000  # more quarantined rows than this: read line by line (bounded memory)


def enabled(fast: bool | None) -> bool:
    """Whether the fast path may be tried: ``fast`` if given, else not FOIDESK_INGEST_SLOW=1."""
    if fast is not None:
        return fast
    return os.environ.get(SLOW_VARIABLE, "").strip() not in ("1", "true", "yes")


def eligible(reader: Any, mapping: Mapping) -> TypeGuard[CsvReader]:
    """True for a CSV source this path may take: UTF-8 (with or without BOM), the standard
    quote, a one-byte delimiter, two columns or more (a one-column file has blank-line rules
    of its own), and a header line whose quotes balance."""
    if not isinstance(reader, CsvReader):
        return False
    delimiter = reader.delimiter
    return (
        reader.encoding in ("utf-8", "utf-8-sig")
        and reader.quote == '"'
        and len(delimiter) == 1
        and delimiter.isascii()
        and delimiter not in '"\r\n'
        and len(reader.columns) >= 2
        and reader._header_lines == 1
    )


class _Fallback(Exception):
    """The file cannot be taken by this path: read it line by line."""


@dataclass
class _FileFacts:
    """What one pass over the raw bytes says: sha256, line ends, quotes, the header line."""

    sha256: str = ""
    size: int = 0
    newlines: int = 0
    crs: int = 0
    crlfs: int = 0
    quotes: int = 0
    ends_with_newline: bool = False
    header: bytes = b""
    error: BaseException | None = None


class _Counter:
    """Counts of given bytes in buffers, by numpy comparisons into one scratch array reused
    (bytes.count holds the GIL and is ~10x slower; a new array each time costs page faults)."""

    def __init__(self) -> None:
        self.scratch = np.empty(0, dtype=bool)
        self.other = np.empty(0, dtype=bool)

    def _room(self, n: int) -> None:
        if len(self.scratch) < n:
            self.scratch = np.empty(max(n, 2 * len(self.scratch)), dtype=bool)
            self.other = np.empty(len(self.scratch), dtype=bool)

    def count(self, data: np.ndarray, byte: int) -> int:
        """How many of ``data``'s bytes (uint8) are ``byte``."""
        self._room(len(data))
        out = self.scratch[: len(data)]
        np.equal(data, byte, out=out)
        return int(np.count_nonzero(out))

    def pairs(self, data: np.ndarray, first: int, second: int) -> int:
        """How many times ``first`` is followed by ``second`` in ``data``."""
        n = len(data) - 1
        if n <= 0:
            return 0
        self._room(n)
        one, two = self.scratch[:n], self.other[:n]
        np.equal(data[:-1], first, out=one)
        np.equal(data[1:], second, out=two)
        np.logical_and(one, two, out=one)
        return int(np.count_nonzero(one))


def _scan(path: Path, facts: _FileFacts) -> None:
    """Hash the file and count its line ends and quotes in one pass (run in a thread)."""
    import hashlib

    try:
        sha = hashlib.sha256()
        counter = _Counter()
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        raw = np.frombuffer(buffer, dtype=np.uint8)
        last = -1
        with path.open("rb", buffering=0) as f:
            while size := f.readinto(buffer):
                chunk = raw[:size]
                sha.update(view[:size])
                if not facts.size:
                    end = bytes(view[:size]).find(b"\n")
                    facts.header = bytes(view[:size] if end < 0 else view[: end + 1])
                facts.size += size
                facts.newlines += counter.count(chunk, 10)
                crs = counter.count(chunk, 13)
                if crs or last == 13:
                    facts.crs += crs
                    facts.crlfs += counter.pairs(chunk, 13, 10) + (last == 13 and chunk[0] == 10)
                facts.quotes += counter.count(chunk, 34)
                last = int(chunk[-1])
        facts.ends_with_newline = last == 10
        facts.sha256 = sha.hexdigest()
    except BaseException as exc:  # raised in the caller's thread
        facts.error = exc


@dataclass
class FastSource:
    """A source read by this path: its quarantined lines and the manifest's facts."""

    rows_read: int
    sha256: str
    quarantined: list[tuple[int, str]] = field(default_factory=list)


def _sql(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# -- Arrow and numpy without pandas: pyarrow's pa.array, pa.scalar and to_numpy import pandas
# (0.3 to 0.45 s, a third of this path's whole time on a 500,000-row file), so arrays are made
# from their buffers here

_NUMPY = {pa.int32(): np.int32, pa.int64(): np.int64, pa.uint64(): np.uint64}
_EPOCH = date(1970, 1, 1)


def arrow_of(values: np.ndarray) -> pa.Array:
    """A numpy array of int32, int64 or bool as an Arrow array (no nulls)."""
    n = len(values)
    if values.dtype == np.bool_:
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(bits)])
    kind = {np.dtype(np.int32): pa.int32(), np.dtype(np.int64): pa.int64()}[values.dtype]
    return pa.Array.from_buffers(kind, n, [None, pa.py_buffer(np.ascontiguousarray(values))])


def numpy_of(array: pa.Array) -> np.ndarray:
    """An Arrow array of int32, int64, uint64 or bool without nulls as a numpy array."""
    n = len(array)
    data = array.buffers()[1]
    if pa.types.is_boolean(array.type):
        if data is None or not n:
            return np.zeros(n, dtype=bool)
        bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8), bitorder="little")
        return bits[array.offset : array.offset + n].astype(bool)
    dtype = np.dtype(_NUMPY[array.type])
    if data is None or not n:
        return np.zeros(n, dtype=dtype)
    return np.frombuffer(data, dtype=dtype, count=n, offset=array.offset * dtype.itemsize)


def _list_array(values: list[Any], kind: pa.DataType) -> pa.Array:
    """A short Python list (one item per distinct value) of str, date or None as an Arrow
    array of ``kind`` (string or date32)."""
    n = len(values)
    valid = np.fromiter((v is not None for v in values), dtype=bool, count=n)
    nulls = n - int(valid.sum())
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little")) if nulls else None
    if kind == pa.date32():
        days = np.fromiter(
            ((v - _EPOCH).days if v is not None else 0 for v in values), dtype=np.int32, count=n
        )
        return pa.Array.from_buffers(kind, n, [bitmap, pa.py_buffer(days)], null_count=nulls)
    encoded = [v.encode("utf-8") if v is not None else b"" for v in values]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int32, count=n), out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(kind, n, [bitmap, pa.py_buffer(offsets), data], null_count=nulls)


class _Distinct:
    """A per-field function applied once per distinct value (cached across batches), its
    results taken back to the rows as Arrow arrays."""

    def __init__(self, function: Any, types: tuple[pa.DataType, ...]) -> None:
        self.function = function
        self.types = types
        self.cache: dict[Any, Any] = {}

    def _result(self, value: Any) -> Any:
        if value not in self.cache:
            result = self.function(value)
            self.cache[value] = result if len(self.types) > 1 else (result,)
        return self.cache[value]

    def arrays(self, values: pa.Array | None, constant: Any, rows: int) -> list[pa.Array]:
        """One array per result of the function, for every row: of the column ``values``,
        or of ``constant``. A result that is the value itself for every distinct value (an
        offence already trimmed) is the column as it is; one that is None for all (no reason
        to quarantine) is all null; only the others are taken value by value."""
        if values is None:
            distinct = [constant]
            indices = arrow_of(np.zeros(rows, dtype=np.int32))
        else:
            encoded = pc.dictionary_encode(values)
            distinct = encoded.dictionary.to_pylist()
            indices = encoded.indices
        results = [self._result(v) for v in distinct]
        arrays = []
        for k, kind in enumerate(self.types):
            column = [r[k] for r in results]
            if all(c is None for c in column):
                arrays.append(pa.nulls(rows, kind))
            elif values is not None and kind == pa.string() and column == distinct:
                arrays.append(values)
            else:
                arrays.append(pc.take(_list_array(column, kind), indices))
        return arrays


class _Columns:
    """Where each canonical field comes from: a column (its position) or a constant."""

    def __init__(self, canon: Canonicalizer) -> None:
        self.canon = canon
        self.constants = canon.mapping.constants
        self.fields = canon.fields

    def get(self, batch: list[pa.Array], name: str) -> tuple[pa.Array | None, Any]:
        if name in self.constants:
            return None, self.constants[name]
        position = self.fields[name]
        return (None, None) if position is None else (batch[position], None)


def read_source(
    reader: CsvReader,
    canon: Canonicalizer,
    index: int,
    schema: pa.Schema,
    part: Any,
    database: duckdb.DuckDBPyConnection | None = None,
    pause_gc: bool = False,
) -> FastSource | None:
    """Read ``reader``'s file through DuckDB into ``part`` (``snapshot.CrimesPart``: rows of
    ``schema``), or None when it must be read line by line, whole (the caller then discards
    ``part``, and what was written to it). ``database``: a DuckDB connection to read with (a
    cursor of it; connecting takes 20 to 50 ms), else one of its own. ``pause_gc``: the
    garbage collector is off while the rows are read (process-wide: only for a caller that
    owns the process; the loop makes no cycles, and the collector's passes cost about 40 ms)."""
    facts = _FileFacts()
    scanner = threading.Thread(target=_scan, args=(reader.path, facts), daemon=True)
    scanner.start()
    try:
        con = database.cursor() if database is not None else duckdb.connect()
        collecting = pause_gc and gc.isenabled()
        if collecting:
            gc.disable()
        try:
            return _read(reader, canon, index, schema, part, facts, scanner, con)
        finally:
            if collecting:
                gc.enable()
            con.close()
    except (_Fallback, duckdb.Error, pa.ArrowInvalid):
        # _Fallback: a check below failed; duckdb.Error: DuckDB refused the file (a wrong
        # field count, a quote left open, bytes that are not UTF-8, ...). The line-by-line
        # path reads it and says which rows and why.
        scanner.join()
        return None


def _read(
    reader: CsvReader,
    canon: Canonicalizer,
    index: int,
    schema: pa.Schema,
    part: Any,
    facts: _FileFacts,
    scanner: threading.Thread,
    con: duckdb.DuckDBPyConnection,
) -> FastSource:
    width = len(reader.columns)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = true")  # the batches in the file's order
    query = (
        f"SELECT * FROM read_csv({_sql(str(reader.path))}, header = true, auto_detect = false, "
        f"columns = {columns}, delim = {_sql(reader.delimiter)}, quote = '\"', escape = '\"', "
        "strict_mode = true, null_padding = false, ignore_errors = false, encoding = 'utf-8', "
        # an empty field is '' as in Python's reader (a NUL field would be NULL: falls back)
        "nullstr = chr(0), allow_quoted_nulls = false)"
    )
    fields = _Columns(canon)
    string, checked = pa.string(), (pa.string(), pa.string())
    rules = {
        "crime_ref": _Distinct(canon.ref_of, checked),
        "recorded_date": _Distinct(canon.date_of, (pa.date32(), pa.string())),
        "offence": _Distinct(canon.offence_of, checked),
        "status": _Distinct(canon.status_of, checked),
        "ho_code": _Distinct(canon.ho_code_of, (string,)),
        "outcome": _Distinct(canon.outcome_of, (string,)),
        "ho_outcome": _Distinct(canon.ho_outcome_of, (string,)),
    }
    systems: set[Any] = set()
    text_names = [n for n in schema.names if n.startswith("text")]
    quarantined: list[tuple[int, str]] = []
    rows = 0
    lines = 1  # the header's; each record adds 1 + the line breaks inside its fields
    value_bytes = value_quotes = value_newlines = value_crs = 0
    counter = _Counter()
    stream = con.sql(query).to_arrow_reader(BATCH_ROWS)
    try:
        for batch in stream:
            n = batch.num_rows
            if not n:
                continue
            cols = [batch.column(i).cast(string) for i in range(width)]
            if any(col.null_count for col in cols):
                raise _Fallback  # a field that is one NUL character
            breaks = np.zeros(n, dtype=np.int64)
            for col in cols:
                data = _values(col)
                value_bytes += len(data)
                value_quotes += counter.count(data, 34)
                if counter.count(data, 10):
                    breaks += numpy_of(pc.count_substring(col, "\n"))
            value_newlines += int(breaks.sum())
            starts = lines + 1 + np.concatenate(([0], np.cumsum(1 + breaks)[:-1]))
            lines += int(n + breaks.sum())
            # a CR in a value is followed by LF there (a lone CR falls back: _check_accounting),
            # so only the records with line breaks can hold one
            for i in np.nonzero(breaks)[0]:
                values = [c[int(i)].as_py() for c in cols]
                value_crs += sum(v.count("\r") for v in values)
                _check_multiline(reader, values, int(breaks[i]))
            if canon._system is not None:
                systems.update(pc.unique(cols[canon._system]).to_pylist())
            ref, recorded, offence, status, reason = _reasons_and_rows(cols, n, fields, rules)
            out: dict[str, Any] = {
                "crime_ref": ref,
                "recorded_date": recorded,
                "offence": offence,
                "status": status,
            }
            for name in ("ho_code", "outcome", "ho_outcome"):
                out[name] = rules[name].arrays(*fields.get(cols, name), n)[0]
            for name in text_names:
                position = canon.text.get(name)
                out[name] = cols[position] if position is not None else pa.nulls(n, string)
            out["_source"] = arrow_of(np.full(n, index, dtype=np.int32))
            out["_line"] = arrow_of(starts.astype(np.int64))
            table = pa.table([out[name] for name in schema.names], schema=schema)
            if reason.null_count < n:  # rows to quarantine, each with its first reason
                bad = numpy_of(pc.indices_nonzero(pc.is_valid(reason)))
                quarantined += zip(
                    starts[bad].tolist(), pc.drop_null(reason).to_pylist(), strict=True
                )
                if len(quarantined) > MAX_QUARANTINED:
                    raise _Fallback
                table = table.filter(pc.is_null(reason))
            part.add(table)
            rows += n
    finally:
        stream.close()
    scanner.join()
    if facts.error is not None:
        raise facts.error
    _check_accounting(
        reader, facts, rows, lines, value_bytes - value_quotes, value_newlines, value_crs
    )
    for system in systems:  # as Canonicalizer.__call__ collects them
        canon.add_system(system)
    return FastSource(rows, facts.sha256, quarantined)


def _values(col: pa.Array) -> np.ndarray:
    """The UTF-8 bytes of a string array's values, end to end, as a numpy view (no copy)."""
    offsets = np.frombuffer(
        col.buffers()[1], dtype=np.int32, count=len(col) + 1, offset=4 * col.offset
    )
    data = col.buffers()[2]
    if data is None:
        return np.zeros(0, dtype=np.uint8)
    return np.frombuffer(data, dtype=np.uint8)[int(offsets[0]) : int(offsets[-1])]


def _printable_ends(col: pa.Array) -> np.ndarray:
    """Per value: True when its first and last characters are printable ASCII (so
    ``trim_ref`` leaves it as it is; an empty value is False). In UTF-8 a byte from 0x21 to
    0x7E is always a whole character, so the first and last bytes tell."""
    n = len(col)
    offsets = np.frombuffer(col.buffers()[1], dtype=np.int32, count=n + 1, offset=4 * col.offset)
    data = col.buffers()[2]
    if data is None:
        return np.zeros(n, dtype=bool)
    raw = np.frombuffer(data, dtype=np.uint8)
    start, end = offsets[:-1], offsets[1:]
    full = end > start
    first = raw[np.where(full, start, 0)] if len(raw) else np.zeros(n, dtype=np.uint8)
    last = raw[np.where(full, end - 1, 0)] if len(raw) else np.zeros(n, dtype=np.uint8)
    ok = (first >= 0x21) & (first <= 0x7E) & (last >= 0x21) & (last <= 0x7E)
    return np.asarray(full & ok, dtype=bool)


def _reasons_and_rows(
    cols: list[pa.Array], n: int, fields: _Columns, rules: dict[str, _Distinct]
) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array, pa.Array]:
    """The checked fields of a batch and each row's reason to quarantine (the first that
    fails, in ``Canonicalizer.__call__``'s order: reference, date, offence, status)."""
    arr, const = fields.get(cols, "crime_ref")
    if arr is None:
        ref, ref_reason = rules["crime_ref"].arrays(None, const, n)
    else:
        changed = arrow_of(~_printable_ends(arr))
        ref, ref_reason = arr, pa.nulls(n, pa.string())
        count = int(pc.sum(changed).as_py() or 0)
        if count:  # through trim_ref, one distinct value at a time
            fixed, why = rules["crime_ref"].arrays(pc.filter(arr, changed), None, count)
            ref = pc.replace_with_mask(arr, changed, fixed)
            ref_reason = pc.replace_with_mask(ref_reason, changed, why)
    recorded, date_reason = rules["recorded_date"].arrays(*fields.get(cols, "recorded_date"), n)
    offence, offence_reason = rules["offence"].arrays(*fields.get(cols, "offence"), n)
    status, status_reason = rules["status"].arrays(*fields.get(cols, "status"), n)
    reason = pc.coalesce(ref_reason, date_reason, offence_reason, status_reason)
    return ref, recorded, offence, status, reason


def _check_multiline(reader: CsvReader, values: list[str], breaks: int) -> None:
    """Fall back unless the line-by-line reader surely reads this multi-line record as one
    record: it has fewer lines and characters than the limits, and (with three columns or
    more) the first non-blank line after its first is not a whole record on its own. That line
    holds, quotes aside, the same characters as the values joined by the delimiter: with fewer
    delimiters than the header's it is not whole (``CsvReader._whole``)."""
    if breaks + 1 > QUOTED_LINES_LIMIT:
        raise _Fallback
    if 2 * sum(len(v) for v in values) + 3 * len(values) + 2 > QUOTED_CHARS_LIMIT:
        raise _Fallback
    if len(reader.columns) < 3:
        return
    text = reader.delimiter.join(values)
    for line in text.split("\n")[1:]:
        if line.strip():
            if line.count(reader.delimiter) >= len(reader.columns) - 1:
                raise _Fallback  # it might read as a whole record: let the reader judge
            return


def _check_accounting(
    reader: CsvReader,
    facts: _FileFacts,
    rows: int,
    lines: int,
    value_bytes: int,
    value_newlines: int,
    value_crs: int,
) -> None:
    """Fall back unless the records account for every line and every byte of the file
    (``value_bytes``: the UTF-8 bytes of every value, quotes not counted)."""
    if facts.crs != facts.crlfs:
        raise _Fallback  # a lone CR ends a line for the line-by-line reader
    physical = facts.newlines + (0 if facts.ends_with_newline or not facts.size else 1)
    if physical != lines:
        raise _Fallback  # blank lines (or lines the records do not account for)
    header = facts.header  # the first physical line, with the byte-order mark if any
    rest = facts.size - len(header)
    rest_quotes = facts.quotes - header.count(b'"')
    rest_newlines = facts.newlines - header.count(b"\n")
    rest_crs = facts.crs - header.count(b"\r")
    separators = rows * (len(reader.columns) - 1) * len(reader.delimiter.encode("utf-8"))
    ends = (rest_newlines - value_newlines) + (rest_crs - value_crs)
    if rest - rest_quotes != value_bytes + separators + ends:
        raise _Fallback  # bytes the parsed values do not account for (spaces around quotes)
