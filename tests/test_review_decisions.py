"""A person's decisions on hits: stable hit ids, decisions in one and in bulk, the table and the
method following them, a re-run and a new snapshot keeping them, the trace of every cell."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import foidesk
from foidesk.case_scan import extract_text
from foidesk.casework.decisions import DecisionLog, Selector
from foidesk.errors import CaseError, RequestError
from foidesk.ingest.mapping import load_mapping
from foidesk.ingest.snapshot import ingest
from foidesk.review.case import decide, open_case
from foidesk.review.trace import write_trace
from tests.conftest import COCAINE, crime, run_cli, write_extract, write_request
from tests.helpers import answer_again

ROWS = [
    crime("LG/19/1", "2019-01-05", "Deal arranged on Facebook, then met at the park."),
    crime("LG/19/2", "2019-01-06", "Arranged the deal over snap, then met at the park."),
    crime("LG/19/3", "2019-02-07", "Messages on messenger arranging the sale."),
    crime("LG/19/4", "2019-02-08", "Sold via Insta and Facebook.", offence=COCAINE, ho_code="92D"),
    crime("LG/19/5", "2019-03-09", "Instagram account used to advertise the drugs."),
    crime("LG/19/6", "2019-03-10", "No social media involved."),
]


@pytest.fixture
def case(tmp_path: Path) -> Path:
    """A small answered case with certain and possible hits."""
    write_extract(tmp_path / "legacy.csv", ROWS)
    request = write_request(
        tmp_path, [("legacy.csv", "Legacy")], rows='["platform"]', date_from="2019-01-01"
    )
    out = tmp_path / "case"
    foidesk.write_case(out, foidesk.answer(request))
    return out


def _row(result: foidesk.Answer, term: str) -> int:
    """A term row's total; a term no crime is counted under has no row (0)."""
    return next((r.total for r in result.table.rows if r.labels == (term,)), 0)


def _hit(case: Path, text: str) -> dict:
    return next(h for h in open_case(case).hits() if h["text"] == text)


def test_each_hit_has_an_id_made_from_its_content_the_same_on_a_rerun(case: Path) -> None:
    first = open_case(case).evidence
    ids = first.column("hit_id").to_pylist()
    assert len(ids) == len(set(ids)) == first.num_rows == 6
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in ids)
    answer_again(case)
    assert open_case(case).evidence.column("hit_id").to_pylist() == ids


def test_evidence_carries_context_status_and_certainty(case: Path) -> None:
    snap = _hit(case, "snap")
    assert snap["certainty"] == "possible" and snap["status"] == "undecided"
    assert snap["before"] == "Arranged the deal over " and snap["after"].startswith(", then met")
    assert _hit(case, "Instagram")["status"] == "counted"


def test_accepting_a_possible_hit_counts_its_crime_and_the_method_says_so(case: Path) -> None:
    before = answer_again(case)
    assert _row(before, "Snapchat") == 0
    assert before.audit["review"]["possible_hits_undecided"] == 2
    done = decide(case, "accept", Selector(hit=_hit(case, "snap")["hit_id"]), by="A Analyst")
    assert (done.selected, done.changed) == (1, 1)
    after = answer_again(case)
    assert _row(after, "Snapchat") == 1
    review = after.audit["review"]
    assert review["possible_hits_accepted"] == 1 and review["crimes_added_by_review"] == 1
    assert review["possible_hits_undecided"] == 1
    method = (case / "public" / "method.md").read_text(encoding="utf-8")
    assert "A person read 1 mention found by the search" in method
    assert "1 crime is counted because a possible mention was accepted" in method
    assert "1 possible mention has not been decided and is not counted" in method


def test_rejecting_a_certain_hit_removes_its_crime_from_the_table_and_letter(case: Path) -> None:
    before = answer_again(case)
    assert _row(before, "Facebook") == 2
    decide(case, "reject", Selector(crime="LG/19/1"), by="A Analyst", reason="test data")
    after = answer_again(case)
    assert _row(after, "Facebook") == 1
    assert after.table.grand_total.total == before.table.grand_total.total - 1
    assert after.audit["review"]["crimes_removed_by_review"] == 1
    letter = (case / "public" / "letter.md").read_text(encoding="utf-8")
    assert f"{after.table.grand_total.total} in all" in letter


def test_bulk_decisions_by_term_rule_and_text_say_how_many_they_changed(case: Path) -> None:
    assert decide(case, "reject", Selector(term="facebook"), by="B").changed == 3
    # the same decision again changes nothing; a later one overrides it
    assert decide(case, "reject", Selector(term="Facebook"), by="B").changed == 0
    assert decide(case, "accept", Selector(text="MESSENGER"), by="C").changed == 1
    assert decide(case, "accept", Selector(rule="facebook.name"), by="C").changed == 2
    log = DecisionLog(case / "internal").read()
    assert len(log) == 6  # the history stays
    assert log[0].selected_by == {"term": "facebook"} and log[0].by == "B"
    after = answer_again(case)
    assert _row(after, "Facebook") == 3  # two by name, one messenger accepted


def test_a_selector_that_picks_nothing_or_nothing_given_is_one_line(case: Path) -> None:
    with pytest.raises(RequestError, match=r"no hit matches --text 'Insta-Print'"):
        decide(case, "reject", Selector(text="Insta-Print"), by="A")
    with pytest.raises(RequestError, match="say which hits"):
        Selector()
    with pytest.raises(RequestError, match="is not accept or reject"):
        decide(case, "maybe", Selector(term="Facebook"), by="A")


def test_answer_replace_keeps_and_applies_the_decisions(case: Path, tmp_path: Path) -> None:
    decide(case, "reject", Selector(term="Instagram"), by="A Analyst")
    request = tmp_path / "request.toml"
    proc = run_cli("answer", request, "--out", case, "--replace", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert (case / "internal" / "decisions.jsonl").is_file()
    grid = list(csv.reader(proc.stdout.splitlines()))
    assert not any(row[1] == "Instagram" and row[-1] != "0" for row in grid[1:])
    assert "Review: 2 hits decided by a person (0 accepted, 2 rejected)" in proc.stderr


def test_a_decision_whose_hit_no_longer_exists_is_reported_not_lost(
    case: Path, tmp_path: Path
) -> None:
    decide(case, "accept", Selector(text="snap"), by="A")
    rows = [dict(r) for r in ROWS]
    rows[1]["text_mo"] = "Arranged the deal in person."  # the text changed: the hit is gone
    write_extract(tmp_path / "legacy.csv", rows)
    after = answer_again(case)
    stale = after.audit["review"]["decisions_whose_hit_no_longer_exists"]
    assert [(s["crime_ref"], s["matched"], s["decision"]) for s in stale] == [
        ("LG/19/2", "snap", "accept")
    ]
    assert any(n.kind == "decisions-without-hits" for n in after.notices)
    assert len(DecisionLog(case / "internal").read()) == 1


def test_decisions_survive_a_new_snapshot_of_the_same_records(tmp_path: Path, case: Path) -> None:
    decide(case, "reject", Selector(term="Instagram"), by="A")
    decide(case, "accept", Selector(text="snap"), by="A")
    ingest([str(tmp_path / "legacy.csv")], tmp_path / "snap", load_mapping(None), system="Legacy")
    request = write_request(
        tmp_path, [("snap", "Legacy")], rows='["platform"]', date_from="2019-01-01"
    )
    result = foidesk.answer(request, decisions=foidesk.case_decisions(case))
    assert result.audit["review"]["decisions_whose_hit_no_longer_exists"] == []
    assert result.audit["review"]["hits_reviewed"] == 3
    assert _row(result, "Snapchat") == 1 and _row(result, "Instagram") == 0


def test_a_bad_line_in_the_log_is_refused_naming_the_line(case: Path) -> None:
    (case / "internal" / "decisions.jsonl").write_text('{"hit_id": "x"}\n', encoding="utf-8")
    with pytest.raises(CaseError, match=r"decisions.jsonl: line 1: not a decision"):
        foidesk.case_decisions(case)


def test_the_trace_lists_each_cells_crimes_and_hits(case: Path) -> None:
    decide(case, "reject", Selector(crime="LG/19/1"), by="A")
    result = answer_again(case)
    traced = write_trace(case)
    assert traced.pending == 0 and traced.grand_total == result.table.grand_total.total
    with traced.path.open(encoding="utf-8") as f:
        lines = list(csv.DictReader(f))
    counted = {h["hit_id"] for h in open_case(case).hits() if h["status"] == "counted"}
    for row in (*result.table.rows, result.table.grand_total):
        label = row.labels[0] if row.labels else ""
        cell = [x for x in lines if x["platform"] == label and x["period"] == "Grand Total"]
        assert len(cell) == row.total
        assert all(set(x["hit_ids"].split()) <= counted for x in cell)
    facebook = [x for x in lines if x["platform"] == "Facebook" and x["period"] == "2019"]
    assert [x["crime_ref"] for x in facebook] == ["LG/19/4"]
    # a decision made since the answer is not in the table: the trace says so
    decide(case, "accept", Selector(text="snap"), by="A")
    assert write_trace(case).pending == 1


def test_review_commands_on_the_command_line(case: Path) -> None:
    hit = _hit(case, "messenger")["hit_id"]
    proc = run_cli("review", "decide", case, "accept", "--hit", hit, "--by", "A Analyst")
    assert proc.returncode == 0 and proc.stdout.strip() == "1"
    assert "1 hit changed to accept" in proc.stderr
    proc = run_cli("review", "decide", case, "reject", "--text", "Insta-Print", "--by", "A")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "no hit matches --text 'Insta-Print'" in proc.stderr
    proc = run_cli("review", "trace", case)
    assert proc.returncode == 0 and "decisions were made after" in proc.stderr
    assert Path(proc.stdout.strip()) == case / "internal" / "trace.csv"
    nowhere = case.parent / "nowhere"
    proc = run_cli("review", "decide", nowhere, "accept", "--term", "X", "--by", "A")
    assert proc.returncode == 2 and "not a case folder" in proc.stderr


def test_public_holds_nothing_record_level_after_review(case: Path) -> None:
    decide(case, "accept", Selector(text="snap"), by="A")
    answer_again(case)
    write_trace(case)
    refs = {r["crime_ref"] for r in ROWS}
    ids = set(pq.read_table(case / "internal" / "evidence.parquet").column("hit_id").to_pylist())
    for path in (case / "public").rglob("*"):
        if path.is_file():
            text = extract_text(path)  # the Word and PDF letters and the XLSX read as text
            assert not any(r in text for r in refs | ids), path
    audit = json.loads((case / "internal" / "audit.json").read_text(encoding="utf-8"))
    assert audit["review"]["hits_accepted"] == 1
