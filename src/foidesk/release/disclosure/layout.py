"""What the table's layout alone gives away: the values an attacker could rule out for a cell
were every figure of the table withheld under its symbol.

Listing a row says a crime falls in it, so under a small total two listed rows can each be at
most one less than it; no pattern of withheld figures can hide that, short of not listing the
rows. The interval attack (``disclosure.attack``) holds a withheld figure to its symbol's whole
range; ``excuse`` then lets off the values the layout alone rules out, so that a release is
judged by what its published figures add to its layout, which is what suppression can change.

Each excuse is proved on a relaxation: the cell's family (its row, the rows above it, and the
rows under each of those), every figure of it withheld under its own symbol, and only the
constraints wholly inside the family. Dropping constraints can only allow more values, so a
value the relaxation rules out is ruled out by the layout whatever the rest of the table holds.
A value the relaxation allows is not excused: the check errs towards withholding more, or
refusing the release, never towards a leak. ``suppress`` and ``protect`` call it; the
attack's own tests do not depend on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import sparse

from foidesk.release.disclosure.attack import (
    PRIMARY,
    UNBOUNDED,
    AttackResult,
    CellInterval,
    Rule,
    _Component,
    symbol_bounds,
    tighten,
    witness_range,
)
from foidesk.release.disclosure.model import COVERAGE, TableModel


@dataclass
class ExcuseCache:
    """What the layout alone rules out, kept between judgements on one model and symbols:
    per family (a table row's, or the coverage's), its relaxation, whose witnessed tables
    (``_Component.seen``) accumulate over the judgements; per small-number cell, the values
    proved ruled out in its family's relaxation (only those a leak needed judged); per
    secondary cell, whether the layout alone pins it."""

    relaxations: dict[int, _Component] = field(default_factory=dict)
    ruled_out: dict[int, set[int]] = field(default_factory=dict)
    pinned: dict[int, bool] = field(default_factory=dict)
    solves: int = 0
    deadline: float | None = None  # as the attack's: a solve after it raises OutOfTime


def family(model: TableModel, index: int) -> np.ndarray:
    """The variables of the cell's family: every column of its row, of the rows above it and
    of the rows directly under each of those (the Grand Total row's children are the top
    level); and every coverage cell (few: systems times periods), whose records searched
    bound the Grand Total row. A coverage cell's family is the coverage, the Grand Total row
    and the top level of rows."""
    width = model.width
    n_table_rows = model.table_size // width
    grand = n_table_rows - 1
    labels_of = [model.cells[r * width].labels for r in range(n_table_rows)]
    ref = model.cells[index]
    rows: set[int] = set()
    cells = list(range(model.table_size, model.size))
    if ref.part == COVERAGE:  # the Grand Total row and the listed rows under it
        rows.add(grand)
        rows.update(r for r, labels in enumerate(labels_of) if len(labels) == 1)
    else:
        path = [ref.labels[:i] for i in range(len(ref.labels) + 1)]  # () is the Grand Total
        wanted = set(path)
        for r, labels in enumerate(labels_of):
            if r == grand or labels in wanted or labels[:-1] in wanted:
                rows.add(r)
    cells += [r * width + c for r in sorted(rows) for c in range(width)]
    return np.array(sorted(set(cells)), dtype=np.int64)


def _relaxed(
    model: TableModel,
    cells: np.ndarray,
    symbols: Mapping[int, str],
    rule: Rule,
    deadline: float | None,
) -> _Component:
    """Every figure of ``cells`` withheld under its symbol, with the constraints wholly
    among them."""
    a = sparse.vstack([model.a_eq, model.a_ub]).tocsr()
    b = np.concatenate([model.b_eq, model.b_ub])
    n_eq = model.a_eq.shape[0]
    inside = np.zeros(model.size, dtype=bool)
    inside[cells] = True
    touched = np.flatnonzero(np.diff(a[:, cells].tocsr().indptr))
    keep = [r for r in touched if inside[a.indices[a.indptr[r] : a.indptr[r + 1]]].all()]
    keep_eq = [r for r in keep if r < n_eq]
    keep_ub = [r for r in keep if r >= n_eq]
    sub = a[:, cells].tocsr()
    lo = np.maximum(model.lower[cells], 0).astype(np.int64)
    # the published records searched bound the coverage's cells: part of the layout
    hi = np.minimum(model.upper[cells], UNBOUNDED).astype(np.int64)
    syms = [symbols[int(i)] for i in cells]
    zero_or_big = symbol_bounds(syms, lo, hi, rule)
    tighten(sub[keep_eq], b[keep_eq], sub[keep_ub], b[keep_ub], lo, hi, zero_or_big, rule)
    return _Component(
        cells=cells,
        symbols=syms,
        a_eq=sub[keep_eq],
        b_eq=b[keep_eq],
        a_ub=sub[keep_ub],
        b_ub=b[keep_ub],
        lo=lo,
        hi=hi,
        zero_or_big=zero_or_big,
        rule=rule,
        seen=[set() for _ in cells],
        deadline=deadline,
    )


def layout_symbols(
    values: Sequence[int | None] | np.ndarray, withheld: Mapping[int, str], rule: Rule
) -> dict[int, str]:
    """Every cell's symbol were it withheld: a withheld cell's own; a published figure's by its
    value (what an attacker holding the release can work out too)."""
    from foidesk.release.disclosure.suppress import symbol_for

    out: dict[int, str] = {}
    for i, v in enumerate(values):
        out[i] = withheld[i] if i in withheld else symbol_for(int(v), rule)  # type: ignore[arg-type,unused-ignore]
    return out


def excuse(
    model: TableModel,
    result: AttackResult,
    symbols: Mapping[int, str],
    rule: Rule,
    cache: ExcuseCache | None = None,
    witness: np.ndarray | None = None,
) -> AttackResult:
    """``result`` with each leak judged against the layout: a small-number cell is safe when
    every value the attack rules out is ruled out by the layout alone (``excused``); a
    secondary cell when the layout alone pins it too. ``witness``: the true figures, used only
    to save solves (checked, never trusted)."""
    cache = ExcuseCache() if cache is None else cache
    # every figure withheld: the attack's answer is the layout's, exactly
    everything = len(result.intervals) == model.size
    out: list[CellInterval] = []
    for c in result.intervals:
        if everything and not c.safe:
            excused = c.impossible if c.symbol == PRIMARY else (c.low,)
            out.append(replace(c, excused=excused, safe=True))
            continue
        if c.safe:
            out.append(c)
            continue
        if c.symbol == PRIMARY:
            ruled_out = _family_ruled_out(
                model, c.index, c.impossible, symbols, rule, cache, witness
            )
            excused = tuple(v for v in c.impossible if v in ruled_out)
            out.append(replace(c, excused=excused, safe=excused == c.impossible))
        else:
            pinned = _pinned(model, c.index, symbols, rule, cache, witness)
            out.append(replace(c, excused=(c.low,) if pinned else (), safe=pinned))
    return replace(result, intervals=tuple(out))


def _family_key(model: TableModel, index: int) -> int:
    """The family a cell is judged in: its table row's (the row's index), or -1 for the
    coverage's."""
    return -1 if model.cells[index].part == COVERAGE else index // model.width


def _relaxation(
    model: TableModel,
    index: int,
    symbols: Mapping[int, str],
    rule: Rule,
    cache: ExcuseCache,
    witness: np.ndarray | None,
) -> tuple[_Component, int]:
    """The relaxation of the cell's family (made once per family, the true figures recorded
    as its first witness when given: checked, never trusted) and the cell's place in it."""
    key = _family_key(model, index)
    comp = cache.relaxations.get(key)
    if comp is None:
        cells = family(model, index)
        comp = _relaxed(model, cells, symbols, rule, cache.deadline)
        if witness is not None:
            comp.record_known(np.asarray(witness, dtype=np.int64)[cells][None, :])
        cache.relaxations[key] = comp
    comp.deadline = cache.deadline
    return comp, int(np.searchsorted(comp.cells, index))


def _family_ruled_out(
    model: TableModel,
    index: int,
    values: Sequence[int],
    symbols: Mapping[int, str],
    rule: Rule,
    cache: ExcuseCache,
    witness: np.ndarray | None,
) -> frozenset[int]:
    """Which of ``values`` (those the attack ruled out for small-number cell ``index``) its
    family's relaxation rules out: each value not yet witnessed in the relaxation gets a
    feasibility problem of its own (the cell fixed to it), whose tables are kept as witnesses
    for every cell of the family."""
    comp, k = _relaxation(model, index, symbols, rule, cache, witness)
    ruled = cache.ruled_out.setdefault(index, set())
    for v in values:
        if v in comp.seen[k] or v in ruled:
            continue
        before = comp.solves
        if not witness_range(comp, k, v, v):
            ruled.add(v)
        cache.solves += comp.solves - before
    return frozenset(v for v in values if v in ruled)


def _pinned(
    model: TableModel,
    index: int,
    symbols: Mapping[int, str],
    rule: Rule,
    cache: ExcuseCache,
    witness: np.ndarray | None,
) -> bool:
    """Whether the family's relaxation allows the secondary cell ``index`` one value only (no
    table at all: not pinned, the symbols contradict)."""
    if index not in cache.pinned:
        comp, k = _relaxation(model, index, symbols, rule, cache, witness)
        before = comp.solves
        seen = comp.seen[k]
        if not seen:
            solved = comp.solve(np.zeros(comp.n))
            if solved is not None and not comp.record(solved[0]):
                raise RuntimeError("HiGHS returned a table that fails the exact check")
        if not seen:
            pinned = False
        else:
            one = min(seen)
            pinned = (
                len(seen) == 1
                and not witness_range(comp, k, one + 1, np.inf)
                and not witness_range(comp, k, -np.inf, one - 1)
            )
        cache.solves += comp.solves - before
        cache.pinned[index] = pinned
    return cache.pinned[index]
