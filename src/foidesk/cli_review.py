"""``foidesk review ...``: a person's decisions on a case's hits, on the command line.

Thin wrappers over ``foidesk.review`` (the desk's page calls the same functions). Results go
to stdout; what changed and what to do next goes to stderr. Errors a user can fix are
``FoideskError``s, which ``cli.main`` turns into one line.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

err = Console(stderr=True, highlight=False, soft_wrap=True)

review_app = typer.Typer(
    help=(
        "Review a case's hits: accept or reject them (one by one or in bulk, on the command "
        "line or in a review file for Excel), and trace each cell to its crimes and hits. "
        "Answer the case again (answer --replace) to see the table follow the decisions."
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)

CaseArg = Annotated[
    Path, typer.Argument(help="The case folder (written by foidesk answer --out CASE).")
]


class Choice(StrEnum):
    """What a reviewer decides about a hit."""

    accept = "accept"
    reject = "reject"
    clear = "clear"


DONE = {"accept": "accepted", "reject": "rejected", "clear": "without a decision"}


def _again(case: Path) -> str:
    return (
        f"answer the case again to apply them: foidesk answer REQUEST.toml --out {case} --replace"
    )


@review_app.command("decide")
def decide(
    case: CaseArg,
    choice: Annotated[
        Choice,
        typer.Argument(
            help="accept (the hit counts), reject (it does not) or clear (withdraw the "
            "decision: the hit is undecided again)."
        ),
    ],
    by: Annotated[str, typer.Option("--by", help="Who decides (their name).")],
    hit: Annotated[str | None, typer.Option("--hit", help="One hit, by its id.")] = None,
    term: Annotated[str | None, typer.Option("--term", help="Every hit of this term.")] = None,
    rule: Annotated[
        str | None, typer.Option("--rule", help="Every hit of this lexicon rule.")
    ] = None,
    text: Annotated[
        str | None,
        typer.Option("--text", help="Every hit whose matched text is this (any case)."),
    ] = None,
    crime: Annotated[
        str | None, typer.Option("--crime", help="Every hit of this crime reference.")
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the log).")] = "",
) -> None:
    """Accept or reject hits, or clear their decision: one (--hit) or in bulk (--term, --rule,
    --text, --crime; given together, a hit must match all). Appended to the case's
    internal/decisions.jsonl with who, when and why; a later decision on a hit overrides an
    earlier one (clear: none holds, the hit is undecided again), and the history stays.
    Says how many hits it changed. Hits set aside by the lexicon's record conditions are
    never selected.
    """
    from foidesk.casework.decisions import Selector
    from foidesk.review.case import decide as record_decision

    selector = Selector(hit=hit, term=term, rule=rule, text=text, crime=crime)
    done = record_decision(case, choice.value, selector, by=by, reason=reason)
    same = done.selected - done.changed
    err.print(
        f"{done.changed:,} {'hit' if done.changed == 1 else 'hits'} changed to {choice.value} "
        f"({done.selected:,} selected by {selector.describe()}"
        + (f"; {same:,} already {DONE[choice.value]}" if same else "")
        + ")"
        + (f"; {_again(case)}" if done.changed else ""),
        markup=False,
    )
    print(done.changed)


@review_app.command("trace")
def trace(case: CaseArg) -> None:
    """Write CASE/internal/trace.csv: every cell of the published table (row labels, period
    or Grand Total) with each crime behind it and the ids of its counted hits, one line per
    cell and crime. Record-level: it stays under internal/.
    """
    from foidesk.review.trace import write_trace

    traced = write_trace(case)
    err.print(
        f"Wrote {traced.path} ({traced.lines:,} lines; grand total {traced.grand_total:,})",
        markup=False,
    )
    if traced.pending:
        err.print(
            f"foidesk: warning: {traced.pending:,} decisions were made after the case was last "
            f"answered and are not in its table or this trace; {_again(case)}",
            markup=False,
        )
    print(traced.path)


@review_app.command("export")
def export(
    case: CaseArg,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="The file to write (default: CASE/internal/review.xlsx). A path under "
            "CASE/public/ is refused: the file is record-level.",
        ),
    ] = None,
) -> None:
    """Write the review file: an Excel workbook (opens in LibreOffice too) with one row per
    hit to read. First every possible hit (undecided ones first), then the counted hits of
    the quality sample's crimes (a random sample of the crimes counted, read to measure how
    often the search is right). Each row: hit id, crime reference, system, date, term,
    certainty, why it is in review, rule, the text around the match (the match in bold and
    between ⟦ ⟧), a decision (accept or reject, from a list) and a reason; decisions already
    made are filled in. Fill in the decisions, save, then foidesk review import. The file is
    record-level: written for its owner only (0600), never under public/. Prints its path.
    """
    from foidesk.review.workbook import export_review

    done = export_review(case, out)
    err.print(
        f"Wrote {done.path}: {done.rows:,} {'row' if done.rows == 1 else 'rows'} to review "
        f"({done.possible:,} possible hits; {done.sample:,} hits of the quality sample's "
        f"{done.sample_crimes:,} crimes). Record-level: keep it out of public/. Fill in the "
        f"decision column, then: foidesk review import {case} {done.path} --by NAME",
        markup=False,
    )
    print(done.path)


@review_app.command("import")
def import_(
    case: CaseArg,
    file: Annotated[
        Path, typer.Argument(help="The review file, filled in (written by review export).")
    ],
    by: Annotated[str, typer.Option("--by", help="Who made the decisions (their name).")],
) -> None:
    """Apply the decisions in a review file. Its header must be the export's; each row's hit
    id must be a hit of the case and its decision empty, accept or reject (any letter case).
    A file with any bad cell is refused whole, naming the cells (e.g. J17: "maybe" is not
    accept or reject): nothing is applied from it. Rows with an empty decision are skipped;
    a row whose decision and reason are those already held is not written again. Each
    decision goes to CASE/internal/decisions.jsonl with --by, the time and the file's name.
    Prints how many decisions were recorded.
    """
    from foidesk.review.workbook import import_review

    done = import_review(case, file, by=by)
    held = done.decided - done.recorded
    err.print(
        f"Recorded {done.recorded:,} {'decision' if done.recorded == 1 else 'decisions'} from "
        f"{file} ({done.rows:,} rows: {done.decided:,} with a decision"
        + (f", {held:,} of them already held" if held else "")
        + f"; {done.skipped:,} left empty)"
        + (f"; {_again(case)}" if done.recorded else ""),
        markup=False,
    )
    print(done.recorded)
