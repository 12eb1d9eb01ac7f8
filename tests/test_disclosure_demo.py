"""Issue 15's done-when on the demo: its release with ``suppress_below = 5`` passes its own
interval attack and an independent one, and no figure from 1 to 4 of crimes with a mention
appears anywhere under ``public/``."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest

import foidesk
from foidesk.release.disclosure.attack import attack
from foidesk.release.disclosure.layout import excuse, layout_symbols
from foidesk.release.disclosure.model import build_model, cell_values
from foidesk.release.disclosure.protect import rule_of
from foidesk.release.table import Withheld

SMALL = {1, 2, 3, 4}


@pytest.fixture(scope="module")
def demo_case(
    synthetic_200k: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, object]:
    result = foidesk.answer(synthetic_200k, letter_date=date(2019, 6, 3))
    out = tmp_path_factory.mktemp("demo-disclosure") / "case"
    foidesk.write_case(out, result)
    return out, result


def test_the_demo_release_passes_both_attacks(demo_case: tuple[Path, object]) -> None:
    case, result = demo_case
    audit = json.loads((case / "internal" / "audit.json").read_text(encoding="utf-8"))
    disclosure = audit["disclosure"]
    assert disclosure["suppress_below"] == 5 and disclosure["safe"] is True
    assert disclosure["leaks"] == [] and disclosure["independent_attack"]["leaks"] == 0
    held = disclosure["withheld_small"] + disclosure["withheld_secondary"]
    assert held == len(disclosure["intervals"]) == disclosure["independent_attack"]["cells"]
    assert disclosure["withheld_secondary"] > 0  # primary suppression alone would leak
    # a third attack, written here from the public files alone, agrees
    counted = result.counted  # type: ignore[attr-defined]
    coverage = result.coverage  # type: ignore[attr-defined]
    released = result.table  # type: ignore[attr-defined]
    settings = result.request.disclosure  # type: ignore[attr-defined]
    rule = rule_of(settings)
    model = build_model(counted)  # the table alone: fewer facts than the release's model
    figures = [c for r in (*released.rows, released.grand_total) for c in (*r.counts, r.total)]
    withheld = {
        i: ("primary" if f.symbol == settings.symbol else "secondary")
        for i, f in enumerate(figures)
        if isinstance(f, Withheld)
    }
    published = [None if isinstance(f, Withheld) else f for f in figures]
    assert len(published) == model.size
    judged = excuse(
        model,
        attack(model, published, withheld, rule),
        layout_symbols(published, withheld, rule),
        rule,
    )
    assert judged.safe, judged.leaks[:3]
    # the withheld cells hold what their symbols say
    for i, value in enumerate(cell_values(counted)):
        if value in SMALL:
            assert withheld.get(i) == "primary"
    assert coverage is not None


def test_no_small_figure_is_published_anywhere(demo_case: tuple[Path, object]) -> None:
    case, _ = demo_case
    public = case / "public"
    with (public / "table.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    first = header.index("2015")
    for row in rows[1:]:
        for cell in row[first:]:
            assert cell in ("<5", "*") or int(cell) not in SMALL, row
    with (public / "coverage.csv").open(encoding="utf-8", newline="") as f:
        for line in csv.DictReader(f):
            hits = line["records_with_hits"]
            assert hits in ("<5", "*") or int(hits) not in SMALL, line
    sheet = openpyxl.load_workbook(public / "table.xlsx").active
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, int | float):
                assert cell.value not in SMALL, cell.coordinate
    for name in ("table.md", "table.txt", "table.html"):
        text = (public / name).read_text(encoding="utf-8")
        assert "&lt;5" in text or "<5" in text
    # prose: a count of crimes, mentions or hits is never 1 to 4
    for name in ("letter.md", "method.md"):
        text = (public / name).read_text(encoding="utf-8")
        for match in re.finditer(r"\b([0-9][0-9,]*) (?:more )?(?:crimes?|mentions?|hits?)\b", text):
            assert int(match.group(1).replace(",", "")) not in SMALL, match.group(0)
