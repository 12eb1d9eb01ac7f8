"""FOI2019/02832 end to end on a hand-written two-system extract.

The extract (tests/data/seed/) reproduces the seed letter's figures through distractors: a crime
outside the window, a cancelled and a transferred record, a non-drug offence, traps ("snapped",
"cold snap", "instalments", "Caféfacebook", "SC 4512", "face. Book"), a migrated duplicate and
a "face book" variant.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from foidesk.case_scan import extract_text
from tests.conftest import SEED, run_cli
from tests.helpers import answer_case

CANNABIS = "(B) STATE BASED: DRUGS - CLASS B CANNABIS - POSSESSION OF A CONTROLLED DRUG"
COCAINE = (
    "(B) STATE BASED: MISUSE OF DRUGS HAVING POSSESSION OF A CONTROLLED DRUG - CLASS A COCAINE"
)


def _grid(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_reproduces_the_seed_letter(tmp_path: Path, seed_request: Path) -> None:
    result = answer_case(seed_request, tmp_path / "case")
    rows = {(r.level, r.labels): (r.counts, r.total) for r in result.table.rows}
    years = [p.label for p in result.table.periods]
    assert years == ["2015", "2016", "2017", "2018", "2019"]
    assert rows == {
        ("outcome", ("CHARGED",)): ((0, 0, 0, 1, 0), 1),
        ("offence", ("CHARGED", COCAINE)): ((0, 0, 0, 1, 0), 1),
        ("term", ("CHARGED", COCAINE, "Twitter")): ((0, 0, 0, 1, 0), 1),
        ("outcome", ("CAUTION",)): ((0, 1, 0, 1, 0), 2),
        ("offence", ("CAUTION", CANNABIS)): ((0, 1, 0, 1, 0), 2),
        ("term", ("CAUTION", CANNABIS, "Facebook")): ((0, 1, 0, 1, 0), 2),
    }
    # CHARGED (outcome 1) comes before CAUTION (outcome 3), as in the seed letter
    assert [r.labels[0] for r in result.table.rows if r.level == "outcome"] == [
        "CHARGED",
        "CAUTION",
    ]
    assert result.table.grand_total.counts == (0, 1, 0, 2, 0)
    assert result.table.grand_total.total == 3
    assert result.table.periods[-1].partial and not result.table.periods[0].partial


def test_stage_counts_and_coverage(tmp_path: Path, seed_request: Path) -> None:
    result = answer_case(seed_request, tmp_path / "case")
    counts = result.audit["counts"]
    assert counts["rows_read"] == 13
    assert counts["candidate_crimes"] == 9  # crimes with a copy in the window and offences
    assert counts["crimes_in_more_than_one_system"] == 1
    assert counts["excluded_cancelled"] == 1
    assert counts["excluded_transferred"] == 1
    assert counts["population"] == 7
    assert counts["copies_searched"] == 8  # both copies of the migrated crime are searched
    totals = result.coverage.totals()
    # the migrated crime counts under Athena, whose copy supplied its outcome (CHARGED)
    assert (totals["Legacy"].records_searched, totals["Legacy"].records_with_hits) == (4, 2)
    assert (totals["Athena"].records_searched, totals["Athena"].records_with_hits) == (3, 1)
    assert result.coverage.overlaps == (("Athena and Legacy", 1),)


def test_evidence_backs_every_hit(tmp_path: Path, seed_request: Path) -> None:
    result = answer_case(seed_request, tmp_path / "case")
    evidence = pq.read_table(result.folders["internal"] / "evidence.parquet").to_pylist()
    sources = {}
    for name in ("legacy.csv", "athena.csv"):
        with (SEED / name).open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                sources[(row["crime_ref"], name)] = row
    assert {(e["crime_ref"], e["platform"]) for e in evidence} == {
        ("LG/16/000101", "Facebook"),
        ("LG/18/000202", "Facebook"),
        ("LG/18/000303", "Twitter"),
    }
    for e in evidence:
        file = "legacy.csv" if e["system"] == "Legacy" else "athena.csv"
        text = sources[(e["crime_ref"], file)][e["field"]]
        assert text[e["start"] : e["end"]] == e["text"]
        assert e["rule"].startswith(e["platform"].lower() + ".")
    face_book = [e for e in evidence if e["crime_ref"] == "LG/18/000202"]
    assert face_book[0]["text"] == "face book"
    assert face_book[0]["year"] == 2018


def test_letter_and_audit(tmp_path: Path, seed_request: Path) -> None:
    result = answer_case(seed_request, tmp_path / "case")
    letter = (result.folders["public"] / "letter.md").read_text(encoding="utf-8")
    assert "FOI2019/02832" in letter
    assert "[FORCE NAME]" in letter  # no force details in the request: placeholders
    assert "Ministry of Justice" in letter  # convictions are not held
    assert "23 May 2018" in letter  # the data-quality caveat
    assert "un-audited snapshot" in letter
    assert "https://ico.org.uk/make-a-complaint/" in letter
    # review rights: asked for within 40 working days of the letter (section 45 code)
    assert "within 40 working days of the date of this letter" in letter
    assert "| Athena | **Total** | 3 | 1 |" in letter  # coverage
    audit = result.audit
    assert len(audit["sources"]) == 2
    for source in audit["sources"]:
        assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"])
    assert audit["deadline"]["due"] == "2019-05-28"
    assert audit["counts"]["table_grand_total"] == 3


def _public_texts(public: Path) -> dict[str, str]:
    texts = {}
    for path in public.rglob("*"):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
                assert not any("pivot" in n.lower() for n in names), names
                for name in names:
                    texts[f"{path.name}:{name}"] = z.read(name).decode("utf-8", "replace")
        elif path.is_file():  # the Word and PDF letters read as the scan of public/ reads them
            texts[path.name] = extract_text(path)
    return texts


def test_public_holds_no_record_level_data(tmp_path: Path, seed_request: Path) -> None:
    result = answer_case(seed_request, tmp_path / "case")
    refs, notes = set(), set()
    for name in ("legacy.csv", "athena.csv"):
        with (SEED / name).open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                refs.add(row["crime_ref"])
                for key, value in row.items():
                    if key.startswith("text") and value:
                        notes.update(s.strip() for s in re.split(r"[.;\n]", value))
    notes = {n for n in notes if len(n) > 15}
    texts = _public_texts(result.folders["public"])
    assert "table.xlsx:xl/worksheets/sheet1.xml" in texts
    assert not any("sheet2" in name for name in texts)  # no hidden sheet
    for name, text in texts.items():
        for ref in refs:
            assert ref not in text, f"{ref} in {name}"
        for note in notes:
            assert note not in text, f"note text {note!r} in {name}"


def test_outputs_are_byte_identical_across_runs(tmp_path: Path, seed_request: Path) -> None:
    answer_case(seed_request, tmp_path / "a")
    answer_case(seed_request, tmp_path / "b")
    for name in ("table.csv", "table.md", "table.html", "table.txt", "coverage.csv"):
        a = (tmp_path / "a" / "public" / name).read_bytes()
        assert a == (tmp_path / "b" / "public" / name).read_bytes(), name


def test_cli_csv_stdout_is_exactly_the_grid(tmp_path: Path, seed_request: Path) -> None:
    proc = run_cli("answer", seed_request, "--out", tmp_path / "case", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stdout and not proc.stdout.startswith("\ufeff")
    lines = proc.stdout.split("\n")
    assert lines[-1] == ""  # ends with one LF
    assert lines[0] == "level,outcome,offence,platform,2015,2016,2017,2018,2019,Grand Total"
    grid = list(csv.reader(io.StringIO(proc.stdout, newline="")))
    width = len(grid[0])
    assert all(len(row) == width for row in grid)
    levels = [row[0] for row in grid[1:]]
    assert levels == ["outcome", "offence", "platform"] * 2 + ["total"]
    assert grid[1] == ["outcome", "CHARGED", "", "", "0", "0", "0", "1", "0", "1"]
    assert grid[3] == ["platform", "CHARGED", COCAINE, "Twitter", "0", "0", "0", "1", "0", "1"]
    assert grid[-1] == ["total", "", "", "", "0", "1", "0", "2", "0", "3"]
    for row in grid[1:]:
        assert all(re.fullmatch(r"\d+", cell) for cell in row[4:])
    assert proc.stdout == (tmp_path / "case" / "public" / "table.csv").read_text()
    assert "Case folder" in proc.stderr


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_cli_prints_the_table_in_each_format(tmp_path: Path, seed_request: Path, fmt: str) -> None:
    proc = run_cli("answer", seed_request, "--out", tmp_path / "c", "--format", fmt, "--quiet")
    assert proc.returncode == 0, proc.stderr
    ext = {"text": "txt", "markdown": "md", "html": "html"}[fmt]
    assert proc.stdout == (tmp_path / "c" / "public" / f"table.{ext}").read_text()
    assert "Recorded Crime: Drug Offences - Free Text search Facebook/Twitter" in proc.stdout
    # --quiet: no progress or summary; what the answer must say (the seed's letter has no
    # [force] details) is still said, one warning a line
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith("foidesk: warning: ") for line in lines)
    assert any("[TELEPHONE]" in line for line in lines)


def test_text_table_does_not_depend_on_terminal_width(tmp_path: Path, seed_request: Path) -> None:
    import os
    import subprocess
    import sys

    outs = []
    for columns in ("40", "300"):
        env = dict(os.environ, COLUMNS=columns)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "foidesk",
                "answer",
                str(seed_request),
                "--out",
                str(tmp_path / columns),
                "--quiet",
            ],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        outs.append(proc.stdout)
    assert outs[0] == outs[1]
    assert "Grand Total" in outs[0]


def test_xlsx_holds_the_same_cells_as_the_csv(tmp_path: Path, seed_request: Path) -> None:
    import openpyxl

    result = answer_case(seed_request, tmp_path / "case")
    public = result.folders["public"]
    workbook = openpyxl.load_workbook(public / "table.xlsx")
    assert workbook.sheetnames == ["Table"]
    sheet = workbook["Table"]
    assert sheet.sheet_state == "visible"
    assert sheet.cell(1, 1).value == result.table.title
    grid = _grid((public / "table.csv").read_text())
    years = [p.label for p in result.table.periods]
    for i, row in enumerate(grid):
        cells = [sheet.cell(4 + i, c + 1).value for c in range(len(years) + 2)]
        label = row["platform"] or row["offence"] or row["outcome"] or "Grand Total"
        assert cells[0] == label
        assert cells[1:] == [int(row[y]) for y in years] + [int(row["Grand Total"])]
