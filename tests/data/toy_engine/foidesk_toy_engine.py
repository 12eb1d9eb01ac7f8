"""A third engine, written as an outside package would write one (tests/test_engine_plugin.py).

It reads standard-extract CSV files with Python's csv module, settles the population with
the rules' SQL from ``foidesk.engines.population`` (run in DuckDB over the rows in memory) and
matches every counted copy's text with the matcher it is handed. It is small and slow on
purpose: it shows what an engine must do, and that a new one needs no edit to foidesk.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from typing import Any, ClassVar

import duckdb
import pyarrow as pa

from foidesk.casework.request import Request
from foidesk.engines.base import (
    CRIME_HITS_SCHEMA,
    EVIDENCE_ORDER,
    EVIDENCE_SCHEMA,
    CoverageRow,
    EngineResult,
    EvidenceBuilder,
    Progress,
    source_report,
)
from foidesk.engines.labels import (
    LabelFact,
    exact_candidates,
    labels_to_check,
    public_fields,
    reference_candidates,
)
from foidesk.engines.population import PopulationRules
from foidesk.search.matcher import Matcher


def _date(text: str) -> date:
    text = text.strip()
    if "/" in text:
        return datetime.strptime(text.split(" ")[0], "%d/%m/%Y").date()
    return date.fromisoformat(text[:10])


class ToyEngine:
    """Pure-Python reading, DuckDB for the rules, the shared matcher for the text."""

    name: ClassVar[str] = "toy"

    def __init__(self, greeting: str = "hello") -> None:
        self.greeting = greeting

    def run(self, request: Request, matcher: Matcher, progress: Progress) -> EngineResult:
        rules = PopulationRules.of(request)
        rows: list[dict[str, Any]] = []
        texts: dict[tuple[int, int], dict[str, str]] = {}
        fields_of: list[tuple[str, ...]] = []
        progress.begin("Reading (toy)")
        for i, spec in enumerate(request.sources):
            with spec.path.open(encoding="utf-8", newline="") as f:
                reader = csv.DictReader(f)
                fields = tuple(n for n in reader.fieldnames or [] if n.startswith("text"))
                fields_of.append(fields)
                for n, raw in enumerate(reader):
                    rows.append(
                        {
                            "source_idx": i,
                            "record_no": n,
                            "system": spec.system,
                            "crime_ref": raw["crime_ref"].strip(),
                            "recorded_date": _date(raw["recorded_date"]),
                            "offence": raw["offence"].strip(),
                            "ho_code": raw["ho_code"].strip().upper(),
                            "outcome": raw["outcome"].strip() or None,
                            "ho_outcome": raw["ho_outcome"].strip() or None,
                            "status": raw["status"].strip().lower() or "recorded",
                        }
                    )
                    texts[(i, n)] = {k: raw[k] for k in fields if raw[k]}
        progress.end()
        copies = pa.Table.from_pylist(rows)  # noqa: F841 (read by DuckDB by name)
        con = duckdb.connect()
        con.execute(
            f"""CREATE TABLE winners AS SELECT *, {rules.period()} AS period FROM (
                SELECT *, row_number() OVER (
                    PARTITION BY crime_ref ORDER BY {rules.winner_order_sql()}) AS rk
                FROM copies WHERE crime_ref IN (
                    SELECT crime_ref FROM copies WHERE {rules.in_scope()})
            ) WHERE rk = 1 AND {rules.in_scope()} AND {rules.counted()}"""
        )
        population = {
            r[0]: r
            for r in con.execute(
                "SELECT crime_ref, system, recorded_date, CAST(period AS INTEGER), offence, "
                "ho_code, outcome, ho_outcome FROM winners"
            ).fetchall()
        }
        # the last copy of each population crime in each source is searched
        last = con.execute(
            "SELECT source_idx, crime_ref, max(record_no) FROM copies "
            "WHERE crime_ref IN (SELECT crime_ref FROM winners) GROUP BY ALL"
        ).fetchall()
        evidence = EvidenceBuilder()
        found: dict[tuple[str, str], bool] = {}  # (crime, term) -> any certain hit
        for source_idx, ref, record_no in sorted(last):
            system = request.sources[source_idx].system
            for field, text in texts[(source_idx, record_no)].items():
                for hit in matcher.match_array(pa.array([text]), field):
                    evidence.add(ref, system, hit, field, text)
                    key = (ref, hit.platform)
                    found[key] = found.get(key, False) or hit.certainty == "certain"
        names = CRIME_HITS_SCHEMA.names
        crime_hits = pa.Table.from_pylist(
            [
                dict(zip(names, (*population[ref], term, certain), strict=True))
                for (ref, term), certain in sorted(found.items())
            ],
            schema=CRIME_HITS_SCHEMA,
        )
        table = evidence.table()
        years = [population[r].__getitem__(2).year for r in table.column("crime_ref").to_pylist()]
        table = table.set_column(2, "year", pa.array(years, pa.int32()))
        table = table.sort_by([(c, "ascending") for c in EVIDENCE_ORDER]).cast(EVIDENCE_SCHEMA)
        counts: dict[tuple[str, int], list[int]] = {}
        hit_crimes = {ref for (ref, _), certain in found.items() if certain}
        for ref, row in population.items():
            cell = counts.setdefault((row[1], row[3]), [0, 0])
            cell[0] += 1
            cell[1] += ref in hit_crimes
        # the labels bound for public/: population crimes carrying each, references in them
        by_field = {
            f: {str(h[f]) for h in crime_hits.to_pylist() if h[f]} for f in public_fields(request)
        }
        refs = {r["crime_ref"].lower(): r["crime_ref"] for r in rows}
        facts = []
        for field, label in labels_to_check(request, by_field):
            exact = {r["crime_ref"] for r in rows}
            hits = [refs[c] for c in reference_candidates(label) if c in refs] + [
                c for c, _, _ in exact_candidates([(field, label)]) if c in exact
            ]
            holder = next((r for r in rows if r.get(field) == label), None)
            where = (
                f"{request.sources[holder['source_idx']].path}: row {holder['record_no'] + 1}"
                if holder and hits
                else None
            )
            n = (
                sum(
                    1
                    for w in population.values()
                    if w[{"offence": 4, "outcome": 6}.get(field, 4)] == label
                )
                if field != "labels"
                else 0
            )
            facts.append(LabelFact(field, label, n, min(hits) if hits else None, where))
        in_window = [
            r for r in rows if rules.date_from <= r["recorded_date"].isoformat() <= rules.date_to
        ]
        codes: dict[str, int] = {}
        for r in in_window:
            codes[r["ho_code"]] = codes.get(r["ho_code"], 0) + 1
        overlaps: dict[str, int] = {}
        for (systems,) in con.execute(
            "SELECT string_agg(DISTINCT system, ' and ' ORDER BY system) FROM copies "
            "WHERE crime_ref IN (SELECT crime_ref FROM winners) GROUP BY crime_ref "
            "HAVING count(DISTINCT system) > 1"
        ).fetchall():
            overlaps[systems] = overlaps.get(systems, 0) + 1
        return EngineResult(
            crime_hits=crime_hits,
            evidence=table,
            coverage=[CoverageRow(s, p, n, h) for (s, p), (n, h) in sorted(counts.items())],
            overlaps=overlaps,
            sources=[
                source_report(
                    spec,
                    sha256="",
                    size_bytes=spec.path.stat().st_size,
                    rows_read=sum(1 for r in rows if r["source_idx"] == i),
                    text_fields=fields_of[i],
                    copies_searched=sum(1 for s, _, _ in last if s == i),
                    population_after_dq_date=0,
                    has_notes=False,
                )
                for i, spec in enumerate(request.sources)
            ],
            stages={"population": len(population), "hits": table.num_rows},
            engine={"name": self.name, "greeting": self.greeting},
            label_facts=tuple(facts),
            rows_in_window=len(in_window),
            codes_in_window=codes,
        )
