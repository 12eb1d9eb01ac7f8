"""The request file: what population to count, what to search for, how to lay out the table.

A TOML file (DESIGN.md section 4, README "Request file") parsed into a frozen ``Request``.
Every problem (unknown key, bad date, ``from`` after ``to``, unknown offence group, missing
source file) raises ``RequestError`` naming the file and the key, before anything is written:
one line, with any value it quotes escaped (``repr``) and cut short.

What a request may hold, and why (issue 10). The rule: refuse what would give a wrong or unsafe
answer, or a letter that says something the request did not mean; accept what is merely
unusual.

- The file: a regular file (or a symlink to one) of at most 1 MiB of UTF-8 TOML. A device,
  FIFO or socket is refused before it is opened (reading /dev/zero never ends; opening a FIFO
  waits for a writer). A parser that runs out of stack (an array nested thousands deep) or of
  memory is a one-line refusal.
- Dates (``received``, ``clarified``, ``population.from``/``to``, ``data_quality_from``): a
  TOML date, or a string ``YYYY-MM-DD`` (as before; a snapshot's manifest writes them so),
  from 1900-01-01 to 2100-12-31 (the statutory clock and the holiday calendar run past the
  date; year 9999 overflowed). Refused: a date and time, with or without a zone, even at
  midnight (a request counts whole days, and ``to = 2019-04-30T00:00`` may mean the end of the
  29th), other ISO forms such as ``2019-W17-5`` or ``20190426``, a time alone.
  ``clarified`` may not be before ``received``. A date in the future is accepted (a request
  may be logged ahead; the letter's own date is separate).
- The window: ``from`` to ``to`` at most 100 years (a column a year; ``0001`` to ``9999`` was
  9,999 columns).
- Names (``reference``, ``[[source]] system``, ``population.prefer``, the ``[force]``
  details): text, trimmed, non-empty, with a letter or digit, without control or invisible
  formatting characters (tab, line break, U+200B, bidi overrides: they break the letter's
  lines or make two names look alike), at most 200 characters (``system`` 100; ``address``
  500, and it alone may hold line breaks). A blank ``[force]`` detail is taken as left out:
  the letter shows its placeholder and lists it as unfilled (tests/test_letter.py). A system
  may not be named ``later`` or ``earlier`` (the words of ``population.prefer``), nor two
  systems differ only in letter case (the letter would name both). Letters of any script,
  inner spaces and punctuation are accepted.
- ``population.offences`` is required (it was ``["drugs"]`` when left out, so a request that
  forgot it counted drug offences without saying so): ``"all"`` (every recorded crime, whatever
  its offence code, a missing or odd one included), or a list of offence groups and Home Office
  codes. A single group or code may be given as a string (``"drugs"`` is ``["drugs"]``);
  ``["all"]`` is ``"all"``, and ``"all"`` beside groups or codes is refused (it already counts
  every crime). Left out, an empty list, or a name that is none of those: one line listing the
  choices.
- Lists of names (``population.offences``, ``search.terms``, ``table.rows``): non-empty lists
  of at most 1,000 non-empty text entries of at most 100 characters, without control
  characters; a bad entry is named by its place (``search.terms[2]``). Duplicates are
  accepted: offences and terms are counted once each (``terms = ["Facebook", "FB"]`` is one
  platform), and a row dimension named twice stays refused (it would make a different table).
- Free text (``request``, ``clarification``): may be empty (the letter shows a placeholder)
  and hold tabs and line breaks, but no other control character (a NUL or an escape sequence
  in the letter). Its length is bounded by the file's.
- Paths (``[[source]] path``, ``search.lexicon``): non-empty, no control characters, at most
  4,096 characters with no name in them over 255 bytes (the operating system's limits, which
  otherwise surfaced as a traceback). The same file or folder may not be named by two
  sources (under two systems every crime would be reported as held by both).
- Sources: a regular file, or a snapshot folder (one holding ``manifest.json``, a JSON object,
  and ``crimes.parquet``, both regular files), or a symlink to either. Refused before any
  engine opens them: character and block devices (``/dev/zero`` hung the run), FIFOs, sockets,
  folders that are not snapshots, symlinks to any of those, a symlink that leads nowhere.
- ``[cost]`` (the FOIA s.12 estimate, ``counting.cost``): ``limit`` ``"police"`` (£450, the
  default: police and other bodies) or ``"central"`` (£600: central government);
  ``rate_minutes`` (3), ``hourly_rate`` (25) and ``limit_pounds`` (an override of the limit)
  numbers above 0, ``extraction_minutes`` (30) a number from 0, ``answer_over_limit`` true or
  false (answer with the table although the estimate is over the limit). Not true/false for a
  number, not NaN or infinite.
- ``[review]`` (the quality sample, docs/review.md): ``sample_margin`` above 0 and at most 0.5,
  ``sample_precision`` above 0 and below 1 (numbers, not true/false), ``seed`` a whole number
  from 0; each optional (0.05, 0.95, and a seed made from the reference).
- ``[disclosure]`` (small numbers, ``release.disclosure``, docs/disclosure.md): ``suppress_below``
  a whole number from 2 to 100 (5: figures from 1 to 4 withheld), or 0 for no disclosure
  control; ``zeros`` ``"as needed"`` (the default), ``"shown"`` or ``"withheld"``; ``symbol``
  (``"<5"``, or e.g. ``"~"``) and ``secondary_symbol`` (``"*"``): 1 to 8 characters, no
  digits, different from each other; ``earlier``: case folders of earlier releases (each must
  exist) to check this release against. The section may be left out: figures under 5 are
  then withheld all the same.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from foidesk.casework.home_office import UnknownOffence, home_office
from foidesk.casework.periods import WINDOW
from foidesk.casework.words import parse_words
from foidesk.errors import LexiconError, RequestError

ROW_DIMENSIONS = ("outcome", "offence", "term", "system")
# ``term`` names the rows of the searched terms; ``platform`` is its older name, still read (the
# rows are held as ``term`` inside, and the CSV grid names them as the request writes them)
ROW_ALIASES = {"platform": "term"}
# what a request may say was asked besides the table (the letter answers each): ``convictions``
# (they are not held by the police) and ``details`` (of individual cases: personal data)
ASKED = ("convictions", "details")
COLUMN_KINDS = ("year", "financial_year", WINDOW)
OFFENCE_LABELS = ("force", "home_office")
SOURCE_FORMATS = ("csv", "parquet", "snapshot")
ALL_OFFENCES = "all"  # population.offences for every recorded crime, whatever its code

_ALLOWED: dict[str, set[str]] = {
    "": {
        "reference",
        "received",
        "clarified",
        "request",
        "clarification",
        "population",
        "search",
        "table",
        "source",
        "force",
        "labels",
        "asked",
        "cost",
        "review",
        "disclosure",
        "title",
        "category",
        "addressee",
    },
    "population": {"from", "to", "offences", "prefer"},
    "search": {"lexicon", "terms", "words", "parts"},
    "table": {"rows", "columns", "offence_label"},
    "source": {"path", "system", "data_quality_from", "format"},
    "force": {"name", "unit", "address", "email", "telephone", "signatory", "letter_template"},
    "cost": {
        "limit",
        "rate_minutes",
        "extraction_minutes",
        "hourly_rate",
        "limit_pounds",
        "answer_over_limit",
    },
    "review": {"sample_margin", "sample_precision", "seed"},
    "disclosure": {"suppress_below", "zeros", "symbol", "secondary_symbol", "earlier"},
}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

DATE_MIN = date(1900, 1, 1)  # the first and last dates a request may use
DATE_MAX = date(2100, 12, 31)
WINDOW_YEARS = 100  # the longest population window
REQUEST_BYTES = 1 << 20  # the largest request file
MANIFEST_BYTES = 16 << 20  # the largest snapshot manifest read here
REFERENCE_CHARS = 200
SYSTEM_CHARS = 100
FORCE_CHARS = 200  # a [force] detail; the address may be longer
ADDRESS_CHARS = 500
TITLE_CHARS = 300  # the request's short title
TEMPLATE_BYTES = 50 << 20  # the largest letter template read
ENTRY_CHARS = 100  # an entry of population.offences, search.terms, table.rows
LIST_ENTRIES = 1000  # entries in one of those lists (there are fewer Home Office codes)
PATH_CHARS = 4096  # PATH_MAX
PATH_PART_BYTES = 255  # NAME_MAX
RESERVED_SYSTEMS = ("later", "earlier")  # population.prefer's words
# Character categories a name may not hold: control, invisible formatting (zero-width, bidi
# overrides, soft hyphen), line and paragraph separators, lone surrogates.
_NOT_IN_NAMES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
# bidirectional embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI,
# PDI): refused even in free text; the marks LRM and RLM stay allowed
_BIDI_CONTROLS = frozenset({*range(0x202A, 0x202F), *range(0x2066, 0x206A)})
# Unicode's Default_Ignorable_Code_Point characters outside those categories: letters and marks
# that show nothing (Hangul fillers, the combining grapheme joiner, variation selectors), so a
# name made of them looks blank, or looks the same as another name
_INVISIBLE = frozenset(
    [
        0x034F,
        0x115F,
        0x1160,
        0x17B4,
        0x17B5,
        0x3164,
        0xFFA0,
        *range(0x180B, 0x1810),
        *range(0xFE00, 0xFE10),
        *range(0xE0100, 0xE01F0),
    ]
)

# FOIA s.12: the appropriate limit of each kind of public authority, in pounds (the Fees
# Regulations 2004, reg 3: £600 for central government, £450 for police and other bodies)
COST_LIMITS = {"police": 450.0, "central": 600.0}

PLACEHOLDERS = {
    "name": "[FORCE NAME]",
    "unit": "[UNIT]",
    "address": "[ADDRESS]",
    "email": "[EMAIL]",
    "telephone": "[TELEPHONE]",
    "signatory": "[SIGNATORY]",
}


@dataclass(frozen=True)
class SourceSpec:
    """One extract file of one record system."""

    path: Path
    system: str
    format: str
    data_quality_from: date | None


@dataclass(frozen=True)
class ForceDetails:
    """The force's details for the letter; placeholders where the request has none."""

    name: str
    unit: str
    address: str
    email: str
    telephone: str
    signatory: str


@dataclass(frozen=True)
class ReviewSettings:
    """``[review]``: the quality sample of the certain hits (``counting.sample``): the margin
    of error it is sized for, the precision assumed in sizing it, and its random seed (None:
    ``default_seed`` of the request's reference)."""

    sample_margin: float = 0.05
    sample_precision: float = 0.95
    seed: int | None = None


DISCLOSURE_ZEROS = ("as needed", "shown", "withheld")


@dataclass(frozen=True)
class DisclosureSettings:
    """``[disclosure]``: figures from 1 to ``suppress_below - 1`` are withheld under ``symbol``
    and more cells under ``secondary_symbol`` so that none can be worked out
    (``release.disclosure``). ``zeros``: "as needed" (a 0 is shown unless it must be withheld
    to protect a small figure: it is then shown as ``symbol``, which therefore means "fewer than
    ``suppress_below``, possibly none"), "shown" (always shown) or "withheld" (always withheld
    under ``symbol``). ``suppress_below`` 0: no disclosure control (every figure published)."""

    suppress_below: int = 5
    zeros: str = "as needed"
    symbol: str = "<5"
    secondary_symbol: str = "*"
    # earlier releases to check this one against (case folders or their public/table.csv),
    # resolved against the request's folder (``release.disclosure.earlier``)
    earlier: tuple[Path, ...] = ()

    @property
    def enabled(self) -> bool:
        """Whether any figure is withheld."""
        return self.suppress_below >= 2


def default_seed(reference: str) -> int:
    """The quality sample's seed when the request gives none: the first 8 hex digits of the
    SHA-256 of its reference, so the same request draws the same sample every time."""
    return int(hashlib.sha256(reference.encode("utf-8")).hexdigest()[:8], 16)


@dataclass(frozen=True)
class CostSettings:
    """``[cost]``: how the FOIA s.12 estimate is made (``counting.cost``). A person reads a
    record in ``rate_minutes``; extracting the figures takes ``extraction_minutes``; staff time
    costs ``hourly_rate`` pounds an hour; the appropriate limit is ``COST_LIMITS[limit]`` unless
    ``limit_pounds`` is given. ``answer_over_limit``: answer with the table although the
    estimate is over the limit (the method still gives the estimate)."""

    limit: str = "police"
    rate_minutes: float = 3.0
    extraction_minutes: float = 30.0
    hourly_rate: float = 25.0
    limit_pounds: float | None = None
    answer_over_limit: bool = False

    @property
    def pounds(self) -> float:
        """The appropriate limit in pounds."""
        return self.limit_pounds if self.limit_pounds is not None else COST_LIMITS[self.limit]

    @property
    def hours(self) -> float:
        """The appropriate limit in hours of staff time."""
        return self.pounds / self.hourly_rate


@dataclass(frozen=True)
class Request:
    """A parsed, validated request file."""

    path: Path
    reference: str
    received: date
    clarified: date | None
    request_text: str
    clarification: str
    date_from: date
    date_to: date
    offence_terms: tuple[str, ...]  # as written: groups and codes; ("all",) for all offences
    offence_codes: tuple[str, ...]  # expanded Home Office codes; () for all offences
    lexicon_name: str  # search.lexicon: a built-in name or a file (relative to the request)
    search_terms: tuple[str, ...]  # search.terms as written (empty: the lexicon's default)
    rows: tuple[str, ...]
    columns: str
    offence_label: str
    sources: tuple[SourceSpec, ...]
    prefer: str  # which copy of a crime held by two systems wins: "later", "earlier", a system
    force: ForceDetails
    raw: dict[str, Any]
    # [labels]: a label as the extract holds it -> the text to publish instead (an offence,
    # outcome or system label that carries personal data, or two spellings of one outcome)
    labels: dict[str, str] = field(default_factory=dict)
    # [search.words]: what the terms are called, over the lexicon's (lexicon.TermWords keys)
    words: dict[str, Any] = field(default_factory=dict)
    # [search.parts]: an ad hoc term -> the parts it is written in ("OnlyFans" = ["only", "fans"])
    parts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    asked: tuple[str, ...] = ()  # besides the table: "convictions", "details"
    row_names: tuple[str, ...] = ()  # ``rows`` as the request writes them (``term`` kept)
    # whether search.lexicon was given: without it, terms none of which the built-in
    # social-media lexicon holds are searched on their own (ad hoc), with no lexicon's words
    lexicon_given: bool = True
    # population.offences = "all": every recorded crime, whatever its offence code
    all_offences: bool = False
    # [cost]: how the FOIA s.12 estimate is made and the limit it is held against
    cost: CostSettings = field(default_factory=CostSettings)
    # [review]: the quality sample's margin, assumed precision and seed
    review: ReviewSettings = field(default_factory=ReviewSettings)
    # [disclosure]: which small figures are withheld and how they are shown
    disclosure: DisclosureSettings = field(default_factory=DisclosureSettings)
    # ``title``: the request's short title (the disclosure log and the desk's case list);
    # ``category``: the disclosure log's category; None when the request gives none
    title: str | None = None
    category: str | None = None
    # ``addressee``: the requester's name and address as the letter shows them (lines), or
    # None: the letter is applicant-blind, and the disclosure log's copy never has one
    addressee: str | None = None
    # ``[force] letter_template``: the force's own letterhead (a .docx), resolved against the
    # request's folder; None: the neutral built-in template
    letter_template: Path | None = None

    @property
    def population_label(self) -> str:
        """How the population is named in the title, e.g. 'Drug Offences', 'All Offences'."""
        if self.all_offences:
            return "All Offences"
        ho = home_office()
        groups = [t.lower() for t in self.offence_terms if t.lower() in ho.offence_groups]
        codes = [t for t in self.offence_terms if t.lower() not in ho.offence_groups]
        parts = [ho.offence_group_labels.get(g, f"{g.title()} Offences") for g in groups]
        if codes:
            parts.append("Offences " + ", ".join(codes))
        return " and ".join(parts)


def _shown(value: Any, limit: int = 60) -> str:
    """A value as a message quotes it: ``repr`` (control characters escaped, so the message
    stays one line), cut to ``limit`` characters."""
    try:
        text = repr(value)
    except RecursionError:
        text = f"a {type(value).__name__} nested too deeply"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shown_path(path: Path | str) -> str:
    """A path in a message: as it is, or escaped when it holds a character that is not
    printable (a line break would split the one-line message)."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def _fail(path: Path, key: str, message: str) -> RequestError:
    return RequestError(f"{_shown_path(path)}: {key}: {message}")


def _check_keys(path: Path, table: dict[str, Any], section: str, prefix: str) -> None:
    for key in table:
        if key not in _ALLOWED[section]:
            allowed = ", ".join(sorted(_ALLOWED[section]))
            shown = key if key.isprintable() and len(key) <= 60 else _shown(key)
            raise _fail(path, f"{prefix}{shown}", f"unknown key (expected one of: {allowed})")


def _date(path: Path, key: str, value: Any, required: bool = True) -> date | None:
    """A date from 1900-01-01 to 2100-12-31: a TOML date or a ``YYYY-MM-DD`` string."""
    if value is None:
        if required:
            raise _fail(path, key, "is required (a date like 2019-04-26)")
        return None
    if isinstance(value, datetime):
        raise _fail(
            path,
            key,
            f"{value.isoformat()} is a date and time; give the date alone, like 2019-04-26 "
            "(a request counts whole days)",
        )
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        with contextlib.suppress(ValueError):  # 2019-02-31: refused below
            value = date.fromisoformat(value.strip())
    if isinstance(value, date):
        if not DATE_MIN <= value <= DATE_MAX:
            raise _fail(
                path,
                key,
                f"{value.isoformat()} is outside the dates a request can use, "
                f"{DATE_MIN} to {DATE_MAX}; check the year",
            )
        return value
    raise _fail(path, key, f"expected a date like 2019-04-26, got {_shown(value)}")


def _years_later(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 1 March in a year without one."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def _str(path: Path, key: str, value: Any, required: bool = True, default: str = "") -> str:
    if value is None:
        if required:
            raise _fail(path, key, "is required")
        return default
    if not isinstance(value, str):
        raise _fail(path, key, f"expected text, got {_shown(value)}")
    return value


def _character(ch: str) -> str:
    """A character for a message: 'a line break (U+000A)', 'U+202E RIGHT-TO-LEFT OVERRIDE'."""
    code = f"U+{ord(ch):04X}"
    if ch in "\n\r":
        return f"a line break ({code})"
    if ch == "\t":
        return f"a tab ({code})"
    name = unicodedata.name(ch, "")
    if unicodedata.category(ch) == "Cc" or not name:
        return f"the control character {code}"
    return f"the invisible character {code} {name}"


def _plain(path: Path, key: str, text: str, allowed: str = "", free: bool = False) -> None:
    """Refuse a control or invisible formatting character in ``text`` (except those in
    ``allowed``). Free text (``free``) may hold formatting characters (a soft hyphen, an emoji's
    zero-width joiner, right-to-left marks in Arabic or Hebrew) and line separators, not
    control characters, nor the bidirectional embeddings, overrides and isolates that make a
    letter show text in another order than it holds ("Trojan Source")."""
    for i, ch in enumerate(text):
        if ch in allowed:
            continue
        if ord(ch) in _BIDI_CONTROLS:
            raise _fail(
                path,
                key,
                f"contains {_character(ch)} at character {i + 1}, which reorders the text "
                "shown; remove it (right-to-left text needs no control characters)",
            )
        category = unicodedata.category(ch)
        if category == "Cc" or (not free and (category in _NOT_IN_NAMES or ord(ch) in _INVISIBLE)):
            why = "" if free else " (a name is plain, visible text)"
            raise _fail(
                path, key, f"contains {_character(ch)} at character {i + 1}; remove it{why}"
            )


def _name(
    path: Path,
    key: str,
    value: Any,
    limit: int,
    what: str,
    *,
    lines: bool = False,
) -> str:
    """A name, trimmed: non-empty text of at most ``limit`` characters with a letter or a
    digit, without control or invisible characters (line breaks too unless ``lines``)."""
    name = _str(path, key, value).strip()
    if not name:
        raise _fail(path, key, f"is empty; {what}")
    if len(name) > limit:
        raise _fail(
            path,
            key,
            f"is {len(name):,} characters long ({_shown(name, 30)}); at most {limit} allowed",
        )
    _plain(path, key, name, "\n" if lines else "")
    if not any(unicodedata.category(ch)[0] in "LN" for ch in name):
        raise _fail(path, key, f"{_shown(name)} has no letter or digit; {what}")
    return name


def _free_text(path: Path, key: str, value: Any) -> str:
    """Free text (the request, the clarification): may be empty and hold tabs and line
    breaks, not other control characters."""
    text = _str(path, key, value, False, "")
    _plain(path, key, text, "\t\n\r", free=True)
    return text


def _str_list(path: Path, key: str, value: Any) -> tuple[str, ...]:
    """A non-empty list of names, each trimmed; a bad entry is named by its place (1-based)."""
    if not isinstance(value, list) or not value:
        raise _fail(path, key, f"expected a non-empty list of names, got {_shown(value)}")
    if len(value) > LIST_ENTRIES:
        raise _fail(
            path, key, f"lists {len(value):,} entries; at most {LIST_ENTRIES:,} are allowed"
        )
    return tuple(_entry(path, f"{key}[{i}]", entry) for i, entry in enumerate(value, 1))


def _entry(path: Path, key: str, entry: Any) -> str:
    """One entry of a list of names, trimmed: non-empty text of at most ``ENTRY_CHARS``
    characters without control characters."""
    if not isinstance(entry, str):
        raise _fail(path, key, f"expected text, got {_shown(entry)}")
    name = entry.strip()
    if not name:
        raise _fail(path, key, "is empty")
    if len(name) > ENTRY_CHARS:
        raise _fail(
            path,
            key,
            f"is {len(name):,} characters long ({_shown(name, 30)}); at most {ENTRY_CHARS} allowed",
        )
    _plain(path, key, name)
    return name


def _path_text(path: Path, key: str, value: Any, what: str) -> str:
    """A path as written: non-empty, no control characters, within the operating system's
    limits on a path's length and a name's (which otherwise raise ``OSError``)."""
    text = _str(path, key, value)
    if not text.strip():
        raise _fail(path, key, f"is empty; {what}")
    _plain(path, key, text)
    if len(text) > PATH_CHARS:
        raise _fail(
            path, key, f"is {len(text):,} characters long; a path is at most {PATH_CHARS:,}"
        )
    for part in text.replace(os.sep, "/").split("/"):
        size = len(part.encode("utf-8", "surrogatepass"))
        if size > PATH_PART_BYTES:
            raise _fail(
                path,
                key,
                f"holds a name of {size:,} bytes ({_shown(part, 30)}); a file or folder name "
                f"is at most {PATH_PART_BYTES} bytes",
            )
    return text


def _read_request(path: Path) -> str:
    """The request file's text: a regular file of at most ``REQUEST_BYTES``, UTF-8, line ends
    read as ``Path.read_text`` reads them (any of LF, CRLF, CR)."""
    shown = _shown_path(path)
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise RequestError(f"{shown}: request file not found") from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise RequestError(f"{shown}: cannot read the request file: {reason}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise RequestError(f"{shown}: is a folder; give the request file (TOML)")
    if not stat.S_ISREG(info.st_mode):
        raise RequestError(f"{shown}: is {_what(path, info.st_mode)}, not a request file (TOML)")
    too_big = RequestError(
        f"{shown}: request file is larger than 1 MiB; a request file is a few KB of TOML"
    )
    if info.st_size > REQUEST_BYTES:
        raise too_big
    try:
        with path.open("rb") as f:
            data = f.read(REQUEST_BYTES + 1)
    except OSError as exc:
        raise RequestError(f"{shown}: cannot read the request file: {exc.strerror}") from exc
    if len(data) > REQUEST_BYTES:
        raise too_big
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError(f"{shown}: request file is not UTF-8 text") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _kind(mode: int) -> str:
    """What a file that is not a regular file is, for a message."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _what(path: Path, mode: int) -> str:
    """What ``path`` (whose target has ``mode``) is: 'a FIFO (named pipe)', or 'a symlink to
    a character device (/dev/zero)'."""
    what = _kind(mode)
    if path.is_symlink():
        what = f"a symlink to {what} ({_shown_path(os.path.realpath(path))})"
    return what


def _manifest(path: Path, key: str, folder: Path) -> dict[str, Any]:
    """The manifest of a snapshot folder named as a source. Its ``manifest.json`` and
    ``crimes.parquet`` must be regular files (or symlinks to them): the engines read them."""
    key += ".path"
    manifest_path = folder / "manifest.json"
    info = _part_stat(path, key, manifest_path)
    if info is None:
        raise _fail(
            path, key, f"{_shown_path(folder)} is a folder but not a snapshot (no manifest.json)"
        )
    if info.st_size > MANIFEST_BYTES:
        raise _fail(
            path,
            key,
            f"{_shown_path(manifest_path)} is larger than 16 MiB: not a snapshot manifest",
        )
    try:
        with manifest_path.open("rb") as f:
            data = f.read(MANIFEST_BYTES + 1)
    except OSError as exc:
        raise _fail(path, key, f"cannot read {_shown_path(manifest_path)}: {exc.strerror}") from exc
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise _fail(path, key, f"{_shown_path(manifest_path)} is not valid JSON") from None
    if not isinstance(manifest, dict):
        raise _fail(
            path,
            key,
            f"{_shown_path(manifest_path)} is not a snapshot manifest (a JSON object)",
        )
    if _part_stat(path, key, folder / "crimes.parquet") is None:
        raise _fail(path, key, f"{_shown_path(folder)} has no crimes.parquet")
    notes = manifest.get("notes")
    if (
        isinstance(notes, dict)
        and notes.get("notes_loaded")
        and _part_stat(path, key, folder / "notes.parquet") is None
    ):
        raise _fail(
            path,
            key,
            f"{_shown_path(folder)} has no notes.parquet, though its manifest records "
            f"{notes.get('notes_loaded')} notes: the snapshot is damaged (ingest it again)",
        )
    return manifest


def _part_stat(path: Path, key: str, part: Path) -> os.stat_result | None:
    """The status of a file in a snapshot folder: None when missing; refused when it is not
    a regular file (a FIFO would block the reader, /dev/zero never end)."""
    try:
        info = os.stat(part)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise _fail(path, key, f"cannot read {_shown_path(part)}: {exc.strerror}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise _fail(
            path,
            key,
            f"{_shown_path(part)} is {_what(part, info.st_mode)}, not a file: "
            f"{_shown_path(part.parent)} is not a snapshot folder",
        )
    return info


def load_request(path: Path) -> Request:
    """Read and validate a request file. Paths in it are relative to the file."""
    path = Path(path)
    text = _read_request(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RequestError(f"{_shown_path(path)}: not valid TOML: {exc}") from exc
    except RecursionError:
        raise RequestError(
            f"{_shown_path(path)}: not valid TOML: values nested too deeply "
            "(a request needs no more than a list in a table)"
        ) from None
    except MemoryError:
        raise RequestError(
            f"{_shown_path(path)}: too large to read (ran out of memory parsing it)"
        ) from None
    _check_keys(path, raw, "", "")
    for section in ("population", "search", "table", "force", "review"):
        if section in raw:
            if not isinstance(raw[section], dict):
                raise _fail(path, section, "must be a table, e.g. [" + section + "]")
            _check_keys(path, raw[section], section, section + ".")

    reference = _name(
        path,
        "reference",
        raw.get("reference"),
        REFERENCE_CHARS,
        "give the request's reference, e.g. FOI2019/02832",
    )
    received = _date(path, "received", raw.get("received"))
    clarified = _date(path, "clarified", raw.get("clarified"), required=False)
    assert received is not None
    if clarified is not None and clarified < received:
        raise _fail(path, "clarified", f"{clarified} is before received {received}")

    population = raw.get("population")
    if population is None:
        raise _fail(path, "population", "is required ([population] with from, to, offences)")
    date_from = _date(path, "population.from", population.get("from"))
    date_to = _date(path, "population.to", population.get("to"))
    assert date_from is not None and date_to is not None
    if date_from > date_to:
        raise _fail(path, "population.from", f"{date_from} is after population.to {date_to}")
    if date_to >= _years_later(date_from, WINDOW_YEARS):
        raise _fail(
            path,
            "population.to",
            f"the window {date_from} to {date_to} is longer than {WINDOW_YEARS} years "
            f"(the table has a column a year); end it before "
            f"{_years_later(date_from, WINDOW_YEARS)}",
        )
    offence_terms, offence_codes = _offences(path, population)
    all_offences = offence_terms == (ALL_OFFENCES,)

    search = raw.get("search", {})
    lexicon = "social-media"
    if "lexicon" in search:
        lexicon = _path_text(
            path,
            "search.lexicon",
            search["lexicon"],
            "leave it out for the built-in social-media lexicon, or give a lexicon file",
        )
    terms = _str_list(path, "search.terms", search.get("terms")) if "terms" in search else ()

    table = raw.get("table", {})
    row_names = _str_list(path, "table.rows", table.get("rows", ["outcome", "offence", "platform"]))
    for dim in row_names:
        if dim not in ROW_DIMENSIONS and dim not in ROW_ALIASES:
            raise _fail(
                path,
                "table.rows",
                f"unknown row {_shown(dim)} (one of {', '.join(ROW_DIMENSIONS)}; platform is "
                "term's older name)",
            )
    rows = tuple(ROW_ALIASES.get(dim, dim) for dim in row_names)
    if len(set(rows)) != len(rows):
        raise _fail(path, "table.rows", "names a row dimension twice")
    columns = _str(path, "table.columns", table.get("columns"), False, "year")
    if columns not in COLUMN_KINDS:
        raise _fail(path, "table.columns", f"expected one of {COLUMN_KINDS}, got {_shown(columns)}")
    offence_label = _str(path, "table.offence_label", table.get("offence_label"), False, "force")
    if offence_label not in OFFENCE_LABELS:
        raise _fail(
            path,
            "table.offence_label",
            f"expected one of {OFFENCE_LABELS}, got {_shown(offence_label)}",
        )

    sources = _sources(path, raw.get("source"))

    prefer = _str(path, "population.prefer", population.get("prefer"), False, "later").strip()
    _plain(path, "population.prefer", prefer)
    systems = list(dict.fromkeys(s.system for s in sources))
    if prefer not in RESERVED_SYSTEMS and prefer not in systems:
        raise _fail(
            path,
            "population.prefer",
            f"expected later, earlier or a source's system ({', '.join(systems)}), "
            f"got {_shown(prefer)}",
        )

    force_raw = raw.get("force", {})
    force = ForceDetails(
        **{
            key: _force_detail(path, key, force_raw.get(key), placeholder)
            for key, placeholder in PLACEHOLDERS.items()
        }
    )
    letter_template = _letter_template(path, force_raw.get("letter_template"))
    title = _optional_name(path, "title", raw.get("title"), TITLE_CHARS)
    category = _optional_name(path, "category", raw.get("category"), FORCE_CHARS)
    addressee = _optional_name(path, "addressee", raw.get("addressee"), ADDRESS_CHARS, lines=True)
    labels = _labels(path, raw.get("labels", {}))
    words = search.get("words", {})
    try:
        parse_words(words, "search.words")
    except LexiconError as exc:
        raise _fail(path, str(exc).split(":", 1)[0], str(exc).split(": ", 1)[1]) from None
    parts = _parts(path, search.get("parts", {}))
    asked = _asked(path, raw.get("asked", []))
    cost = _cost(path, raw.get("cost", {}))
    review = _review(path, raw.get("review", {}), reference)
    disclosure = _disclosure(path, raw.get("disclosure", {}))
    return Request(
        path=path,
        reference=reference,
        received=received,
        clarified=clarified,
        request_text=_free_text(path, "request", raw.get("request")),
        clarification=_free_text(path, "clarification", raw.get("clarification")),
        date_from=date_from,
        date_to=date_to,
        offence_terms=offence_terms,
        offence_codes=offence_codes,
        lexicon_name=lexicon,
        search_terms=terms,
        rows=rows,
        columns=columns,
        offence_label=offence_label,
        sources=sources,
        prefer=prefer,
        force=force,
        raw=raw,
        labels=labels,
        all_offences=all_offences,
        words=dict(words),
        parts=parts,
        asked=asked,
        row_names=row_names,
        lexicon_given="lexicon" in search,
        cost=cost,
        review=review,
        disclosure=disclosure,
        title=title,
        category=category,
        addressee=addressee,
        letter_template=letter_template,
    )


def _disclosure(path: Path, table: Any) -> DisclosureSettings:
    """``[disclosure]``: ``suppress_below`` 0 or 2 to 100, ``zeros`` one of
    ``DISCLOSURE_ZEROS``, the two symbols (1 to 8 characters, no digits, not the same)."""
    if not isinstance(table, dict):
        raise _fail(path, "disclosure", "must be a table, e.g. [disclosure]")
    _check_keys(path, table, "disclosure", "disclosure.")
    below = table.get("suppress_below", DisclosureSettings.suppress_below)
    if (
        isinstance(below, bool)
        or not isinstance(below, int)
        or not (below == 0 or 2 <= below <= 100)
    ):
        raise _fail(
            path,
            "disclosure.suppress_below",
            f"expected a whole number from 2 to 100 (5 withholds figures from 1 to 4), or 0 "
            f"for no disclosure control, got {_shown(below)}",
        )
    zeros = table.get("zeros", DisclosureSettings.zeros)
    if zeros not in DISCLOSURE_ZEROS:
        raise _fail(
            path,
            "disclosure.zeros",
            f'expected "as needed", "shown" or "withheld", got {_shown(zeros)}',
        )
    symbols = {}
    for key, default in (("symbol", f"<{below}"), ("secondary_symbol", "*")):
        value = table.get(key, default)
        if (
            not isinstance(value, str)
            or not 1 <= len(value.strip()) <= 8
            or (any(ch.isdigit() for ch in value) and value != f"<{below}")
        ):
            raise _fail(
                path,
                f"disclosure.{key}",
                f"expected 1 to 8 characters with no digits other than <{below}, e.g. "
                f'"<{below}", "~" or "*", got {_shown(value)}',
            )
        _plain(path, f"disclosure.{key}", value)
        symbols[key] = value.strip()
    if symbols["symbol"] == symbols["secondary_symbol"]:
        raise _fail(
            path,
            "disclosure.secondary_symbol",
            f"is the same as disclosure.symbol ({_shown(symbols['symbol'])}): a reader must tell "
            "a small figure from one withheld to protect it",
        )
    earlier_raw = table.get("earlier", [])
    if not isinstance(earlier_raw, list):
        raise _fail(
            path, "disclosure.earlier", 'must be a list of case folders, e.g. ["../FOI2019-01234"]'
        )
    earlier = tuple(
        (path.parent / _path_text(path, f"disclosure.earlier[{i}]", e, "give a case folder"))
        for i, e in enumerate(earlier_raw)
    )
    for i, folder in enumerate(earlier):
        if not folder.exists():
            raise _fail(path, f"disclosure.earlier[{i}]", f"{_shown_path(folder)} does not exist")
    return DisclosureSettings(below, zeros, symbols["symbol"], symbols["secondary_symbol"], earlier)


def _review(path: Path, table: dict[str, Any], reference: str) -> ReviewSettings:
    """``[review]``: ``sample_margin`` in (0, 0.5], ``sample_precision`` in (0, 1), ``seed`` a
    whole number from 0 (default: ``default_seed`` of the reference)."""
    settings = ReviewSettings()
    margin, precision = settings.sample_margin, settings.sample_precision
    if "sample_margin" in table:
        margin = _fraction(path, "review.sample_margin", table["sample_margin"])
        if not 0 < margin <= 0.5:
            raise _fail(
                path,
                "review.sample_margin",
                f"{margin:g} is not a margin of error: give a fraction above 0 and at most "
                "0.5, e.g. 0.05 for plus or minus 5 points",
            )
    if "sample_precision" in table:
        precision = _fraction(path, "review.sample_precision", table["sample_precision"])
        if not 0 < precision < 1:
            raise _fail(
                path,
                "review.sample_precision",
                f"{precision:g} is not a precision to assume: give a fraction above 0 and "
                "below 1, e.g. 0.95",
            )
    seed = table.get("seed", default_seed(reference))
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise _fail(path, "review.seed", f"expected a whole number from 0, got {_shown(seed)}")
    return ReviewSettings(margin, precision, seed)


def _fraction(path: Path, key: str, value: Any) -> float:
    """A number (a TOML integer or float, not true/false), as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise _fail(path, key, f"expected a number like 0.05, got {_shown(value)}")
    return float(value)


def _cost(path: Path, table: Any) -> CostSettings:
    """``[cost]``: the s.12 estimate's rates and the limit (``CostSettings``). A number is a
    TOML integer or float, finite, above 0 (``extraction_minutes`` may be 0)."""
    if not isinstance(table, dict):
        raise _fail(path, "cost", "must be a table, e.g. [cost]")
    _check_keys(path, table, "cost", "cost.")
    limit = table.get("limit", "police")
    if limit not in COST_LIMITS:
        raise _fail(
            path,
            "cost.limit",
            f'expected "police" (£450, police and other bodies) or "central" (£600, central '
            f"government), got {_shown(limit)}",
        )
    answer_anyway = table.get("answer_over_limit", False)
    if not isinstance(answer_anyway, bool):
        raise _fail(
            path, "cost.answer_over_limit", f"expected true or false, got {_shown(answer_anyway)}"
        )
    defaults = CostSettings()
    numbers: dict[str, float] = {}
    for key in ("rate_minutes", "extraction_minutes", "hourly_rate", "limit_pounds"):
        if key not in table:
            continue
        value = table[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or value != value
            or value in (float("inf"), float("-inf"))
        ):
            raise _fail(path, f"cost.{key}", f"expected a number, got {_shown(value)}")
        if value < 0 or (value == 0 and key != "extraction_minutes"):
            least = "0 or more" if key == "extraction_minutes" else "above 0"
            raise _fail(path, f"cost.{key}", f"{value:g} is not allowed: give a number {least}")
        numbers[key] = float(value)
    return CostSettings(
        limit=limit,
        rate_minutes=numbers.get("rate_minutes", defaults.rate_minutes),
        extraction_minutes=numbers.get("extraction_minutes", defaults.extraction_minutes),
        hourly_rate=numbers.get("hourly_rate", defaults.hourly_rate),
        limit_pounds=numbers.get("limit_pounds"),
        answer_over_limit=answer_anyway,
    )


def _parts(path: Path, table: Any) -> dict[str, tuple[str, ...]]:
    """``[search.parts]``: a term -> the parts it is written in, for an ad hoc term whose
    parts neither spaces nor capitals show ("onlyfans" = ["only", "fans"])."""
    if not isinstance(table, dict):
        raise _fail(path, "search.parts", 'must be a table of term = ["part", "part"]')
    return {
        term.strip(): _str_list(path, f"search.parts.{_shown(term)}", value)
        for term, value in table.items()
    }


def _asked(path: Path, value: Any) -> tuple[str, ...]:
    """``asked``: what the request asks for besides the table, each answered in the letter."""
    if not isinstance(value, list):
        raise _fail(path, "asked", f"expected a list of {', '.join(ASKED)}, got {_shown(value)}")
    for i, entry in enumerate(value, 1):
        if entry not in ASKED:
            raise _fail(
                path,
                f"asked[{i}]",
                f"unknown {_shown(entry)} (one of {', '.join(ASKED)}: what the letter answers "
                "besides the table)",
            )
    return tuple(dict.fromkeys(value))


def _offence_choices() -> str:
    """What ``population.offences`` may say, for its messages."""
    groups = ", ".join(sorted(home_office().offence_groups))
    return (
        f'say which crimes to count: "{ALL_OFFENCES}", offence groups ({groups}), '
        'or Home Office codes such as ["92D"]'
    )


def _offences(path: Path, population: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``population.offences``: the terms as written and the Home Office codes they expand
    to; (("all",), ()) for every offence. Required: a request that leaves it out does not say
    which crimes it is about."""
    key = "population.offences"
    value = population.get("offences")
    if value is None:
        raise _fail(path, key, f"is required: {_offence_choices()}")
    if isinstance(value, str):  # "all", or one group or code
        if not value.strip():
            raise _fail(path, key, f"is empty: {_offence_choices()}")
        terms: tuple[str, ...] = (_entry(path, key, value),)
    elif not isinstance(value, list):
        raise _fail(path, key, f"expected a list, got {_shown(value)}: {_offence_choices()}")
    elif not value:
        raise _fail(path, key, f"is empty: {_offence_choices()}")
    else:
        terms = _str_list(path, key, value)
    if any(t.lower() == ALL_OFFENCES for t in terms):
        if len(terms) > 1:
            raise _fail(
                path,
                key,
                f'"{ALL_OFFENCES}" counts every crime, whatever its offence: give it alone '
                f'(offences = "{ALL_OFFENCES}"), or list only the groups and codes to count',
            )
        return (ALL_OFFENCES,), ()
    try:
        return terms, home_office().offence_codes(terms)
    except UnknownOffence as exc:
        raise _fail(
            path, key, f"unknown offence group or code {_shown(exc.args[0])}: {_offence_choices()}"
        ) from None


def _labels(path: Path, table: Any) -> dict[str, str]:
    """The ``[labels]`` table: each key a label as the extract holds it (after trimming, as the
    engines read it), each value the text to publish, a name like any other."""
    if not isinstance(table, dict):
        raise _fail(path, "labels", 'must be a table of "label in the extract" = "text to publish"')
    out: dict[str, str] = {}
    for raw_label, text in table.items():
        label = raw_label.strip()
        key = f"labels.{_shown(raw_label)}"
        if not label:
            raise _fail(path, key, "an empty label cannot be given a text")
        out[label] = _name(path, key, text, FORCE_CHARS, "give the text to publish for it")
    return out


def _optional_name(
    path: Path, key: str, value: Any, limit: int, *, lines: bool = False
) -> str | None:
    """An optional name (the title, the category, the addressee): None when left out or blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _name(path, key, value, limit, f"give the {key}, or leave the key out", lines=lines)


def _letter_template(path: Path, value: Any) -> Path | None:
    """``[force] letter_template``: a Word file (.docx) that exists, resolved against the
    request's folder; None when left out (the built-in template)."""
    if value is None:
        return None
    key = "force.letter_template"
    written = _path_text(path, key, value, "give the force's letterhead, a .docx file")
    template = path.parent / written
    if template.suffix.lower() != ".docx":
        raise _fail(
            path, key, f"{_shown(written)} is not a .docx file; save the letterhead as Word (.docx)"
        )
    try:
        size = template.stat().st_size
    except OSError:
        raise _fail(path, key, f"{_shown(written)}: file not found") from None
    if not template.is_file():
        raise _fail(path, key, f"{_shown(written)} is not a file")
    if size > TEMPLATE_BYTES:
        raise _fail(path, key, f"{_shown(written)} is {size:,} bytes; at most {TEMPLATE_BYTES:,}")
    return template


def _force_detail(path: Path, key: str, value: Any, placeholder: str) -> str:
    """One of the force's details: its placeholder when left out or blank (a blank detail is
    one not filled in, and the letter lists it as unfilled), else a name."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return placeholder
    return _name(
        path,
        f"force.{key}",
        value,
        ADDRESS_CHARS if key == "address" else FORCE_CHARS,
        f"give the force's {key}, or leave the key out for the {placeholder} placeholder",
        lines=key == "address",
    )


def _sources(path: Path, raw_sources: Any) -> tuple[SourceSpec, ...]:
    """The ``[[source]]`` tables, in order."""
    if not isinstance(raw_sources, list) or not raw_sources:
        raise _fail(path, "source", "at least one [[source]] with a path is required")
    sources: list[SourceSpec] = []
    seen: dict[tuple[int, int], str] = {}  # (device, inode) of each source: its key
    spellings: dict[str, str] = {}  # each system's name, by its case-folded form
    for i, src in enumerate(raw_sources):
        key = f"source[{i + 1}]"
        if not isinstance(src, dict):
            raise _fail(path, key, "must be a table ([[source]])")
        _check_keys(path, src, "source", key + ".")
        written = _path_text(
            path, key + ".path", src.get("path"), "give the extract file or snapshot folder"
        )
        src_path = Path(written)
        if not src_path.is_absolute():
            src_path = path.parent / src_path
        info = _source_stat(path, key, src_path)
        if (info.st_dev, info.st_ino) in seen:
            raise _fail(
                path,
                key + ".path",
                f"{_shown_path(src_path)} is the same file as "
                f"{seen[(info.st_dev, info.st_ino)]}; name each extract once",
            )
        seen[(info.st_dev, info.st_ino)] = key + ".path"
        fmt = _str(path, key + ".format", src.get("format"), False, "")
        manifest: dict[str, Any] = {}
        is_dir = stat.S_ISDIR(info.st_mode)
        if is_dir:
            fmt = fmt or "snapshot"
            manifest = _manifest(path, key, src_path)
        fmt = fmt or ("parquet" if src_path.suffix.lower() in (".parquet", ".pq") else "csv")
        if fmt not in SOURCE_FORMATS:
            raise _fail(
                path, key + ".format", f"expected one of {SOURCE_FORMATS}, got {_shown(fmt)}"
            )
        if (fmt == "snapshot") != is_dir:
            what = "a snapshot folder" if is_dir else "a file"
            raise _fail(
                path, key + ".format", f"{_shown_path(src_path)} is {what}, not format {fmt!r}"
            )
        system = _system(path, key, src, manifest, src_path)
        spelled = spellings.setdefault(system.casefold(), system)
        if spelled != system:
            raise _fail(
                path,
                key + ".system",
                f"{system!r} differs from {spelled!r} of an earlier source only in letter "
                "case; spell a system the same way each time",
            )
        if "data_quality_from" in src:
            dq = _date(path, key + ".data_quality_from", src["data_quality_from"], False)
        else:
            dq = _date(
                path,
                key + ".data_quality_from (from manifest.json)",
                manifest.get("data_quality_from"),
                False,
            )
        sources.append(SourceSpec(src_path, system, fmt, dq))
    return tuple(sources)


def _source_stat(path: Path, key: str, src_path: Path) -> os.stat_result:
    """The status of a source's file or folder (following symlinks): a regular file that can
    be opened, or a folder (a snapshot, checked by ``_manifest``). Anything else is refused
    before an engine opens it: a character device (/dev/zero never ends), a FIFO (waits for a
    writer), a socket, a block device, or a symlink to one of them."""
    key += ".path"
    shown = _shown_path(src_path)
    try:
        info = os.stat(src_path)
    except (FileNotFoundError, NotADirectoryError):
        raise _fail(path, key, f"source file not found: {shown}") from None
    except OSError as exc:
        raise _fail(path, key, f"cannot read {shown}: {exc.strerror}") from exc
    if stat.S_ISDIR(info.st_mode):
        return info
    if not stat.S_ISREG(info.st_mode):
        raise _fail(
            path,
            key,
            f"{shown} is {_what(src_path, info.st_mode)}, not an extract file or a snapshot folder",
        )
    try:
        with src_path.open("rb"):
            pass
    except OSError as exc:
        raise _fail(path, key, f"cannot read {shown}: {exc.strerror}") from exc
    return info


def _system(
    path: Path, key: str, src: dict[str, Any], manifest: dict[str, Any], src_path: Path
) -> str:
    """A source's system: as the request names it, else the snapshot's, else the file's stem."""
    what = 'give the record system\'s name, e.g. system = "Athena"'
    if "system" in src:
        system = _name(path, key + ".system", src["system"], SYSTEM_CHARS, what)
    elif manifest.get("system") not in (None, ""):
        system = _name(
            path, key + ".system (from manifest.json)", manifest["system"], SYSTEM_CHARS, what
        )
    else:
        system = _name(
            path, key + ".system (from the file name)", src_path.stem, SYSTEM_CHARS, what
        )
    if system.casefold() in RESERVED_SYSTEMS:
        raise _fail(
            path,
            key + ".system",
            f"{system!r} cannot name a system: population.prefer uses the word; "
            "give the system's own name",
        )
    return system
