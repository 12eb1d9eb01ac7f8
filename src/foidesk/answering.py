"""Answering a request: the library function behind ``foidesk answer`` and the desk's page.

request -> lexicon and matcher -> engine (record-level results) -> counting (the table and
coverage, aggregates) -> the release gate (letter and method from the final table) ->
``Answer``. Nothing is written: ``case_folder.write_case`` writes an ``Answer`` to a case
folder (``public/`` from its release alone, ``internal/`` with evidence and audit).
"""

from __future__ import annotations

import hashlib
import importlib
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import pyarrow as pa

from foidesk.casework.deadline import due_date
from foidesk.casework.decisions import Decision, latest
from foidesk.casework.periods import Period
from foidesk.casework.periods import periods as make_periods
from foidesk.casework.request import Request, default_seed, load_request
from foidesk.casework.words import TermWords
from foidesk.counting.checks import (
    check_labels,
    check_outcomes,
    check_population,
    check_possible,
    check_review,
    check_set_aside,
    check_sources,
)
from foidesk.counting.cost import check_cost, estimate_cost, reading
from foidesk.counting.counted import Counted, ReviewState, count_hits
from foidesk.counting.coverage import build_coverage, summarise_sources, with_counted_hits
from foidesk.counting.hit_ids import with_hit_ids
from foidesk.counting.layouts import (
    MOST_WITHHELD,
    coarser_layouts,
    layouts_notice,
    share_withheld,
)
from foidesk.counting.sample import QualitySample, quality_sample
from foidesk.counting.table import build_table, possible_only_crimes
from foidesk.engines.base import Engine, EngineResult, NoProgress, Progress
from foidesk.engines.population import PopulationRules
from foidesk.engines.registry import DEFAULT, make_engine
from foidesk.errors import LexiconError
from foidesk.notices import Notice
from foidesk.release.coverage import Coverage, SearchedTerm
from foidesk.release.disclosure.earlier import check_earlier, earlier_audit
from foidesk.release.gate import PublicRelease, make_release
from foidesk.release.render.pdf import missing_soffice, soffice_path
from foidesk.release.review import ReviewSummary
from foidesk.release.table import FoiTable
from foidesk.search.adhoc import lexicon_term, resolve_terms
from foidesk.search.lexicon import Lexicon, Platform, load_lexicon
from foidesk.search.matcher import Matcher
from foidesk.version import __version__


@dataclass(frozen=True)
class Answer:
    """A request answered: the release (what may be published) and the record-level evidence
    and audit (internal only). ``write_case`` writes it to a case folder."""

    request: Request
    release: PublicRelease  # the table, coverage, method and letter: all aggregates
    # every hit: its id, crime, system, term, field, span, rule, certainty, context, status
    # (counted, undecided, rejected, set aside) and decision (internal only)
    evidence: pa.Table
    audit: dict[str, Any]  # what was read, with hashes; the counts at each stage (internal)
    notices: tuple[Notice, ...] = ()  # problems the answer says (stderr, audit)
    # the rows the table was counted from: one per (crime, term) with a counted or undecided
    # hit and the winning copy's fields (internal only; ``foidesk review trace`` reads it)
    crime_hits: pa.Table | None = None
    # the table as counted, before disclosure control withheld any figure (internal only)
    counted_table: FoiTable | None = None
    # the engine's crime hits before the record conditions and decisions: what
    # ``counted_tables`` counts again when decisions change (``review.preview``; internal only)
    searched_hits: pa.Table | None = None

    @property
    def table(self) -> FoiTable:
        """The final table (as released: a withheld figure is a ``Withheld``, its symbol)."""
        return self.release.table

    @property
    def counted(self) -> FoiTable:
        """The table as counted, every figure a number (internal only: never publish it)."""
        return self.counted_table or self.release.table

    @property
    def coverage(self) -> Coverage:
        """Records searched and with a mention, by system and period."""
        return self.release.coverage


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def request_matcher(request: Request, *, background: bool = False) -> Matcher:
    """The matcher for ``request``: its lexicon compiled with the terms it asks for; a term
    the lexicon does not hold is searched ad hoc, its variants generated (``search.adhoc``).
    A request that names no lexicon uses the built-in social-media one when any of its terms
    is one of that lexicon's, and otherwise searches its terms on their own.
    ``background``: the patterns are compiled in a thread (``Matcher``)."""
    lexicon: Lexicon | None = load_lexicon(request.lexicon_name, base=request.path.parent)
    terms = list(request.search_terms)
    if not request.lexicon_given and terms:
        assert lexicon is not None
        if not any(lexicon_term(lexicon, term) for term in terms):
            lexicon = None
    try:
        lexicon, platforms = resolve_terms(lexicon, terms, request.parts)
    except LexiconError as exc:
        raise LexiconError(f"{request.path}: search.terms: {exc}") from exc
    return Matcher(lexicon, platforms, background=background)


# what the release imports when it is first made (disclosure control's SciPy, the Word
# letter's python-docx, docxtpl and Jinja2): about 0.6 s, imported while the engine works
RELEASE_MODULES = (
    "foidesk.release.disclosure.protect",
    "foidesk.release.render.docx",
    "docx",
    "docxtpl",
    "jinja2.sandbox",
)


def _warm_imports() -> threading.Thread:
    """Import ``RELEASE_MODULES`` in a thread while the engine reads the sources (its first
    seconds are DuckDB's, which leaves the interpreter free). Importing is all it does: a
    module that fails to import fails again, with its error, where the release imports it."""

    def run() -> None:
        for name in RELEASE_MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # raised again where it is used
                return

    thread = threading.Thread(target=run, name="foidesk-warm-imports", daemon=True)
    thread.start()
    return thread


def term_words(request: Request, lexicon: Lexicon) -> TermWords:
    """What the request's terms are called: the lexicon's ``[words]`` with the request's
    ``[search.words]`` over them."""
    return lexicon.words.merged(request.words, f"{request.path}: search.words")


@dataclass(frozen=True)
class Tabled:
    """The hits counted with the decisions applied, the evidence with each hit's status and
    decision, the quality sample, and the table counted (before disclosure control), with the
    periods, terms and words it was made with."""

    counted: Counted
    evidence: pa.Table
    sample: QualitySample
    table: FoiTable
    periods: list[Period]
    terms: list[str]
    words: TermWords


def counted_tables(
    searched: pa.Table,
    evidence: pa.Table,
    request: Request,
    matcher: Matcher,
    decisions: Sequence[Decision] = (),
) -> Tabled:
    """The engine's crime hits ``searched`` and ``evidence`` (with hit ids, without status
    and decision) counted with the record conditions and ``decisions`` (in the order made: the
    last on each hit holds), the quality sample, and the table counted from them: what
    ``answer`` does, and what the reviewer's preview does again after each decision without
    searching (``review.preview``)."""
    counted = count_hits(searched, evidence, matcher.platforms, latest(decisions), len(decisions))
    evidence = evidence.append_column("status", counted.status).append_column(
        "decision", counted.decision
    )
    # the quality sample of the counted crimes, drawn from the matcher's verdict (docs/review.md)
    settings = request.review
    sample = quality_sample(
        evidence,
        seed=default_seed(request.reference) if settings.seed is None else settings.seed,
        margin=settings.sample_margin,
        precision=settings.sample_precision,
    )
    periods = make_periods(request.date_from, request.date_to, request.columns)
    terms = matcher.platform_names
    words = term_words(request, matcher.lexicon)
    table = build_table(counted.crime_hits, request, periods, terms, words)
    return Tabled(counted, evidence, sample, table, periods, terms, words)


def answer(
    request: Request | Path | str,
    *,
    engine: str | Engine = DEFAULT,
    engine_options: Mapping[str, Any] | None = None,
    letter_date: date | None = None,
    progress: Progress | None = None,
    allow_empty: bool = False,
    decisions: Sequence[Decision] = (),
    letter_pdf: bool | None = None,
) -> Answer:
    """Answer ``request`` (a ``Request``, or the path of a request file).

    ``engine`` is an engine's name (``foidesk.engines`` entry points: ``duckdb``, ``spark``)
    built with ``engine_options``, or an engine object. ``letter_date`` is the letter's date
    (default today). ``progress`` hears of each stage. Sources are read where they are; the
    only files written are the engine's, in a temporary folder it removes.

    A problem in the data either refuses the answer (a ``FoideskError``: a crime reference in
    a label bound for public/; a population that is empty although the window holds records,
    unless ``allow_empty``) or is said in ``Answer.notices`` and the audit
    (``counting.checks``; the letter's unfilled placeholders and a date after the due date).

    ``decisions`` are a person's decisions on hits, in the order made (a case's
    ``internal/decisions.jsonl``, ``casework.decisions``): the last one on each hit holds. The
    table counts certain hits not rejected and possible hits accepted (``counting.counted``).

    ``letter_pdf``: whether the case's ``public/`` gets the letter as PDF as well as Word
    (LibreOffice); None: when LibreOffice is installed, and a notice says so when it is not.
    """
    started = time.perf_counter()
    if not isinstance(request, Request):
        request = load_request(Path(request))
    warming = _warm_imports()
    # the patterns compile while the engine settles the population
    matcher = request_matcher(request, background=True)
    # reading the request and the lexicon (its patterns compile in a thread meanwhile)
    lexicon_seconds = time.perf_counter() - started
    runner = (
        make_engine(engine, **dict(engine_options or {})) if isinstance(engine, str) else engine
    )
    result = runner.run(request, matcher, progress or NoProgress())
    matcher.ready()  # a pattern that did not compile is an error even where nothing was read
    warming.join()
    # the lexicon's record conditions, on the winning copy's offence, and people's decisions
    evidence = with_hit_ids(result.evidence)
    tabled = counted_tables(result.crime_hits, evidence, request, matcher, decisions)
    counted, table, evidence, sample = tabled.counted, tabled.table, tabled.evidence, tabled.sample
    periods, term_names, words = tabled.periods, tabled.terms, tabled.words
    crime_hits, set_aside = counted.crime_hits, counted.set_aside
    notices = [
        *check_population(request, result, allow_empty),
        *check_labels(request, result, runner.name),
        *check_sources(result),
        *check_outcomes(request, crime_hits),
        *check_set_aside(set_aside),
        *check_review(counted.review),
    ]
    possible_only = possible_only_crimes(crime_hits, term_names)
    notices += check_possible(possible_only)
    coverage = build_coverage(
        with_counted_hits(result.coverage, crime_hits),
        [s.system for s in request.sources],
        periods,
        result.overlaps,
        possible_only,
    )
    # the FOIA s.12 estimate: the crimes a person must still read (counting.cost)
    cost = estimate_cost(
        reading(crime_hits),
        sum(line.records_searched for line in coverage.totals().values()),
        periods,
        [s.system for s in request.sources],
        term_names,
        request.cost,
        words,
        sample_unread=sample.result.drawn - sample.result.read,
        financial=request.columns == "financial_year",
        system_periods=_system_periods(coverage),
    )
    notices += check_cost(cost)
    release = make_release(
        request,
        table,
        coverage,
        summarise_sources(result.sources),
        tuple(SearchedTerm(p.name, _variants(p)) for p in matcher.platforms),
        letter_date or date.today(),
        words,
        review_summary(counted.review, sample),
        cost=cost,
        letter_pdf=letter_pdf if letter_pdf is not None else soffice_path() is not None,
    )
    notices += _letter_notices(request, release, letter_date or date.today())
    if letter_pdf is None and not release.letter_pdf:
        notices.append(
            Notice(
                "letter-no-pdf",
                f"the letter is written as Word only, not PDF: {missing_soffice()}",
                {},
            )
        )
    withheld = share_withheld(release.table)
    if withheld > MOST_WITHHELD:  # most of the table withheld: say which layouts withhold less
        most = layouts_notice(
            coarser_layouts(request, crime_hits, words, term_names), withheld, request.path
        )
        notices += [most] if most else []
    # cells withheld now but published in an earlier release, or the other way round
    earlier = check_earlier(release.table, request.disclosure.earlier)
    notices += [n for c in earlier if (n := c.notice()) is not None]
    audit = _audit(request, matcher.lexicon, matcher, result, release, table)
    audit["disclosure"]["earlier"] = earlier_audit(earlier)
    audit["counts"]["crimes_set_aside_by_record_conditions"] = set_aside.crimes
    audit["review"] = counted.review.as_audit()
    audit["cost"] = cost.as_audit()
    # the letter as sent: its date (the disclosure log's date answered), its letterhead, and
    # whether it is a draft (a placeholder unfilled) and made as PDF
    audit["letter"] = {
        "date": (letter_date or date.today()).isoformat(),
        "template": str(request.letter_template) if request.letter_template else "built-in",
        "draft": bool(release.letter.unfilled()),
        "pdf": release.letter_pdf,
    }
    audit["review"]["quality_sample"] = sample.as_audit()
    audit["lexicon"]["conditions"] = {
        name: cond.written
        for p in matcher.platforms
        for name, cond in ((p.name, p.condition), *((r.name, r.condition) for r in p.rules))
        if cond is not None
    }
    audit["notices"] = [n.as_audit() for n in notices]
    audit["seconds"] = round(time.perf_counter() - started, 3)
    # reading the request and the lexicon; compiling its patterns overlaps the engine's work
    # (a thread), so its time is given apart and is not in lexicon_seconds
    audit["lexicon_seconds"] = round(lexicon_seconds, 3)
    audit["lexicon_compile_seconds"] = round(matcher.compile_seconds, 3)
    return Answer(
        request, release, evidence, audit, tuple(notices), crime_hits, table, result.crime_hits
    )


def _system_periods(coverage: Coverage) -> dict[str, list[str]]:
    """Each system's periods with records searched, in order (for the s.12 advice)."""
    out: dict[str, list[str]] = {}
    for line in coverage.lines:
        if line.period != "Total" and line.records_searched:
            out.setdefault(line.system, []).append(line.period.rstrip("*"))
    return out


def review_summary(state: ReviewState, sample: QualitySample | None = None) -> ReviewSummary:
    """What a person's review did, and what the quality sample found, as the release says it
    (counts only)."""
    summary = ReviewSummary(
        reviewed=state.reviewed,
        accepted=state.accepted,
        rejected=state.rejected,
        possible_undecided=state.possible_undecided,
        possible_accepted=state.possible_accepted,
        certain_rejected=state.certain_rejected,
        crimes_added=state.crimes_added,
        crimes_removed=state.crimes_removed,
    )
    if sample is None:
        return summary
    found = sample.result
    return replace(
        summary,
        sample_drawn=found.drawn,
        sample_population=found.population,
        sample_read=found.read,
        sample_confirmed=found.confirmed,
        sample_low=found.low,
        sample_high=found.high,
        sample_margin=sample.margin,
    )


def _variants(platform: Platform) -> str:
    """What the method says was searched for a term, with the offences it counts in."""
    if platform.condition is None:
        return platform.variants
    return f"{platform.variants} (counted {platform.condition.written})".strip()


def _count_certainty(result: EngineResult, certainty: str) -> int:
    """The evidence rows (hits) of one certainty."""
    return result.evidence.column("certainty").to_pylist().count(certainty)


def _letter_notices(request: Request, release: PublicRelease, letter_date: date) -> list[Notice]:
    """Placeholders left in the letter, and a letter dated after the statutory due date."""
    notices = []
    unfilled = release.letter.unfilled()
    if unfilled:
        notices.append(
            Notice(
                "letter-placeholders",
                f"the letter still has {len(unfilled)} "
                f"{'placeholder' if len(unfilled) == 1 else 'placeholders'} "
                f"({', '.join(f'[{u}]' for u in unfilled)}): give "
                f"{'it' if len(unfilled) == 1 else 'them'} in the request's [force] table (or "
                "the request text) before it is sent",
                {"placeholders": list(unfilled)},
            )
        )
    due = due_date(request.received, request.clarified).due
    if letter_date > due:
        notices.append(
            Notice(
                "letter-after-due-date",
                f"the letter is dated {letter_date.isoformat()}, after the statutory due date "
                f"{due.isoformat()} (FOIA s.10: 20 working days)",
                {"letter_date": letter_date.isoformat(), "due": due.isoformat()},
            )
        )
    return notices


def _audit(
    request: Request,
    lexicon: Lexicon,
    matcher: Matcher,
    result: EngineResult,
    release: PublicRelease,
    table: FoiTable,
) -> dict[str, Any]:
    """The audit trail: what was read (with hashes), the rules, the counts at each stage
    (``table``: as counted, before disclosure control), what disclosure control withheld."""
    deadline = due_date(request.received, request.clarified)
    return {
        "tool": {
            "name": "foidesk",
            "version": __version__,
            "hyperscan": package_version("hyperscan"),
        },
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "request": {
            "path": str(request.path),
            "sha256": hashlib.sha256(request.path.read_bytes()).hexdigest(),
            "content": _jsonable(request.raw),
        },
        "deadline": {
            "clock_start": deadline.clock_start.isoformat(),
            "due": deadline.due.isoformat(),
            "skipped_holidays": [[d.isoformat(), n] for d, n in deadline.skipped_holidays],
        },
        "lexicon": {
            "name": lexicon.name,
            "version": lexicon.version,
            "source": lexicon.source,
            "sha256": lexicon.sha256,
            "files": [{"source": f.source, "sha256": f.sha256} for f in lexicon.files],
            "disabled": list(lexicon.disabled),
            "exclusions": [e.name for e in lexicon.exclusions],
            "platforms": matcher.platform_names,
            "rules": [r.name for p in matcher.platforms for r in p.rules],
        },
        "engine": result.engine,
        "sources": [s.__dict__ | {"text_fields": list(s.text_fields)} for s in result.sources],
        "population": PopulationRules.of(request).describe(),
        "counts": result.stages
        | {
            "evidence_rows": result.evidence.num_rows,
            "table_grand_total": table.grand_total.total,
            "crimes_naming_more_than_one_platform": table.multi_platform_crimes,
            "crimes_with_possible_mentions_only": release.coverage.possible_only,
            "hits_certain": _count_certainty(result, "certain"),
            "hits_possible": _count_certainty(result, "possible"),
        },
        "overlaps": result.overlaps,
        "disclosure": release.disclosure.to_audit() if release.disclosure else {"enabled": False},
    }
