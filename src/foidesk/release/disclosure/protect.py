"""Disclosure control of a release: the counted table and coverage in, the released ones out.

``release.gate.make_release`` calls ``protect`` before any prose is written. It models every
figure of crimes with a mention that the release publishes (``disclosure.model``: the table's
cells, the coverage's records with a mention by system and period, the footnote's count of
crimes naming more than one term), withholds the small ones and the cells that would give
them away (``disclosure.suppress``), and proves the pattern twice with the interval attack
(``disclosure.attack``): once as suppression's last round, which may use the true table to
save solves, and once independently and exactly, from the published figures and symbols
alone, as an attacker holds them; the audit's intervals are that exact attack's (the same
problem as an exact attack with the true table, which would only have saved solves). The
released ``FoiTable`` and ``Coverage`` hold a ``Withheld`` (a symbol, no number) in place of
each withheld figure, so nothing downstream can print it.

Counts the letter and method give in words (possible-only crimes, review, quality sample,
s.12 estimate) are not linked to the cells by any sum an attacker knows; they are protected by
rule in ``disclosure.wording`` ("fewer than five").
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from foidesk.casework.request import DisclosureSettings
from foidesk.errors import DisclosureError
from foidesk.release.coverage import Coverage, CoverageLine
from foidesk.release.disclosure.attack import (
    PRIMARY,
    CellInterval,
    OutOfTime,
    Rule,
    attack,
)
from foidesk.release.disclosure.layout import excuse, layout_symbols
from foidesk.release.disclosure.model import COVERAGE, TableModel, build_model, cell_values
from foidesk.release.disclosure.suppress import suppress
from foidesk.release.disclosure.wording import fewer_than, symbol_notes
from foidesk.release.table import SECONDARY, SMALL, Cell, FoiTable, TableRow, Withheld


@dataclass(frozen=True)
class DisclosureProof:
    """What disclosure control withheld and what the attacks found: aggregates and the
    intervals an attacker can infer from the published figures (nothing more)."""

    settings: DisclosureSettings
    cells: int  # figures modelled: the table's cells and the coverage's
    small: int  # withheld under the small-number symbol
    secondary: int  # withheld under the secondary symbol
    # the exact attack on the final pattern: the independent one's (the same problem; the
    # true table only ever saved solves), so both fields hold the same intervals
    intervals: tuple[CellInterval, ...]
    independent: tuple[CellInterval, ...]  # the attack from the published figures alone
    unprotectable: tuple[CellInterval, ...]  # small figures no pattern could protect
    rounds: int
    seconds: float
    multi_term_withheld: bool = False  # the footnote's count says "fewer than five"

    @property
    def leaks(self) -> tuple[CellInterval, ...]:
        """Withheld figures an attacker can narrow beyond their symbol, by either attack."""
        seen = {c.index for c in self.intervals if not c.safe}
        return (
            *(c for c in self.intervals if not c.safe),
            *(c for c in self.independent if not c.safe and c.index not in seen),
        )

    @property
    def safe(self) -> bool:
        return not self.leaks

    def to_audit(self) -> dict[str, Any]:
        """The audit's ``disclosure`` entry (internal/audit.json)."""
        s = self.settings

        def interval(c: CellInterval) -> dict[str, Any]:
            return {
                "labels": list(c.labels),
                "period": c.period,
                "symbol": s.symbol if c.symbol == PRIMARY else s.secondary_symbol,
                "low": c.low,
                "high": None if c.high == float("inf") else int(c.high),
                "impossible": list(c.impossible),
                "safe": c.safe,
            }

        return {
            "suppress_below": s.suppress_below,
            "zeros": s.zeros,
            "symbol": s.symbol,
            "secondary_symbol": s.secondary_symbol,
            "figures_modelled": self.cells,
            "withheld_small": self.small,
            "withheld_secondary": self.secondary,
            "multi_term_count_withheld": self.multi_term_withheld,
            "unprotectable": [interval(c) for c in self.unprotectable],
            "leaks": [interval(c) for c in self.leaks],
            "safe": self.safe,
            "rounds": self.rounds,
            "seconds": round(self.seconds, 2),
            "intervals": [interval(c) for c in self.intervals],
            "independent_attack": {
                "cells": len(self.independent),
                "leaks": sum(1 for c in self.independent if not c.safe),
            },
        }


@dataclass(frozen=True)
class Protected:
    """The released table and coverage, and the proof."""

    table: FoiTable
    coverage: Coverage
    proof: DisclosureProof | None  # None: no disclosure control (suppress_below 0)


# how long secondary suppression may search before the release is refused: a table whose
# small figures need longer is mostly withheld, and a coarser layout serves the reader better
SUPPRESSION_SECONDS = 90.0


def rule_of(settings: DisclosureSettings) -> Rule:
    """The attack's rule for the request's ``[disclosure]``."""
    return Rule(suppress_below=settings.suppress_below, zeros=settings.zeros)


def protect(table: FoiTable, coverage: Coverage, settings: DisclosureSettings) -> Protected:
    """The release's table and coverage after disclosure control, with its proof. Refuses
    (``DisclosureError``, one line) when the proof fails: a withheld figure could be worked
    out whatever is withheld."""
    if not settings.enabled:
        return Protected(table, coverage, None)
    started = time.perf_counter()
    rule = rule_of(settings)
    multi = table.multi_platform_crimes if "term" in table.dimensions else -1
    small_multi = isinstance(multi, int) and 1 <= multi < settings.suppress_below
    multi_range = (1, settings.suppress_below - 1) if small_multi else None
    model = build_model(table, coverage=coverage, multi_term_range=multi_range)
    values = cell_values(table, coverage)
    # suppression's own proof is its last round's attack (with the true table, to save
    # solves); the exact intervals come from the independent attack below
    done = suppress(
        table,
        rule,
        model=model,
        values=values,
        max_seconds=SUPPRESSION_SECONDS,
        exact_audit=False,
    )
    small = sum(1 for v in values if 1 <= v < settings.suppress_below)
    out_of_time = (
        f"the table could not be protected within {SUPPRESSION_SECONDS:.0f} seconds: "
        f"{small:,} of its {model.size:,} figures are from 1 to {settings.suppress_below - 1}"
    )
    advice = (
        "; choose a coarser layout (foidesk layouts REQUEST lists them with the share each "
        "would withhold)"
    )
    if not done.finished:
        so_far = (
            f" and {len(done.audit.leaks):,} withheld figures could still be worked out after "
            f"{done.rounds} rounds of secondary suppression"
            if done.rounds
            else " and not one round of secondary suppression finished"
        )
        raise DisclosureError(out_of_time + so_far + advice)
    published = [None if i in done.withheld else int(v) for i, v in enumerate(values)]
    # the independent attack: from what is published alone, judged against the layout with
    # the symbols an attacker can work out from it; given as long again as suppression
    deadline = time.perf_counter() + SUPPRESSION_SECONDS
    done.excuses.deadline = deadline
    try:
        independent = excuse(
            model,
            attack(model, published, done.withheld, rule, deadline=deadline),
            layout_symbols(published, done.withheld, rule),
            rule,
            done.excuses,  # the same symbols: what the layout rules out is the same
        )
    except OutOfTime:
        raise DisclosureError(
            out_of_time
            + ", and the independent check of its withheld figures did not finish"
            + advice
        ) from None
    proof = DisclosureProof(
        settings=settings,
        cells=model.size,
        small=done.primary,
        secondary=done.secondary,
        # a leak suppression's own proof found stays in the proof (the same problem: it
        # cannot differ unless something is wrong, and then nothing is released)
        intervals=independent.intervals if done.audit.safe else done.audit.intervals,
        independent=independent.intervals,
        unprotectable=done.unprotectable,
        rounds=done.rounds,
        seconds=time.perf_counter() - started,
        multi_term_withheld=small_multi,
    )
    if not proof.safe:
        raise DisclosureError(refusal_line(proof))
    released_table = _released_table(table, model, done.withheld, settings, small_multi)
    released_coverage = _released_coverage(coverage, model, done.withheld, settings)
    return Protected(released_table, released_coverage, proof)


def withhold_all(table: FoiTable, coverage: Coverage, settings: DisclosureSettings) -> Protected:
    """Every figure of crimes with a mention withheld (a request refused under s.12: no table
    and no coverage of mentions is published, and the release object holds none)."""
    model = build_model(table, multi_term_crimes=-1, coverage=coverage)
    everything = dict.fromkeys(range(model.size), "secondary")
    released = _released_table(table, model, everything, settings, small_multi=False)
    hidden = Withheld(settings.secondary_symbol, SECONDARY)
    return Protected(
        replace(released, multi_platform_crimes=hidden, footnotes=()),
        _released_coverage(coverage, model, everything, settings),
        None,
    )


def refusal_line(proof: DisclosureProof) -> str:
    """One line: why the table cannot be released, with the first figure that leaks."""
    leaks = proof.leaks
    first = leaks[0]
    symbol = proof.settings.symbol if first.symbol == PRIMARY else proof.settings.secondary_symbol
    told = (
        f"it cannot be {', '.join(map(str, first.impossible))}"
        if first.impossible
        else f"it must be {first.low}"
    )
    return (
        f"the table cannot be released with figures under {proof.settings.suppress_below} "
        f"protected: {len(leaks):,} withheld figures could be narrowed down from the rest "
        f"(e.g. {(first.labels and ' / '.join(first.labels)) or 'Grand Total'} @ {first.period}, "
        f"shown {symbol}: {told}); choose a coarser layout (fewer [table] rows, financial "
        'years) or [disclosure] zeros = "withheld" (docs/disclosure.md)'
    )


def _symbol(kind: str, settings: DisclosureSettings) -> Withheld:
    if kind == PRIMARY:
        return Withheld(settings.symbol, SMALL)
    return Withheld(settings.secondary_symbol, SECONDARY)


def _released_table(
    table: FoiTable,
    model: TableModel,
    withheld: dict[int, str],
    settings: DisclosureSettings,
    small_multi: bool,
) -> FoiTable:
    width = model.width
    rows = (*table.rows, table.grand_total)
    out: list[TableRow] = []
    for r, row in enumerate(rows):
        figures: list[Cell] = []
        for c, value in enumerate((*row.counts, row.total)):
            kind = withheld.get(r * width + c)
            figures.append(value if kind is None else _symbol(kind, settings))
        out.append(replace(row, counts=tuple(figures[:-1]), total=figures[-1]))
    footnotes = table.footnotes
    multi: Cell = table.multi_platform_crimes
    if small_multi:  # "3 crimes mention more than one ..." -> "Fewer than five crimes ..."
        lead = f"{table.multi_platform_crimes} crime"
        fewer = f"{fewer_than(settings).capitalize()} crimes mention more than one "
        footnotes = tuple(
            fewer + note.split(" more than one ", 1)[1] if note.startswith(lead) else note
            for note in footnotes
        )
        multi = Withheld(settings.symbol, SMALL)
    small = any(k == PRIMARY for k in withheld.values() if k is not None)
    secondary = any(k != PRIMARY for k in withheld.values())
    return replace(
        table,
        rows=tuple(out[:-1]),
        grand_total=out[-1],
        footnotes=(*footnotes, *symbol_notes(settings, small, secondary)),
        multi_platform_crimes=multi,
    )


def _released_coverage(
    coverage: Coverage, model: TableModel, withheld: dict[int, str], settings: DisclosureSettings
) -> Coverage:
    start = model.table_size
    lines: list[CoverageLine] = []
    for k, line in enumerate(coverage.lines):
        assert model.cells[start + k].part == COVERAGE
        kind = withheld.get(start + k)
        hits: Cell = line.records_with_hits if kind is None else _symbol(kind, settings)
        lines.append(replace(line, records_with_hits=hits))
    return replace(coverage, lines=tuple(lines))
