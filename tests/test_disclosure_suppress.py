"""Suppression makes every leaking table of the attack's tests safe, per the attack."""

from __future__ import annotations

import numpy as np
import pytest

from foidesk.release.disclosure.attack import PRIMARY, SECONDARY, Rule, attack
from foidesk.release.disclosure.layout import excuse, layout_symbols
from foidesk.release.disclosure.model import TOTAL_COLUMN, TableModel, build_model, cell_values
from foidesk.release.disclosure.suppress import primary_suppression, suppress
from foidesk.release.table import FoiTable
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


# two outcomes of a synthetic answer on 2,000,000 records (the rows as counted): withheld as
# a complement, NO OUTCOME RECORDED's Grand Total is pinned by sums, its row's periods and the
# outcomes' column of totals; the cheapest published cell linked to it is a term row's Grand
# Total, linked by inequalities only, which never unpins it. Complements chosen so took 28
# rounds and withheld 31 secondary cells; one sharing its sums takes 15 and 18.
PINNED_BY_SUMS: Rows = {
    ("CAUTION",): (460, 489, 526, 460, 138),
    ("CAUTION", "Facebook"): (125, 135, 144, 119, 34),
    ("CAUTION", "Twitter"): (33, 24, 35, 39, 2),
    ("CAUTION", "WhatsApp"): (134, 149, 146, 114, 40),
    ("CAUTION", "Instagram"): (101, 86, 110, 92, 23),
    ("CAUTION", "TikTok"): (0, 0, 0, 17, 12),
    ("CAUTION", "Snapchat"): (148, 175, 167, 160, 41),
    ("NO OUTCOME RECORDED",): (0, 0, 4, 93, 13),
    ("NO OUTCOME RECORDED", "Facebook"): (0, 0, 0, 21, 1),
    ("NO OUTCOME RECORDED", "Twitter"): (0, 0, 0, 9, 1),
    ("NO OUTCOME RECORDED", "WhatsApp"): (0, 0, 1, 27, 4),
    ("NO OUTCOME RECORDED", "Instagram"): (0, 0, 3, 11, 3),
    ("NO OUTCOME RECORDED", "TikTok"): (0, 0, 0, 1, 1),
    ("NO OUTCOME RECORDED", "Snapchat"): (0, 0, 1, 35, 3),
}


def _pinned_by_sums() -> tuple[FoiTable, TableModel, np.ndarray]:
    multi = sum(sum(c) for k, c in PINNED_BY_SUMS.items() if len(k) == 2) - sum(
        sum(c) for k, c in PINNED_BY_SUMS.items() if len(k) == 1
    )
    table = make_table(PINNED_BY_SUMS, ("outcome", "term"), multi, years=5)
    return table, build_model(table), cell_values(table)


def test_a_pinned_secondary_cell_is_complemented_within_its_own_sums() -> None:
    table, model, values = _pinned_by_sums()
    done = suppress(table, exact_audit=False)
    assert done.safe and done.unprotectable == ()
    assert done.rounds <= 15 and done.secondary <= 18  # 28 rounds and 31 before
    rule = Rule()
    published = [None if i in done.withheld else int(v) for i, v in enumerate(values)]
    independent = attack(model, published, done.withheld, rule)
    assert excuse(model, independent, layout_symbols(published, done.withheld, rule), rule).safe


def test_the_independent_attack_gives_the_exact_audit_s_intervals() -> None:
    """``protect`` takes the exact intervals from the attack on the published figures alone
    instead of a second exact attack with the true table: the same problem, the same
    answers."""
    table, model, values = _pinned_by_sums()
    quick = suppress(table, exact_audit=False)
    exact = suppress(table)
    assert quick.withheld == exact.withheld and quick.rounds == exact.rounds
    rule = Rule()
    published = [None if i in exact.withheld else int(v) for i, v in enumerate(values)]
    symbols = layout_symbols(published, exact.withheld, rule)
    independent = excuse(model, attack(model, published, exact.withheld, rule), symbols, rule)
    assert independent.intervals == exact.audit.intervals
    # the last round's proof, kept as suppression's audit, tells safe from not the same way
    assert [c.safe for c in quick.audit.intervals] == [c.safe for c in exact.audit.intervals]
