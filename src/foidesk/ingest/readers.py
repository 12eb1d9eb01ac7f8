"""Readers: every supported format as a stream of raw records with their line numbers.

Each reader has ``columns`` (the header) and ``records()``, which yields
``(line, values, problem)``: ``values`` a list aligned with ``columns`` (or None), ``problem``
a reason to quarantine the record (or None). ``line`` is where the record starts: the physical
line for CSV and JSON lines (the header is line 1, so a note spanning three lines moves every
later record three lines on), the sheet row for XLSX, the row number for Parquet and SQL.
A file that cannot be used at all raises ``FoideskError`` naming it and the problem. Files are
hashed as they are read (CSV, JSON lines) or alongside (XLSX, Parquet), never in a second pass.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from foidesk.errors import SourceError
from foidesk.ingest.hashing import FileHasher

Record = tuple[int, list[Any] | None, str | None]
SAMPLE_BYTES = 4 << 20
DELIMITERS = (",", ";", "\t", "|")
csv.field_size_limit(1 << 30)


class HashingReader(io.RawIOBase):
    """A binary file that updates a sha256 with every byte read through it."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self.sha.update(memoryview(buffer)[:n])
        return n or 0

    def close(self) -> None:
        self.raw.close()
        super().close()


def sniff_format(path: Path) -> str | None:
    """What the first bytes say a file is: 'zip' (XLSX), 'parquet', or None (text)."""
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head == b"PAR1":
        return "parquet"
    return None


def detect_encoding(path: Path) -> str:
    """utf-8-sig with a BOM; utf-8 when the first 4 MB decode as UTF-8; else cp1252."""
    with path.open("rb") as f:
        sample = f.read(SAMPLE_BYTES)
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 3:  # not merely a character cut at the sample's end
            return "cp1252"
    return "utf-8"


def _sniff_delimiter(line: str) -> str:
    counts = {d: 0 for d in DELIMITERS}
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _bad_text(values: list[Any], columns: list[str]) -> str | None:
    """A column holding bytes the encoding could not decode (kept as lone surrogates)."""
    for name, value in zip(columns, values, strict=False):
        if isinstance(value, str) and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return f"column {name!r} has bytes that are not valid in the file's encoding"
    return None


class CsvReader:
    """Delimited text with quoted multi-line fields; any delimiter; UTF-8 (BOM or not) or
    cp1252, detected or set."""

    def __init__(
        self, path: Path, encoding: str = "auto", delimiter: str | None = None, quote: str = '"'
    ) -> None:
        kind = sniff_format(path)
        if kind == "zip":
            raise SourceError(f'{path}: is a ZIP/XLSX file, not CSV (use format = "xlsx")')
        if kind == "parquet":
            raise SourceError(f"{path}: is a Parquet file, not CSV")
        self.path = path
        self.encoding = detect_encoding(path) if encoding == "auto" else encoding
        if self.encoding == "utf-8":
            with path.open("rb") as f:
                if f.read(3) == b"\xef\xbb\xbf":
                    self.encoding = "utf-8-sig"
        self._hashing = HashingReader(path.open("rb"))
        self._text = io.TextIOWrapper(
            io.BufferedReader(self._hashing, 1 << 20),
            encoding=self.encoding,
            errors="surrogateescape",
            newline="",
        )
        first = self._text.readline()
        if not first.strip():
            self.close()
            raise SourceError(f"{path}: the file is empty (no header line)")
        if "\x00" in first:
            self.close()
            raise SourceError(f"{path}: line 1: not a text file (NUL bytes in the header)")
        self.delimiter = delimiter or _sniff_delimiter(first)
        self.quote = quote
        rest = io.StringIO(first)
        header = next(csv.reader(rest, delimiter=self.delimiter, quotechar=quote))
        self.columns = [h.strip() for h in header]
        self._header_lines = first.count("\n") or 1

    @property
    def sha256(self) -> str:
        """The sha256 of the bytes read so far (all of them once ``records`` is exhausted)."""
        return self._hashing.sha.hexdigest()

    def records(self) -> Iterator[Record]:
        """Every data record with the physical line it starts on."""
        reader = csv.reader(self._text, delimiter=self.delimiter, quotechar=self.quote, strict=True)
        width = len(self.columns)
        line = self._header_lines + 1
        while True:
            start = line
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                line = self._header_lines + reader.line_num + 1
                if "unexpected end of data" in str(exc):
                    reason = (
                        f"a quote opened here is never closed: lines {start} to {line - 1} "
                        "(the end of the file) are one unreadable record"
                    )
                else:
                    reason = f"unreadable record ({exc})"
                yield start, None, reason
                continue
            line = self._header_lines + reader.line_num + 1
            if not values or (len(values) == 1 and not values[0].strip()):
                continue  # a blank line is not a record
            if len(values) != width:
                yield start, None, f"expected {width} fields, found {len(values)}"
                continue
            problem = _bad_text(values, self.columns)
            if problem:
                yield start, None, problem
                continue
            yield start, list(values), None
        self._text.read()  # hash to the end

    def close(self) -> None:
        """Close the file."""
        self._text.close()


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # kept whole: the canonical step takes its UTC date
            return value
        return value if (value.hour, value.minute, value.second) != (0, 0, 0) else value.date()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None or isinstance(value, date | str):
        return value
    return str(value)


def _blank(row: tuple[Any, ...] | list[Any]) -> bool:
    return not any(c is not None and str(c).strip() for c in row)


SheetStart = tuple[Any, Iterator[tuple[Any, ...]], int, tuple[Any, ...]]


def _sheet_start(sheet: Any) -> SheetStart | None:
    """The sheet, its row stream and its first non-blank row (the header) with its number;
    None for a sheet with no value in any cell."""
    rows = sheet.iter_rows(values_only=True)
    for number, row in enumerate(rows, start=1):
        if not _blank(row):
            return sheet, rows, number, row
    return None


class XlsxReader:
    """One sheet of an XLSX workbook, streamed row by row: the sheet the mapping names (read
    even when hidden: the user chose it, and ``sheet_read`` says so), else the one visible
    sheet that holds anything. Hidden sheets are never picked; empty sheets are not
    candidates; two or more visible sheets with data are refused, listing them."""

    def __init__(self, path: Path, sheet: str | None = None) -> None:
        import openpyxl  # only needed for XLSX

        if sniff_format(path) != "zip":
            raise SourceError(f"{path}: is not an XLSX file (no ZIP signature)")
        self.path = path
        self._hasher = FileHasher(path)
        try:
            self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise SourceError(f"{path}: cannot be read as XLSX ({exc})") from exc
        try:
            self._sheet, self._rows, self._header_row, header = self._choose(path, sheet)
        except BaseException:
            self._book.close()
            raise
        self.columns = [str(c).strip() if c is not None else "" for c in header]
        # the manifest records the sheet read and its state (visible, hidden or veryHidden)
        self.sheet_read = {"sheet": self._sheet.title, "sheet_state": self._sheet.sheet_state}
        self.encoding, self.delimiter = "xlsx", None

    def _choose(self, path: Path, name: str | None) -> SheetStart:
        book = self._book
        if name is not None:
            if name not in book.sheetnames:
                raise SourceError(
                    f"{path}: no sheet named {name!r} (sheets: {', '.join(book.sheetnames)})"
                )
            if book[name] not in book.worksheets:
                raise SourceError(f"{path}: sheet {name!r} is a chart, not a table")
            start = _sheet_start(book[name])
            if start is None:
                raise SourceError(f"{path}: sheet {name!r} is empty (no header row)")
            return start
        visible = [s for s in book.worksheets if s.sheet_state == "visible"]
        found = [start for start in map(_sheet_start, visible) if start is not None]
        if len(found) == 1:
            return found[0]
        ask = 'name the one to read with sheet = "..." in the mapping (in [notes] for notes)'
        if found:
            names = ", ".join(repr(start[0].title) for start in found)
            raise SourceError(f"{path}: {len(found)} visible sheets hold data ({names}): {ask}")
        hidden = [s.title for s in book.worksheets if s not in visible and _sheet_start(s)]
        if hidden:
            names = ", ".join(map(repr, hidden))
            raise SourceError(
                f"{path}: no visible sheet holds data, only hidden ones ({names}): {ask}"
            )
        if len(book.worksheets) == 1:
            title = book.worksheets[0].title
            raise SourceError(f"{path}: sheet {title!r} is empty (no header row)")
        names = ", ".join(repr(s.title) for s in book.worksheets)
        raise SourceError(f"{path}: every sheet is empty (no header row in {names})")

    @property
    def sha256(self) -> str:
        """The file's sha256 (hashed alongside the parse)."""
        return self._hasher.result()

    def records(self) -> Iterator[Record]:
        """Every non-empty row after the header, with its sheet row number."""
        width = len(self.columns)
        for number, row in enumerate(self._rows, start=self._header_row + 1):
            cells = [_cell(c) for c in row]
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            if len(cells) > width and any(c not in (None, "") for c in cells[width:]):
                yield number, None, f"expected {width} fields, found {len(cells)}"
                continue
            yield number, (cells + [None] * width)[:width], None

    def close(self) -> None:
        """Close the workbook."""
        self._book.close()


class ParquetReader:
    """A Parquet file, batch by batch."""

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        if sniff_format(path) != "parquet":
            raise SourceError(f"{path}: is not a Parquet file (no PAR1 signature)")
        self.path = path
        self._hasher = FileHasher(path)
        try:
            self._file = pq.ParquetFile(path)
        except Exception as exc:
            raise SourceError(f"{path}: cannot be read as Parquet ({exc})") from exc
        self.columns = list(self._file.schema_arrow.names)
        self.encoding, self.delimiter = "parquet", None

    @property
    def sha256(self) -> str:
        """The file's sha256 (hashed alongside the parse)."""
        return self._hasher.result()

    def records(self) -> Iterator[Record]:
        """Every row with its 1-based row number."""
        number = 0
        for batch in self._file.iter_batches(batch_size=50_000):
            columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for values in zip(*columns, strict=True):
                number += 1
                yield number, [_cell(v) for v in values], None

    def close(self) -> None:
        """Nothing to close."""


class JsonLinesReader:
    """One JSON object a line; the first object's keys are the columns. Lines are decoded one
    at a time, so a bad byte costs its own line only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._hashing = HashingReader(path.open("rb"))
        self._lines = io.BufferedReader(self._hashing, 1 << 20)
        self._number = 0
        self._first: tuple[int, str] | None = None
        self._early: list[Record] = []  # undecodable lines before the first object
        self.columns: list[str] = []
        for number, raw in self._numbered():
            line = self._decode(raw)
            if line is None:
                self._early.append((number, None, "bytes that are not valid UTF-8"))
                continue
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SourceError(f"{path}: line {number}: not JSON lines ({exc.msg})") from exc
            if not isinstance(obj, dict):
                raise SourceError(f"{path}: line {number}: not a JSON object")
            self.columns = list(obj)
            self._first = (number, line)
            break
        if self._first is None:
            raise SourceError(f"{path}: the file is empty")
        self.encoding, self.delimiter = "utf-8", None

    def _numbered(self) -> Iterator[tuple[int, bytes]]:
        for raw in self._lines:
            self._number += 1
            yield self._number, raw

    def _decode(self, raw: bytes) -> str | None:
        if self._number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return None

    @property
    def sha256(self) -> str:
        """The sha256 of the bytes read so far."""
        return self._hashing.sha.hexdigest()

    def records(self) -> Iterator[Record]:
        """Every non-blank line as a record."""
        assert self._first is not None
        yield from self._early
        yield self._record(*self._first)
        for number, raw in self._numbered():
            line = self._decode(raw)
            if line is None:
                yield number, None, "bytes that are not valid UTF-8"
            elif line.strip():
                yield self._record(number, line)

    def _record(self, number: int, line: str) -> Record:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            return number, None, f"not valid JSON ({exc.msg})"
        if not isinstance(obj, dict):
            return number, None, "not a JSON object"
        extra = [k for k in obj if k not in self.columns]
        if extra:
            return number, None, f"unknown key {extra[0]!r}"
        return number, [obj.get(c) for c in self.columns], None

    def close(self) -> None:
        """Close the file."""
        self._lines.close()


class SqlReader:
    """Rows of a query through a SQLAlchemy connection URL, streamed."""

    def __init__(self, url: str, query: str | None) -> None:
        import sqlalchemy as sa

        if not query:
            raise SourceError(f"{redact(url)}: a SQL source needs query or table in the mapping")
        self.path = redact(url)
        try:
            self._engine = sa.create_engine(url)
            self._conn = self._engine.connect()
            self._result = self._conn.execution_options(stream_results=True).execute(sa.text(query))
        except Exception as exc:
            raise SourceError(f"{redact(url)}: cannot run the query ({exc})") from exc
        self.columns = list(self._result.keys())
        self.encoding, self.delimiter = "sql", None
        self.sha256 = ""

    def records(self) -> Iterator[Record]:
        """Every row with its 1-based row number."""
        number = 0
        for partition in self._result.partitions(10_000):
            for row in partition:
                number += 1
                yield number, [_cell(v) for v in row], None

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
        self._engine.dispose()


def redact(url: str) -> str:
    """A connection URL without its password."""
    import re

    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def is_url(name: str) -> bool:
    """True for a SQLAlchemy connection URL such as sqlite:///x.db or postgresql://..."""
    return "://" in name and not Path(name).exists()


def open_reader(
    name: str,
    fmt: str | None,
    encoding: str = "auto",
    delimiter: str | None = None,
    quote: str = '"',
    sheet: str | None = None,
    query: str | None = None,
) -> CsvReader | XlsxReader | ParquetReader | JsonLinesReader | SqlReader:
    """The reader for a file or connection URL (format from the mapping or the extension)."""
    if is_url(name):
        return SqlReader(name, query)
    path = Path(name)
    if not path.is_file():
        raise SourceError(f"{path}: file not found")
    kind = fmt or {
        ".xlsx": "xlsx",
        ".xlsm": "xlsx",
        ".parquet": "parquet",
        ".pq": "parquet",
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
    }.get(path.suffix.lower(), "csv")
    try:
        if kind == "xlsx":
            return XlsxReader(path, sheet)
        if kind == "parquet":
            return ParquetReader(path)
        if kind == "jsonl":
            return JsonLinesReader(path)
        if kind == "sql":
            raise SourceError(f"{path}: format sql needs a connection URL, not a file")
        return CsvReader(path, encoding, delimiter, quote)
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
