"""The release gate: the one place where what may leave the building is made.

``make_release`` takes the final figures (the table, the per-system coverage and the summary
of each source searched) and builds the ``PublicRelease``: those figures, and the method
statement and the letter written from them and from nothing else. Everything under
``public/`` is rendered from a ``PublicRelease`` (``release.publish.write_public``). So every
number a reader can see, in any file, comes from the three figure objects the release holds.
Disclosure control (``release.disclosure.protect``: small numbers withheld, then secondary
suppression, proved by an interval attack) is its first step, before any prose is written, so
that the letter, the method, every table format and the coverage all see the protected figures
and none can bypass them: the counted table and coverage go no further than ``protect``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from foidesk.casework.request import Request
from foidesk.casework.words import TermWords
from foidesk.release.cost import CostEstimate, cost_blocks
from foidesk.release.coverage import Coverage, SearchedTerm, SourceSummary
from foidesk.release.document import Document, LetterFields
from foidesk.release.letter import letter_fields, method_statement, response_letter
from foidesk.release.refusal import refusal_notice
from foidesk.release.review import ReviewSummary
from foidesk.release.table import FoiTable

if TYPE_CHECKING:  # the solver (scipy) loads only when a release is made
    from foidesk.release.disclosure.protect import DisclosureProof


@dataclass(frozen=True)
class PublicRelease:
    """Everything written under ``public/``: aggregates and prose only. The method statement
    and the letter are structured documents (``release.document``), rendered to Markdown by
    ``release.publish`` and, later, to other formats by their own renderers."""

    table: FoiTable
    coverage: Coverage
    sources: tuple[SourceSummary, ...]  # what was searched in each source (counts)
    terms: tuple[SearchedTerm, ...]  # what was searched for
    method: Document
    letter: Document
    # the FOIA s.12 estimate; over the limit (and not answered anyway) the letter is the
    # refusal notice and public/ holds no table (``refused``)
    cost: CostEstimate | None = None
    # what disclosure control withheld and the attacks' intervals (from published figures
    # only); None when the request switches it off
    disclosure: DisclosureProof | None = None
    # what the letterhead's fields are filled with, the force's letterhead (None: the built-in
    # one), and whether the letter is also made as PDF (LibreOffice)
    letter_fields: LetterFields | None = None
    letter_template: Path | None = None
    letter_pdf: bool = True

    @property
    def refused(self) -> bool:
        """Whether the letter refuses the request under s.12 (no table is released)."""
        return self.cost is not None and self.cost.refused


def make_release(
    request: Request,
    table: FoiTable,
    coverage: Coverage,
    sources: tuple[SourceSummary, ...],
    terms: tuple[SearchedTerm, ...],
    letter_date: date,
    words: TermWords | None = None,
    review: ReviewSummary | None = None,
    cost: CostEstimate | None = None,
    letter_pdf: bool = True,
) -> PublicRelease:
    """The release of a final table: the letter and method are written from it here, with
    what a person's review did (``review``: counts only) and the s.12 estimate (``cost``:
    its paragraph ends the method; over the limit the letter is the refusal notice, unless
    the request says to answer anyway). ``letter_pdf``: whether ``public/`` gets the letter
    as PDF as well as Word. ``table`` and ``coverage`` are the counted figures:
    disclosure control withholds what it must first (``DisclosureError`` when it cannot), and
    nothing below sees them."""
    from foidesk.release.disclosure.protect import protect, withhold_all

    refused = cost is not None and cost.refused
    # refused under s.12: no figure of crimes with a mention is published at all
    protected = (withhold_all if refused else protect)(table, coverage, request.disclosure)
    table, coverage = protected.table, protected.coverage
    words = words or TermWords()
    disclosure = request.disclosure
    method = method_statement(
        request,
        list(terms),
        sources,
        coverage,
        words,
        review,
        coverage_shown=not refused,
        disclosure=disclosure,
        table=None if refused else table,
    )
    if cost is not None:
        method = Document(method.title, (*method.blocks, *cost_blocks(cost, disclosure)))
    if cost is not None and cost.refused:
        letter = refusal_notice(request, cost, letter_date, disclosure=disclosure)
    else:
        letter = response_letter(
            request, table, coverage, sources, method, letter_date, words, disclosure=disclosure
        )
    return PublicRelease(
        table,
        coverage,
        sources,
        terms,
        method,
        letter,
        cost,
        protected.proof,
        letter_fields(request, letter_date),
        request.letter_template,
        letter_pdf,
    )
