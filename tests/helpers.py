"""Helpers shared by the tests: answer a request and write its case folder in one call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import foidesk
from foidesk.engines.base import Engine
from foidesk.release.coverage import Coverage
from foidesk.release.table import FoiTable


@dataclass(frozen=True)
class CaseRun:
    """An answer and the case folder it was written to."""

    answer: foidesk.Answer
    folders: dict[str, Path]

    @property
    def table(self) -> FoiTable:
        return self.answer.table

    @property
    def coverage(self) -> Coverage:
        return self.answer.coverage

    @property
    def audit(self) -> dict[str, Any]:
        return self.answer.audit


def answer_case(
    request: Path | foidesk.Request,
    out: Path,
    engine: str | Engine = "duckdb",
    letter_date: date | None = None,
    replace: bool = False,
) -> CaseRun:
    """``foidesk.answer`` then ``foidesk.write_case``, as ``foidesk answer`` does (``replace``:
    as ``--replace``, rebuild the case already in ``out``)."""
    result = foidesk.answer(request, engine=engine, letter_date=letter_date)
    return CaseRun(result, foidesk.write_case(out, result, replace=replace))


def answer_again(case: Path) -> foidesk.Answer:
    """Answer an answered case's request again with its decisions, as ``answer --replace``
    does (the request file its audit names; the decisions in its internal/)."""
    from foidesk.review.case import open_case

    result = foidesk.answer(open_case(case).request(), decisions=foidesk.case_decisions(case))
    foidesk.write_case(case, result, replace=True)
    return result


# The files the answer writes under public/ (release.publish.write_public)
PUBLIC_FILES = {
    "table.txt",
    "table.csv",
    "table.md",
    "table.html",
    "table.xlsx",
    "coverage.csv",
    "method.md",
    "letter.md",
    # the letter in Word and PDF: a draft while the request leaves a [force] detail out, as
    # the seed request and the tests' requests do
    "letter-draft.docx",
    "letter-draft.pdf",
}
# the same when every [force] detail is given (the demo's request): the letter is final
FINAL_PUBLIC_FILES = {name.replace("letter-draft.", "letter.") for name in PUBLIC_FILES}


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
