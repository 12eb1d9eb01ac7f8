"""Counting: the engine's record-level crime hits in, the aggregate ``FoiTable`` out.

``build_table`` takes ``crime_hits`` (one row per crime and term, with the winning copy's
fields, period key and whether a hit is certain) and counts distinct crimes with a certain hit
per cell of the table the request asks for, so a crime naming two terms counts once under each
and once in every total above them (the
table then says so in a footnote). Every period of the window is a column, zeros included.
Counting happens here once for every engine, from the rows ``counting.counted`` leaves
(record conditions and a person's decisions applied).
"""

from __future__ import annotations

from collections import defaultdict

import pyarrow as pa

from foidesk.casework.home_office import home_office
from foidesk.casework.periods import Period
from foidesk.casework.request import Request
from foidesk.casework.words import TermWords
from foidesk.release.table import FoiTable, TableRow, dimension_heading, table_title

NO_OUTCOME = "NO OUTCOME RECORDED"
# the Home Office label of a crime with no offence code (only all offences can count one)
NO_OFFENCE_CODE = "NO HOME OFFICE CODE"


def possible_only_crimes(crime_hits: pa.Table, platforms: list[str]) -> int:
    """The crimes whose every hit of the requested terms is possible: counted nowhere in the
    table, said in the method, the audit and on stderr for a person to check."""
    wanted = set(platforms)
    certain: set[str] = set()
    possible: set[str] = set()
    for ref, platform, is_certain in zip(
        crime_hits.column("crime_ref").to_pylist(),
        crime_hits.column("platform").to_pylist(),
        crime_hits.column("certain").to_pylist(),
        strict=True,
    ):
        if platform in wanted:
            (certain if is_certain else possible).add(ref)
    return len(possible - certain)


def build_table(
    crime_hits: pa.Table,
    request: Request,
    periods: list[Period],
    platforms: list[str],
    words: TermWords | None = None,
    crimes: dict[tuple[str, ...], list[set[str]]] | None = None,
) -> FoiTable:
    """Count distinct crimes per cell of the table the request asks for; ``words`` say what
    the terms are called (headings, footnotes). ``crimes``, when given, is filled with the
    crimes behind each cell: a row's labels (``()`` for the Grand Total row) -> one set of
    crime references per period (``counting.trace``)."""
    words = words or TermWords()
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

    # the columns as lists, read a row at a time (a dict a row cost twice as long)
    names = "crime_ref platform period certain outcome ho_outcome ho_code offence system"
    columns = [crime_hits.column(name).to_pylist() for name in names.split()]
    for (
        ref,
        platform,
        period,
        certain,
        raw_outcome,
        ho_outcome,
        raw_code,
        raw_offence,
        system,
    ) in zip(*columns, strict=True):
        if platform not in platform_set or period not in period_index:
            continue
        if not certain:  # possible hits only: not counted until a person accepts one
            continue
        col = period_index[period]
        outcome = raw_outcome or NO_OUTCOME
        rank_key = (outcome, ho_outcome)
        if rank_key not in ranks:
            ranks[rank_key] = ho.outcome_rank(outcome, ho_outcome)
        rank = ranks[rank_key]
        outcome = published.get(outcome, outcome)
        outcome_rank[outcome] = min(outcome_rank.get(outcome, rank), rank)
        code = raw_code or ""
        if request.offence_label == "home_office":
            offence = ho.offence_name(code) if code else NO_OFFENCE_CODE
        else:
            offence = published.get(raw_offence, raw_offence)
        order = (code or "~", offence)  # a crime with no code last
        offence_rank[offence] = min(offence_rank.get(offence, order), order)
        values = {
            "outcome": outcome,
            "offence": offence,
            "term": platform,
            "system": system,
        }
        path = tuple(values[d] for d in dims)
        crime = ref
        platforms_of[crime].add(platform)
        for depth in range(1, len(dims) + 1):
            cells[path[:depth]][col].add(crime)
        grand[col].add(crime)

    def sort_key(dim: str, value: str) -> tuple[object, ...]:
        if dim == "outcome":
            return outcome_rank[value]
        if dim == "offence":
            return offence_rank[value]
        if dim == "term":
            return (platforms.index(value),)
        return (system_order.get(value, len(system_order)), value)

    def make_row(path: tuple[str, ...], sets: list[set[str]]) -> TableRow:
        total = len(set().union(*sets)) if sets else 0
        return TableRow(dims[len(path) - 1], path, tuple(len(s) for s in sets), total)

    ordered = sorted(
        cells, key=lambda p: tuple(sort_key(d, v) for d, v in zip(dims, p, strict=False))
    )
    rows = tuple(make_row(path, cells[path]) for path in ordered)
    if crimes is not None:
        crimes.update({path: cells[path] for path in ordered})
        crimes[()] = grand
    grand_row = TableRow("total", (), tuple(len(s) for s in grand), len(set().union(*grand)))
    multi = sum(1 for crime, ps in platforms_of.items() if len(ps) > 1)
    return FoiTable(
        title=table_title(request, platforms),
        dimensions=dims,
        periods=tuple(periods),
        rows=rows,
        grand_total=grand_row,
        footnotes=tuple(_footnotes(periods, multi, dims, words)),
        multi_platform_crimes=multi,
        headings=tuple(dimension_heading(d, words) for d in dims),
        dimension_names=request.row_names or dims,
    )


def _footnotes(
    periods: list[Period], multi: int, dims: tuple[str, ...], words: TermWords
) -> list[str]:
    notes = [
        f"* {'Part year' if p.first.year == p.last.year else 'The whole window'}: {p.note}."
        for p in periods
        if p.partial
    ]
    if multi and "term" in dims:
        crimes = "crime mentions" if multi == 1 else "crimes mention"
        notes.append(
            f"{multi} {crimes} more than one {words.term}: each is counted once under every "
            f"{words.term} it mentions and once in each total above them, so {words.term} rows "
            "can add up to more than their totals."
        )
    outcomes = " Outcomes are police outcomes, not convictions." if "outcome" in dims else ""
    notes.append(f"Each figure is a count of distinct crimes.{outcomes}")
    return notes
