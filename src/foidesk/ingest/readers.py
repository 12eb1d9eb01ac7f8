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

import codecs
import csv
import hashlib
import io
import json
import re
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
QUOTED_LINES_LIMIT = 10_000  # a quoted field running past this many lines is judged unclosed
QUOTED_CHARS_LIMIT = 10_000_000  # ... or past this many characters
WHOLE_LINES = 3  # ... or followed by this many lines that each read as a whole record
CP1252_LINES_LISTED = 1_000  # the manifest lists the lines of the first 1,000 rows so decoded
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes that are not UTF-8, kept by surrogateescape
_UTF8_BEYOND_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")


def _not_utf16(exc: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-16 kept as lone surrogates (U+DC00 + byte): the row check finds
    them and quarantines the row, as it does bytes that are not UTF-8."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(chr(0xDC00 + b) for b in bad), exc.end


codecs.register_error("foidesk-not-utf-16", _not_utf16)


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
    """The encoding of a text file, from its first 4 MB.

    utf-8-sig with a UTF-8 byte-order mark; utf-16-le or utf-16-be with a UTF-16 one (Excel's
    "Unicode Text", Notepad's "Unicode"); cp1252 when the sample has bytes that are not UTF-8
    and not one UTF-8 character beyond ASCII (a cp1252 export); else utf-8, also when only some
    rows are not UTF-8 (``CsvReader`` decodes those rows as cp1252, one by one).
    """
    with path.open("rb") as f:
        sample = f.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if sample.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    # a character cut at the sample's end is held back, not counted as a bad byte
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    text = decoder.decode(sample, final=len(sample) < SAMPLE_BYTES)
    if text.isascii() or not _NOT_UTF8.search(text) or _UTF8_BEYOND_ASCII.search(text):
        return "utf-8"
    return "cp1252"


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


class _Unclosed(Exception):
    """A quoted field judged unclosed while its record is read: ``kind`` is "whole" (the lines
    after its first each read as a whole record) or "limit" (it ran past the limits)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _unclosed_reason(kind: str, start: int, after: int) -> str:
    """Why the record at ``start`` is quarantined alone; ``after`` lines are read again."""
    resumes = f"reading resumes at line {start + 1}"
    if kind == "limit":
        return (
            f"a quoted field opened here runs past {QUOTED_LINES_LIMIT:,} lines or "
            f"{QUOTED_CHARS_LIMIT:,} characters without closing: judged unclosed; {resumes}"
        )
    if kind == "whole":
        return f"a quote opened here is not closed: the lines after it are whole records; {resumes}"
    return "a quote opened here is never closed (the file ends inside it)" + (
        f"; {resumes}" if after else ""
    )


class CsvReader:
    """Delimited text with quoted multi-line fields; any delimiter; UTF-8 (BOM or not), UTF-16
    with a BOM, or cp1252, detected or set.

    In a file read as UTF-8 because the encoding was detected (``auto``), a field whose bytes
    are not UTF-8 is decoded as cp1252 (a row saved by another program): ``cp1252_rows`` counts
    those rows and ``cp1252_lines`` lists the lines they start on (the first 1,000). With
    ``encoding = "utf-8"`` set, such a row is quarantined instead. An unclosed quote costs its
    own record only (``records``).
    """

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
        self._fallback = encoding == "auto" and self.encoding in ("utf-8", "utf-8-sig")
        self.cp1252_rows = 0
        self.cp1252_lines: list[int] = []
        codec, errors = self.encoding, "surrogateescape"
        if self.encoding in ("utf-16-le", "utf-16-be"):
            codec, errors = "utf-16", "foidesk-not-utf-16"  # the codec reads and drops the BOM
        self._hashing = HashingReader(path.open("rb"))
        self._text = io.TextIOWrapper(
            io.BufferedReader(self._hashing, 1 << 20),
            encoding=codec,
            errors=errors,
            newline="",
        )
        first = self._text.readline()
        if not first.strip():
            self.close()
            raise SourceError(f"{path}: the file is empty (no header line)")
        if "\x00" in first:
            self.close()
            raise SourceError(
                f"{path}: line 1: not a text file (NUL bytes in the header; UTF-16 is read only "
                "with its byte-order mark)"
            )
        self.delimiter = delimiter or _sniff_delimiter(first)
        self.quote = quote
        rest = io.StringIO(first)
        header = next(csv.reader(rest, delimiter=self.delimiter, quotechar=quote))
        if self._fallback and _bad_text(header, header):
            header = self._as_cp1252(1, header, header)[0]
        self.columns = [h.strip() for h in header]
        self._header_lines = first.count("\n") or 1
        self._wholes = -1  # whole lines after the first of the record being read (-1: not all)

    @property
    def sha256(self) -> str:
        """The sha256 of the bytes read so far (all of them once ``records`` is exhausted)."""
        return self._hashing.sha.hexdigest()

    @property
    def decoded_as_cp1252(self) -> dict[str, Any]:
        """For the manifest: the rows of a UTF-8 file decoded as cp1252 ({} when none)."""
        if not self.cp1252_rows:
            return {}
        return {"cp1252_rows": self.cp1252_rows, "cp1252_lines": list(self.cp1252_lines)}

    def records(self) -> Iterator[Record]:
        """Every data record with the physical line it starts on.

        A quoted field still open at the end of its record's first line is judged unclosed when
        it runs past QUOTED_LINES_LIMIT lines or QUOTED_CHARS_LIMIT characters, when the file
        ends inside it, or (with three columns or more) when the next WHOLE_LINES lines, or all
        the lines it took before it ended, each read on their own as a whole record (the
        header's number of fields, quotes balanced; blank lines do not count). Then only the
        record at its first line is
        quarantined, and the lines after it are read again, one physical line each (so every
        line is read at most twice, whatever the file holds). Any other record that cannot be
        parsed is quarantined whole, naming its lines.
        """
        taken: list[str] = []  # the physical lines of the record being read
        line = self._header_lines + 1  # where the next record starts
        while True:
            reader = csv.reader(
                self._physical_lines(taken),
                delimiter=self.delimiter,
                quotechar=self.quote,
                strict=True,
            )
            unclosed = None
            while True:
                start = line
                try:
                    values = next(reader)
                except StopIteration:
                    break
                except _Unclosed as exc:
                    unclosed = exc.kind
                    break
                except csv.Error as exc:
                    if "unexpected end of data" in str(exc):
                        unclosed = "end"
                        break
                    if self._swallows(taken):
                        unclosed = "whole"
                        break
                    line += len(taken)
                    lines = f"lines {start} to {line - 1}: " if len(taken) > 1 else ""
                    taken.clear()
                    yield start, None, f"unreadable record ({lines}{exc})"
                    continue
                if len(taken) > 1 and self._swallows(taken):
                    unclosed = "whole"
                    break
                line += len(taken)
                taken.clear()
                record = self._checked(start, values)
                if record is not None:
                    yield record
            if unclosed is None:
                break
            again = taken[1:]
            taken.clear()
            yield start, None, _unclosed_reason(unclosed, start, len(again))
            for number, text in enumerate(again, start=start + 1):
                record = self._line_alone(number, text, start)
                if record is not None:
                    yield record
            line = start + 1 + len(again)
        self._text.read()  # hash to the end

    def _physical_lines(self, taken: list[str]) -> Iterator[str]:
        """The file's lines for the CSV parser, each added to ``taken`` (which ``records``
        empties after each record). Raises ``_Unclosed`` when a record still inside quotes after
        its first line runs past the limits, or its next WHOLE_LINES lines each read as a whole
        record."""
        check = len(self.columns) >= 3
        chars = 0
        for text in self._text:
            taken.append(text)
            n = len(taken)
            if n == 1:
                yield text
                continue
            if n == 2:
                chars, self._wholes = len(taken[0]), 0 if check else -1
            chars += len(text)
            if n > QUOTED_LINES_LIMIT or chars > QUOTED_CHARS_LIMIT:
                raise _Unclosed("limit")
            if self._wholes >= 0 and text.strip():  # a blank line says nothing either way
                if not self._whole(text):
                    self._wholes = -1
                elif self._wholes + 1 >= WHOLE_LINES:
                    raise _Unclosed("whole")
                else:
                    self._wholes += 1
            yield text

    def _split(self, text: str) -> list[str]:
        """One physical line parsed on its own (csv.Error when its quotes do not balance)."""
        reader = csv.reader((text,), delimiter=self.delimiter, quotechar=self.quote, strict=True)
        return next(reader, [])

    def _whole(self, text: str) -> bool:
        """True when one physical line reads, on its own, as a whole record."""
        if text.count(self.delimiter) < len(self.columns) - 1:
            return False  # too few separators: most lines of a note stop here, unparsed
        try:
            return len(self._split(text)) == len(self.columns)
        except csv.Error:
            return False

    def _swallows(self, taken: list[str]) -> bool:
        """True when a record that ended, failed or met the end of the file on a later line than
        its first, before WHOLE_LINES whole lines, is a quote left open on its first line: its
        later lines (blank ones aside, and at least one) each read as a whole record."""
        return len(taken) > 1 and self._wholes > 0

    def _line_alone(self, line: int, text: str, unclosed: int) -> Record | None:
        """A line after an unclosed quote, read on its own."""
        try:
            values = self._split(text)
        except csv.Error as exc:
            reason = f"unreadable record ({exc})"
            if "unexpected end of data" in str(exc):
                reason = (
                    "a quote opened here is not closed on its line (read on its own after the "
                    f"unclosed quote at line {unclosed})"
                )
            return line, None, reason
        return self._checked(line, values)

    def _checked(self, line: int, values: list[str]) -> Record | None:
        """The record, or the reason to quarantine it; None for a blank line."""
        if not values or (len(values) == 1 and not values[0].strip()):
            return None  # a blank line is not a record
        if len(values) != len(self.columns):
            return line, None, f"expected {len(self.columns)} fields, found {len(values)}"
        problem = _bad_text(values, self.columns)
        if problem and self._fallback:
            values, problem = self._as_cp1252(line, values, self.columns)
        if problem:
            return line, None, problem
        return line, values, None

    def _as_cp1252(
        self, line: int, values: list[str], names: list[str]
    ) -> tuple[list[str], str | None]:
        """The row with each field that is not UTF-8 decoded as cp1252 (counted, its line
        listed), or the reason it cannot be (bytes cp1252 leaves undefined)."""
        decoded = []
        for name, value in zip(names, values, strict=True):
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    try:
                        value = value.encode("utf-8", "surrogateescape").decode("cp1252")
                    except UnicodeError:
                        return values, (
                            f"column {name!r} has bytes that are not valid in the file's "
                            "encoding (neither UTF-8 nor cp1252)"
                        )
            decoded.append(value)
        self.cp1252_rows += 1
        if len(self.cp1252_lines) < CP1252_LINES_LISTED:
            self.cp1252_lines.append(line)
        return decoded, None

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
