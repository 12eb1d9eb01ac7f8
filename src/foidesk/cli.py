"""The ``foidesk`` command line: thin wrappers over the Python API (``foidesk/__init__.py``).

stdout carries the command's result only (the table, the due date, JSON lines); progress,
summaries, paths and warnings go to stderr. A ``FoideskError`` becomes one line on stderr and
exit status 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

import foidesk
from foidesk.cli_desk import cases_app, serve, users_app
from foidesk.cli_log import log_app
from foidesk.cli_review import review_app
from foidesk.cli_scan import scan
from foidesk.errors import FoideskError
from foidesk.version import __version__

app = typer.Typer(
    name="foidesk",
    help=(
        "Answer Freedom of Information data requests over police crime records' free text: "
        "count the crimes that mention each platform, per year, offence and outcome, and "
        "write the table, the response letter and an audit trail."
    ),
    no_args_is_help=True,
    # plain help text: a docstring's single line breaks are wrapped to the terminal's width
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
)
if TYPE_CHECKING:
    from rich.progress import TaskID

    from foidesk.case_folder import CaseFolders

err = Console(stderr=True, highlight=False, soft_wrap=True)
_state = {"debug": False}


class OutputFormat(StrEnum):
    """Formats ``answer`` can print on stdout."""

    text = "text"
    csv = "csv"
    markdown = "markdown"
    html = "html"


def _version(value: bool) -> None:
    if value:
        print(f"foidesk {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback when something fails.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_version),
    ] = False,
) -> None:
    _state["debug"] = debug


class RichProgress:
    """The engines' ``Progress`` as a Rich progress line on stderr (nothing when stderr is not
    a terminal, or with --quiet)."""

    def __init__(self, quiet: bool) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=quiet or not err.is_terminal,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def begin(self, label: str, total: int | None = None) -> None:
        """A stage starts."""
        self.end()
        self._task = self._bar.add_task(label, total=total)

    def advance(self, units: int) -> None:
        """More of the stage is done."""
        if self._task is not None:
            self._bar.advance(self._task, units)

    def end(self) -> None:
        """The stage is over."""
        if self._task is not None:
            self._bar.remove_task(self._task)
            self._task = None


def _engine_options(engine: str, pairs: list[str] | None, spark_master: str | None) -> dict:
    """``--engine-option KEY=VALUE`` pairs (and ``--spark-master``) as keyword options."""
    options: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise FoideskError(f"--engine-option {pair!r}: expected KEY=VALUE")
        options[key.strip()] = value.strip()
    if spark_master:
        if engine != "spark":
            raise FoideskError("--spark-master: only for --engine spark")
        options["master"] = spark_master
    return options


def _parse_date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FoideskError(f"{name}: expected a date like 2019-04-26, got {value!r}") from None


@app.command()
def answer(
    request: Annotated[Path, typer.Argument(help="The request file (TOML).")],
    out: Annotated[Path, typer.Option("--out", help="The case folder to write.")],
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="Format of the table printed on stdout.")
    ] = OutputFormat.text,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help=(
                "Engine: duckdb (embedded, the default), spark (scale-out), or any engine "
                "installed in the foidesk.engines entry-point group."
            ),
        ),
    ] = "duckdb",
    engine_option: Annotated[
        list[str] | None,
        typer.Option(
            "--engine-option",
            help=(
                "KEY=VALUE passed to the engine (repeat), e.g. memory_limit=1GB or threads=4 "
                "for duckdb, master=spark://host:7077 for spark."
            ),
        ),
    ] = None,
    spark_master: Annotated[
        str | None,
        typer.Option(
            "--spark-master",
            help="Spark master URL (default local[*]); the same as --engine-option master=URL.",
        ),
    ] = None,
    letter_date: Annotated[
        str | None,
        typer.Option("--letter-date", help="Date on the letter (YYYY-MM-DD); default today."),
    ] = None,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty",
            help=(
                "Answer even when no record in the window has the requested offence codes "
                "(otherwise refused, listing the codes seen: usually codes in another notation)."
            ),
        ),
    ] = False,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help=(
                "Rebuild an existing case folder: public/ and the evidence are made anew; files "
                "people added are kept (public/ additions moved to internal/set-aside/<time>/)."
            ),
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="No progress bar or summary (warnings still show).")
    ] = False,
    no_pdf: Annotated[
        bool,
        typer.Option(
            "--no-pdf",
            help=(
                "Write the letter as Word only, not PDF (LibreOffice is not run: for benchmarks; "
                "without LibreOffice installed this is the default, with a warning)."
            ),
        ),
    ] = False,
) -> None:
    """Answer a request: print the table on stdout and write the case folder.

    OUT/public/ gets the table (text, CSV, Markdown, HTML, XLSX), coverage.csv, method.md and
    the letter as letter.md, letter.docx (on the force's letterhead: [force] letter_template)
    and letter.pdf (LibreOffice), named letter-draft.* while a placeholder is unfilled:
    aggregates only (over the FOIA s.12 cost limit: the refusal letter and method, no
    table). OUT/internal/ gets evidence.parquet (every hit with its id, crime, field, span,
    rule, certainty, context and status), crime-hits.parquet and audit.json. With --replace,
    the case's decisions (internal/decisions.jsonl, made with foidesk review) are kept and
    applied: the table counts certain hits not rejected and possible hits accepted.
    """
    import foidesk
    from foidesk.case_folder import check_case_folder
    from foidesk.release.render import RENDERERS

    when = _parse_date(letter_date, "--letter-date") if letter_date else None
    started = time.perf_counter()
    options = _engine_options(engine, engine_option, spark_master)
    check_case_folder(out, replace)  # a folder write_case would refuse, before the work
    with RichProgress(quiet) as progress:
        result = foidesk.answer(
            request,
            engine=engine,
            engine_options=options,
            letter_date=when,
            progress=progress,
            allow_empty=allow_empty,
            decisions=foidesk.case_decisions(out),  # a person's decisions: kept and applied
            letter_pdf=False if no_pdf else None,
        )
    folders = foidesk.write_case(out, result, replace=replace)
    _warn(result)  # after the case is written: a refused write is one line
    _warn_scan(folders)
    if folders.set_aside_note:  # files moved: said even with --quiet
        err.print(folders.set_aside_note, markup=False)
    sys.stdout.write(RENDERERS[fmt.value](result.table))
    sys.stdout.flush()
    if not quiet:
        _summary(result, folders, time.perf_counter() - started)


def _warn_scan(folders: CaseFolders) -> None:
    """What the scan of public/ warns of (a document property naming a person), on stderr."""
    for notice in folders.notices:
        err.print(f"foidesk: warning: {notice.message}", markup=False)


def _warn(result: foidesk.Answer) -> None:
    """Each problem the answer says about its data, one line on stderr (even with --quiet)."""
    for notice in result.notices:
        err.print(f"foidesk: warning: {notice.message}", markup=False)


def _figure(figure: int | object) -> str:
    """A released figure for the terminal: a number with thousands separators, or the symbol
    disclosure control shows in its place."""
    return f"{figure:,}" if isinstance(figure, int) else str(figure)


def _summary(result: foidesk.Answer, folders: dict[str, Path], seconds: float) -> None:
    counts = result.audit["counts"]
    possible = int(counts.get("crimes_with_possible_mentions_only", 0))
    also = f", {possible:,} more with possible mentions only" if possible else ""
    err.print(
        f"Searched {counts['population']:,} crimes ({counts['copies_searched']:,} record copies) "
        f"of {counts['rows_read']:,} rows read; {counts['crimes_with_hits'] - possible:,} crimes "
        f"with a mention{also}; {counts['evidence_rows']:,} hits in evidence."
    )
    unread: dict[str, int] = {}
    for source in result.release.sources:
        unread[source.system] = unread.get(source.system, 0) + source.rows_quarantined
    for system, line in result.coverage.totals().items():
        err.print(
            f"  {system}: {line.records_searched:,} records searched, "
            f"{_figure(line.records_with_hits)} with a mention"
            + (
                f"; {unread[system]:,} records could not be read (quarantined by ingest)"
                if unread.get(system)
                else ""
            ),
            markup=False,
        )
    review = result.audit.get("review", {})
    if review.get("hits_reviewed") or review.get("possible_hits_undecided"):
        err.print(
            f"Review: {review['hits_reviewed']:,} hits decided by a person "
            f"({review['hits_accepted']:,} accepted, {review['hits_rejected']:,} rejected); "
            f"{review['possible_hits_undecided']:,} possible hits undecided (not counted)."
        )
    cost = result.audit.get("cost")
    if cost:
        err.print(
            f"Cost (FOIA s.12): about {cost['hours']:,.1f} hours with foidesk "
            f"({cost['crimes_to_read']:,} crimes to read by hand), limit {cost['limit_hours']:g} "
            f"hours: {'over it' if cost['over_limit'] else 'within it'} (foidesk estimate)."
        )
    err.print(f"Due date (FOIA s.10): {result.audit['deadline']['due']}")
    err.print(f"Case folder: {folders['public'].parent} ({seconds:.1f} s)")
    err.print(_letter_line(folders["public"]), markup=False)


def _letter_line(public: Path) -> str:
    """Where the letter is: its PDF and Word files, or the Markdown; a draft said so."""
    for name in ("letter", "letter-draft"):
        made = [
            public / f"{name}.{ext}"
            for ext in ("pdf", "docx")
            if (public / f"{name}.{ext}").is_file()
        ]
        if made:
            draft = " (a draft: fill in its placeholders and answer again)" * (name != "letter")
            return "Letter: " + ", ".join(str(p) for p in made) + draft
    return f"Letter: {public / 'letter.md'}"


@app.command()
def estimate(
    request: Annotated[Path, typer.Argument(help="The request file (TOML).")],
    case: Annotated[
        Path | None,
        typer.Option(
            "--case",
            help=(
                "A case folder answered before (answer --out CASE): its decisions are "
                "applied, so the crimes a person has already read are not counted again."
            ),
        ),
    ] = None,
) -> None:
    """Estimate the cost of compliance under FOIA section 12 and print it on stdout.

    Runs the search (nothing is written) and prints a few plain lines: the hours with foidesk
    (the crimes whose possible mentions a person must still read, at the request's [cost]
    rate_minutes, default 3 minutes a record, plus extraction_minutes, default 30); for
    comparison, reading every record of the population at the same rate; the quality
    sample's checking (not in the s.12 figure: checking is not locating, retrieving or
    extracting); the appropriate limit (18 hours, £450 at £25 an hour, for police and other
    bodies; [cost] limit = "central" for 24 hours, £600); whether the estimate is over it;
    and, over it, the narrowings of the request that fit (fewer years, fewer terms, one
    system), each with its estimate, for the advice section 16 asks for. Every answer's
    method statement and audit give the same figures; over the limit its letter is a
    refusal notice and public/ holds no table.
    """
    from foidesk.review.estimate import estimate as run_estimate
    from foidesk.review.estimate import estimate_lines

    with RichProgress(False) as progress:
        cost = run_estimate(request, case, progress=progress)
    sys.stdout.write("\n".join(estimate_lines(cost)) + "\n")


@app.command()
def layouts(
    request: Annotated[Path, typer.Argument(help="The request file (TOML).")],
    case: Annotated[
        Path | None,
        typer.Option(
            "--case",
            help=(
                "A case folder answered before (answer --out CASE): its "
                "internal/crime-hits.parquet is counted again, with no search. Without it the "
                "search is run first (nothing is written)."
            ),
        ),
    ] = None,
    options: Annotated[
        int, typer.Option("--options", min=2, help="Layouts to list, the request's own included.")
    ] = 8,
) -> None:
    """List coarser layouts of the request's table, with the share of cells each withholds.

    Disclosure control withholds every figure from 1 to 4 ([disclosure] suppress_below) and
    more to protect them, so a fine table can lose most of its cells. This counts the table
    again in coarser layouts (a row level dropped or fewer levels; offences by Home Office
    code instead of the force's descriptions; the whole window as one column; their
    combinations) and prints on stdout the request's own layout first, then the options worth
    choosing, fewest withheld first: each with its rows, cells, the cells from 1 to 4 (surely
    withheld; more are withheld to protect them) and their share, then the [table] lines to
    put in the request. A layout is left out when one at least as fine withholds no larger
    share.
    """
    from foidesk.counting.layouts import layout_lines
    from foidesk.review.layouts import layouts as run_layouts

    with RichProgress(False) as progress:
        found = run_layouts(request, case, limit=options, progress=progress)
    sys.stdout.write("\n".join(layout_lines(found)) + "\n")


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the synthetic data and the case.")
    ] = Path("foidesk-demo"),
    rows: Annotated[int, typer.Option("--rows", min=1000, help="Synthetic rows.")] = 200_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 2019,
) -> None:
    """Make the synthetic two-system data set and answer FOI2019/02832 on it.

    Writes OUT/data/ (legacy.csv, athena.csv, labels.csv, foi2019-02832.toml) and the case
    folder OUT/case/; prints the table on stdout.
    """
    import foidesk
    from foidesk.release.render import RENDERERS
    from foidesk.tools.synth import make_synthetic

    started = time.perf_counter()
    err.print(f"Making {rows:,} synthetic crime records in {out / 'data'} ...")
    data = make_synthetic(rows, out / "data", seed=seed)
    with RichProgress(False) as progress:
        result = foidesk.answer(
            data.request_path,
            letter_date=date(2019, 6, 3),
            progress=progress,
            decisions=foidesk.case_decisions(out / "case"),  # decisions made on an earlier demo
        )
    folders = foidesk.write_case(out / "case", result, replace=True)  # its own folder
    _warn(result)
    _warn_scan(folders)
    sys.stdout.write(RENDERERS["text"](result.table))
    sys.stdout.flush()
    _summary(result, folders, time.perf_counter() - started)
    undecided = int(result.audit.get("review", {}).get("possible_hits_undecided", 0))
    if undecided:
        err.print(
            f"Next: decide the {undecided:,} possible hits in a spreadsheet: foidesk review "
            f"export {out / 'case'} (docs/review.md)",
            markup=False,
        )


@app.command()
def match(
    file: Annotated[
        Path, typer.Argument(help="JSON lines with id and text, or CSV / Parquet with those.")
    ],
    lexicon: Annotated[
        str, typer.Option("--lexicon", help="Built-in lexicon name or a lexicon file.")
    ] = "social-media",
    term: Annotated[
        list[str] | None,
        typer.Option(
            "--term",
            help="A term to search for (repeat): one of the lexicon's, or any other word, "
            "whose variants are made for it (see 'foidesk lexicon show'); default: the "
            "lexicon's terms.",
        ),
    ] = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Readable output: each hit with its rule, certainty, signal and context.",
        ),
    ] = False,
) -> None:
    """Find mentions of the terms in texts; print one JSON line per input, in input order.

    Each line: {"id", "terms": [...], "possible": [...], "hits": [{"term", "field", "start",
    "end", "text", "rule", "certainty"}]}. "terms" holds the terms with a certain hit (what a
    table counts), "possible" those with possible hits only (for a person to check); start
    and end are character offsets into that field's text. Short-form hits (FB, insta, ...)
    also carry "signal": what let them count. With the social-media lexicon each line also
    has "platforms" (the same as "terms") and each hit "platform".
    """
    from foidesk.search.adhoc import resolve_terms
    from foidesk.search.lexicon import load_lexicon
    from foidesk.search.matcher import Matcher
    from foidesk.search.matchfile import conditions_warning, match_file

    lex, platforms = resolve_terms(load_lexicon(lexicon, base=Path.cwd()), term or [])
    matcher = Matcher(lex, platforms)
    if note := conditions_warning(matcher):
        err.print(note, markup=False, highlight=False)
    match_file(file, matcher, sys.stdout, explain=explain)


@app.command()
def evaluate(
    labelled: Annotated[
        Path,
        typer.Argument(help="Hand-labelled notes: JSON lines with id, text and platforms."),
    ],
    lexicon: Annotated[
        str, typer.Option("--lexicon", help="Built-in lexicon name or a lexicon file.")
    ] = "social-media",
    errors: Annotated[
        bool, typer.Option("--errors/--no-errors", help="List every error with its text.")
    ] = True,
) -> None:
    """Measure the lexicon's recall, precision and F1 on hand-labelled notes.

    Per platform and overall, beside the naive search forces describe (a case-insensitive
    whole-word match of the six names), then every case the lexicon gets wrong, with its text
    and hits. Measure on hand-written notes only, never on the synthetic generator's labels.
    """
    from foidesk.search.evaluate import evaluate as run_evaluate
    from foidesk.search.evaluate import render_report
    from foidesk.search.lexicon import load_lexicon
    from foidesk.search.matcher import Matcher

    lex = load_lexicon(lexicon, base=Path.cwd())
    report = run_evaluate(labelled, Matcher(lex))
    sys.stdout.write(render_report(report, show_errors=errors))


@app.command()
def ingest(
    files: Annotated[
        list[str],
        typer.Argument(help="Extract files (CSV, XLSX, Parquet, JSON lines) or a SQL URL."),
    ],
    out: Annotated[Path, typer.Option("--out", help="The snapshot folder to write.")],
    system: Annotated[
        str | None,
        typer.Option("--system", help="The record system's name (or system in the mapping)."),
    ] = None,
    mapping: Annotated[
        str | None,
        typer.Option(
            "--mapping",
            help="Mapping file, or a built-in: standard (default), police-uk-street.",
        ),
    ] = None,
    notes: Annotated[
        list[str] | None,
        typer.Option("--notes", help="A notes file (one row per log entry), joined on crime_ref."),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite an existing snapshot.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress or summary.")] = False,
) -> None:
    """Load extracts into a snapshot: every row loaded, quarantined or counted as a duplicate.

    Writes OUT/crimes.parquet (and notes.parquet), OUT/quarantine.csv (source, line, reason)
    and OUT/manifest.json (per source: rows_read, rows_loaded, rows_quarantined, duplicates,
    sha256). The folder appears only when complete. A SQL source is a SQLAlchemy URL with
    query or table in the mapping, e.g. sqlite:///crimes.db or postgresql://user@host/db.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from foidesk.ingest.mapping import load_mapping
    from foidesk.ingest.snapshot import ingest as run_ingest

    started = time.perf_counter()
    spec = load_mapping(mapping)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description} {task.completed:,} rows"),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,
    )
    with progress:
        task = progress.add_task("Reading", total=None)
        result = run_ingest(
            files,
            out,
            spec,
            system=system,
            notes=notes or [],
            replace=replace,
            progress=lambda n: progress.advance(task, n),
            own_process=True,  # the command owns the process (ingest's allocator and GC)
        )
    if quiet:
        return
    totals = result.manifest["totals"]
    err.print(
        f"{result.manifest['system']}: {totals['rows_read']:,} rows read, "
        f"{totals['rows_loaded']:,} loaded, {totals['rows_quarantined']:,} quarantined, "
        f"{totals['duplicates']:,} exact duplicates merged "
        f"({time.perf_counter() - started:.1f} s)"
    )
    for source in result.manifest["sources"]:
        err.print(
            f"  {source['path']}: {source['rows_read']:,} read, {source['rows_loaded']:,} "
            f"loaded, {source['rows_quarantined']:,} quarantined, {source['duplicates']:,} "
            f"duplicates ({source['encoding']})"
        )
    if result.manifest.get("notes"):
        n = result.manifest["notes"]
        unread = sum(s.get("rows_quarantined_on_read", 0) for s in n.get("sources", []))
        err.print(
            f"  notes: {n['notes_loaded']:,} loaded, {unread:,} quarantined, "
            f"{n['orphan_notes']:,} orphans"
        )
    if totals["rows_quarantined"]:
        err.print(f"Quarantined rows and reasons: {result.snapshot / 'quarantine.csv'}")
    if not result.manifest["text_fields"]:
        err.print("[yellow]No free-text fields: this data cannot be searched for mentions.[/]")
    err.print(f"Snapshot: {result.snapshot}")


@app.command()
def deadline(
    received: Annotated[str, typer.Argument(help="Date the request was received (YYYY-MM-DD).")],
    clarified: Annotated[
        str | None,
        typer.Option("--clarified", help="Date a clarification arrived: the clock restarts."),
    ] = None,
) -> None:
    """Print the FOIA s.10 due date (ISO) on stdout; the holidays skipped go to stderr.

    20 working days; day 1 is the first working day after receipt; weekends and the bank
    holidays of any UK nation are not working days.
    """
    from foidesk.casework.deadline import due_date

    got = _parse_date(received, "RECEIVED")
    clar = _parse_date(clarified, "--clarified") if clarified else None
    if clar is not None and clar < got:
        raise FoideskError(f"--clarified: {clar} is before the request was received ({got})")
    result = due_date(got, clar)
    print(result.due.isoformat())
    for day, name in result.skipped_holidays:
        err.print(f"skipped {day.isoformat()} {name}")


@app.command("letter-template")
def letter_template(
    out: Annotated[Path, typer.Argument(help="The Word file to write (.docx).")],
) -> None:
    """Save the built-in letterhead as a Word file, for a force to make its own from.

    Open it in Word or LibreOffice, add the force's logo, wording and styles, keep or move
    its fields ({{ force_name }}, {{ reference }}, {{ letter_date }} and the others in
    docs/letters.md; {{p letter }} is where the letter goes) and name it in the request:
    [force] letter_template = "letterhead.docx".
    """
    from foidesk.release.render.docx import builtin_template

    if out.suffix.lower() != ".docx":
        raise FoideskError(f"{out}: give a file name ending .docx")
    if out.exists():
        raise FoideskError(f"{out}: already exists; give a new file name")
    try:
        out.write_bytes(builtin_template())
    except OSError as exc:
        raise FoideskError(f"{out}: cannot be written ({exc.strerror})") from None
    err.print(f"Letterhead: {out} (docs/letters.md says what its fields are)", markup=False)


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the data set to.")],
    rows: Annotated[int, typer.Option("--rows", min=1, help="Total rows across both systems.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 2019,
    drug_share: Annotated[
        float,
        typer.Option(
            "--drug-share",
            help="Share of records with a drug offence (Home Office codes 92A to 92E), 0 to 1.",
        ),
    ] = 0.30,
    note_bytes: Annotated[
        int,
        typer.Option(
            "--note-bytes",
            help=(
                "Target mean bytes of free text per record (all its text columns), reached "
                "with more or fewer of the same crime-note sentences per field; mention and "
                "trap rates stay the same. 0 keeps the default notes (0 to 3 sentences per "
                "field, about 224 bytes). The reachable range is about 135 to 960 at drug "
                "share 0.30 (one sentence per non-blank field to every sentence once); a value "
                "outside it is an error that gives the exact range."
            ),
        ),
    ] = 0,
) -> None:
    """Make a synthetic two-system data set with its labels and a request file.

    legacy.csv (to 22 May 2018), athena.csv (from 23 May 2018, with migrated records),
    labels.csv (true platforms and knife labels per crime, for demos and benchmarks only) and
    foi2019-02832.toml. The same options give byte-identical files.
    """
    from foidesk.tools.synth import make_synthetic

    started = time.perf_counter()
    result = make_synthetic(
        rows, out, seed=seed, drug_share=drug_share, note_bytes=note_bytes or None
    )
    err.print(
        f"Wrote {result.legacy_rows:,} legacy and {result.athena_rows:,} athena rows "
        f"({result.migrated:,} migrated) to {out} in {time.perf_counter() - started:.1f} s"
    )


@app.command()
def bench(
    rows: Annotated[int, typer.Option("--rows", min=1000, help="Synthetic rows.")] = 2_000_000,
    work: Annotated[
        Path, typer.Option("--work", help="Folder for the data (reused between runs).")
    ] = Path("/tmp/foidesk-bench"),
    drug_share: Annotated[
        float,
        typer.Option(
            "--drug-share",
            help=(
                "Share of synthetic records with a drug offence, 0 to 1 (the issue's "
                "measurement set: 0.40)."
            ),
        ),
    ] = 0.40,
    note_bytes: Annotated[
        int,
        typer.Option(
            "--note-bytes",
            help=(
                "Mean bytes of free text per synthetic record (the issue's measurement set: "
                "560, so 2,000,000 rows hold 1.12 GB of text). 0 uses the generator's default "
                "notes (about 224 bytes). See `foidesk synth --help`."
            ),
        ),
    ] = 560,
    repeat: Annotated[
        int,
        typer.Option(
            "--repeat",
            min=1,
            help=(
                "Rounds: each run once a round, in turn, so that a noisy machine's drift "
                "falls on every run alike. The table gives the medians, then each run's "
                "range and the two ratios' range (each within one round). The naive loop "
                "runs in the first round only."
            ),
        ),
    ] = 1,
    spark: Annotated[
        bool,
        typer.Option(
            "--spark",
            help=(
                "Also answer on the Spark engine (local[*], every core; needs PySpark and "
                "Java) and print each engine's note text per core per second and their ratio "
                "(issue 20: Spark at least half the embedded engine's), with and without "
                "Spark's start-up."
            ),
        ),
    ] = False,
) -> None:
    """Time `foidesk answer` end to end against baselines, in one run, and print the ratios.

    Baselines: a DuckDB regexp_matches query for the six names with the same filter, a naive
    Python loop (timed on a sample, extrapolated), and the raw read of the text (the ceiling).
    Each runs in a fresh process; peak memory is the whole process's. The data is made once
    per rows and shape (a folder under --work named after them) and reused. See
    docs/performance.md.
    """
    from foidesk.tools.bench import data_shape, prepare, report, run
    from foidesk.tools.synth import check_shape

    check_shape(drug_share, note_bytes or None)  # a bad shape fails before any work
    notes = f"{note_bytes:,} bytes of notes a row" if note_bytes else "default notes"
    err.print(
        f"Preparing {rows:,} synthetic rows (drug share {drug_share:g}, {notes}) in {work} "
        "(reused next time) ..."
    )
    folder, _ = prepare(rows, work, drug_share=drug_share, note_bytes=note_bytes or None)
    rounds = []
    for n in range(repeat):
        runs = (
            f"answer, {'answer-spark, ' if spark else ''}duckdb-regexp, naive-python, read-text"
            if n == 0
            else "the same runs"
        )
        err.print(
            f"Round {n + 1} of {repeat}: timing {runs} ..." if repeat > 1 else f"Timing {runs} ..."
        )
        rounds.append(
            run(
                rows,
                work,
                drug_share=drug_share,
                note_bytes=note_bytes or None,
                naive=n == 0,
                spark=spark,
            )
        )
    found = data_shape(folder)
    sys.stdout.write(report(rows, rounds[0], found.population_mb, found, rounds=rounds))


lexicon_app = typer.Typer(
    help="Look at lexicons, and at how a search term without a lexicon is matched.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(lexicon_app, name="lexicon")
app.add_typer(review_app, name="review")
app.add_typer(users_app, name="users")
app.add_typer(cases_app, name="cases")
app.command("serve")(serve)
app.add_typer(log_app, name="log")
app.command("scan")(scan)


@lexicon_app.command("show")
def lexicon_show(
    names: Annotated[
        list[str],
        typer.Argument(
            help=(
                "A built-in lexicon (social-media), a lexicon file, or a search term no "
                "lexicon has (Grindr); several may be given."
            ),
        ),
    ],
) -> None:
    """Print a lexicon's terms and rules, or the rules a search term without a lexicon gets.

    A lexicon: each term with the variants the method statement gives and each rule with its
    name, certainty (certain, or possible: for a person to check), whether it is a short form
    needing a signal, and its expanded pattern; then the exclusions. Any other name is a
    search term: its generated rules (name, web address, and for six letters or more the
    spellings one letter away, as possible mentions), how many spellings, some of them, and
    the English words left out.
    """
    from foidesk.search.show import show_lines

    sys.stdout.write("\n".join(show_lines(names, base=Path.cwd())) + "\n")


# Commands that load Arrow, NumPy, DuckDB and Hyperscan (``deadline`` and ``--help`` do not),
# and the address space those libraries take before any work: measured 410 to 420 MB (Python
# 3.11, pyarrow 26, DuckDB 2.0, NumPy 2). Under a limit below it they fail in ways no handler
# sees (OpenBLAS ends the process with a line of its own), so a limit under 400 MB is refused
# before they load; between that and what the work needs, the handlers below say it.
_LOADS_LIBRARIES = {
    "answer",
    "demo",
    "match",
    "evaluate",
    "ingest",
    "synth",
    "bench",
    "estimate",
    "layouts",
}
_LIBRARIES_MB = 400


def _command() -> str | None:
    """The subcommand named on the command line (None with --help or --version)."""
    args = sys.argv[1:]
    if any(a in ("--help", "-h", "--version") for a in args):
        return None
    return next((a for a in args if not a.startswith("-")), None)


def main() -> None:
    """Entry point: run the app, turning user errors into one line on stderr.

    Exit status 2 with one line ``foidesk: error: ...`` for what the user can change: a
    ``FoideskError``, an ``OSError`` on a path, and running out of memory (the line names the
    address-space limit, ``ulimit -v``, when one is set, and what uses less memory); 130 or
    143 when interrupted or terminated; anything else is a bug, shown with its traceback
    (exit 1). ``--debug`` shows the traceback of every error."""
    from foidesk.workspace import (
        describe_limit,
        fit_address_space,
        memory_exhausted,
        out_of_memory_message,
        release_memory,
        threads_that_cannot_start_raise,
    )

    limit = fit_address_space()  # before Arrow, NumPy and DuckDB load
    command = _command()
    if command != "serve":  # the desk's jobs start threads too: a hung job, not a dead desk
        threads_that_cannot_start_raise()
    doing = f"in foidesk {command}" if command else "in foidesk"
    if limit is not None and command in _LOADS_LIBRARIES and limit < _LIBRARIES_MB << 20:
        sys.stderr.write(
            f"foidesk: error: {describe_limit(limit)}, less than foidesk's libraries (Arrow, "
            f"NumPy, DuckDB, Hyperscan) take before any work (about {_LIBRARIES_MB} MB); raise "
            "the limit (1 GB is enough for 200,000 records)\n"
        )
        sys.exit(2)
    try:
        app()
    except FoideskError as exc:
        if _state["debug"]:
            raise
        message = str(exc)
        culprit = memory_exhausted(exc)  # e.g. an engine whose library could not be mapped
        if culprit is not None and "memory" not in message.lower():
            message = out_of_memory_message(culprit, doing)
        sys.stderr.write(f"foidesk: error: {message}\n")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.stderr.write("foidesk: interrupted\n")
        sys.exit(130)
    except Exception as exc:
        if _state["debug"]:
            raise
        culprit = memory_exhausted(exc)
        if culprit is not None:  # MemoryError, a thread that could not start, ENOMEM, ...
            release_memory(exc)  # give back what the failed work held
            message = out_of_memory_message(culprit, doing)
            sys.stderr.write(f"foidesk: error: {message}\n")
            sys.exit(2)
        if not isinstance(exc, OSError):
            raise
        # a path that cannot be read or written: the user can fix it
        where = f"{exc.filename}: " if exc.filename else ""
        sys.stderr.write(f"foidesk: error: {where}{exc.strerror or exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
