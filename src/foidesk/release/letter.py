"""The response letter and the method statement (Markdown), from Jinja2 templates.

Both are written from aggregates only: the request's own text, the ``FoiTable``, the per-system
``Coverage`` and the lexicon's plain-English variants. The force's details come from the
request's ``[force]`` table, with placeholders such as ``[FORCE NAME]`` where it has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from jinja2 import Environment, PackageLoader, StrictUndefined

from foidesk.casework.home_office import home_office
from foidesk.casework.periods import long_date
from foidesk.casework.request import Request
from foidesk.release.coverage import Coverage, SearchedTerm, SourceSummary
from foidesk.release.render.markdown import render_markdown
from foidesk.release.table import FoiTable, describe_window


@dataclass(frozen=True)
class Part:
    """The answer to one part of the request."""

    title: str
    answer: str


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("foidesk.release", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def _ordinal_date(day: date) -> str:
    suffix = (
        "th" if 11 <= day.day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    )
    return f"{day.day}{suffix} {day:%B %Y}"


def method_statement(
    request: Request,
    platforms: list[SearchedTerm],
    sources: tuple[SourceSummary, ...],
    coverage: Coverage,
) -> str:
    """How the figures were produced: population, systems, fields, terms, counting, coverage."""
    ho = home_office()
    groups = [t for t in request.offence_terms if t.lower() in ho.offence_groups]
    overlaps = "; ".join(f"{systems}: {n}" for systems, n in coverage.overlaps)
    return (
        _env()
        .get_template("method.md.j2")
        .render(
            window=describe_window(request),
            codes=", ".join(request.offence_codes),
            groups=", ".join(ho.offence_group_labels.get(g.lower(), g).lower() for g in groups),
            sources=[
                {
                    "system": s.system,
                    "copies_searched": f"{s.copies_searched:,}",
                    "fields": ", ".join(
                        [*s.text_fields, *(["investigation log entries"] if s.has_notes else [])]
                    )
                    or "none (no free text: not searched)",
                }
                for s in sources
            ],
            overlaps=overlaps,
            winner={
                "later": "the copy from the newer system (the later source)",
                "earlier": "the copy from the older system (the earlier source)",
            }.get(request.prefer, f"the {request.prefer} copy"),
            platforms=platforms,
            period_text=(
                "financial years (1 April to 31 March)"
                if request.columns == "financial_year"
                else "calendar years"
            ),
            period_noun="financial year" if request.columns == "financial_year" else "year",
            coverage_markdown=coverage.to_markdown(),
        )
    )


def _parts(request: Request, table: FoiTable) -> list[Part]:
    text = (request.request_text + " " + request.clarification).lower()
    period = "financial year" if request.columns == "financial_year" else "year"
    parts = [
        Part(
            "Number of crimes by " + period,
            f"The table gives the number of crimes for each {period} of the period, "
            f"{table.grand_total.total} in all.",
        )
    ]
    if "offence" in table.dimensions:
        wording = (
            "the Home Office offence classification"
            if request.offence_label == "home_office"
            else "the offence description recorded by the force"
        )
        parts.append(Part("Type of offence", f"Offences are shown by {wording}."))
    if "platform" in table.dimensions:
        parts.append(
            Part(
                "Social media platform",
                "The table shows each platform that was mentioned; platforms searched for but "
                "not found in any record do not appear as rows.",
            )
        )
    if "outcome" in table.dimensions or re.search(r"convict|outcome|result", text):
        parts.append(
            Part(
                "Whether a conviction was reached",
                "Police crime recording systems hold the police outcome of each crime (for "
                "example charged, caution or community resolution), which the table shows. "
                "They do not record convictions: a charge is not a conviction, and the result "
                "of a prosecution is held by the courts and the Ministry of Justice. "
                "Information about convictions is therefore not held by this force "
                "(section 1(1)(a) of the Act).",
            )
        )
    if re.search(r"additional detail|other detail|further detail|any detail", text):
        parts.append(
            Part(
                "Additional details about the cases",
                "We have not provided details of individual cases: taken with the figures "
                "above, details such as dates, places or circumstances could identify the "
                "people involved, and such personal data is exempt under section 40(2) of "
                "the Act.",
            )
        )
    return parts


def _caveats(request: Request, sources: tuple[SourceSummary, ...], coverage: Coverage) -> list[str]:
    caveats = []
    totals = coverage.totals()
    for source in sources:
        if source.data_quality_from:
            since = long_date(date.fromisoformat(source.data_quality_from))
            caveats.append(
                f"The {source.system} system came into use during the period. "
                f"{request.force.name} has some concerns about the quality of data recorded "
                f"on {source.system} from {since} ({source.population_after_dq_date:,} of the "
                f"crimes searched), so some of the figures for crimes recorded from that date "
                "may include inaccuracies."
            )
    unsearchable = {s.system for s in sources if not s.searchable}
    for source in sources:
        if not source.searchable:
            held = totals[source.system].records_searched if source.system in totals else 0
            caveats.append(
                f"The {source.system} data holds no free text, so its {held:,} records in the "
                "period could not be searched for mentions; they are not counted as records "
                "without a mention."
            )
    for system, line in totals.items():
        if system in unsearchable:
            continue
        if line.records_searched and not line.records_with_hits:
            caveats.append(
                f"No results were found on the {system} crime recording system "
                f"({line.records_searched:,} records were searched)."
            )
        elif not line.records_searched:
            caveats.append(
                f"The {system} system holds no records of the requested offences in the period."
            )
    caveats.append(
        "The numerical data presented in this response is an un-audited snapshot of "
        "un-published data sourced from 'live' systems and is subject to the interpretation "
        "of the original request by the individual extracting the data. Free-text notes are "
        "written by many people in many styles, and a computer search of them can miss or "
        "wrongly include a mention."
    )
    return caveats


def response_letter(
    request: Request,
    table: FoiTable,
    coverage: Coverage,
    sources: tuple[SourceSummary, ...],
    method_markdown: str,
    letter_date: date,
) -> str:
    """The response letter in Markdown."""
    systems = [s.system for s in sources]
    return (
        _env()
        .get_template("letter.md.j2")
        .render(
            force=request.force,
            reference=request.reference,
            letter_date=_ordinal_date(letter_date),
            received=_ordinal_date(request.received),
            clarified=_ordinal_date(request.clarified) if request.clarified else "",
            request_text=request.request_text.strip() or "[REQUEST TEXT]",
            clarification=request.clarification.strip(),
            systems_text=" and ".join(systems),
            table_markdown=render_markdown(table),
            parts=_parts(request, table),
            method_markdown=method_markdown,
            caveats=_caveats(request, sources, coverage),
        )
    )
