"""Counting: the engine's record-level crime hits in, the aggregate ``FoiTable`` out.

``build_table`` takes ``crime_hits`` (one row per crime and term, with the winning copy's
fields and period key) and counts distinct crimes per cell of the table the request asks for,
so a crime naming two terms counts once under each and once in every total above them (the
table then says so in a footnote). Every period of the window is a column, zeros included.
Counting happens here once for every engine; a reviewer's decisions will apply here too.
"""

from __future__ import annotations

from collections import defaultdict

import pyarrow as pa

from foidesk.casework.home_office import home_office
from foidesk.casework.periods import Period
from foidesk.casework.request import Request
from foidesk.release.table import FoiTable, TableRow, table_title

NO_OUTCOME = "NO OUTCOME RECORDED"


def build_table(
    crime_hits: pa.Table, request: Request, periods: list[Period], platforms: list[str]
) -> FoiTable:
    """Count distinct crimes per cell of the table the request asks for."""
    ho = home_office()
    dims = request.rows
    period_index = {p.key: i for i, p in enumerate(periods)}
    n = len(periods)
    platform_set = set(platforms)

    # sort keys for each dimension's values
    outcome_rank: dict[str, tuple[int, int, str]] = {}
    ranks: dict[tuple[str, str | None], tuple[int, int, str]] = {}  # a few distinct pairs
    offence_rank: dict[str, tuple[str, str]] = {}
    cells: dict[tuple[str, ...], list[set[str]]] = defaultdict(lambda: [set() for _ in range(n)])
    grand: list[set[str]] = [set() for _ in range(n)]
    platforms_of: dict[str, set[str]] = defaultdict(set)
    system_order = {s.system: i for i, s in enumerate(request.sources)}
    # the request's [labels]: a raw label -> the text to publish (two raw labels may be given
    # one text: their crimes are then counted once, in one row); the order stays the raw one's
    published = request.labels

    for row in crime_hits.to_pylist():
        if row["platform"] not in platform_set or row["period"] not in period_index:
            continue
        col = period_index[row["period"]]
        outcome = row["outcome"] or NO_OUTCOME
        rank_key = (outcome, row["ho_outcome"])
        if rank_key not in ranks:
            ranks[rank_key] = ho.outcome_rank(outcome, row["ho_outcome"])
        rank = ranks[rank_key]
        outcome = published.get(outcome, outcome)
        outcome_rank[outcome] = min(outcome_rank.get(outcome, rank), rank)
        code = row["ho_code"] or ""
        if request.offence_label == "home_office":
            offence = ho.offence_name(code)
        else:
            offence = published.get(row["offence"], row["offence"])
        offence_rank[offence] = min(offence_rank.get(offence, (code, offence)), (code, offence))
        values = {
            "outcome": outcome,
            "offence": offence,
            "platform": row["platform"],
            "system": row["system"],
        }
        path = tuple(values[d] for d in dims)
        crime = row["crime_ref"]
        platforms_of[crime].add(row["platform"])
        for depth in range(1, len(dims) + 1):
            cells[path[:depth]][col].add(crime)
        grand[col].add(crime)

    def sort_key(dim: str, value: str) -> tuple[object, ...]:
        if dim == "outcome":
            return outcome_rank[value]
        if dim == "offence":
            return offence_rank[value]
        if dim == "platform":
            return (platforms.index(value),)
        return (system_order.get(value, len(system_order)), value)

    def make_row(path: tuple[str, ...], sets: list[set[str]]) -> TableRow:
        total = len(set().union(*sets)) if sets else 0
        return TableRow(dims[len(path) - 1], path, tuple(len(s) for s in sets), total)

    ordered = sorted(
        cells, key=lambda p: tuple(sort_key(d, v) for d, v in zip(dims, p, strict=False))
    )
    rows = tuple(make_row(path, cells[path]) for path in ordered)
    grand_row = TableRow("total", (), tuple(len(s) for s in grand), len(set().union(*grand)))
    multi = sum(1 for crime, ps in platforms_of.items() if len(ps) > 1)
    return FoiTable(
        title=table_title(request, platforms),
        dimensions=dims,
        periods=tuple(periods),
        rows=rows,
        grand_total=grand_row,
        footnotes=tuple(_footnotes(periods, multi, dims)),
        multi_platform_crimes=multi,
    )


def _footnotes(periods: list[Period], multi: int, dims: tuple[str, ...]) -> list[str]:
    notes = [f"* Part year: {p.note}." for p in periods if p.partial]
    if multi and "platform" in dims:
        crimes = "crime mentions" if multi == 1 else "crimes mention"
        notes.append(
            f"{multi} {crimes} more than one platform: each is counted once under every "
            "platform it mentions and once in each total above them, so platform rows can "
            "add up to more than their totals."
        )
    notes.append(
        "Each figure is a count of distinct crimes. Outcomes are police outcomes, not convictions."
    )
    return notes
