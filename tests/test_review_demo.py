"""Issue 14's walk-through on the demo's data, on the command line as an officer runs it:
answer, export the review file, decide the possible hits in the spreadsheet, import it, answer
again and see the table change and the method report the review; ``foidesk estimate`` says how
long the request would take by hand and with foidesk. Nothing record-level under public/."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq

from tests.conftest import run_cli


def _grand_total(grid: str) -> int:
    rows = list(csv.reader(grid.splitlines()))
    return int(next(r for r in rows if r[0] == "total")[-1])


def test_an_officer_reviews_the_demo_in_a_spreadsheet(tmp_path: Path, synthetic_200k: Path) -> None:
    request, case = synthetic_200k, tmp_path / "case"
    first = run_cli(
        "answer", request, "--out", case, "--format", "csv", "--letter-date", "2019-06-03"
    )
    assert first.returncode == 0, first.stderr
    assert "possible hits undecided (not counted)" in first.stderr
    before = _grand_total(first.stdout)

    exported = run_cli("review", "export", case)
    assert exported.returncode == 0, exported.stderr
    review = case / "internal" / "review.xlsx"
    assert review.is_file() and not list((case / "public").glob("*review*"))

    # decide every possible hit from the synthetic data's truth, as a reviewer would by reading
    truth: dict[str, set[str]] = {}
    with (synthetic_200k.parent / "labels.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            truth[row["crime_ref"]] = set(filter(None, row["possible_truth"].split(";")))
    book = openpyxl.load_workbook(review)
    sheet = book["Review"]
    header = [c.value for c in sheet[1]]
    ref, term, why = (
        header.index("crime reference"),
        header.index("term"),
        header.index("why in review"),
    )
    decision = header.index("decision") + 1
    accepted = rejected = 0
    for row in sheet.iter_rows(min_row=2):
        if row[why].value != "possible":
            row[decision - 1].value = "accept"  # the quality sample: the synthetic notes are true
            continue
        yes = row[term].value in truth.get(row[ref].value, set())
        row[decision - 1].value = "Accept" if yes else "reject"
        accepted += yes
        rejected += not yes
    assert accepted > 50 and rejected > 50
    book.save(review)

    imported = run_cli("review", "import", case, review, "--by", "A Analyst")
    assert imported.returncode == 0, imported.stderr

    again = run_cli(
        "answer",
        request,
        "--out",
        case,
        "--replace",
        "--format",
        "csv",
        "--letter-date",
        "2019-06-03",
    )
    assert again.returncode == 0, again.stderr
    after = _grand_total(again.stdout)
    assert after > before  # crimes whose possible mentions were accepted now count
    assert "0 possible hits undecided" in again.stderr
    method = (case / "public" / "method.md").read_text(encoding="utf-8")
    assert "Review by a person." in method and "Every possible mention has been decided." in method
    assert "crimes are counted because a possible mention was accepted" in method
    assert "were read by hand:" in method and "95% interval" in method

    # the decisions and the review file stay internal; public/ holds no crime reference
    refs = set(
        pq.read_table(case / "internal" / "evidence.parquet").column("crime_ref").to_pylist()
    )
    for path in (case / "public").iterdir():
        if path.suffix in (".csv", ".md", ".txt", ".html"):
            text = path.read_text(encoding="utf-8")
            assert not any(r in text for r in refs), path

    estimate = run_cli("estimate", request)
    assert estimate.returncode == 0, estimate.stderr
    lines = estimate.stdout.splitlines()
    assert (
        lines[0].startswith("With foidesk: about ") and "crimes with undecided possible" in lines[0]
    )
    assert lines[1].startswith("Reading every record: about ")
    assert any(line.startswith("Within the limit") for line in lines)
    with_case = run_cli("estimate", request, "--case", case)
    assert with_case.returncode == 0, with_case.stderr
    assert with_case.stdout.splitlines()[0].startswith("With foidesk: about 30 minutes (0 crimes")
