"""Suppression makes every leaking table of the attack's tests safe, per the attack."""

from __future__ import annotations

import pytest

from foidesk.release.disclosure.attack import PRIMARY, SECONDARY, Rule, attack
from foidesk.release.disclosure.layout import excuse, layout_symbols
from foidesk.release.disclosure.model import TOTAL_COLUMN, build_model, cell_values
from foidesk.release.disclosure.suppress import primary_suppression, suppress
from tests.test_disclosure_attack import TERMS, TERMS_APART, TWO_BY_TWO, Rows, make_table

THREE_BY_THREE: Rows = {
    ("A",): (3, 10, 7),
    ("B",): (6, 8, 12),
    ("C",): (9, 2, 15),
}
NESTED: Rows = {
    ("A",): (3, 10, 7),
    ("A", "x"): (3, 6, 7),
    ("A", "y"): (0, 4, 0),
    ("B",): (6, 8, 12),
    ("B", "x"): (6, 5, 9),
    ("B", "y"): (0, 3, 3),
}


@pytest.mark.parametrize("zeros", ["shown", "as needed"])
@pytest.mark.parametrize(
    ("rows", "dims", "multi"),
    [
        (TWO_BY_TWO, ("outcome",), 0),
        ({("A",): (1, 5), ("B",): (7, 9)}, ("outcome",), 0),
        (THREE_BY_THREE, ("outcome",), 0),
        (NESTED, ("outcome", "offence"), 0),
        (TERMS, ("outcome", "term"), 3),
        (TERMS_APART, ("outcome", "term"), 0),
    ],
)
def test_suppression_leaves_no_leak(
    rows: Rows, dims: tuple[str, ...], multi: int, zeros: str
) -> None:
    rule = Rule(zeros=zeros)
    years = len(next(iter(rows.values())))
    table = make_table(rows, dims, multi, years)
    model = build_model(table)
    values = cell_values(table)
    primary = primary_suppression(values, rule)
    assert primary  # each table has a small cell
    # primary suppression alone leaks: the attack breaks it
    assert not attack(model, values, primary, rule).safe
    done = suppress(table, rule)
    assert done.unprotectable == ()
    assert done.safe, done.audit.leaks
    assert sum(1 for i in primary if done.withheld[i] == PRIMARY) == len(primary)
    assert done.secondary + done.primary > len(primary)
    # an independent attack on what would be published agrees, without the true table
    published = [None if i in done.withheld else int(v) for i, v in enumerate(values)]
    independent = attack(model, published, done.withheld, rule)
    symbols = layout_symbols(published, done.withheld, rule)
    assert excuse(model, independent, symbols, rule).safe
    # no small cell is published; the small-number symbol covers small cells (and, unless
    # zeros are shown, zeros withheld to protect them); a secondary cell is never small
    for i, v in enumerate(values):
        if 1 <= v <= 4:
            assert done.withheld.get(i) == PRIMARY
        elif done.withheld.get(i) == PRIMARY:
            assert v == 0 and zeros == "as needed"
        elif done.withheld.get(i) == SECONDARY:
            assert v >= 5 or (v == 0 and zeros == "shown")


def test_zero_is_shown_unless_the_rule_withholds_it() -> None:
    table = make_table(NESTED, ("outcome", "offence"), 0, 3)
    model = build_model(table)
    zero = model.find(("A", "y"), "2015")
    assert zero not in primary_suppression(cell_values(table), Rule())
    assert zero not in primary_suppression(cell_values(table), Rule(zeros="shown"))
    assert primary_suppression(cell_values(table), Rule(zeros="withheld"))[zero] == PRIMARY


def test_what_the_layout_alone_tells_is_excused_and_recorded() -> None:
    # A = (1, 2), total 3. With zeros shown, "<5" states 1 to 4: neither period of A can be
    # 4 whatever is withheld (both at least 1, adding up to at most 4). The layout and the
    # symbols say that by themselves: the proof excuses it, records it, and holds.
    rows: Rows = {("A",): (1, 2), ("B",): (8, 9)}
    table = make_table(rows)
    shown = suppress(table, Rule(zeros="shown"))
    assert shown.safe
    a_2015 = next(c for c in shown.audit.intervals if c.labels == ("A",) and c.period == "2015")
    assert a_2015.impossible == (4,) and a_2015.excused == (4,)
    # zeros "as needed": "<5" may be 0, so every value from 1 to 4 stays possible for A
    needed = suppress(table, Rule(zeros="as needed"))
    assert needed.safe
    for c in needed.audit.intervals:
        if c.labels == ("A",) and c.symbol == PRIMARY:
            assert c.impossible == () or c.period == TOTAL_COLUMN, c


def test_a_leak_of_the_figures_is_not_excused() -> None:
    # primary suppression alone: A 2015 = 10 - 9 from the published B and Grand Total
    rows: Rows = {("A",): (1, 9), ("B",): (8, 9)}
    table = make_table(rows)
    model = build_model(table)
    values = cell_values(table)
    rule = Rule()
    held = primary_suppression(values, rule)
    judged = excuse(
        model, attack(model, values, held, rule), layout_symbols(values, {}, rule), rule
    )
    leak = next(c for c in judged.leaks if c.labels == ("A",) and c.period == "2015")
    assert leak.impossible == (2, 3, 4) and leak.excused == ()


def test_secondary_cells_prefer_small_non_totals() -> None:
    table = make_table(THREE_BY_THREE, years=3)
    done = suppress(table)
    model = done.model
    secondary = [model.cells[i] for i, s in done.withheld.items() if s == SECONDARY]
    # A 2015 (3) and C 2016 (2) are protected by cells inside the table, not by its totals
    assert not any(c.is_total for c in secondary)
