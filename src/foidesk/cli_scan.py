"""``foidesk scan CASE``: read every file of a written case's ``public/`` and check it holds
no crime reference or note text of the case's ``internal/`` (``foidesk.case_scan``).

``write_case`` runs the same scan before a case folder is put in place; this command checks
a case folder again after people have edited or added files in ``public/`` (a letter saved
from Word, a PDF). Exit 0 with one line on stdout when clean (each notice a warning on
stderr); exit 1 with the one-line refusal on stderr when something is found or a file cannot
be read; exit 2 (``cli.main``) when ``CASE`` is not a case folder.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

err = Console(stderr=True, highlight=False, soft_wrap=True)


def scan(
    case: Annotated[
        Path, typer.Argument(help="The case folder (written by foidesk answer --out CASE).")
    ],
    reference: Annotated[
        list[str] | None,
        typer.Option(
            "--reference",
            help="A further crime reference to look for (may be given more than once).",
        ),
    ] = None,
) -> None:
    """Check that the case's public/ holds no crime reference or note text: every file read
    as text (the table in every format, the letter in Word and PDF with their headers,
    comments and document properties). The references and note text looked for are those of
    the case's internal/ evidence and crime hits. Exit 1 naming the file when one is found,
    or when a file cannot be read (a type the scan does not read, a damaged file)."""
    from foidesk.case_scan import scan_case
    from foidesk.errors import PublicLeakError

    try:
        result = scan_case(case, references=reference or ())
    except PublicLeakError as exc:
        sys.stderr.write(f"foidesk: error: {exc}\n")
        raise typer.Exit(1) from None
    for notice in result.notices:
        err.print(f"foidesk: warning: {notice.message}", markup=False)
    sys.stdout.write(result.summary + "\n")
