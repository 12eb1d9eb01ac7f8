"""Earlier releases: a cell withheld in one release and published in another (issue 15, item 5).

Place in the flow: after ``release.gate.make_release`` has withheld this release's small
figures (``release.disclosure.protect``), ``answering`` checks the released ``FoiTable``
against the case folders the request lists in ``[disclosure] earlier = [...]``
(``DisclosureSettings.earlier``) and says what it finds as warning notices, on stderr and in
the audit, before anything is sent; the disclosure log (``foidesk log check``, issue 16) runs
the same check alone. Differencing between releases is how suppression usually fails: a
figure withheld now that an earlier answer published under the same labels and period may
simply be that figure again, and a figure published now may be the one an earlier answer
withheld.

``read_release`` reads an earlier release back from its ``public/table.csv`` (the CSV grid of
``release.render.csv_grid``), with its reference from the case's ``internal/audit.json``.
``compare`` lists the cells with the same row labels and the same period where one release
withholds and the other publishes a number (``Conflict``). Two published numbers that differ
are not a conflict: figures change between snapshots. Period labels are compared without the
part-period mark, so a part year now and the whole year then are the same column; the
``Conflict`` says so (``part_period``). ``check_earlier`` and ``earlier_notices`` run the
check over the request's list; ``EarlierCheck.as_audit`` is the audit's record of it.

What the check does not see (docs/disclosure-earlier.md): releases not in the list (by this
force or any other body), tables with other row labels or another layout covering the same
crimes, and totals that difference to a cell across layouts. It reads the CSV grid only, so
the footnote's count of crimes naming several terms and the coverage figures of an earlier
release are not compared.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from foidesk.casework.periods import periods as column_periods
from foidesk.casework.request import COLUMN_KINDS, ROW_ALIASES, ROW_DIMENSIONS
from foidesk.errors import CaseError
from foidesk.notices import Notice
from foidesk.release.render.csv_grid import safe_cell
from foidesk.release.table import FoiTable, Withheld

TABLE_CSV = "table.csv"
AUDIT_JSON = "audit.json"
GRAND_TOTAL = "Grand Total"  # the CSV grid's last column, and the row of the same name
PART_MARK = "*"  # the part-period mark a column header may carry ("2019*")

WITHHELD_NOW = "withheld now"  # published in the earlier release, withheld in this one
WITHHELD_EARLIER = "withheld earlier"  # published in this release, withheld in the earlier one

NOTICE_KIND = "earlier-release-differencing"
SHOWN_IN_NOTICE = 2  # cells a notice names; the audit lists them all

Figure = int | str
"""A figure as an earlier release shows it: a published count, or the symbol of a withheld
one (any cell that is not a whole number, a blank one included)."""

CellKey = tuple[tuple[str, ...], str]
"""A cell: its row labels as the CSV grid writes them (``safe_cell``: a label that could be a
spreadsheet formula has a quote in front), and its period label without the part-period mark
(or ``Grand Total``). The Grand Total row's labels are ``()``."""

_NUMBER = re.compile(r"[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+")
_ROW_NAMES = frozenset(ROW_DIMENSIONS) | frozenset(ROW_ALIASES)


@dataclass(frozen=True)
class EarlierRelease:
    """An earlier release as its ``public/table.csv`` shows it."""

    reference: str  # the request's reference (internal/audit.json), else the folder's name
    path: Path  # the table.csv read
    dimensions: tuple[str, ...]  # the row dimensions as the header names them
    periods: tuple[str, ...]  # the period columns, without the part-period mark
    part_periods: frozenset[str]  # those marked "*" or, by the audit's window, a part period
    cells: Mapping[CellKey, Figure]  # every figure, the Grand Total column and row included


@dataclass(frozen=True)
class Conflict:
    """A cell with the same labels and period in both releases, withheld in one and
    published in the other: the published figure may be the withheld one."""

    labels: tuple[str, ...]  # the row's labels (this release's text); () for the Grand Total row
    period: str  # the period label without the part-period mark, or "Grand Total"
    earlier: str  # the earlier release's reference
    direction: str  # WITHHELD_NOW or WITHHELD_EARLIER
    published: int  # the figure the publishing release shows
    withheld: str  # the symbol the withholding release shows ("<5", "*")
    # the column is a part period in one release or both (for the Grand Total column: the two
    # releases' periods differ or one holds a part period); matched by its label all the same,
    # as the days it covers may overlap enough for the difference to tell
    part_period: bool

    def describe(self) -> str:
        """'CHARGED / Facebook @ 2018: published 7 in FOI2019/01234, withheld now'."""
        labels = " / ".join(_printable(label) for label in self.labels) or GRAND_TOTAL
        earlier = _printable(self.earlier)
        if self.direction == WITHHELD_NOW:
            said = f"published {self.published} in {earlier}, withheld now"
        else:
            said = f"published {self.published} now, withheld in {earlier}"
        if not self.part_period:
            return f"{labels} @ {self.period}: {said}"
        if self.period == GRAND_TOTAL:
            return f"{labels} @ {self.period}: {said} (the releases' windows may differ)"
        return f"{labels} @ {self.period}: {said} (a part period in one release or both)"

    def as_audit(self) -> dict[str, Any]:
        """The conflict as the audit records it (internal)."""
        return {
            "labels": list(self.labels),
            "period": self.period,
            "earlier": self.earlier,
            "direction": self.direction,
            "published": self.published,
            "withheld": self.withheld,
            "part_period": self.part_period,
        }


@dataclass(frozen=True)
class EarlierCheck:
    """This release checked against one earlier release."""

    release: EarlierRelease
    cells_in_common: int  # cells with the same labels and period in both (0: nothing compared)
    conflicts: tuple[Conflict, ...]

    def notice(self) -> Notice | None:
        """The warning the answer prints and audits, or None with no conflict."""
        if not self.conflicts:
            return None
        n = len(self.conflicts)
        named = "; ".join(c.describe() for c in self.conflicts[:SHOWN_IN_NOTICE])
        more = f"; and {n - SHOWN_IN_NOTICE} more" if n > SHOWN_IN_NOTICE else ""
        return Notice(
            NOTICE_KIND,
            f"{n} {'cell is' if n == 1 else 'cells are'} withheld in this release or the "
            f"earlier release {_printable(self.release.reference)} and published in the other "
            f"under the same labels and period ({named}{more}): the published figure may be "
            "the withheld one; check before release (docs/disclosure-earlier.md)",
            self.as_audit(),
        )

    def as_audit(self) -> dict[str, Any]:
        """What was compared and what was found (internal)."""
        return {
            "earlier": self.release.reference,
            "path": str(self.release.path),
            "dimensions": list(self.release.dimensions),
            "periods": list(self.release.periods),
            "cells_in_common": self.cells_in_common,
            "conflicts": [c.as_audit() for c in self.conflicts],
        }


def read_release(folder: Path) -> EarlierRelease:
    """The earlier release in case folder ``folder`` (its ``public/table.csv``), or in the
    ``table.csv`` ``folder`` names. ``CaseError`` (one line, with the path and the line) for a
    missing or unreadable file."""
    path = folder if folder.is_file() else folder / "public" / TABLE_CSV
    case = path.parent.parent if path.parent.name == "public" else path.parent
    if not path.is_file():
        where = f"{folder}: does not exist" if not folder.exists() else f"{path}: missing"
        raise CaseError(
            f"{where}: give the case folder of an earlier release, or its {TABLE_CSV}, in "
            "[disclosure] earlier"
        )
    content = _audit_content(case / "internal" / AUDIT_JSON)
    reference = content.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        reference = case.resolve().name
    text = read_text_file(path, "not a foidesk table")
    dimensions, period_labels, marked, cells = _read_grid(path, io.StringIO(text, newline=""))
    return EarlierRelease(
        reference=reference,
        path=path,
        dimensions=dimensions,
        periods=period_labels,
        part_periods=frozenset(marked) | _part_periods_of(content),
        cells=cells,
    )


def compare(current: FoiTable, earlier: EarlierRelease) -> list[Conflict]:
    """The cells of ``current`` whose labels and period ``earlier`` has too, withheld in one
    and published in the other, in the order of ``current``'s rows and columns."""
    return _check(current, earlier)[1]


def check_earlier(current: FoiTable, folders: Sequence[Path]) -> list[EarlierCheck]:
    """``current`` checked against each earlier release in ``folders`` (case folders or their
    table.csv), in order."""
    checks = []
    for folder in folders:
        release = read_release(folder)
        in_common, conflicts = _check(current, release)
        checks.append(EarlierCheck(release, in_common, tuple(conflicts)))
    return checks


def earlier_notices(current: FoiTable, folders: Sequence[Path]) -> list[Notice]:
    """One warning per earlier release in ``folders`` that has a conflict with ``current``."""
    return [n for check in check_earlier(current, folders) if (n := check.notice()) is not None]


def earlier_audit(checks: Sequence[EarlierCheck]) -> list[dict[str, Any]]:
    """The audit's record of the check: every release compared, with or without conflicts."""
    return [check.as_audit() for check in checks]


# -- comparing -------------------------------------------------------------------------------


def _check(current: FoiTable, earlier: EarlierRelease) -> tuple[int, list[Conflict]]:
    """How many cells the two releases have in common, and the conflicts among them."""
    columns = [(p.label.removesuffix(PART_MARK), p.partial) for p in current.periods]
    now_labels = {label for label, _ in columns}
    # the Grand Total column covers the window: not the same span when the periods differ
    total_part = (
        now_labels != set(earlier.periods)
        or any(partial for _, partial in columns)
        or bool(earlier.part_periods)
    )
    columns.append((GRAND_TOTAL, total_part))
    in_common = 0
    conflicts = []
    for row in (*current.rows, current.grand_total):
        written = tuple(safe_cell(label) for label in row.labels)
        for (period, partial), now in zip(columns, (*row.counts, row.total), strict=True):
            then = earlier.cells.get((written, period))
            if then is None:
                continue
            in_common += 1
            part = partial or period in earlier.part_periods
            if isinstance(now, Withheld) and isinstance(then, int):
                conflicts.append(
                    Conflict(
                        row.labels, period, earlier.reference, WITHHELD_NOW, then, now.symbol, part
                    )
                )
            elif isinstance(now, int) and isinstance(then, str):
                conflicts.append(
                    Conflict(
                        row.labels, period, earlier.reference, WITHHELD_EARLIER, now, then, part
                    )
                )
    return in_common, conflicts


# -- reading ---------------------------------------------------------------------------------


def _read_grid(
    path: Path, handle: TextIO
) -> tuple[tuple[str, ...], tuple[str, ...], set[str], dict[CellKey, Figure]]:
    """The header's dimensions, periods and marked periods, and every figure of the grid."""
    reader = csv.reader(handle, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise CaseError(f"{path}: line 1: empty: not a foidesk table (CSV grid)")
        dimensions, period_labels, marked = _header(path, header)
        names = {name: i for i, name in enumerate(dimensions)}
        width = 1 + len(dimensions) + len(period_labels) + 1
        columns = (*period_labels, GRAND_TOTAL)
        cells: dict[CellKey, Figure] = {}
        line = reader.line_num + 1
        for fields in reader:
            if fields:  # a blank line holds nothing
                if len(fields) != width:
                    raise CaseError(
                        f"{path}: line {line}: {len(fields)} fields where the header has "
                        f"{width}: not a foidesk table (CSV grid)"
                    )
                level = fields[0]
                if level == "total":
                    depth = 0
                elif level in names:
                    depth = names[level] + 1
                else:
                    raise CaseError(
                        f"{path}: line {line}: level {level!r} is neither 'total' nor one of "
                        f"the header's row dimensions ({', '.join(dimensions)})"
                    )
                labels = tuple(fields[1 : 1 + depth])
                figures = fields[1 + len(dimensions) :]
                for column, text in zip(columns, figures, strict=True):
                    cells[(labels, column)] = _figure(text)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise CaseError(f"{path}: line {reader.line_num}: not CSV ({exc})") from exc
    return dimensions, period_labels, marked, cells


def _header(path: Path, header: list[str]) -> tuple[tuple[str, ...], tuple[str, ...], set[str]]:
    if len(header) < 3 or header[0] != "level" or header[-1] != GRAND_TOTAL:
        raise CaseError(
            f"{path}: line 1: the header is not a foidesk CSV grid's (level, the row "
            f"dimensions, the periods, {GRAND_TOTAL})"
        )
    inner = header[1:-1]
    count = 0
    while count < len(inner) and inner[count] in _ROW_NAMES:
        count += 1
    dimensions, columns = tuple(inner[:count]), inner[count:]
    if not dimensions or not columns:
        raise CaseError(
            f"{path}: line 1: the header names no "
            f"{'row dimension' if not dimensions else 'period'}: not a foidesk CSV grid"
        )
    labels = tuple(c.removesuffix(PART_MARK) for c in columns)
    if len(set(labels)) != len(labels):
        raise CaseError(f"{path}: line 1: a period is named twice in the header")
    return dimensions, labels, {c.removesuffix(PART_MARK) for c in columns if c.endswith("*")}


def _figure(text: str) -> Figure:
    """A whole number as a count; anything else (a symbol, a blank) as withheld."""
    stripped = text.strip()
    return int(stripped.replace(",", "")) if _NUMBER.fullmatch(stripped) else _unquoted(text)


def _unquoted(text: str) -> str:
    """A symbol as shown: without the quote ``safe_cell`` put in front of it ("'-" is "-")."""
    return text[1:] if text.startswith("'") and safe_cell(text[1:]) == text else text


def read_text_file(path: Path, what: str) -> str:
    """A case's or a log's text file (UTF-8, a BOM allowed). ``CaseError`` naming the path,
    and the line for text that is not UTF-8 (``what`` says what the file then is not)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CaseError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CaseError(f"{path}: line {line}: not UTF-8 text: {what}") from exc


def read_json_file(path: Path) -> Any:
    """A case's JSON file (the audit). ``CaseError`` naming the path, and the line."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError(f"{path}: cannot be read ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise CaseError(f"{path}: line {exc.lineno}: not JSON ({exc.msg})") from exc


def _audit_content(path: Path) -> dict[str, Any]:
    """The request as the earlier case's audit recorded it, or {} without an audit."""
    if not path.is_file():
        return {}
    audit = read_json_file(path)
    request = audit.get("request") if isinstance(audit, dict) else None
    content = request.get("content") if isinstance(request, dict) else None
    return content if isinstance(content, dict) else {}


def _part_periods_of(content: dict[str, Any]) -> frozenset[str]:
    """The part periods of the earlier request's window, when its audit gives the window."""
    population, table = content.get("population"), content.get("table")
    if not isinstance(population, dict):
        return frozenset()
    kind = table.get("columns", "year") if isinstance(table, dict) else "year"
    try:
        first = date.fromisoformat(population["from"])
        last = date.fromisoformat(population["to"])
    except (KeyError, TypeError, ValueError):
        return frozenset()
    if kind not in COLUMN_KINDS or first > last:
        return frozenset()
    return frozenset(p.label for p in column_periods(first, last, kind) if p.partial)


def _printable(text: str) -> str:
    """A label for one line of stderr: characters that are not printable shown as '?'."""
    return "".join(c if c.isprintable() else "?" for c in text)
