"""Primary and secondary suppression of a table, proved by the interval attack.

Primary: every cell from ``Rule.smallest_withheld`` (1, or 0 when zeros are withheld) to
``suppress_below - 1`` is withheld under the small-number symbol. Secondary, greedily:

1. no equality may hold a single withheld cell (it would be its published cells' difference):
   while one does, its cheapest published cell is withheld too;
2. then, until the attack (``disclosure.attack``, integer programming) finds no leak: for
   each leaking cell, the cheapest published cell sharing an equality or inequality with it
   (or, when none is published, with the withheld cells linked to it) is withheld; cells
   whose constraints already gained a complement this round wait for the next round. A
   pinned secondary cell takes the cheapest published cell of its own equalities when there
   is one: sums pin it, and a cell linked to it by an inequality only (a term row's Grand
   Total under its outcome's) cannot give it a second value however often it is chosen.

Cheapest: not a total (Grand Total row or column, or a row with child rows), then not small
(a withheld 0 protects little: its symbol allows only 0 or at least 5), then the smallest
value. Some leaks no suppression can stop: with every cell withheld, a row whose total is
small and whose crimes fall in two periods still tells that neither period holds 4 (both are
at least 1 and add up to at most 4), unless zeros are withheld too. Those cells are found
first (the attack with every cell withheld) and reported as ``unprotectable``; the rest are
protected. A cell withheld as secondary that is pinned even then (a 0 in a row whose total is
small: its symbol allows 0 or at least 5) is left to the audit, not chased. A release with
an unprotectable cell must be refused or laid out more coarsely.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from foidesk.release.disclosure.attack import (
    PRIMARY,
    SECONDARY,
    ZEROS_SHOWN,
    AttackResult,
    CellInterval,
    OutOfTime,
    Rule,
    attack,
)
from foidesk.release.disclosure.layout import ExcuseCache, excuse, layout_symbols
from foidesk.release.disclosure.model import TableModel, build_model, cell_values
from foidesk.release.table import FoiTable


@dataclass
class Suppression:
    """What to withhold, and the attack's proof over it."""

    model: TableModel
    rule: Rule
    withheld: dict[int, str]  # the model's variable -> PRIMARY or SECONDARY
    # the attack on the final pattern: exact (intervals for the audit) unless ``exact_audit``
    # was False (then the last round's, with a secondary cell's interval as witnessed)
    audit: AttackResult
    unprotectable: tuple[CellInterval, ...]  # leak whatever is withheld
    rounds: int
    seconds: float
    # what the layout alone rules out, as judged (the symbols of every figure are the same
    # for an attacker holding the release: an independent judgement may share it)
    excuses: ExcuseCache = field(default_factory=ExcuseCache)
    finished: bool = True  # False: stopped at ``max_seconds`` with leaks left

    @property
    def primary(self) -> int:
        return sum(1 for s in self.withheld.values() if s == PRIMARY)

    @property
    def secondary(self) -> int:
        return sum(1 for s in self.withheld.values() if s == SECONDARY)

    @property
    def safe(self) -> bool:
        return self.finished and self.audit.safe


def primary_suppression(values: np.ndarray, rule: Rule) -> dict[int, str]:
    """The small cells."""
    return {i: PRIMARY for i, v in enumerate(values) if rule.is_small(int(v))}


def small_row_zeros(model: TableModel, values: np.ndarray, rule: Rule) -> dict[int, str]:
    """The zeros of every row (and coverage line) whose total is small, under the
    small-number symbol: every other figure of such a row is small too, and a 0 published
    beside them tells where its few crimes are not. Withheld from the start, they save
    suppression's rounds finding them one by one (with zeros shown they stay shown)."""
    width = model.width
    out: dict[int, str] = {}
    for start in range(0, model.size, width):
        total = start + width - 1
        if int(values[total]) < rule.suppress_below:
            out.update({i: PRIMARY for i in range(start, total + 1) if int(values[i]) == 0})
    return out


def symbol_for(value: int, rule: Rule) -> str:
    """The symbol a withheld cell of ``value`` is shown under: a 0 takes the small-number
    symbol unless zeros are shown (then the secondary symbol, which states "0 or at least
    ``suppress_below``"); a cell of at least ``suppress_below`` the secondary symbol."""
    if value >= rule.suppress_below:
        return SECONDARY
    if value == 0 and rule.zeros == ZEROS_SHOWN:
        return SECONDARY
    return PRIMARY


def suppress(
    table: FoiTable,
    rule: Rule | None = None,
    model: TableModel | None = None,
    max_rounds: int = 500,
    values: np.ndarray | None = None,
    max_seconds: float | None = None,
    exact_audit: bool = True,
) -> Suppression:
    """Primary then secondary suppression of ``table`` (see the module's docstring);
    ``model`` and its ``values`` when more than the table is published (the coverage).
    ``exact_audit``: the audit is an exact attack on the final pattern (every secondary
    cell's smallest and largest value); False: the last round's attack, which tells each
    withheld cell safe or not as surely but gives a secondary cell's interval only as wide
    as its witnesses (``protect`` attacks the pattern exactly from the published figures)."""
    start = time.perf_counter()
    rule = rule or Rule()
    model = model or build_model(table)
    values = cell_values(table) if values is None else values
    withheld = primary_suppression(values, rule)
    if rule.zeros != ZEROS_SHOWN:
        withheld |= small_row_zeros(model, values, rule)
    a = sparse.vstack([model.a_eq, model.a_ub]).tocsr()
    n_eq = model.a_eq.shape[0]
    by_cell = a.tocsc()

    def constraints_of(cell: int) -> np.ndarray:
        return by_cell.indices[by_cell.indptr[cell] : by_cell.indptr[cell + 1]]

    def cells_of(row: int) -> np.ndarray:
        return a.indices[a.indptr[row] : a.indptr[row + 1]]

    def cost(cell: int) -> tuple[bool, bool, int]:
        # a cell shown "*" can only fall to suppress_below; one that can fall by
        # suppress_below - 1 can absorb any small cell's range, so it is preferred
        v = int(values[cell])
        flexible = v >= 2 * rule.suppress_below - 1
        return (model.cells[cell].is_total, not flexible, v)

    # values the layout alone rules out (proved per cell, kept between rounds)
    excuses = ExcuseCache()
    symbols = layout_symbols(values, {}, rule)

    def judged(result: AttackResult) -> AttackResult:
        return excuse(model, result, symbols, rule, excuses, witness=values)

    def complement(cell: int, taken: set[int], pinned_by_sums: bool = False) -> int | None:
        if pinned_by_sums:  # only an equality of its own can give it a second value
            own = {int(c) for r in constraints_of(cell) if r < n_eq for c in cells_of(r)}
            options = [c for c in own if c not in withheld and c not in taken]
            if options:
                return min(options, key=cost)
        seen = {cell}
        frontier = [cell]
        while frontier:
            rows = {int(r) for f in frontier for r in constraints_of(f)}
            linked = {int(c) for r in rows for c in cells_of(r)} - seen
            options = [c for c in linked if c not in withheld and c not in taken]
            if options:
                return min(options, key=cost)
            seen |= linked
            frontier = [c for c in linked if c in withheld]
        return None

    # 1. no equality with a single withheld cell
    changed = True
    while changed:
        changed = False
        for r in range(n_eq):
            held = [c for c in cells_of(r) if int(c) in withheld]
            if len(held) == 1:
                options = [int(c) for c in cells_of(r) if int(c) not in withheld]
                if options:
                    cheapest = min(options, key=cost)
                    withheld[cheapest] = symbol_for(int(values[cheapest]), rule)
                    changed = True

    # 2. until the attack finds no leak it can fix (within max_seconds, whose deadline every
    # solve of the attacks and the layout's judgements respects)
    deadline = None if max_seconds is None else start + max_seconds
    excuses.deadline = deadline
    cache: dict[frozenset[tuple[int, str]], list[CellInterval]] = {}
    pool: list[np.ndarray] = []  # tables that fit: they still fit with more withheld
    rounds = 0
    result: AttackResult | None = None

    def out_of_time(finished_rounds: int) -> Suppression:  # no proof: nothing is released
        return Suppression(
            model=model,
            rule=rule,
            withheld=withheld,
            audit=result or AttackResult((), 0.0, 0, 0, 0),
            unprotectable=(),
            rounds=finished_rounds,
            seconds=time.perf_counter() - start,
            excuses=excuses,
            finished=False,
        )

    def proof_of_pattern() -> AttackResult:  # enough to tell each withheld cell safe or not
        return judged(
            attack(
                model,
                values,
                withheld,
                rule,
                witness=values,
                cache=cache,
                exact=False,
                pool=pool,
                deadline=deadline,
            )
        )

    current = False  # whether ``result`` is the attack on the pattern as it stands
    while rounds < max_rounds:
        rounds += 1
        try:
            result = proof_of_pattern()
        except OutOfTime:
            return out_of_time(rounds - 1)
        current = True
        leaks = list(result.leaks)
        if not leaks:
            break
        touched: set[int] = set()
        added: set[int] = set()
        for leak in leaks:
            if touched & {int(r) for r in constraints_of(leak.index)}:
                continue
            chosen = complement(leak.index, added, leak.symbol == SECONDARY)
            if chosen is None:
                continue
            added.add(chosen)
            touched |= {int(r) for r in constraints_of(chosen)}
            touched |= {int(r) for r in constraints_of(leak.index)}
        if not added:
            break
        for c in added:
            withheld[c] = symbol_for(int(values[c]), rule)
        current = False
    try:
        if exact_audit:
            audit = judged(
                attack(model, values, withheld, rule, witness=values, pool=pool, deadline=deadline)
            )
        else:  # the last round's attack proves the pattern (an exact attack follows elsewhere)
            audit = result if current and result is not None else proof_of_pattern()
    except OutOfTime:
        return out_of_time(rounds)
    return Suppression(
        model=model,
        rule=rule,
        withheld=withheld,
        audit=audit,
        unprotectable=tuple(c for c in audit.leaks if c.symbol == PRIMARY),
        rounds=rounds,
        seconds=time.perf_counter() - start,
        excuses=excuses,
    )
