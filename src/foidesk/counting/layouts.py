"""Coarser layouts: when most of a table would be withheld, the layouts an officer could choose.

Disclosure control (``release.disclosure``) withholds every figure from 1 to
``suppress_below - 1`` and more to protect them, so a fine layout (outcome > offence > term by
year) can lose most of its cells. Before release, ``coarser_layouts`` counts the request's
table again in every coarser layout: each row level dropped and fewer levels, offences by Home
Office code instead of the force's description (``offence_label = "home_office"``), the whole
window as one column (``casework.periods.whole_window``), and their combinations. Each table
is counted by the same ``counting.table.build_table`` the answer uses, from the same crime
hits; a layout is measured by its primary cells (those surely withheld), and the options worth
showing are kept: the request's own layout first, then those no finer layout beats, fewest
withheld first. ``layouts_notice`` says it among the answer's notices; ``foidesk layouts``
prints the options with the ``[table]`` lines to paste (``layout_lines``).

An option carries counts of cells and shares only, never a figure of the tables it measured
(those are not protected): it may go to stderr and the audit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from foidesk.casework.periods import WINDOW, Period, whole_window
from foidesk.casework.periods import periods as make_periods
from foidesk.casework.request import ROW_ALIASES, DisclosureSettings, Request
from foidesk.casework.words import TermWords
from foidesk.counting.table import build_table
from foidesk.notices import Notice
from foidesk.release.table import FoiTable, Withheld
from foidesk.search.arrays import integers

OPTIONS = 8  # options kept, the request's own layout included
MOST_WITHHELD = 0.5  # above this share of its cells withheld, the answer offers coarser layouts
# how fine each setting is: a lower rank is finer
_LABEL_RANK = {"force": 0, "home_office": 1}


@dataclass(frozen=True)
class LayoutOption:
    """One layout of the request's table, with what disclosure control surely withholds in
    it: ``primary`` of its ``cells`` (every row's periods and Grand Total column, the Grand
    Total row's too) are from ``low`` to ``suppress_below - 1``. ``rows``, ``columns`` and
    ``offence_label`` are the request's ``[table]`` keys as it would write them; ``row_count``
    the table's rows, the Grand Total row not counted."""

    rows: tuple[str, ...]
    columns: str
    offence_label: str
    row_count: int
    cells: int
    primary: int
    suppress_below: int = 5
    low: int = 1  # 0 when the request withholds zeros too
    own: bool = False  # the request's own layout

    @property
    def share(self) -> float:
        """The share of the cells surely withheld (0 for a table of no cell)."""
        return self.primary / self.cells if self.cells else 0.0

    @property
    def range_text(self) -> str:
        """The figures surely withheld, e.g. 'from 1 to 4'."""
        return f"from {self.low} to {self.suppress_below - 1}"

    def table_lines(self) -> list[str]:
        """The ``[table]`` section to put in the request for this layout."""
        return [
            "[table]",
            f"rows = [{', '.join(json.dumps(r) for r in self.rows)}]",
            f"columns = {json.dumps(self.columns)}",
            f"offence_label = {json.dumps(self.offence_label)}",
        ]

    def changes(self, own: LayoutOption) -> str:
        """The ``[table]`` keys that differ from ``own``, as one line of TOML-like text."""
        keys = [f"rows = [{', '.join(json.dumps(r) for r in self.rows)}]"]
        if self.columns != own.columns:
            keys.append(f"columns = {json.dumps(self.columns)}")
        if self.offence_label != own.offence_label and "offence" in self.dims:
            keys.append(f"offence_label = {json.dumps(self.offence_label)}")
        return ", ".join(keys)

    def finer_or_equal(self, other: LayoutOption) -> bool:
        """Whether this layout shows at least what ``other`` shows: its row levels and no
        coarser columns or offence labels."""
        if not set(other.dims) <= set(self.dims):
            return False
        if _column_rank(self.columns) > _column_rank(other.columns):
            return False
        return "offence" not in other.dims or (
            _LABEL_RANK[self.offence_label] <= _LABEL_RANK[other.offence_label]
        )

    def as_audit(self) -> dict[str, Any]:
        """The option as the audit records it (aggregates only)."""
        return {
            "rows": list(self.rows),
            "columns": self.columns,
            "offence_label": self.offence_label,
            "table_rows": self.row_count,
            "cells": self.cells,
            "primary": self.primary,
            "share": round(self.share, 4),
            "own": self.own,
        }

    @property
    def dims(self) -> tuple[str, ...]:
        """The row dimensions as ``Request.rows`` holds them (``platform`` read as ``term``)."""
        return tuple(ROW_ALIASES.get(r, r) for r in self.rows)


def _column_rank(columns: str) -> int:
    return 1 if columns == WINDOW else 0


def _threshold(request: Request, suppress_below: int | None) -> int:
    """The figures below which cells are withheld: given, the request's, or the default when
    the request turns disclosure control off (what it would withhold with it on)."""
    if suppress_below is not None:
        return suppress_below
    settings = request.disclosure
    return settings.suppress_below if settings.enabled else DisclosureSettings().suppress_below


def count_primary(table: FoiTable, suppress_below: int, low: int = 1) -> tuple[int, int]:
    """``(cells, primary)`` of a counted table: every figure of its rows and Grand Total row
    (periods and Grand Total column), and those from ``low`` to ``suppress_below - 1``."""
    cells = primary = 0
    for row in (*table.rows, table.grand_total):
        for value in (*row.counts, row.total):
            cells += 1
            if isinstance(value, int) and low <= value < suppress_below:
                primary += 1
    return cells, primary


def share_withheld(table: FoiTable) -> float:
    """The share of a released table's figures (rows and Grand Total row, periods and Grand
    Total column) that disclosure control withheld, under either symbol."""
    cells = withheld = 0
    for row in (*table.rows, table.grand_total):
        for value in (*row.counts, row.total):
            cells += 1
            withheld += isinstance(value, Withheld)
    return withheld / cells if cells else 0.0


def _in_one_column(crime_hits: pa.Table, periods: Sequence[Period], key: int) -> pa.Table:
    """The crime hits with every period of ``periods`` given the one key ``key`` (a row of
    another period gets none, so no table counts it)."""
    column = crime_hits.column("period")
    # built from a buffer: pa.array on a list would import pandas into every answer
    keys = integers(np.array([p.key for p in periods], dtype=np.int64), column.type)
    merged = pc.if_else(
        pc.is_in(column, value_set=keys), pa.scalar(key, column.type), pa.scalar(None, column.type)
    )
    return crime_hits.set_column(crime_hits.schema.get_field_index("period"), "period", merged)


def measure_layouts(
    request: Request,
    crime_hits: pa.Table,
    words: TermWords | None,
    platforms: Sequence[str],
    *,
    suppress_below: int | None = None,
) -> list[LayoutOption]:
    """Every layout ``coarser_layouts`` chooses from, measured: the request's own first, then
    each non-empty subset of its row levels in its order (fewest dropped first), in its
    columns and in the whole window, with the force's offence labels and, for a request that
    uses them and a layout with an offence level, Home Office codes.

    ``crime_hits`` and ``platforms`` (the term names, in order) are those the answer counted
    its table from (``Answer.crime_hits``, a case's ``internal/crime-hits.parquet``); each
    table is counted by ``build_table``. ``suppress_below``: the request's (``[disclosure]``),
    or 5 when it turns disclosure control off; a request that withholds zeros counts them as
    surely withheld too."""
    threshold = _threshold(request, suppress_below)
    low = 0 if request.disclosure.zeros == "withheld" else 1
    names = dict(zip(request.rows, request.row_names or request.rows, strict=True))
    own_periods = make_periods(request.date_from, request.date_to, request.columns)
    window = whole_window(request.date_from, request.date_to)
    layouts_of = {
        request.columns: (crime_hits, own_periods),
        WINDOW: (_in_one_column(crime_hits, own_periods, window.key), [window]),
    }
    terms = list(platforms)

    def measure(dims: tuple[str, ...], columns: str, label: str) -> LayoutOption:
        hits, periods = layouts_of[columns]
        layout = replace(
            request,
            rows=dims,
            row_names=tuple(names[d] for d in dims),
            offence_label=label,
        )
        table = build_table(hits, layout, periods, terms, words)
        cells, primary = count_primary(table, threshold, low)
        return LayoutOption(
            rows=tuple(names[d] for d in dims),
            columns=columns,
            offence_label=label,
            row_count=len(table.rows),
            cells=cells,
            primary=primary,
            suppress_below=threshold,
            low=low,
        )

    own = (request.rows, request.columns, request.offence_label)
    measured = [replace(measure(*own), own=True)]
    labels = [request.offence_label]
    if request.offence_label == "force":
        labels.append("home_office")
    for size in range(len(request.rows), 0, -1):
        for dims in combinations(request.rows, size):
            for columns in (request.columns, WINDOW):
                for label in labels if "offence" in dims else labels[:1]:
                    if (dims, columns, label) != own:
                        measured.append(measure(dims, columns, label))
    return measured


# a layout with at most this share of its cells from 1 to 4 keeps most of its figures
# (secondary suppression withholds about as many again)
FEW_SMALL = 0.25


def coarser_layouts(
    request: Request,
    crime_hits: pa.Table,
    words: TermWords | None,
    platforms: Sequence[str],
    *,
    suppress_below: int | None = None,
    limit: int = OPTIONS,
) -> list[LayoutOption]:
    """The request's own layout, then up to ``limit - 1`` coarser ones: first those with at
    most ``FEW_SMALL`` of their cells surely withheld, the most detailed (most cells) first,
    since the officer wants the finest table a reader can use; then the rest, fewest surely
    withheld first.

    Of ``measure_layouts``'s layouts (same arguments), one is left out when a layout at least
    as fine (the request's own included) surely withholds no larger share: it would lose
    detail for nothing."""
    own, *candidates = measure_layouts(
        request, crime_hits, words, platforms, suppress_below=suppress_below
    )
    kept = [
        c
        for c in candidates
        if not any(
            other is not c and other.finer_or_equal(c) and other.share <= c.share
            for other in (own, *candidates)
        )
    ]
    kept.sort(key=lambda c: (c.share > FEW_SMALL, -c.cells if c.share <= FEW_SMALL else c.share))
    return [own, *kept[: max(limit - 1, 0)]]


def _percent(share: float) -> str:
    return f"{share:.1%}"


def layouts_notice(
    options: Sequence[LayoutOption],
    withheld_share: float,
    request_path: Path | str | None = None,
) -> Notice | None:
    """A warning when more than half of the request's own layout is withheld, naming the two
    coarser layouts that surely withhold least and
    pointing to ``foidesk layouts``; None otherwise.

    ``options``: ``coarser_layouts``'s, the request's own layout first. ``withheld_share``:
    the share of the own layout's cells withheld: after disclosure control,
    ``share_withheld(release.table)`` (small and secondary); before it, ``options[0].share``
    (the cells surely withheld)."""
    if not options or withheld_share <= MOST_WITHHELD:
        return None
    own = options[0]
    better = [o for o in options[1:] if o.share < withheld_share]
    best = sorted(better, key=lambda o: (o.share, -o.cells))[:2]
    command = f"foidesk layouts {request_path}" if request_path else "foidesk layouts REQUEST"
    if best:
        named = "; ".join(
            f"{o.changes(own)}, {_percent(o.share)} of its cells {own.range_text}" for o in best
        )
        offer = (
            f"coarser layouts withhold less: {named}: {command} lists them with the [table] "
            "lines to use"
        )
    else:
        offer = f"no coarser layout withholds less ({command} lists them)"
    return Notice(
        "most-withheld",
        f"{_percent(withheld_share)} of the table's {own.cells:,} cells are withheld "
        f"({own.primary:,} are {own.range_text}): {offer}",
        {
            "withheld_share": round(withheld_share, 4),
            "layouts": [o.as_audit() for o in options],
        },
    )


def layout_lines(options: Sequence[LayoutOption]) -> list[str]:
    """The options as plain lines for ``foidesk layouts``: an aligned table (the request's
    own layout first, marked), then each option's ``[table]`` section to paste."""
    if not options:
        return []
    own = options[0]
    header = ("", "rows", "columns", "offences", "table rows", "cells", own.range_text, "share")
    body = [
        (
            "own" if o.own else str(i),
            ", ".join(o.rows),
            o.columns,
            o.offence_label if "offence" in o.dims else "-",
            f"{o.row_count:,}",
            f"{o.cells:,}",
            f"{o.primary:,}",
            _percent(o.share),
        )
        for i, o in enumerate(options)
    ]
    numeric = {4, 5, 6, 7}
    widths = [max(len(r[k]) for r in (header, *body)) for k in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        cells = (
            v.rjust(widths[k]) if k in numeric else v.ljust(widths[k]) for k, v in enumerate(row)
        )
        return "  ".join(cells).rstrip()

    lines = [
        f"Layouts of the table, with the cells surely withheld ({own.range_text}); more are "
        "withheld to protect them, so the share withheld in all is higher.",
        "",
        line(header),
        *(line(row) for row in body),
        "",
        "To use a layout, put its lines in the request in place of its [table] section:",
    ]
    for i, option in enumerate(options):
        if option.own:
            continue
        lines += ["", f"# {i}: {_percent(option.share)} of {option.cells:,} cells {own.range_text}"]
        lines += option.table_lines()
    return lines
