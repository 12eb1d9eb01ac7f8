"""The reviewer's preview (review.preview): the table with the decisions log applied, without
searching again, is the table answering the case again gives; clear withdraws a decision and
undo restores the one before (issue 18)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import foidesk
from foidesk.casework.decisions import DecisionLog, Selector, latest
from foidesk.review.case import decide, open_case, undo
from foidesk.review.preview import LABEL, preview
from foidesk.review.workbook import export_review
from foidesk.tools.synth import make_synthetic
from tests.conftest import crime, run_cli, write_extract, write_request

ROWS = [
    crime("LG/19/1", "2019-01-05", "Deal arranged on Facebook, then met at the park."),
    crime("LG/19/2", "2019-01-06", "Arranged the deal over snap, then met at the park."),
    crime("LG/19/3", "2019-02-07", "Messages on messenger arranging the sale."),
    crime("LG/19/5", "2019-03-09", "Instagram account used to advertise the drugs."),
]


@pytest.fixture(scope="module")
def synthetic_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic case (drug offences only, so it holds possible hits), answered once."""
    folder = tmp_path_factory.mktemp("preview")
    data = make_synthetic(1500, folder / "data", seed=14, drug_share=1.0)
    case = folder / "case"
    foidesk.write_case(case, foidesk.answer(data.request_path, letter_pdf=False))
    return case


@pytest.fixture
def case(synthetic_case: Path, tmp_path: Path) -> Path:
    """A copy of the synthetic case, its decisions log empty."""
    out = tmp_path / "case"
    shutil.copytree(synthetic_case, out)
    return out


@pytest.fixture
def small(tmp_path: Path) -> Path:
    write_extract(tmp_path / "legacy.csv", ROWS)
    request = write_request(
        tmp_path, [("legacy.csv", "Legacy")], rows='["platform"]', date_from="2019-01-01"
    )
    out = tmp_path / "small"
    foidesk.write_case(out, foidesk.answer(request, letter_pdf=False))
    return out


def _hits(case: Path, certainty: str) -> list[dict]:
    return [
        h
        for h in open_case(case).hits()
        if h["certainty"] == certainty and h["status"] != "set aside"
    ]


def _reanswer(case: Path) -> foidesk.Answer:
    return foidesk.answer(
        open_case(case).request(), decisions=foidesk.case_decisions(case), letter_pdf=False
    )


def _same(case: Path) -> None:
    """The preview is what answering the case again counts: table, review, sample, s.12."""
    shown, again = preview(case), _reanswer(case)
    assert shown.table == again.counted
    assert shown.review.as_audit() == {
        k: v for k, v in again.audit["review"].items() if k != "quality_sample"
    }
    sample = again.audit["review"]["quality_sample"]
    assert (shown.sample.read, shown.sample.confirmed) == (sample["read"], sample["confirmed"])
    assert again.release.cost is not None
    assert shown.cost.crimes_to_read == again.release.cost.crimes_to_read
    assert shown.cost.hours == again.release.cost.hours
    statuses = dict(
        zip(
            again.evidence.column("hit_id").to_pylist(),
            again.evidence.column("status").to_pylist(),
            strict=True,
        )
    )
    assert shown.statuses == statuses


def test_preview_follows_accept_reject_and_clear_as_a_re_answer_does(case: Path) -> None:
    possible, certain = _hits(case, "possible"), _hits(case, "certain")
    assert len(possible) >= 6 and certain
    before = preview(case)
    assert before.label == LABEL and "not for release" in LABEL
    assert before.review.possible_undecided == len(possible)
    assert before.table.grand_total.total == open_case(case).audit["counts"]["table_grand_total"]
    # accept three possible hits, reject two and a certain one's whole crime
    for hit in possible[:3]:
        decide(case, "accept", Selector(hit=hit["hit_id"]), by="A", source="desk")
    for hit in possible[3:5]:
        decide(case, "reject", Selector(hit=hit["hit_id"]), by="A")
    decide(case, "reject", Selector(crime=certain[0]["crime_ref"]), by="A")
    after = preview(case)
    assert after.review.possible_accepted == 3
    assert after.review.possible_undecided == len(possible) - 5
    assert after.crimes_to_read < before.crimes_to_read
    # clear one accepted and the rejected crime: they are undecided (counted) again
    decide(case, "clear", Selector(hit=possible[0]["hit_id"]), by="B")
    decide(case, "clear", Selector(crime=certain[0]["crime_ref"]), by="B")
    cleared = preview(case)
    assert cleared.review.possible_accepted == 2
    assert cleared.statuses[possible[0]["hit_id"]] == "undecided"
    assert possible[0]["hit_id"] not in cleared.held
    _same(case)


def test_clear_on_a_hit_without_a_decision_writes_nothing(small: Path) -> None:
    snap = next(h for h in open_case(small).hits() if h["text"] == "snap")
    done = decide(small, "clear", Selector(hit=snap["hit_id"]), by="A")
    assert (done.selected, done.changed) == (1, 0)
    assert DecisionLog(small / "internal").read() == []


def test_undo_restores_what_held_before_and_goes_further_back(small: Path) -> None:
    snap = next(h for h in open_case(small).hits() if h["text"] == "snap")["hit_id"]
    decide(small, "accept", Selector(hit=snap), by="A", reason="a mention")
    decide(small, "reject", Selector(hit=snap), by="B")
    log = DecisionLog(small / "internal")
    restored = undo(small, snap, by="B", source="desk")
    assert (restored.decision, restored.reason) == ("accept", "a mention")
    assert latest(log.read())[snap].decision == "accept"
    assert undo(small, snap, by="B").decision == "clear"
    assert snap not in latest(log.read())
    assert preview(small).statuses[snap] == "undecided"
    with pytest.raises(foidesk.FoideskError, match="no decision to undo"):
        undo(small, snap, by="B")
    assert len(log.read()) == 4  # never rewritten: every step stays in the log
    with pytest.raises(foidesk.FoideskError, match="no hit 0123"):
        undo(small, "0123456789abcdef", by="B")


def test_cli_clear_and_the_review_file_shows_a_cleared_hit_empty(small: Path) -> None:
    snap = next(h for h in open_case(small).hits() if h["text"] == "snap")["hit_id"]
    decide(small, "accept", Selector(hit=snap), by="A")
    done = run_cli("review", "decide", small, "clear", "--hit", snap, "--by", "A")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1" and "changed to clear" in done.stderr
    assert DecisionLog(small / "internal").read()[-1].decision == "clear"
    assert preview(small).statuses[snap] == "undecided"
    from openpyxl import load_workbook

    book = load_workbook(export_review(small).path, read_only=True)
    rows = {r[0]: r for r in book["Review"].iter_rows(values_only=True)}
    assert rows[snap][9] in (None, "")


def test_searched_hits_are_written_record_level(small: Path) -> None:
    path = small / "internal" / "searched-hits.parquet"
    assert path.is_file() and path.stat().st_mode & 0o777 == 0o600
    assert not list((small / "public").rglob("searched-hits*"))
