"""The linear model of a ``FoiTable`` that an attacker knows.

One integer variable per cell: every row of the table (and the Grand Total row, last) times
every period (and the Grand Total column, last). Variable ``i`` is row ``i // width`` and
column ``i % width`` with ``width = len(periods) + 1``.

What the table's structure says, whatever its numbers:

- every row's periods add up to its Grand Total column (a crime has one period);
- the children of a row (or of the Grand Total row, for the top level) add up to it, column
  by column, when their dimension is additive (outcome, offence, system: a crime has one);
- when the children's dimension is ``term`` a crime naming two terms counts under both, so
  per column each child is at most its parent and the children add up to at least it;
- the footnote's count ``M`` of crimes naming more than one term: summed over every parent of
  the term level, the Grand Total column of its term rows exceeds its own by at least ``M``
  and at most ``(T - 1) * M`` (``T`` terms in the table); with ``M = 0`` the term level adds
  up exactly;
- every row of the table has a Grand Total of at least 1 (a row is listed only when a crime
  falls in it), and every count is a whole number from 0 up.

Rows are matched to their parents by labels (a row's parent has its labels but the last), so
the model does not depend on the order ``counting.table`` lists rows in (parent first, then
its children, depth first). The model is ``A_eq @ x == b_eq``, ``A_ub @ x <= b_ub``,
``lower <= x <= upper`` (``upper`` is infinite: the attack bounds cells by the grand total
when it is published).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from foidesk.release.coverage import Coverage
from foidesk.release.table import FoiTable, TableRow

TOTAL_COLUMN = "Grand Total"
TERM = "term"
COVERAGE = "coverage"
COVERAGE_TOTAL = "Total"  # the period of a system's Total line in the coverage


@dataclass(frozen=True)
class CellRef:
    """One cell of the table: its row's labels (``()`` for the Grand Total row), its period
    label (``TOTAL_COLUMN`` for the Grand Total column) and where it is in the table."""

    row: int  # index into ``FoiTable.rows``; ``len(rows)`` is the Grand Total row
    column: int  # index into ``FoiTable.periods``; ``len(periods)`` is the Grand Total column
    labels: tuple[str, ...]
    period: str
    is_total: bool  # in the Grand Total column or row, or a row that has child rows
    # "table", or "coverage": a system's records with a mention in one period (or "Total")
    # of the method's coverage table (``row`` is then the system's place among them)
    part: str = "table"

    @property
    def name(self) -> str:
        """'CHARGED / Facebook @ 2016', 'Grand Total @ Grand Total', 'coverage: Legacy @
        2016'."""
        where = f"{' / '.join(self.labels) or 'Grand Total'} @ {self.period}"
        return f"coverage: {where}" if self.part == COVERAGE else where


@dataclass(frozen=True)
class TableModel:
    """The attacker's linear model of one table (see the module's docstring)."""

    cells: tuple[CellRef, ...]
    a_eq: sparse.csr_array
    b_eq: np.ndarray
    a_ub: sparse.csr_array
    b_ub: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    width: int  # columns per row: periods + the Grand Total column
    eq_names: tuple[str, ...]  # what each equality says, for messages and tests
    ub_names: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.cells)

    table_size: int = 0  # the table's cells come first; the coverage's after them

    @property
    def grand_total(self) -> int:
        """The variable of the Grand Total row's Grand Total column."""
        return self.table_size - 1

    def index(self, row: int, column: int) -> int:
        return row * self.width + column

    def find(self, labels: tuple[str, ...], period: str) -> int:
        """The variable of the cell with these labels and this period label."""
        for i, cell in enumerate(self.cells):
            if cell.labels == labels and cell.period == period:
                return i
        raise KeyError((labels, period))


def cell_values(table: FoiTable, coverage: Coverage | None = None) -> np.ndarray:
    """The table's numbers (then the coverage's records with a mention, when given) in the
    model's variable order. The table must hold numbers only (not a released table)."""
    rows = (*table.rows, table.grand_total)
    values = [v for r in rows for v in (*r.counts, r.total)]
    if coverage is not None:
        values += [line.records_with_hits for line in coverage.lines]
    if not all(isinstance(v, int) for v in values):
        raise TypeError("cell_values takes the counted table, not a released one")
    return np.array(values, dtype=np.int64)


class _Builder:
    def __init__(self, n: int) -> None:
        self.n = n
        self.eq: list[dict[int, int]] = []
        self.eq_names: list[str] = []
        self.ub: list[tuple[dict[int, int], int]] = []
        self.ub_names: list[str] = []

    def equal(self, coefs: dict[int, int], name: str) -> None:
        self.eq.append(coefs)
        self.eq_names.append(name)

    def at_most(self, coefs: dict[int, int], rhs: int, name: str) -> None:
        self.ub.append((coefs, rhs))
        self.ub_names.append(name)

    @staticmethod
    def matrix(rows: list[dict[int, int]], n: int) -> sparse.csr_array:
        data, ri, ci = [], [], []
        for r, coefs in enumerate(rows):
            for c, v in coefs.items():
                if v:
                    ri.append(r)
                    ci.append(c)
                    data.append(v)
        return sparse.csr_array(
            (np.array(data, dtype=float), (np.array(ri, dtype=np.int64), np.array(ci))),
            shape=(len(rows), n),
        )


def build_model(
    table: FoiTable,
    multi_term_crimes: int | None = None,
    coverage: Coverage | None = None,
    multi_term_range: tuple[int, int] | None = None,
) -> TableModel:
    """The linear model of ``table``. ``multi_term_crimes`` is the published count of crimes
    naming more than one term (default: ``table.multi_platform_crimes`` when the table has a
    term level; pass ``-1`` to leave that fact out); ``multi_term_range`` what is published
    instead when that count is itself withheld (from 1 to 4: the footnote says "fewer than
    five"). ``coverage``: the method's records with a mention by system and period are
    published too: one more variable each, after the table's, with their sums (each system's
    periods add up to its Total line; the systems of a period add up to the Grand Total row's
    cell of that period, as each crime is shown under one system)."""
    rows: tuple[TableRow, ...] = (*table.rows, table.grand_total)
    n_rows = len(rows)
    width = len(table.periods) + 1
    total_col = width - 1
    dims = table.dimensions
    by_labels = {r.labels: i for i, r in enumerate(table.rows)}
    if len(by_labels) != len(table.rows):
        raise ValueError("two rows of the table have the same labels")
    grand = n_rows - 1
    children: dict[int, list[int]] = {i: [] for i in range(n_rows)}
    for i, r in enumerate(table.rows):
        if not r.labels or len(r.labels) > len(dims):
            raise ValueError(f"row {i} has {len(r.labels)} labels for {len(dims)} dimensions")
        parent = grand if len(r.labels) == 1 else by_labels.get(r.labels[:-1])
        if parent is None:
            raise ValueError(f"row {r.labels!r} has no parent row in the table")
        children[parent].append(i)

    period_labels = [p.label for p in table.periods] + [TOTAL_COLUMN]
    cells = tuple(
        CellRef(
            row=ri,
            column=c,
            labels=r.labels,
            period=period_labels[c],
            is_total=c == total_col or ri == grand or bool(children[ri]),
        )
        for ri, r in enumerate(rows)
        for c in range(width)
    )
    n = len(cells)
    b = _Builder(n)

    def var(row: int, col: int) -> int:
        return row * width + col

    def row_name(row: int) -> str:
        return " / ".join(rows[row].labels) or TOTAL_COLUMN

    for ri in range(n_rows):
        coefs = {var(ri, c): 1 for c in range(total_col)}
        coefs[var(ri, total_col)] = -1
        b.equal(coefs, f"periods of {row_name(ri)} = its Grand Total")

    term_parents: list[int] = []
    for parent, kids in children.items():
        if not kids:
            continue
        depth = len(rows[parent].labels)  # the children's dimension
        if dims[depth] == TERM:
            term_parents.append(parent)
        for c in range(width):
            where = f"{row_name(parent)} @ {period_labels[c]}"
            if dims[depth] != TERM:
                coefs = {var(k, c): 1 for k in kids}
                coefs[var(parent, c)] = -1
                b.equal(coefs, f"{dims[depth]} rows of {where} add up to it")
                continue
            for k in kids:
                b.at_most({var(k, c): 1, var(parent, c): -1}, 0, f"{row_name(k)} <= {where}")
            coefs = {var(k, c): -1 for k in kids}
            coefs[var(parent, c)] = 1
            b.at_most(coefs, 0, f"term rows of {where} add up to at least it")

    if multi_term_crimes is None:
        multi = table.multi_platform_crimes
        multi_term_crimes = multi if TERM in dims and isinstance(multi, int) else -1
    if multi_term_range is None and multi_term_crimes >= 0:
        multi_term_range = (multi_term_crimes, multi_term_crimes)
    if term_parents and multi_term_range is not None:
        terms = {rows[k].labels[-1] for p in term_parents for k in children[p]}
        excess: dict[int, int] = {}
        for p in term_parents:
            excess[var(p, total_col)] = -1
            for k in children[p]:
                excess[var(k, total_col)] = 1
        least, m = multi_term_range
        b.at_most(
            {v: -c for v, c in excess.items()}, -least, f"term rows exceed totals by >= {least}"
        )
        most = (len(terms) - 1) * m
        b.at_most(excess, most, f"term rows exceed totals by <= {most}")

    table_size = n
    if coverage is not None:
        cells = (*cells, *_coverage_cells(b, coverage, table, var(grand, 0), width))
        n = b.n = len(cells)

    lower = np.zeros(n)
    for ri in range(n_rows - 1):  # a listed row has at least one crime
        lower[var(ri, total_col)] = 1
    upper = np.full(n, math.inf)
    if coverage is not None:  # records with a mention are at most the records searched
        for k, line in enumerate(coverage.lines):
            upper[table_size + k] = line.records_searched
    return TableModel(
        cells=cells,
        a_eq=_Builder.matrix(b.eq, n),
        b_eq=np.zeros(len(b.eq)),
        a_ub=_Builder.matrix([c for c, _ in b.ub], n),
        b_ub=np.array([float(rhs) for _, rhs in b.ub]),
        lower=lower,
        upper=upper,
        width=width,
        eq_names=tuple(b.eq_names),
        ub_names=tuple(b.ub_names),
        table_size=table_size,
    )


def _coverage_cells(
    b: _Builder, coverage: Coverage, table: FoiTable, grand_row: int, width: int
) -> list[CellRef]:
    """The coverage's records with a mention as variables after the table's ``b.n``, with
    their sums (see ``build_model``). Lines are in ``coverage.lines`` order: each system's
    periods in the table's order, then its Total line."""
    start = b.n
    systems: dict[str, list[int]] = {}
    cells = []
    for k, line in enumerate(coverage.lines):
        systems.setdefault(line.system, []).append(start + k)
        cells.append(
            CellRef(
                row=len(systems) - 1,
                column=len(systems[line.system]) - 1,
                labels=(line.system,),
                period=line.period,
                is_total=line.period == COVERAGE_TOTAL,
                part=COVERAGE,
            )
        )
    for system, variables in systems.items():
        if len(variables) != width:
            raise ValueError(
                f"the coverage of {system} has {len(variables)} lines for {width - 1} periods "
                "and a Total"
            )
        b.equal(
            {**dict.fromkeys(variables[:-1], 1), variables[-1]: -1},
            f"coverage periods of {system} = its Total",
        )
    for c in range(width):
        coefs = {v[c]: 1 for v in systems.values()}
        coefs[grand_row + c] = -1
        label = (*[p.label for p in table.periods], TOTAL_COLUMN)[c]
        b.equal(coefs, f"coverage systems @ {label} = the Grand Total row")
    return cells


def check(model: TableModel, values: np.ndarray) -> list[str]:
    """What ``values`` break of the model (empty: the table is consistent with it)."""
    x = np.asarray(values, dtype=float)
    broken = [model.eq_names[i] for i in np.flatnonzero(np.abs(model.a_eq @ x - model.b_eq) > 0)]
    broken += [model.ub_names[i] for i in np.flatnonzero(model.a_ub @ x - model.b_ub > 0)]
    broken += [model.cells[i].name for i in np.flatnonzero(x < model.lower)]
    return broken
