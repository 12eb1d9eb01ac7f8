"""The review file: exported for Excel with the hits to read in order, decisions limited to
accept or reject and filled in from the log; read back with every bad cell refused and nothing
applied; never written under public/; the table following the decisions after answering
again."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock

import foidesk
from foidesk.casework.decisions import DecisionLog, Selector
from foidesk.errors import ReviewFileError
from foidesk.review.case import decide, open_case
from foidesk.review.workbook import HEADER, export_review, import_review
from tests.conftest import COCAINE, SEED, crime, run_cli, write_extract, write_request
from tests.helpers import answer_again

ROWS = [
    crime("LG/19/1", "2019-01-05", "Deal arranged on Facebook, then met at the park."),
    crime("LG/19/2", "2019-01-06", "Arranged the deal over snap, then met at the park."),
    crime("LG/19/3", "2019-02-07", "Messages on messenger arranging the sale."),
    crime(
        "LG/19/4",
        "2019-02-08",
        '=HYPERLINK("http://x") sold on snap and Instagram.',
        offence=COCAINE,
        ho_code="92D",
    ),
    crime("LG/19/5", "2019-03-09", "Instagram account used to advertise the drugs."),
    crime("LG/19/6", "2019-03-10", "Posted on X about the deal."),
    crime("LG/19/7", "2019-03-11", "insta"),
]
POSSIBLE = {"LG/19/2": "snap", "LG/19/3": "messenger", "LG/19/6": "X"}
DECISION, REASON = HEADER.index("decision") + 1, HEADER.index("reason") + 1  # 1-based columns


@pytest.fixture
def case(tmp_path: Path) -> Path:
    """Three possible hits (snap, messenger, X) and five certain ones in four crimes, every
    crime in the quality sample (so few crimes: all of them)."""
    write_extract(tmp_path / "legacy.csv", ROWS)
    request = write_request(
        tmp_path, [("legacy.csv", "Legacy")], rows='["platform"]', date_from="2019-01-01"
    )
    out = tmp_path / "case"
    foidesk.write_case(out, foidesk.answer(request))
    return out


def _row(result: foidesk.Answer, term: str) -> int:
    return next((r.total for r in result.table.rows if r.labels == (term,)), 0)


def _rows(path: Path) -> list[tuple]:
    return list(load_workbook(path)["Review"].iter_rows(values_only=True))


def _hit(case: Path, text: str) -> str:
    return next(h["hit_id"] for h in open_case(case).hits() if h["text"] == text)


def test_the_export_lists_possible_hits_then_the_sample_with_decisions_filled_in(
    case: Path,
) -> None:
    decide(case, "reject", Selector(text="messenger"), by="A Analyst", reason="the app")
    done = export_review(case)
    path = case / "internal" / "review.xlsx"
    assert done.path == path and (done.rows, done.possible, done.sample) == (8, 3, 5)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    book = load_workbook(path, rich_text=True)
    assert book.sheetnames == ["Review", "About"]
    sheet = book["Review"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADER
    body = [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]
    # possible hits first, undecided before decided; then the sample's certain hits
    assert [(r["crime reference"], r["why in review"]) for r in body] == [
        ("LG/19/2", "possible"),
        ("LG/19/6", "possible"),
        ("LG/19/3", "possible"),
        ("LG/19/1", "quality sample"),
        ("LG/19/4", "quality sample"),
        ("LG/19/4", "quality sample"),
        ("LG/19/5", "quality sample"),
        ("LG/19/7", "quality sample"),
    ]
    assert [r["certainty"] for r in body] == ["possible"] * 3 + ["certain"] * 5
    messenger = body[2]
    assert (messenger["decision"], messenger["reason"]) == ("reject", "the app")
    assert messenger["hit id"] == _hit(case, "messenger")
    assert (messenger["term"], messenger["rule"]) == ("Facebook", "facebook.products")
    assert not body[0]["decision"] and not body[0]["reason"]
    assert body[0]["date"] == "2019-01-06" and body[0]["system"] == "Legacy"
    # the context: the match between ⟦ ⟧ and in bold
    context = sheet["I2"].value
    assert isinstance(context, CellRichText)
    assert str(context) == "Arranged the deal over ⟦snap⟧, then met at the park."
    bold = [b.text for b in context if isinstance(b, TextBlock) and b.font.b]
    assert bold == ["⟦snap⟧"]
    assert sheet["I9"].value == "⟦insta⟧"  # nothing around the match
    # a note that starts with = stays text: never a formula
    injected = sheet["I6"]
    assert injected.data_type == "s" and str(injected.value).startswith('=HYPERLINK("http://x")')
    # decisions limited to accept and reject; header frozen; a filter
    (validation,) = sheet.data_validations.dataValidation
    assert (validation.type, validation.formula1) == ("list", '"accept,reject"')
    assert str(validation.sqref) == "J2:J9"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:K9"
    about = " ".join(str(r[0]) for r in book["About"].iter_rows(values_only=True) if r[0])
    assert "NEVER TO BE RELEASED" in about and "foidesk review import" in about


def test_a_crime_no_longer_counted_shows_its_year(case: Path) -> None:
    decide(case, "reject", Selector(text="messenger"), by="A Analyst")
    answer_again(case)  # LG/19/3 has no counted or undecided hit left: not in crime-hits
    export_review(case)
    dates = {r[1]: r[3] for r in _rows(case / "internal" / "review.xlsx")[1:]}
    assert dates["LG/19/3"] == "2019" and dates["LG/19/2"] == "2019-01-06"


def test_round_trip_the_table_follows_the_decisions_in_the_file(case: Path) -> None:
    before = answer_again(case)
    assert (_row(before, "Snapchat"), _row(before, "Facebook"), _row(before, "Twitter")) == (
        1,
        1,
        0,
    )
    path = export_review(case).path
    book = load_workbook(path)
    sheet = book["Review"]
    # by crime: LG/19/2's snap (possible), LG/19/6's X (possible), LG/19/1's Facebook (certain)
    wanted = {"LG/19/2": (" Accept ", None), "LG/19/6": ("ACCEPT", None)}  # any case, trimmed
    wanted["LG/19/1"] = ("reject", "a test record")
    for row in range(2, sheet.max_row + 1):
        if (ref := sheet.cell(row, 2).value) in wanted:
            sheet.cell(row, DECISION).value, sheet.cell(row, REASON).value = wanted[ref]
    book.save(path)
    done = import_review(case, path, by="B Reviewer")
    assert (done.rows, done.decided, done.recorded, done.skipped) == (8, 3, 3, 5)
    log = DecisionLog(case / "internal").read()
    assert {(d.matched, d.decision) for d in log} == {
        ("snap", "accept"),
        ("X", "accept"),
        ("Facebook", "reject"),
    }
    assert all(d.by == "B Reviewer" and d.source == "review file review.xlsx" for d in log)
    assert next(d.reason for d in log if d.matched == "Facebook") == "a test record"
    after = answer_again(case)
    assert (_row(after, "Snapchat"), _row(after, "Facebook"), _row(after, "Twitter")) == (
        2,
        0,
        1,
    )
    assert after.table.grand_total.total == before.table.grand_total.total + 1
    method = (case / "public" / "method.md").read_text(encoding="utf-8")
    assert "1 of the 4 counted crimes was read by hand: 0 confirmed, 0.0%" in method
    # the same file again: the decisions are held already, nothing is written
    assert import_review(case, path, by="B Reviewer").recorded == 0
    assert len(DecisionLog(case / "internal").read()) == 3
    # exported again, the decisions are filled in
    again = _rows(export_review(case).path)
    assert ("reject", "a test record") in {(r[DECISION - 1], r[REASON - 1]) for r in again}


def test_the_seed_case_round_trip_confirms_the_sample(tmp_path: Path) -> None:
    shutil.copytree(SEED, tmp_path / "seed")
    request = tmp_path / "seed" / "request.toml"
    case = tmp_path / "case"
    foidesk.write_case(case, foidesk.answer(request))
    path = export_review(case, tmp_path / "mine.xlsx").path
    book = load_workbook(path)
    sheet = book["Review"]
    assert sheet.max_row == 4  # no possible hits; the three crimes, all in the sample
    for row in range(2, 5):
        assert sheet.cell(row, 7).value == "quality sample"
        sheet.cell(row, DECISION).value = "accept"
    book.save(path)
    assert import_review(case, path, by="C Officer").recorded == 3
    result = foidesk.answer(request, decisions=foidesk.case_decisions(case))
    foidesk.write_case(case, result, replace=True)
    assert result.table.grand_total.total == 3
    method = (case / "public" / "method.md").read_text(encoding="utf-8")
    assert (
        "3 of the 3 counted crimes were read by hand: 3 confirmed, 100.0%, 95% interval 43.9% "
        "to 100.0%." in method
    )


def test_bad_cells_are_named_and_nothing_is_applied(case: Path) -> None:
    decide(case, "accept", Selector(text="X"), by="A Analyst")
    path = export_review(case).path
    book = load_workbook(path)
    sheet = book["Review"]
    sheet.cell(2, DECISION).value = "accept"  # good, but the file has bad cells
    sheet.cell(3, DECISION).value = "maybe"
    sheet.cell(5, 1).value = "0123abcd"
    sheet.cell(5, DECISION).value = "reject"
    sheet.cell(6, DECISION).value = 1
    book.save(path)
    log = (case / "internal" / "decisions.jsonl").read_bytes()
    with pytest.raises(ReviewFileError) as caught:
        import_review(case, path, by="B Reviewer")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: nothing applied: 3 bad cells: ")
    assert 'J3: "maybe" is not accept or reject' in message
    assert "A5: hit 0123abcd is not a hit of this case" in message
    assert 'J6: "1" is not accept or reject' in message
    assert (case / "internal" / "decisions.jsonl").read_bytes() == log  # nothing applied
    # on the command line: one line on stderr, a failing exit
    proc = run_cli("review", "import", case, path, "--by", "B Reviewer")
    assert proc.returncode != 0
    assert proc.stderr.count("\n") == 1 and 'J3: "maybe" is not accept or reject' in proc.stderr
    assert (case / "internal" / "decisions.jsonl").read_bytes() == log


def test_a_header_that_is_not_the_exports_is_refused_naming_its_cell(case: Path) -> None:
    path = export_review(case).path
    book = load_workbook(path)
    book["Review"]["J1"] = "verdict"
    book.save(path)
    with pytest.raises(ReviewFileError, match=r'J1: "verdict" is not "decision"; the header'):
        import_review(case, path, by="B Reviewer")
    book.remove(book["Review"])
    book.save(path)
    with pytest.raises(ReviewFileError, match=r"has no sheet named 'Review'"):
        import_review(case, path, by="B Reviewer")
    path.write_text("hit id,decision\n", encoding="utf-8")
    with pytest.raises(ReviewFileError, match=r"not an Excel workbook"):
        import_review(case, path, by="B Reviewer")


def test_a_path_under_public_is_refused(case: Path, tmp_path: Path) -> None:
    public = case / "public"
    before = sorted(p.name for p in public.iterdir())
    with pytest.raises(ReviewFileError, match=r"is under the case's public/ folder"):
        export_review(case, public / "review.xlsx")
    link = tmp_path / "elsewhere"
    link.symlink_to(public)  # through a symlink too
    with pytest.raises(ReviewFileError, match=r"is under the case's public/ folder"):
        export_review(case, link / "review.xlsx")
    assert sorted(p.name for p in public.iterdir()) == before
    proc = run_cli("review", "export", case, "--out", public / "sub" / "r.xlsx")
    assert proc.returncode != 0 and proc.stderr.count("\n") == 1
    assert "never written there" in proc.stderr
    assert sorted(p.name for p in public.iterdir()) == before


def test_the_commands_say_what_they_did(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "to-read.xlsx"
    proc = run_cli("review", "export", case, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out) and oct(os.stat(out).st_mode & 0o777) == "0o600"
    assert f"Wrote {out}: 8 rows to review (3 possible hits;" in proc.stderr
    book = load_workbook(out)
    book["Review"].cell(2, DECISION).value = "reject"
    book.save(out)
    proc = run_cli("review", "import", case, out, "--by", "D Desk")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "1"
    assert f"Recorded 1 decision from {out} (8 rows: 1 with a decision; 7 left empty)" in (
        proc.stderr
    )
    assert proc.stderr.rstrip().endswith(f"--out {case} --replace")
    (line,) = (case / "internal" / "decisions.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["source"] == "review file to-read.xlsx"
    for command, says in (
        ("export", "A path under CASE/public/ is refused: the file is record-level."),
        ("import", "A file with any bad cell is refused whole, naming the cells"),
    ):
        proc = run_cli("review", command, "--help")
        assert proc.returncode == 0 and says in " ".join(proc.stdout.split())
