"""The two commands' work: ``add_to_log`` (``foidesk log add``) and ``check_against_log``
(``foidesk log check``).

Place in the flow: ``add_to_log`` reads the case (``entry.read_entry``), checks the log's
folder, copies the release's files into ``releases/<slug>/`` with its page (``site``), and
writes the index (``index``) and the front page; a release of the same reference is replaced.
``check_against_log`` reads the case's ``public/table.csv`` and every table the log keeps
(``releases/<slug>/table.csv``) and runs the earlier-release check of
``release.disclosure.earlier`` (``read_release``, ``check_earlier``) over them: the comparison
lives there alone.

The log's folder: a new or empty folder becomes a log; a folder with ``disclosure-log.csv`` is
one; any other folder is refused, so that ``--log`` pointed at the wrong place writes nothing.
A release's files are written to ``releases/.<slug>.partial`` and renamed into place, then the
index and the front page are each written beside themselves and renamed.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from foidesk.casework.periods import Period
from foidesk.disclosure_log.entry import (
    LETTER_IN_LOG,
    TABLE_FILES,
    LogEntry,
    case_audit,
    case_reference,
    read_entry,
)
from foidesk.disclosure_log.index import (
    INDEX_NAME,
    PAGE,
    RELEASES,
    IndexRow,
    ordered,
    read_index,
    row_of,
    unquoted,
    write_file,
    write_index,
)
from foidesk.disclosure_log.site import render_index_page, render_release_page
from foidesk.errors import CaseError
from foidesk.release.disclosure.earlier import (
    GRAND_TOTAL,
    Conflict,
    EarlierCheck,
    EarlierRelease,
    check_earlier,
    read_release,
)
from foidesk.release.table import SMALL, Cell, FoiTable, TableRow, Withheld

SITE_INDEX = "index.html"


@dataclass(frozen=True)
class Added:
    """What ``add_to_log`` did."""

    entry: LogEntry
    row: IndexRow
    page: Path  # the release's page
    replaced: bool  # a release of the same reference was in the log and is replaced
    releases: int  # releases in the log now


@dataclass(frozen=True)
class LogCheck:
    """A case's release checked against every release in a disclosure log."""

    reference: str
    has_table: bool  # False: the case released no table (s.12): nothing to compare
    checks: tuple[EarlierCheck, ...]  # one per release in the log with a table, in its order
    without_table: tuple[str, ...]  # the log's releases with no table (not compared)

    @property
    def conflicts(self) -> list[Conflict]:
        return [c for check in self.checks for c in check.conflicts]


def add_to_log(
    case: Path, log: Path, answered: date | None = None, *, replace: bool = False
) -> Added:
    """Add the release in case folder ``case`` to the disclosure log in ``log`` (made when
    new), replacing the release of the same reference if the log has one: the same request
    answered again (the same date received and request text), or, with ``replace``, any."""
    entry = read_entry(case, answered)
    rows = _open_log(log, create=True)
    row = row_of(entry)
    for other in rows:
        if other.slug == row.slug and other.reference != row.reference:
            raise CaseError(
                f"{log / INDEX_NAME}: {other.reference!r} is in the log under "
                f"{other.folder}/, the folder {entry.reference!r} would have: give one of "
                "them another reference"
            )
        if (
            other.reference == row.reference
            and not replace
            and (other.received != row.received or other.request != row.request)
        ):
            raise CaseError(
                f"{log / INDEX_NAME}: {other.reference} is already in the log as another "
                f"request (received {other.received}, {_start(other.request)}); give --replace "
                "to put this case in its place, or check the reference"
            )
    replaced = any(other.slug == row.slug for other in rows)
    rows = ordered([other for other in rows if other.slug != row.slug] + [row])
    page = _write_release(log, entry, row)
    write_index(log, rows)
    write_file(log / SITE_INDEX, render_index_page(rows))
    return Added(entry, row, page, replaced, len(rows))


def _start(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def check_against_log(case: Path, log: Path) -> LogCheck:
    """Case folder ``case``'s table checked against the table of every release in ``log``:
    the cells withheld in one and published in the other (``earlier.check_earlier``)."""
    case_audit(case)  # a case folder, or one line saying what it is not
    rows = _open_log(log, create=False)
    without = tuple(row.reference for row in rows if not row.has_table)
    if not (case / "public" / TABLE_FILES[0]).is_file():
        return LogCheck(case_reference(case), False, (), without)
    current = read_release(case)
    with_table = [row for row in rows if row.has_table]
    paths = [log / row.folder / TABLE_FILES[0] for row in with_table]
    for path in paths:
        if not path.is_file():
            raise CaseError(
                f"{path}: missing, though {log / INDEX_NAME} lists it: add that release to "
                "the log again (foidesk log add)"
            )
    checks = check_earlier(table_of(current), paths)
    named = tuple(
        _as_logged(check, row.reference) for check, row in zip(checks, with_table, strict=True)
    )
    return LogCheck(current.reference, True, named, without)


def table_of(release: EarlierRelease) -> FoiTable:
    """A release's ``table.csv`` as the ``FoiTable`` the earlier-release check compares: its
    rows' labels (as they were before ``safe_cell``), periods and figures, a withheld figure
    as its symbol. What the CSV grid does not hold is left empty: the periods' days (the
    check matches periods by label and reads the part-period mark), the title, footnotes and
    whether a withheld figure was small or secondary."""
    periods = tuple(
        Period(i, label, date.min, date.min, label in release.part_periods)
        for i, label in enumerate(release.periods)
    )
    figures: dict[tuple[str, ...], dict[str, Cell]] = {}
    for (labels, period), figure in release.cells.items():
        cell = figure if isinstance(figure, int) else Withheld(figure, SMALL)
        figures.setdefault(labels, {})[period] = cell
    rows = []
    grand_total = None
    for labels, by_period in figures.items():
        row = TableRow(
            release.dimensions[len(labels) - 1] if labels else "total",
            tuple(unquoted(label) for label in labels),
            tuple(by_period[p] for p in release.periods),
            by_period[GRAND_TOTAL],
        )
        if labels:
            rows.append(row)
        else:
            grand_total = row
    if grand_total is None:
        raise CaseError(f"{release.path}: no Grand Total row: not a foidesk table (CSV grid)")
    return FoiTable(
        title=release.reference,
        dimensions=release.dimensions,
        periods=periods,
        rows=tuple(rows),
        grand_total=grand_total,
        footnotes=(),
        multi_platform_crimes=0,
        dimension_names=release.dimensions,
    )


# -- the log's folder ------------------------------------------------------------------------


def _open_log(log: Path, *, create: bool) -> list[IndexRow]:
    """The rows of the log in ``log``; with ``create``, a new or empty folder is a new log."""
    index = log / INDEX_NAME
    if log.exists() and not log.is_dir():
        raise CaseError(f"{log}: not a folder: give the disclosure log's folder (--log)")
    if index.is_file():
        return read_index(log)
    if not create:
        raise CaseError(
            f"{index}: missing: {log} is not a disclosure log (foidesk log add CASE --log "
            f"{log} makes one)"
        )
    if log.exists() and any(log.iterdir()):
        raise CaseError(
            f"{log}: holds other files but no {INDEX_NAME}: give the folder of a disclosure "
            "log, or a new or empty folder"
        )
    log.mkdir(parents=True, exist_ok=True)
    return []


def _write_release(log: Path, entry: LogEntry, row: IndexRow) -> Path:
    """``releases/<slug>/``: the release's files and its page, in place of what was there."""
    releases = log / RELEASES
    releases.mkdir(exist_ok=True)
    final = releases / entry.slug
    staging = releases / f".{entry.slug}.partial"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    for source in entry.files:
        shutil.copyfile(source, staging / source.name)
    shutil.copyfile(entry.letter, staging / LETTER_IN_LOG)
    write_file(staging / PAGE, render_release_page(entry, row))
    if final.exists():
        shutil.rmtree(final)
    staging.rename(final)
    return final / PAGE


def _as_logged(check: EarlierCheck, reference: str) -> EarlierCheck:
    """``check`` with the log's reference for the release (read from the log's copy of its
    table, which has no audit beside it, the check would name it by its folder)."""
    return EarlierCheck(
        replace(check.release, reference=reference),
        check.cells_in_common,
        tuple(replace(c, earlier=reference) for c in check.conflicts),
    )
