"""Helpers shared by the tests: answer a request and write its case folder in one call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

import foidesk
from foidesk.engines.base import Engine
from foidesk.engines.duckdb.engine import DuckDBEngine
from foidesk.release.coverage import Coverage
from foidesk.release.render import RENDERERS
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


# The stage counts, and per source the figures, both engines must give alike
PARITY_STAGES = (
    "rows_read",
    "candidate_crimes",
    "crimes_in_more_than_one_system",
    "in_window_and_offences",
    "excluded_cancelled",
    "excluded_transferred",
    "population",
    "copies_searched",
    "hits",
    "crimes_with_hits",
)
# Spark settings under which anything collected to the driver, or depending on one partition
# or Arrow batch, would show: a tiny result size, three partitions, 4 KB input splits and
# batches of 3 records
SPARK_SMALL = {
    "spark.driver.maxResultSize": "2m",
    "spark.sql.shuffle.partitions": "3",
    "spark.default.parallelism": "3",
    "spark.sql.files.maxPartitionBytes": "4096",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "3",
}
PARITY_SOURCE_FIGURES = ("copies_searched", "population_after_dq_date", "rows_read")


def answer_with_both(
    request: Path, folder: Path, spark: Engine
) -> tuple[tuple[CaseRun, Any], tuple[CaseRun, Any]]:
    """``request`` answered by the embedded engine and by ``spark`` (a configured
    ``SparkEngine``), each case written under ``folder`` (``duckdb``, ``spark``): (the run,
    its evidence.parquet as a table) for each."""
    results = []
    for name, engine in (("duckdb", DuckDBEngine()), ("spark", spark)):
        result = answer_case(request, folder / name, engine=engine)
        evidence = pq.read_table(folder / name / "internal" / "evidence.parquet")
        results.append((result, evidence))
    return results[0], results[1]


def assert_same_answer(duck: tuple[CaseRun, Any], spark: tuple[CaseRun, Any]) -> None:
    """The two engines' answers (``answer_with_both``) agree: the CSV and text tables, the
    evidence row for row, the coverage, the stage counts, the overlaps and each source's
    figures."""
    (d, d_evidence), (s, s_evidence) = duck, spark
    assert RENDERERS["csv"](s.table) == RENDERERS["csv"](d.table)
    assert RENDERERS["text"](s.table) == RENDERERS["text"](d.table)
    assert s_evidence.to_pylist() == d_evidence.to_pylist()
    assert s.coverage == d.coverage
    for key in PARITY_STAGES:
        assert s.audit["counts"][key] == d.audit["counts"][key], key
    assert s.audit["overlaps"] == d.audit["overlaps"]
    for s_source, d_source in zip(s.audit["sources"], d.audit["sources"], strict=True):
        for key in PARITY_SOURCE_FIGURES:
            assert s_source[key] == d_source[key], (s_source["path"], key)
