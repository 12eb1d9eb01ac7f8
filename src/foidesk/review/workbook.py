"""The review file: the hits a person should read, as an Excel workbook, and their decisions
read back from it.

``export_review`` writes one row per hit to review: every possible hit not set aside by the
record conditions (those with no decision yet first), then the counted hits (certain, not set
aside) of the quality sample's crimes (``counting.sample``, named in the audit). Each row has
the hit's id, crime, system, date, term, certainty, why it is there, rule, the text around
the match with the match in bold and between ⟦ ⟧, a ``decision`` cell limited to accept or
reject, and a reason; the decision and reason are filled in from the case's log. Every text
cell is written as text (``write_string``): a note that starts with ``=`` is never a formula.
The file is record-level: written 0600, under ``internal/`` by default, never under
``public/``.

``import_review`` reads a filled-in file back. The header must be the export's, every hit id
one of the case's, every decision empty, accept or reject; any bad cell refuses the whole
file, naming the cells, and nothing is applied. The decisions are recorded through
``review.case.record`` (a row that repeats the decision already held is not written again).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from foidesk.case_folder import CRIME_HITS_NAME
from foidesk.casework.decisions import CHOICES, Decision, latest, now
from foidesk.errors import CaseError, ReviewFileError
from foidesk.review.case import ReviewCase, open_case, record

REVIEW_NAME = "review.xlsx"  # the default file, under the case's internal/
SHEET = "Review"
ABOUT = "About"
POSSIBLE = "possible"
SAMPLE = "quality sample"
# (header, width): the review sheet's columns, in order
COLUMNS = (
    ("hit id", 18),
    ("crime reference", 17),
    ("system", 11),
    ("date", 11),
    ("term", 12),
    ("certainty", 10),
    ("why in review", 14),
    ("rule", 22),
    ("context", 80),
    ("decision", 10),
    ("reason", 32),
)
HEADER = tuple(name for name, _ in COLUMNS)
_HIT, _DECISION, _REASON = 0, HEADER.index("decision"), HEADER.index("reason")
_SHOWN_BAD = 5  # bad cells named in the message; the rest counted
_SET_ASIDE = "set aside"  # counting.counted.SET_ASIDE


@dataclass(frozen=True)
class Exported:
    """A review file written: where, its rows, and how many are possible hits and how many
    the sample's (of how many crimes)."""

    path: Path
    rows: int
    possible: int
    sample: int
    sample_crimes: int


@dataclass(frozen=True)
class Imported:
    """A review file applied: rows with a hit, rows with a decision, decisions recorded (the
    others were already held), rows left without a decision."""

    rows: int
    decided: int
    recorded: int
    skipped: int


def _cell(row: int, col: int) -> str:
    """A cell's name, e.g. J17 (row and col counted from 0)."""
    return f"{chr(ord('A') + col)}{row + 1}"


def _quoted(value: Any) -> str:
    """A cell's value in a message: quoted, one line, cut short."""
    text = json.dumps(str(value), ensure_ascii=False)
    return text if len(text) <= 40 else text[:36] + '..."'


def review_path(case: ReviewCase, out: Path | str | None) -> Path:
    """Where the review file goes: ``out``, or ``internal/review.xlsx``. A path under the
    case's ``public/`` (after following symlinks) is refused: the file is record-level."""
    path = Path(out) if out is not None else case.internal / REVIEW_NAME
    public = (case.folder / "public").resolve()
    target = path.resolve()
    if target == public or public in target.parents:
        raise ReviewFileError(
            f"{path}: is under the case's public/ folder; the review file is record-level "
            "and is never written there (leave out --out for internal/review.xlsx)"
        )
    if target.is_dir():
        raise ReviewFileError(f"{path}: is a folder; give the file to write, e.g. review.xlsx")
    if not target.parent.is_dir():
        raise ReviewFileError(f"{path}: its folder {path.parent} does not exist")
    return path


def _dates(case: ReviewCase) -> dict[str, str]:
    """Each counted crime's recorded date (ISO), from ``internal/crime-hits.parquet``."""
    path = case.internal / CRIME_HITS_NAME
    if not path.is_file():
        return {}
    table = pq.read_table(path, columns=["crime_ref", "recorded_date"])
    out: dict[str, str] = {}
    for ref, when in zip(
        table.column("crime_ref").to_pylist(),
        table.column("recorded_date").to_pylist(),
        strict=True,
    ):
        if isinstance(when, date):
            out.setdefault(ref, when.isoformat())
    return out


def sample_crimes(case: ReviewCase) -> tuple[str, ...]:
    """The quality sample's crimes, as the last answer drew them (its audit)."""
    sample = case.audit.get("review", {}).get("quality_sample")
    if sample is None:
        raise CaseError(
            f"{case.internal / 'audit.json'}: has no quality sample (made by an older "
            "foidesk): answer the case again (answer --replace)"
        )
    return tuple(sample.get("crimes", ()))


def review_rows(case: ReviewCase) -> list[tuple[dict[str, Any], str]]:
    """The hits to review, in the file's order, each with why it is there: the possible hits
    not set aside (undecided first, then decided), then the counted hits of the sample's
    crimes; within each part by crime, system, field and place."""
    held = latest(case.decisions())

    def where(hit: dict[str, Any]) -> tuple[Any, ...]:
        return (hit["crime_ref"], hit["system"], hit["field"], hit["start"], hit["hit_id"])

    hits = [h for h in case.hits() if h["status"] != _SET_ASIDE]
    possible = sorted(
        (h for h in hits if h["certainty"] == POSSIBLE),
        key=lambda h: (h["hit_id"] in held, *where(h)),
    )
    chosen = set(sample_crimes(case))
    sample = sorted(
        (h for h in hits if h["certainty"] != POSSIBLE and h["crime_ref"] in chosen), key=where
    )
    return [(h, POSSIBLE) for h in possible] + [(h, SAMPLE) for h in sample]


def _about(case: ReviewCase, rows: int) -> list[str]:
    return [
        "What this file is",
        f"The hits of the case {case.folder} that a person should read: {rows:,} rows, one "
        "per hit. First every possible hit (the search was not sure: it needs a person's "
        "decision before it counts), those not yet decided first; then the hits of a random "
        "sample of the crimes the search counted (the quality sample), which are read to "
        "measure how often the search is right.",
        "",
        "How to fill it in",
        "Read the context: the match is in bold and between ⟦ ⟧. In the decision column "
        "choose accept (it is a mention: the hit counts) or reject (it is not: it does not "
        "count); give a reason if you like. A decision already made is filled in; change it "
        "to change it. Leave a row's decision empty to decide it later: an empty decision "
        "changes nothing (it does not undo one already made).",
        "Do not change the hit id column or the header. Save the file as .xlsx, then:",
        "    foidesk review import CASE FILE --by YOUR-NAME",
        "    foidesk answer REQUEST.toml --out CASE --replace",
        "A file with any bad cell (a hit id that is not the case's, a decision that is not "
        "accept or reject) is refused whole, naming the cells: nothing is applied from it.",
        "",
        "RECORD-LEVEL: NEVER TO BE RELEASED",
        "This file holds crime references and the text of crime records. Keep it with the "
        "case's internal/ files; never put it in public/ or send it to a requester.",
    ]


def _workbook_bytes(case: ReviewCase, rows: list[tuple[dict[str, Any], str]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    book.set_properties(
        {"title": "foidesk review file", "comments": "Record-level: never to be released"}
    )
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    top = book.add_format({"valign": "top"})
    bold = book.add_format({"bold": True})
    bold_wrap = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    held = latest(case.decisions())
    dates = _dates(case)
    sheet = book.add_worksheet(SHEET)
    for col, (name, width) in enumerate(COLUMNS):
        sheet.write_string(0, col, name, header)
        sheet.set_column(col, col, width, wrap if name in ("context", "reason") else top)
    for i, (hit, why) in enumerate(rows, 1):
        decision = held.get(hit["hit_id"])
        values = (
            hit["hit_id"],
            hit["crime_ref"],
            hit["system"],
            dates.get(hit["crime_ref"], str(hit["year"])),
            hit["platform"],
            hit["certainty"],
            why,
            hit["rule"],
        )
        for col, value in enumerate(values):
            sheet.write_string(i, col, str(value), top)
        before, match, after = hit["before"] or "", f"⟦{hit['text']}⟧", hit["after"] or ""
        parts: list[Any] = [p for p in (before,) if p] + [bold, match] + [p for p in (after,) if p]
        if len(parts) < 3 or sheet.write_rich_string(i, 8, *parts, wrap) < 0:
            sheet.write_string(i, 8, before + match + after, bold_wrap if len(parts) < 3 else wrap)
        sheet.write_string(i, _DECISION, decision.decision if decision else "", top)
        sheet.write_string(i, _REASON, decision.reason if decision else "", wrap)
    last = max(len(rows), 1)
    sheet.data_validation(
        1,
        _DECISION,
        last,
        _DECISION,
        {
            "validate": "list",
            "source": list(CHOICES),
            "input_title": "Decision",
            "input_message": "accept: a mention (counts); reject: not one (does not count)",
            "error_title": "Not a decision",
            "error_message": "Choose accept or reject, or leave it empty.",
        },
    )
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, last, len(COLUMNS) - 1)
    about = book.add_worksheet(ABOUT)
    about.set_column(0, 0, 110, wrap)
    for i, line in enumerate(_about(case, len(rows))):
        heading = line and not line.startswith(" ") and len(line) < 40
        about.write_string(i, 0, line, bold_wrap if heading else wrap)
    book.close()
    return buffer.getvalue()


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner only (0600), whole or not at all."""
    fd, temp = tempfile.mkstemp(prefix=".review-", suffix=".xlsx", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def export_review(folder: Path | str, out: Path | str | None = None) -> Exported:
    """Write the review file of the case in ``folder`` to ``out`` (default
    ``internal/review.xlsx``; a path under ``public/`` is refused)."""
    case = open_case(folder)
    path = review_path(case, out)
    rows = review_rows(case)
    _write_private(path, _workbook_bytes(case, rows))
    sample = [hit for hit, why in rows if why == SAMPLE]
    return Exported(
        path,
        len(rows),
        len(rows) - len(sample),
        len(sample),
        len({hit["crime_ref"] for hit in sample}),
    )


def _read_rows(file: Path) -> list[tuple[Any, ...]]:
    """The review sheet's rows (values only), header first; one line when the file is not a
    workbook or has no review sheet."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if not file.is_file():
        raise ReviewFileError(f"{file}: review file not found")
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ReviewFileError(
            f"{file}: not an Excel workbook (.xlsx) that foidesk can read ({exc})"
        ) from exc
    try:
        if SHEET not in book.sheetnames:
            raise ReviewFileError(
                f"{file}: has no sheet named {SHEET!r}: is it a file foidesk review export wrote?"
            )
        return [tuple(row) for row in book[SHEET].iter_rows(values_only=True)]
    finally:
        book.close()


def _text(value: Any) -> str:
    """A cell's value as text, trimmed; empty for an empty cell."""
    return "" if value is None else str(value).strip()


def import_review(folder: Path | str, file: Path | str, *, by: str) -> Imported:
    """Apply the decisions in review file ``file`` to the case in ``folder``, as ``by``. Any
    bad cell refuses the file (``ReviewFileError`` naming the first few) and nothing is
    applied."""
    if not by.strip():
        raise ReviewFileError("a decision needs the name of who made it (--by NAME)")
    case = open_case(folder)
    file = Path(file)
    rows = _read_rows(file)
    if not rows:
        raise ReviewFileError(f"{file}: the {SHEET} sheet is empty: no header")
    header = rows[0]
    for col, name in enumerate(HEADER):
        found = _text(header[col]) if col < len(header) else ""
        if found.casefold() != name:
            raise ReviewFileError(
                f"{file}: {_cell(0, col)}: {_quoted(found)} is not {_quoted(name)}; the header "
                f"must be the export's ({', '.join(HEADER)})"
            )
    hits = {hit["hit_id"]: hit for hit in case.hits()}
    bad: list[str] = []
    chosen: dict[str, tuple[int, str, str]] = {}  # hit id -> (row, decision, reason)
    read = skipped = 0
    for r, row in enumerate(rows[1:], 1):
        cells = list(row) + [None] * (len(HEADER) - len(row))
        hit_id, decision_cell = _text(cells[_HIT]), cells[_DECISION]
        decision = _text(decision_cell).casefold()
        if not hit_id:
            if decision:
                bad.append(f"{_cell(r, _HIT)}: no hit id, though the row has a decision")
            continue
        read += 1
        hit = hits.get(hit_id)
        if hit is None:
            bad.append(f"{_cell(r, _HIT)}: hit {hit_id} is not a hit of this case")
        elif hit["status"] == _SET_ASIDE:
            bad.append(
                f"{_cell(r, _HIT)}: hit {hit_id} is set aside by the record conditions; no "
                "decision can make it count"
            )
        if decision and (not isinstance(decision_cell, str) or decision not in CHOICES):
            bad.append(f"{_cell(r, _DECISION)}: {_quoted(decision_cell)} is not accept or reject")
            continue
        if not decision:
            skipped += 1
            continue
        reason = _text(cells[_REASON])
        earlier = chosen.get(hit_id)
        if earlier is not None and earlier[1:] != (decision, reason):
            bad.append(
                f"{_cell(r, _HIT)}: hit {hit_id} is also in row {earlier[0] + 1} with another "
                "decision or reason"
            )
        chosen.setdefault(hit_id, (r, decision, reason))
    if bad:
        more = len(bad) - _SHOWN_BAD
        raise ReviewFileError(
            f"{file}: nothing applied: {len(bad):,} bad "
            f"{'cell' if len(bad) == 1 else 'cells'}: "
            + "; ".join(bad[:_SHOWN_BAD])
            + (f"; and {more:,} more" if more > 0 else "")
        )
    when = now()
    decisions = [
        Decision(
            hit_id=hit_id,
            decision=decision,
            by=by.strip(),
            at=when,
            reason=reason,
            crime_ref=hits[hit_id]["crime_ref"],
            term=hits[hit_id]["platform"],
            matched=hits[hit_id]["text"],
            selected_by={"hit": hit_id},
            source=f"review file {file.name}",
        )
        for hit_id, (_, decision, reason) in chosen.items()
    ]
    recorded = record(case.folder, decisions)
    return Imported(read, len(decisions), recorded, skipped)
