"""Suppression makes every leaking table of the attack's tests safe, per the attack."""

from __future__ import annotations

import pytest

from foidesk.release.disclosure.attack import PRIMARY, SECONDARY, Rule, attack
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
def test_suppression_leaves_no_leak(rows: Rows, dims: tuple[str, ...], multi: int) -> None:
    years = len(next(iter(rows.values())))
    table = make_table(rows, dims, multi, years)
    model = build_model(table)
    values = cell_values(table)
    primary = primary_suppression(values, Rule())
    assert primary  # each table has a small cell
    # primary suppression alone leaks: the attack breaks it
    assert not attack(model, values, primary).safe
    done = suppress(table)
    assert done.unprotectable == ()
    assert done.safe, done.audit.leaks
    assert done.primary == len(primary)
    assert done.secondary > 0
    # an independent attack on what would be published agrees, without the true table
    published = [None if i in done.withheld else int(v) for i, v in enumerate(values)]
    assert attack(model, published, done.withheld).safe
    # no small cell is published, and a secondary cell is never small
    for i, v in enumerate(values):
        assert (done.withheld.get(i) == PRIMARY) == (1 <= v <= 4)


def test_zero_is_shown_unless_the_rule_withholds_it() -> None:
    table = make_table(NESTED, ("outcome", "offence"), 0, 3)
    model = build_model(table)
    zero = model.find(("A", "y"), "2015")
    assert zero not in primary_suppression(cell_values(table), Rule())
    assert primary_suppression(cell_values(table), Rule(withhold_zeros=True))[zero] == PRIMARY


def test_unprotectable_cells_are_reported_not_hidden() -> None:
    # A = (1, 2), total 3: whatever is withheld, neither period can be 4 (the same holds for
    # a small parent of two small children)
    rows: Rows = {("A",): (1, 2), ("B",): (8, 9)}
    table = make_table(rows)
    done = suppress(table)
    assert not done.safe
    assert {(c.labels, c.period) for c in done.unprotectable} == {
        (("A",), "2015"),
        (("A",), "2016"),
        (("A",), TOTAL_COLUMN),
    }
    # only those: what can be protected is
    assert {c.index for c in done.audit.leaks} <= {c.index for c in done.unprotectable}
    # with zeros withheld under the small-number symbol too, it can be protected
    assert suppress(table, Rule(withhold_zeros=True)).safe


def test_secondary_cells_prefer_small_non_totals() -> None:
    table = make_table(THREE_BY_THREE, years=3)
    done = suppress(table)
    model = done.model
    secondary = [model.cells[i] for i, s in done.withheld.items() if s == SECONDARY]
    # A 2015 (3) and C 2016 (2) are protected by cells inside the table, not by its totals
    assert not any(c.is_total for c in secondary)
