"""The interval attack on hand-written tables: tables it must break and tables it must not."""

from __future__ import annotations

import time
from datetime import date

import numpy as np
import pytest
from scipy.optimize import linprog

from foidesk.casework.periods import Period
from foidesk.release.disclosure.attack import (
    PRIMARY,
    SECONDARY,
    AttackResult,
    CellInterval,
    OutOfTime,
    Rule,
    attack,
)
from foidesk.release.disclosure.model import (
    TOTAL_COLUMN,
    TableModel,
    build_model,
    cell_values,
    check,
)
from foidesk.release.table import FoiTable, TableRow

Rows = dict[tuple[str, ...], tuple[int, ...]]

# a 0 is published, "<5" states 1 to 4 and "*" 0 or at least 5
SHOWN = Rule(zeros="shown")


def make_table(
    rows: Rows, dims: tuple[str, ...] = ("outcome",), multi: int = 0, years: int = 2
) -> FoiTable:
    """A table from ``{labels: counts per year}``, the Grand Total row summed from the top
    level (so only for additive top levels), totals summed across the years."""
    periods = tuple(
        Period(2015 + i, str(2015 + i), date(2015 + i, 1, 1), date(2015 + i, 12, 31), False)
        for i in range(years)
    )
    table_rows = tuple(
        TableRow(dims[len(labels) - 1], labels, counts, sum(counts))
        for labels, counts in rows.items()
    )
    top = [r.counts for r in table_rows if len(r.labels) == 1]
    grand = tuple(sum(c[i] for c in top) for i in range(years))
    return FoiTable(
        title="test",
        dimensions=dims,
        periods=periods,
        rows=table_rows,
        grand_total=TableRow("total", (), grand, sum(grand)),
        footnotes=(),
        multi_platform_crimes=multi,
    )


# rows A and B over 2015 and 2016
TWO_BY_TWO: Rows = {("A",): (3, 10), ("B",): (6, 8)}
# a term level under two outcomes, 3 crimes of X naming both terms in 2016: Facebook 2015 is
# at least 6 - 4 = 2 (a crime naming both terms counts under both, but the terms still cover
# every crime of their parent)
TERMS: Rows = {
    ("X",): (6, 20),
    ("X", "Facebook"): (2, 14),
    ("X", "WhatsApp"): (4, 9),
    ("Y",): (7, 9),
    ("Y", "Facebook"): (7, 9),
}
# the same with no crime naming both terms
TERMS_APART: Rows = {**TERMS, ("X", "Facebook"): (2, 11)}


def withhold(table: FoiTable, cells: dict[tuple[tuple[str, ...], str], str]) -> dict[int, str]:
    model = build_model(table)
    return {model.find(labels, period): symbol for (labels, period), symbol in cells.items()}


def interval(
    table: FoiTable,
    cells: dict[tuple[tuple[str, ...], str], str],
    rule: Rule | None = None,  # default: zeros shown (the symbols these tables are about)
) -> tuple[dict[tuple[tuple[str, ...], str], CellInterval], AttackResult]:
    """The attack's intervals by (labels, period), from the published figures alone."""
    model = build_model(table)
    values = cell_values(table)
    assert check(model, values) == []
    held = withhold(table, cells)
    # no witness: the attack must get there from the published figures alone
    rule = rule or SHOWN
    result = attack(model, [None if i in held else v for i, v in enumerate(values)], held, rule)
    return {(c.labels, c.period): c for c in result.intervals}, result


def test_model_of_a_table_holds_its_sums() -> None:
    table = make_table(TERMS, dims=("outcome", "term"), multi=3)
    model = build_model(table)
    assert check(model, cell_values(table)) == []
    broken = cell_values(table).copy()
    broken[model.find(("X", "Facebook"), "2015")] = 7  # above its parent's 6
    assert "Y / Facebook <= Y @ 2015" not in check(model, broken)
    assert "X / Facebook <= X @ 2015" in check(model, broken)
    # the footnote's count: 3 crimes name both of the 2 terms, so the term rows exceed their
    # totals by exactly 3
    assert check(build_model(table, multi_term_crimes=2), cell_values(table)) == [
        "term rows exceed totals by <= 2"
    ]


def test_cell_equal_to_its_row_total_minus_published_siblings_is_pinned() -> None:
    got, result = interval(make_table(TWO_BY_TWO), {(("A",), "2015"): PRIMARY})
    cell = got[(("A",), "2015")]
    assert (cell.low, cell.high, cell.impossible, cell.safe) == (3, 3, (1, 2, 4), False)
    assert result.leaks == (cell,)


def test_single_withheld_cell_of_a_column_with_its_total_published() -> None:
    # the row total is withheld too, so the row says nothing; the 2015 column still does
    got, _ = interval(
        make_table(TWO_BY_TWO),
        {(("A",), "2015"): PRIMARY, (("A",), TOTAL_COLUMN): SECONDARY},
    )
    assert (got[(("A",), "2015")].low, got[(("A",), "2015")].high) == (3, 3)
    assert (got[(("A",), TOTAL_COLUMN)].low, got[(("A",), TOTAL_COLUMN)].high) == (13, 13)
    assert not got[(("A",), TOTAL_COLUMN)].safe


def test_two_withheld_cells_where_one_pins_the_other() -> None:
    # A 2016 is its column's total minus B 2016; then A 2015 is A's total minus A 2016
    got, result = interval(
        make_table(TWO_BY_TWO), {(("A",), "2015"): PRIMARY, (("A",), "2016"): SECONDARY}
    )
    assert got[(("A",), "2016")].low == got[(("A",), "2016")].high == 10
    assert got[(("A",), "2015")].low == got[(("A",), "2015")].high == 3
    assert len(result.leaks) == 2


def test_term_inequality_pins_a_lower_bound() -> None:
    table = make_table(TERMS, dims=("outcome", "term"), multi=3)
    cells = {
        (("X", "Facebook"), "2015"): PRIMARY,
        (("X", "Facebook"), "2016"): SECONDARY,
        (("X", "Facebook"), TOTAL_COLUMN): SECONDARY,
    }
    got, _ = interval(table, cells)
    cell = got[(("X", "Facebook"), "2015")]
    # Facebook + WhatsApp (4) >= X (6): Facebook 2015 is at least 2
    assert cell.low == 2
    assert cell.impossible == (1,)
    assert not cell.safe


# a small cell in a rectangle of withheld cells
RECTANGLE = {
    (("A",), "2015"): PRIMARY,
    (("A",), "2016"): SECONDARY,
    (("B",), "2015"): SECONDARY,
    (("B",), "2016"): SECONDARY,
}


def test_rectangle_with_slack_is_safe() -> None:
    got, result = interval(make_table(TWO_BY_TWO), RECTANGLE)
    assert result.safe
    assert (got[(("A",), "2015")].low, got[(("A",), "2015")].high) == (1, 4)
    assert got[(("A",), "2015")].impossible == ()
    # A 2016 = 13 - A 2015: from 9 to 12
    assert (got[(("A",), "2016")].low, got[(("A",), "2016")].high) == (9, 12)
    assert (got[(("B",), "2015")].low, got[(("B",), "2015")].high) == (5, 8)


def test_whole_numbers_pin_what_the_lp_relaxation_calls_safe() -> None:
    # A = (1, 5), total 6: the secondary symbol says A 2016 is 0 or at least 5, so
    # A 2015 = 6 - A 2016 can only be 1. With the symbol relaxed to "from 0 to the grand
    # total" (the LP relaxation of its binary) A 2015 could be anything from 1 to 4.
    rows: Rows = {("A",): (1, 5), ("B",): (7, 9)}
    table = make_table(rows)
    got, _ = interval(table, RECTANGLE)
    cell = got[(("A",), "2015")]
    assert (cell.low, cell.high, cell.safe) == (1, 1, False)
    assert got[(("A",), "2016")].low == got[(("A",), "2016")].high == 5

    # the LP relaxation of the same question: the largest A 2015 with the rest continuous
    model = build_model(table)
    values = cell_values(table).astype(float)
    held = withhold(table, RECTANGLE)
    lower, upper = values.copy(), values.copy()
    for i, symbol in held.items():
        lower[i], upper[i] = (1, 4) if symbol == PRIMARY else (0, values[-1])
    target = model.find(("A",), "2015")
    c = np.zeros(model.size)
    c[target] = -1
    lp = linprog(
        c,
        A_ub=model.a_ub,
        b_ub=model.b_ub,
        A_eq=model.a_eq,
        b_eq=model.b_eq,
        bounds=list(zip(lower, upper, strict=True)),
    )
    assert lp.status == 0
    assert -lp.fun == pytest.approx(4)  # the LP relaxation: "could be 4", safe


def test_gap_inside_the_range_is_a_leak() -> None:
    # A 2015 + A 2016 = 6 with A 2016 secondary: A 2015 is 1 (A 2016 = 5) or 6 (out of range)
    # -- and with A 2016 = 0 A 2015 would be 6. So only 1: every value the symbol allows
    # must stay possible, not just the ends
    rows: Rows = {("A",): (1, 5), ("B",): (7, 9)}
    got, _ = interval(
        make_table(rows),
        {
            (("A",), "2015"): PRIMARY,
            (("A",), "2016"): SECONDARY,
            (("B",), "2015"): SECONDARY,
            (("B",), "2016"): SECONDARY,
        },
    )
    assert got[(("A",), "2015")].impossible == (2, 3, 4)


def test_small_total_with_two_small_periods_leaks_unless_zeros_are_withheld() -> None:
    # A = (1, 2), total 3: both periods are at least 1 and add up to at most 4
    rows: Rows = {("A",): (1, 2), ("B",): (8, 9)}
    cells = {
        (("A",), "2015"): PRIMARY,
        (("A",), "2016"): PRIMARY,
        (("A",), TOTAL_COLUMN): PRIMARY,
        (("B",), "2015"): SECONDARY,
        (("B",), "2016"): SECONDARY,
        (("B",), TOTAL_COLUMN): SECONDARY,
    }
    got, _ = interval(make_table(rows), cells)
    assert got[(("A",), "2015")].impossible == (4,)
    assert got[(("A",), TOTAL_COLUMN)].impossible == (1,)
    # not pinned, so safe under the weaker rule
    got, result = interval(make_table(rows), cells, Rule(zeros="shown", every_value=False))
    assert result.safe
    # zeros withheld under "<5" too: each period may be 0, so each may be 4
    got, result = interval(make_table(rows), cells, Rule(zeros="withheld"))
    assert got[(("A",), "2015")].impossible == ()
    assert (got[(("A",), "2015")].low, got[(("A",), "2015")].high) == (0, 4)


def test_multi_term_footnote_is_used() -> None:
    # no crime names two terms (the footnote's count is 0): the term rows add up exactly,
    # so Facebook 2015 = 6 - 4 = 2
    table = make_table(TERMS_APART, dims=("outcome", "term"), multi=0)
    cells = {
        (("X", "Facebook"), "2015"): PRIMARY,
        (("X", "Facebook"), "2016"): SECONDARY,
        (("X", "Facebook"), TOTAL_COLUMN): SECONDARY,
        (("X", "WhatsApp"), "2016"): SECONDARY,
        (("X", "WhatsApp"), TOTAL_COLUMN): SECONDARY,
    }
    got, _ = interval(table, cells)
    assert got[(("X", "Facebook"), "2015")].low == got[(("X", "Facebook"), "2015")].high == 2


def _rectangle() -> tuple[TableModel, np.ndarray, dict[int, str]]:
    """TWO_BY_TWO's model, its figures and RECTANGLE withheld."""
    table = make_table(TWO_BY_TWO)
    return build_model(table), cell_values(table), withhold(table, RECTANGLE)


def test_a_witness_changes_nothing_but_the_work() -> None:
    model, values, held = _rectangle()
    alone = attack(model, values, held, SHOWN)
    helped = attack(model, values, held, SHOWN, witness=values)
    wrong = attack(model, values, held, SHOWN, witness=values + 1)  # not a table: ignored
    assert alone.intervals == helped.intervals == wrong.intervals
    assert helped.solves <= alone.solves


def test_a_pool_of_earlier_tables_changes_nothing_but_the_work() -> None:
    """Tables that fitted with fewer cells withheld are witnesses again (each checked): the
    intervals are the same, with fewer solves; a table that does not fit is ignored."""
    model, values, held = _rectangle()
    pool: list[np.ndarray] = []
    first = attack(model, values, held, SHOWN, witness=values, pool=pool)
    assert pool  # the tables it witnessed, whole
    again = attack(model, values, held, SHOWN, witness=values, pool=[*pool, values + 1])
    assert again.intervals == first.intervals
    assert again.solves < first.solves


def test_an_attack_past_its_deadline_proves_nothing() -> None:
    model, values, held = _rectangle()
    with pytest.raises(OutOfTime):
        attack(model, values, held, SHOWN, deadline=time.perf_counter() - 1)


def test_bound_propagation_narrows_only_what_the_sums_imply() -> None:
    # x0 + x1 = 5, x1 <= x2, x0 from 3, x2 at most 1: x1 is 0 or 1, so x0 is 4 or 5
    from scipy import sparse

    from foidesk.release.disclosure.attack import tighten

    lo, hi = np.array([3, 0, 0]), np.array([100, 100, 1])
    tighten(
        sparse.csr_array(np.array([[1.0, 1.0, 0.0]])),
        np.array([5.0]),
        sparse.csr_array(np.array([[0.0, 1.0, -1.0]])),
        np.array([0.0]),
        lo,
        hi,
        np.zeros(3, dtype=bool),
        SHOWN,
    )
    assert (lo.tolist(), hi.tolist()) == ([4, 0, 0], [5, 1, 1])
    # a secondary cell that may be 0 (zeros shown) held to at most 4 is 0; one at least 1
    # is at least 5
    for a_ub, b_ub, expected in (([[1.0]], 4.0, ([0], [0])), ([[-1.0]], -1.0, ([5], [100]))):
        lo, hi, maybe_zero = np.array([0]), np.array([100]), np.array([True])
        tighten(
            sparse.csr_array((0, 1)),
            np.zeros(0),
            sparse.csr_array(np.array(a_ub)),
            np.array([b_ub]),
            lo,
            hi,
            maybe_zero,
            SHOWN,
        )
        assert (lo.tolist(), hi.tolist()) == expected and not maybe_zero[0]


def _random_term_table(seed: int, zeros: str) -> tuple[TableModel, np.ndarray, dict[int, str]]:
    """A random outcome > term table, its values, and its small cells with six random others
    withheld."""
    rng = np.random.default_rng(seed)
    rows: Rows = {}
    for outcome in ("A", "B", "C"):
        kids = [tuple(int(v) for v in rng.integers(0, 9, 3)) for _ in range(2)]
        kids = [k if sum(k) else (1, 0, 0) for k in kids]
        parent = tuple(max(a, b) for a, b in zip(*kids, strict=True))
        rows[(outcome,)] = parent
        rows[(outcome, "Facebook")], rows[(outcome, "WhatsApp")] = kids
    excess = sum(sum(c) for k, c in rows.items() if len(k) == 2) - sum(
        sum(c) for k, c in rows.items() if len(k) == 1
    )
    table = make_table(rows, ("outcome", "term"), excess, 3)
    model, values = build_model(table), cell_values(table)
    small = {i: PRIMARY for i, v in enumerate(values) if 1 <= v <= 4}
    others = [i for i in range(model.size) if i not in small and (values[i] or zeros == "shown")]
    extra = rng.choice(others, size=min(len(others), 6), replace=False)
    held = {**small, **{int(i): SECONDARY for i in extra}}
    return model, values, held


@pytest.mark.parametrize("zeros", ["shown", "as needed"])
@pytest.mark.parametrize("seed", range(6))
def test_the_lp_kept_in_highs_changes_nothing_but_the_work(
    monkeypatch: pytest.MonkeyPatch, zeros: str, seed: int
) -> None:
    """The attack with each component's LP kept in HiGHS (witnesses one by one) and without
    it (every problem built afresh for scipy.optimize.milp, batches first) gives the same
    intervals, on random tables with a term level and random withheld cells."""
    import foidesk.release.disclosure.attack as attacking

    model, values, held = _random_term_table(seed, zeros)
    rule = Rule(zeros=zeros)
    kept = attack(model, values, held, rule)
    monkeypatch.setattr(attacking, "_highs", None)
    afresh = attack(model, values, held, rule)

    assert kept.intervals == afresh.intervals


@pytest.mark.parametrize("zeros", ["shown", "as needed", "withheld"])
@pytest.mark.parametrize("seed", range(8))
def test_bound_propagation_rules_out_nothing_the_solver_would_not(
    monkeypatch: pytest.MonkeyPatch, zeros: str, seed: int
) -> None:
    """Bound propagation (``tighten``) is a proof: the attack and the layout's excuses give
    the same intervals without it (every value then decided by the solver alone), on random
    term tables."""
    import foidesk.release.disclosure.attack as attacking
    import foidesk.release.disclosure.layout as laying
    from foidesk.release.disclosure.layout import excuse, layout_symbols

    model, values, held = _random_term_table(seed, zeros)
    rule = Rule(zeros=zeros)
    symbols = layout_symbols(values, {}, rule)
    with_it = excuse(model, attack(model, values, held, rule), symbols, rule)
    assert with_it.intervals  # something was attacked
    monkeypatch.setattr(attacking, "tighten", lambda *args: None)
    monkeypatch.setattr(laying, "tighten", lambda *args: None)
    without = excuse(model, attack(model, values, held, rule), symbols, rule)

    assert with_it.intervals == without.intervals


def test_two_threads_discarding_solver_output_leave_stdout_as_it_was() -> None:
    """The desk may run two answers at once: each solve swaps file descriptor 1 for /dev/null
    and back, one thread at a time, so standard output is never left pointing at /dev/null."""
    import os
    import threading

    from foidesk.release.disclosure.attack import _solver_output_discarded

    before = os.fstat(1)

    def swap() -> None:
        for _ in range(5000):
            with _solver_output_discarded():
                pass

    threads = [threading.Thread(target=swap) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = os.fstat(1)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)
