"""One case folder read as the disclosure log shows it: a ``LogEntry``.

Place in the flow: the first step of ``foidesk log add`` (``book.add_to_log``): the case's
``internal/audit.json`` gives the request as it was answered (``request.content``: reference,
received, request, clarification, title, category, addressee) and the case's ``public/``
gives the files to copy. Everything the log says of the release comes from the entry, so the
requester's name and address are taken out here, once: ``addressee`` is never read into an
entry, and each of its lines (and each word of the name) found in the title, the request or
the clarification is replaced by ``REMOVED`` (a requester sometimes signs the request text).
The letter is copied as PDF only: ``public/log-letter.pdf`` (the letter without the
addressee) if present, else ``public/letter.pdf``; a case whose request names an addressee
must have the former, and the text of every file copied (the PDF's read back with pypdf) is
checked for the addressee's lines and name. A draft letter (``letter-draft.pdf``: placeholders
left) is never logged.

The date answered is the letter's date, ``letter.date`` in the audit. A case answered before
the audit recorded it gives it only when the letter was late (the ``letter-after-due-date``
notice's ``letter_date``); otherwise it is ``--answered``, or the day the case was answered
(``audit["created"]``). ``--answered`` wins over all of them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from foidesk.errors import CaseError
from foidesk.release.disclosure.earlier import read_json_file
from foidesk.release.redact import addressee_phrases, named, redact

AUDIT = ("internal", "audit.json")
TABLE_FILES = ("table.csv", "table.xlsx", "table.html")  # the table's files the log keeps
COVERAGE = "coverage.csv"
LOG_LETTER = "log-letter.pdf"  # the letter without the addressee
LETTER = "letter.pdf"  # the letter (with the addressee when the request names one)
DRAFT_LETTER = "letter-draft.pdf"  # a letter with placeholders left: never logged
LETTER_IN_LOG = "letter.pdf"  # the name of the letter in the log, whichever was copied
PDF_MAGIC = b"%PDF-"

DEFAULT_CATEGORY = "Crime statistics"
TITLE_CHARS = 100  # a title made from the request text is cut near here
LATE_LETTER = "letter-after-due-date"  # the notice that records the letter's date
ANSWERED_GIVEN = "given"  # --answered
ANSWERED_LETTER = "the letter's date"  # recorded in the audit (a letter after the due date)
ANSWERED_CASE = "the day the case was answered"  # the audit's ``created``, in UTC
_SENTENCE_END = re.compile(r"(?<=[.?!])\s")
_SLUG_CHARS = 80


@dataclass(frozen=True)
class LogEntry:
    """What the disclosure log says of one release, and the files it copies."""

    reference: str  # "FOI2019/02832"
    title: str
    received: date
    answered: date
    answered_from: str  # where the date answered came from: ANSWERED_GIVEN, ..._LETTER, ..._CASE
    category: str
    request: str  # the request text (empty when the request file gave none)
    clarification: str  # "" when there was none
    refused: bool  # no table released (a refusal under FOIA s.12): the letter only
    cost_refusal: bool  # the audit says the request was refused under s.12
    files: tuple[Path, ...]  # the public files to copy (table, coverage), in the log's order
    letter: Path  # the PDF letter to copy (as LETTER_IN_LOG)

    @property
    def slug(self) -> str:
        """The release's folder under ``releases/``."""
        return slug_of(self.reference)

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the release's files in the log, the letter last."""
        return (*(f.name for f in self.files), LETTER_IN_LOG)

    @property
    def has_table(self) -> bool:
        return any(f.name == TABLE_FILES[0] for f in self.files)


def slug_of(reference: str) -> str:
    """A stable folder name from a reference: FOI2019/02832 -> foi2019-02832 (letters and
    digits, lower case, runs of anything else as one hyphen); a reference with no letter or
    digit of ASCII gets ``release-`` and a digest of it."""
    ascii_text = unicodedata.normalize("NFKD", reference).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:_SLUG_CHARS].strip("-")
    if not slug:
        slug = "release-" + hashlib.sha256(reference.encode("utf-8")).hexdigest()[:12]
    return slug


def read_entry(case: Path, answered: date | None = None) -> LogEntry:
    """The log entry of case folder ``case``. ``CaseError`` (one line naming the file or key)
    for a folder that is not a case, an audit without the request's reference or dates, and a
    case without its letter as PDF."""
    audit_path = case_audit(case)
    audit = _read_json(audit_path)
    content = _request_content(audit, audit_path)
    reference = _text(content, "reference", audit_path, required=True)
    received = _date(content.get("received"), audit_path, "request.content.received")
    request = _text(content, "request", audit_path)
    clarification = _text(content, "clarification", audit_path)
    title = _text(content, "title", audit_path) or default_title(request, reference)
    category = _text(content, "category", audit_path) or DEFAULT_CATEGORY
    addressee = _text(content, "addressee", audit_path)
    phrases = addressee_phrases(addressee, words=True)

    if answered is not None:
        answered_on, answered_from = answered, ANSWERED_GIVEN
    else:
        answered_on, answered_from = _answered(audit, audit_path)
    public = case / "public"
    refused = not (public / TABLE_FILES[0]).is_file()
    files = tuple(public / name for name in (*TABLE_FILES, COVERAGE) if (public / name).is_file())
    letter = _letter(public, bool(addressee))
    entry = LogEntry(
        reference=reference,
        title=redact(title, phrases),
        received=received,
        answered=answered_on,
        answered_from=answered_from,
        category=redact(category, phrases),
        request=redact(request, phrases),
        clarification=redact(clarification, phrases),
        refused=refused,
        cost_refusal=refused and _refused_on_cost(audit),
        files=files,
        letter=letter,
    )
    if addressee:
        for path in (*files, letter):
            _not_named(path, addressee_phrases(addressee))
    return entry


def case_reference(case: Path) -> str:
    """The reference of the request answered in case folder ``case``."""
    path = case_audit(case)
    return _text(_request_content(_read_json(path), path), "reference", path, required=True)


def case_audit(case: Path) -> Path:
    """``case``'s audit, after checking that ``case`` is a case folder."""
    if not case.exists():
        raise CaseError(f"{case}: does not exist: give a case folder (foidesk answer --out CASE)")
    if not case.is_dir():
        raise CaseError(f"{case}: not a folder: give a case folder (foidesk answer --out CASE)")
    path = case.joinpath(*AUDIT)
    if not (case / "public").is_dir() or not path.is_file():
        missing = "public/" if not (case / "public").is_dir() else "/".join(AUDIT)
        raise CaseError(
            f"{case}: not a case folder (no {missing}): give the folder foidesk answer --out wrote"
        )
    return path


def default_title(request: str, reference: str) -> str:
    """The request text's first sentence, cut at a word near ``TITLE_CHARS`` characters; the
    reference when there is no text."""
    text = " ".join(request.split())
    if not text:
        return reference
    first = _SENTENCE_END.split(text, maxsplit=1)[0]
    if len(first) <= TITLE_CHARS:
        return first
    cut = first[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:")
    return (cut or first[:TITLE_CHARS]) + "…"


# -- reading the case ------------------------------------------------------------------------


def _read_json(path: Path) -> dict[str, Any]:
    data = read_json_file(path)
    if not isinstance(data, dict):
        raise CaseError(f"{path}: not a foidesk audit (a JSON object)")
    return data


def _request_content(audit: dict[str, Any], path: Path) -> dict[str, Any]:
    request = audit.get("request")
    content = request.get("content") if isinstance(request, dict) else None
    if not isinstance(content, dict):
        raise CaseError(f"{path}: request.content missing: answer the case again (--replace)")
    return content


def _text(content: dict[str, Any], key: str, path: Path, *, required: bool = False) -> str:
    value = content.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise CaseError(
            f"{path}: request.content.{key}: {'missing' if value is None else 'not a text'}"
        )
    return value.strip()


def _date(value: Any, path: Path, key: str) -> date:
    """A date, or the date of a time (``created``), from the audit."""
    if value is None:
        raise CaseError(f"{path}: {key}: missing")
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(str(value)).date()
    except ValueError:
        raise CaseError(f"{path}: {key}: {value!r} is not a date like 2019-04-26") from None


def _answered(audit: dict[str, Any], path: Path) -> tuple[date, str]:
    """The letter's date when the audit records it (a late letter), else the day the case was
    answered; and which of them it is. Cases answered since the audit records the letter
    (``letter.date``) always have it."""
    letter = audit.get("letter")
    if isinstance(letter, dict) and letter.get("date") is not None:
        return _date(letter["date"], path, "letter.date"), ANSWERED_LETTER
    notices = audit.get("notices")
    for notice in notices if isinstance(notices, list) else []:
        if isinstance(notice, dict) and notice.get("kind") == LATE_LETTER:
            letter_date = notice.get("letter_date")
            if letter_date is not None:
                key = f"notices ({LATE_LETTER}).letter_date"
                return _date(letter_date, path, key), ANSWERED_LETTER
    return _date(audit.get("created"), path, "created"), ANSWERED_CASE


def _refused_on_cost(audit: dict[str, Any]) -> bool:
    cost = audit.get("cost")
    return isinstance(cost, dict) and cost.get("refused") is True


def _letter(public: Path, has_addressee: bool) -> Path:
    """The PDF letter to copy: the one without the addressee when there is one."""
    log_letter, letter = public / LOG_LETTER, public / LETTER
    if log_letter.is_file():
        found = log_letter
    elif letter.is_file() and not has_addressee:
        found = letter
    elif (public / DRAFT_LETTER).is_file():
        raise CaseError(
            f"{public / DRAFT_LETTER}: the letter is a draft (placeholders left): fill them in "
            "the request and answer the case again (--replace) before it goes in the log"
        )
    else:
        missing = log_letter if has_addressee else f"{log_letter} (or {letter})"
        why = " the letter without the addressee" if has_addressee else " the letter as PDF"
        raise CaseError(
            f"{missing}: missing: the log keeps{why}; answer the case again with LibreOffice "
            "installed (soffice on the PATH): foidesk answer REQUEST.toml --out "
            f"{public.parent} --replace"
        )
    with found.open("rb") as f:
        if f.read(len(PDF_MAGIC)) != PDF_MAGIC:
            raise CaseError(f"{found}: not a PDF file: answer the case again (--replace)")
    return found


def _not_named(path: Path, phrases: tuple[str, ...]) -> None:
    """Refuse a file to be copied whose text names the addressee."""
    if path.suffix == ".pdf":
        text = _pdf_text(path)
    elif path.suffix == ".xlsx":
        return  # the same labels as table.csv, which is read
    else:
        text = path.read_text(encoding="utf-8", errors="replace")
    if named(text, phrases) is not None:
        raise CaseError(
            f"{path}: names the request's addressee: the disclosure log never holds them; "
            "answer the case again so that the public copy leaves them out"
        )


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    except (PyPdfError, OSError, ValueError, KeyError) as exc:
        raise CaseError(
            f"{path}: cannot be read as a PDF ({exc}), so it cannot be checked for the "
            "addressee: answer the case again (--replace)"
        ) from exc
