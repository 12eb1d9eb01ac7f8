"""The reviewer's preview: the table as it would be counted with the decisions made so far,
without searching again.

``answer`` keeps the engine's crime hits before the record conditions and decisions
(``internal/searched-hits.parquet``); ``preview`` counts them again with the case's decisions
log through the same ``answering.counted_tables`` that answering uses, so the preview is the
table a re-answer gives (before disclosure control: internal, never for release), with the
review's progress, the quality sample and the s.12 estimate of the crimes still to read. The
request's compiled lexicon and the case's files are kept per case folder while its audit is
unchanged (compiling costs time; a re-answer rewrites the audit).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from foidesk.answering import counted_tables, request_matcher
from foidesk.case_folder import AUDIT_NAME, EVIDENCE_NAME, SEARCHED_HITS_NAME
from foidesk.casework.decisions import Decision, latest
from foidesk.casework.request import Request
from foidesk.counting.cost import estimate_cost, reading
from foidesk.counting.counted import ReviewState
from foidesk.counting.sample import SampleResult
from foidesk.errors import CaseError
from foidesk.release.cost import CostEstimate
from foidesk.release.table import FoiTable
from foidesk.review.case import ReviewCase, open_case
from foidesk.search.matcher import Matcher

LABEL = "Preview for the reviewer: before disclosure control; not for release"
# the evidence's columns the count reads (the status and decision are made again)
_COUNTED_COLUMNS = ("hit_id", "crime_ref", "platform", "rule", "certainty")


@dataclass(frozen=True)
class Preview:
    """The table with the decisions in the log applied (before disclosure control), what the
    review has done (``ReviewState``), each hit's status and the decision holding, the quality
    sample's result and the s.12 estimate."""

    table: FoiTable
    review: ReviewState
    statuses: dict[str, str]  # hit id -> counted | undecided | rejected | set aside
    held: dict[str, Decision]  # hit id -> the decision that holds
    sample: SampleResult
    sample_crimes: tuple[str, ...]
    cost: CostEstimate
    decisions: int  # lines in the log
    label: str = LABEL

    @property
    def crimes_to_read(self) -> int:
        """Crimes with an undecided possible mention still to read (the s.12 figure)."""
        return self.cost.crimes_to_read


@dataclass(frozen=True)
class _Loaded:
    """What a case's preview needs that does not change until the case is answered again."""

    request: Request
    matcher: Matcher
    searched: pa.Table
    evidence: pa.Table  # the columns the count reads, in the evidence's order
    population: int  # crimes of the population (the s.12 comparison), from the audit


_cache: dict[Path, tuple[float, _Loaded]] = {}
_lock = threading.Lock()


def _load(case: ReviewCase) -> _Loaded:
    searched_path = case.internal / SEARCHED_HITS_NAME
    if not searched_path.is_file():
        raise CaseError(
            f"{searched_path}: missing (answered by an older foidesk): answer the case again "
            "(answer --replace) to preview the table"
        )
    request = case.request()
    evidence = pq.read_table(case.internal / EVIDENCE_NAME, columns=list(_COUNTED_COLUMNS))
    population = int(case.audit.get("cost", {}).get("population", 0))
    return _Loaded(
        request, request_matcher(request), pq.read_table(searched_path), evidence, population
    )


def _loaded(case: ReviewCase) -> _Loaded:
    """The case's request, matcher and files, kept while its audit's mtime is the same."""
    key = case.folder.resolve()
    stamp = (case.internal / AUDIT_NAME).stat().st_mtime
    with _lock:
        held = _cache.get(key)
        if held is not None and held[0] == stamp:
            return held[1]
    loaded = _load(case)
    with _lock:
        _cache[key] = (stamp, loaded)
    return loaded


def preview(folder: Path | str) -> Preview:
    """The table, progress, quality sample and s.12 estimate of the case in ``folder`` with
    every decision of its log applied: what answering the case again would count."""
    case = open_case(folder)
    loaded = _loaded(case)
    decisions = case.decisions()
    done = counted_tables(
        loaded.searched, loaded.evidence, loaded.request, loaded.matcher, decisions
    )
    request = loaded.request
    cost = estimate_cost(
        reading(done.counted.crime_hits),
        loaded.population,
        done.periods,
        [s.system for s in request.sources],
        done.terms,
        request.cost,
        done.words,
        sample_unread=done.sample.result.drawn - done.sample.result.read,
        financial=request.columns == "financial_year",
    )
    return Preview(
        table=done.table,
        review=done.counted.review,
        statuses=dict(
            zip(
                done.evidence.column("hit_id").to_pylist(),
                done.evidence.column("status").to_pylist(),
                strict=True,
            )
        ),
        held=latest(decisions),
        sample=done.sample.result,
        sample_crimes=done.sample.crimes,
        cost=cost,
        decisions=len(decisions),
    )
