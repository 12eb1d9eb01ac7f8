"""``foidesk log ...``: the disclosure log on the command line (add a release, check one).

Thin wrappers over ``foidesk.disclosure_log``. Results go to stdout (``add``: the release's
page; ``check``: one line per conflict); what was done and what to do next go to stderr.
Errors a user can fix are ``FoideskError``s, which ``cli.main`` turns into one line (exit 2).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from foidesk.errors import FoideskError

err = Console(stderr=True, highlight=False, soft_wrap=True)

log_app = typer.Typer(
    help=(
        "The disclosure log: the public copy of every answer sent, as a CSV index "
        "(disclosure-log.csv) and a static web site (index.html, one page per release) that "
        "opens from disk. It never holds the requester's name and address or anything from "
        "the case's internal/ folder (docs/disclosure-log.md)."
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)

CaseArg = Annotated[
    Path, typer.Argument(help="The case folder (written by foidesk answer --out CASE).")
]
LogOption = Annotated[
    Path,
    typer.Option(
        "--log",
        metavar="DIR",
        help=(
            "The disclosure log's folder (holding disclosure-log.csv). For add, a new or empty "
            "folder starts a log; a folder with other files and no disclosure-log.csv is "
            "refused."
        ),
    ),
]


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FoideskError(f"--answered: expected a date like 2019-06-03, got {value!r}") from None


def _answered_note(source: str) -> str:
    from foidesk.disclosure_log.entry import ANSWERED_CASE, ANSWERED_GIVEN

    if source == ANSWERED_GIVEN:
        return ""
    if source == ANSWERED_CASE:
        return f" ({source}; give --answered DATE for the date the letter was sent)"
    return f" ({source})"


@log_app.command("add")
def add(
    case: CaseArg,
    log: LogOption,
    answered: Annotated[
        str | None,
        typer.Option(
            "--answered",
            metavar="DATE",
            help=(
                "The date the answer was sent (YYYY-MM-DD). Default: the letter's date when "
                "the case's audit records it (a letter after the due date), else the day the "
                "case was answered."
            ),
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help=(
                "Replace a release of the same reference that is another request (another "
                "date received or request text); the same request answered again is replaced "
                "without it."
            ),
        ),
    ] = False,
) -> None:
    """Add a released case to the disclosure log: a row in DIR/disclosure-log.csv (reference,
    title, received, answered, category, request, page, letter, files) and a page
    DIR/releases/<slug>/index.html with the release's files beside it: the table (table.csv,
    table.xlsx, table.html), coverage.csv and the letter as PDF (public/log-letter.pdf, the
    letter without the addressee, else public/letter.pdf), copied as letter.pdf. Then
    DIR/index.html lists every release, with search and filters. A release of the same
    reference is replaced when it is the same request answered again; another request under
    the same reference is refused unless --replace. A case refused under s.12 (no table) is
    logged with its letter alone. A case without its PDF letter is refused: answer it again
    with LibreOffice installed (soffice) and without --no-pdf. The addressee (the request's
    name and address) is never written: its lines are taken out of the title and request
    text. Prints the release's page.
    """
    from foidesk.disclosure_log import add_to_log

    done = add_to_log(case, log, _date(answered), replace=replace)
    what = "Replaced" if done.replaced else "Added"
    where = "in" if done.replaced else "to"
    table = "" if done.entry.has_table else " (no table: the letter only)"
    err.print(
        f"{what} {done.entry.reference} {where} the disclosure log {log} "
        f"({done.releases} {'release' if done.releases == 1 else 'releases'}){table}; "
        f"answered {done.entry.answered.isoformat()}{_answered_note(done.entry.answered_from)}; "
        f"open {log / 'index.html'}",
        markup=False,
    )
    print(done.page)


@log_app.command("check")
def check(case: CaseArg, log: LogOption) -> None:
    """Check a case's table against every release in the disclosure log before it is sent:
    each cell with the same row labels and period that is withheld in one release and
    published in the other (the published figure may be the withheld one), one line each on
    stdout. The check of foidesk answer's [disclosure] earlier, run alone
    (docs/disclosure-earlier.md). Exit status: 0 when no cell conflicts (or the case has no
    table), 1 when conflicts are found, 2 for an error (a folder that is not a case or not a
    log, a corrupt index or table).
    """
    from foidesk.disclosure_log import check_against_log

    done = check_against_log(case, log)
    if not done.has_table:
        err.print(
            f"{done.reference} released no table (refused under s.12): nothing to check",
            markup=False,
        )
        return
    for conflict in done.conflicts:
        print(conflict.describe())
    for item in done.checks:
        if not item.cells_in_common:
            err.print(
                f"{item.release.reference}: no cell in common (other row labels or periods): "
                "not compared",
                markup=False,
            )
    n = len(done.conflicts)
    compared = len(done.checks)
    own = any(item.release.reference == done.reference for item in done.checks)
    skipped = len(done.without_table)
    err.print(
        f"{done.reference} checked against {compared} "
        f"{'release' if compared == 1 else 'releases'} in {log}"
        + (f" (one of them {done.reference}'s own copy)" if own else "")
        + (f" ({skipped} more with no table)" if skipped else "")
        + ": "
        + (
            f"{n} {'cell' if n == 1 else 'cells'} withheld in one release and published in "
            "the other; check before release (docs/disclosure-earlier.md)"
            if n
            else "no cell withheld in one and published in another"
        ),
        markup=False,
    )
    if n:
        raise typer.Exit(1)
