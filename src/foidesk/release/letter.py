"""The response letter and the method statement, as structured ``Document``s.

Both are written from aggregates only: the request's own text, the ``FoiTable``, the per-system
``Coverage``, the ``SourceSummary`` of each source and the lexicon's plain-English variants.
The force's details come from the request's ``[force]`` table; a detail it does not give is a
``Placeholder`` (shown as ``[FORCE NAME]`` and so on), which ``Document.unfilled`` lists.
``render.document_markdown`` writes the documents as ``letter.md`` and ``method.md``.

Under disclosure control (``disclosure``, which ``release.gate`` passes as the request's
``[disclosure]`` settings once the table is protected; a table or coverage holding a withheld
figure implies it), every count of crimes with a mention in the prose goes through
``release.disclosure.wording`` ("fewer than five", never the number), the method can say what
was withheld ("Small numbers.") and the letter says why, under section 40(2)
(``withheld_blocks``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from foidesk.casework.deadline import REVIEW_REQUEST_DAYS, working_days_after
from foidesk.casework.home_office import home_office
from foidesk.casework.periods import WINDOW, long_date
from foidesk.casework.request import PLACEHOLDERS, DisclosureSettings, Request
from foidesk.casework.words import TermWords
from foidesk.release.coverage import Coverage, SearchedTerm, SourceSummary
from foidesk.release.disclosure.wording import (
    count_text,
    disclosure_blocks,
    is_concealed,
    number_words,
    shows_one,
    symbols_used,
    table_cells,
)
from foidesk.release.document import (
    ADDRESSEE,
    CONTACT,
    DATE,
    REFERENCE,
    Block,
    Bold,
    BulletList,
    Document,
    FoiTableBlock,
    Heading,
    IncludedDocument,
    Inline,
    LetterFields,
    LineBreak,
    Link,
    Paragraph,
    Placeholder,
    Quote,
    Text,
)
from foidesk.release.review import ReviewSummary, review_blocks
from foidesk.release.table import SECONDARY, Cell, FoiTable, Withheld, describe_window

METHOD_HEADING = "How the figures were produced"


@dataclass(frozen=True)
class Part:
    """The answer to one part of the request."""

    title: str
    answer: str


def _ordinal_date(day: date) -> str:
    suffix = (
        "th" if 11 <= day.day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    )
    return f"{day.day}{suffix} {day:%B %Y}"


def force_detail(request: Request, key: str) -> Placeholder:
    """One of the force's details (``name``, ``unit``, ``address``, ``email``, ``telephone``,
    ``signatory``) as a placeholder: without a value when the request's ``[force]`` table
    does not give it (the request then holds the ``[FORCE NAME]`` style default)."""
    default = PLACEHOLDERS[key]
    value: str = getattr(request.force, key)
    return Placeholder(default.strip("[]"), None if value == default else value)


def _para(*runs: Inline | str) -> Paragraph:
    """A paragraph; plain strings are ``Text`` runs."""
    return Paragraph(tuple(Text(r) if isinstance(r, str) else r for r in runs))


def _data(text: str) -> Text:
    """Text from the request or the force's records (a system or field name, a reference, the
    requester's words): renderers escape it, unlike the letter's own wording."""
    return Text(text, data=True)


def _lead(title: str, text: str) -> Paragraph:
    """A paragraph with a bold lead-in: '**Population.** Crimes recorded ...'."""
    return _para(Bold(title), " " + text)


def method_statement(
    request: Request,
    terms: list[SearchedTerm],
    sources: tuple[SourceSummary, ...],
    coverage: Coverage,
    words: TermWords | None = None,
    review: ReviewSummary | None = None,
    coverage_shown: bool = True,
    *,
    disclosure: DisclosureSettings | None = None,
    table: FoiTable | None = None,
) -> Document:
    """How the figures were produced: population, systems, fields, terms, a person's review,
    counting, small numbers, coverage; the terms called as ``words`` say (the lexicon's and
    the request's). ``coverage_shown=False`` (a request refused under s.12) leaves out the
    records with a mention by system and period, which would be most of the answer refused.

    ``disclosure``: the request's disclosure control, under which every count of crimes with
    a mention is said by ``release.disclosure.wording.count_text`` ("fewer than five"); None
    is no control, unless the coverage or ``table`` holds a withheld figure (then the
    request's settings). ``table``: the released table, given when disclosure control was
    applied to it: the "Small numbers." paragraph (``disclosure_blocks``) follows
    "Counting."."""
    words = words or TermWords()
    disclosure = _prose_settings(
        request, disclosure, [*coverage.withheld(), *(table_cells(table) if table else ())]
    )
    ho = home_office()
    groups = [t for t in request.offence_terms if t.lower() in ho.offence_groups]
    group_names = ", ".join(ho.offence_group_labels.get(g.lower(), g).lower() for g in groups)
    overlaps = "; ".join(f"{systems}: {n}" for systems, n in coverage.overlaps)
    winner = {
        "later": "the copy from the newer system (the later source)",
        "earlier": "the copy from the older system (the earlier source)",
    }.get(request.prefer, f"the {request.prefer} copy")
    financial = request.columns == "financial_year"
    window = request.columns == WINDOW
    period_text = "financial years (1 April to 31 March)" if financial else "calendar years"
    period_noun = "period" if window else "financial year" if financial else "year"

    totals = coverage.totals()

    def searched(source: SourceSummary) -> str:
        """Records searched in a system, and, when some are copies of crimes counted under the
        other system, how many crimes it holds (the coverage table's figure)."""
        text = f": {source.copies_searched:,} records searched"
        line = totals.get(source.system)
        held = line.records_searched if line is not None else source.copies_searched
        if held != source.copies_searched:
            text += (
                f" ({held:,} of them are the crimes counted under this system, as in the "
                "coverage table; the others are copies of crimes held on both systems)"
            )
        return text + "; free-text fields: "

    def fields(source: SourceSummary) -> str:
        names = [*source.text_fields, *(["investigation log entries"] if source.has_notes else [])]
        return ", ".join(names) or "none (no free text: not searched)"

    blocks: list[Block] = [
        _lead(
            "Population.",
            f"Crimes recorded from {describe_window(request)} inclusive (by the date the crime "
            "was recorded), "
            + (
                "of every offence. "
                if request.all_offences
                else "with the Home Office offence codes "
                f"{', '.join(request.offence_codes)}{f' ({group_names})' if group_names else ''}. "
            )
            + "Cancelled and transferred records are excluded, as the Home Office Counting Rules "
            "require.",
        ),
        _para(Bold("Systems and fields searched.")),
        BulletList(
            tuple(
                (
                    _data(s.system),
                    Text(searched(s)),
                    _data(fields(s)),
                    Text(
                        "."
                        + (
                            f" {s.rows_quarantined:,} "
                            + ("record" if s.rows_quarantined == 1 else "records")
                            + " of this system's extract could not be read and "
                            "were not searched."
                            if s.rows_quarantined
                            else ""
                        )
                        + (
                            f" {s.notes_quarantined:,} investigation log "
                            + ("entry" if s.notes_quarantined == 1 else "entries")
                            + " could not be read and "
                            + ("was" if s.notes_quarantined == 1 else "were")
                            + " not searched."
                            if s.notes_quarantined
                            else ""
                        )
                    ),
                )
                for s in sources
            )
        ),
    ]
    if overlaps:
        blocks.append(
            _para(
                "Some crimes are held on more than one system (records migrated from one system "
                "to the other keep their crime reference). Each such crime is counted once: ",
                _data(winner),
                " supplies its date, offence and outcome, and the notes of every copy "
                "are searched. Crimes held on more than one system: ",
                _data(overlaps),
                ".",
            )
        )
    blocks += [
        _lead(
            "Terms searched.",
            "Each free-text field was searched on its own, by computer, for whole-word "
            "mentions of:",
        ),
        BulletList(tuple((Text(f"{t.name}: {t.variants}."),) for t in terms)),
        _para(_inside_words(words) + " ".join((*words.method_notes, _part_played(words)))),
        *_certainty(coverage, words, disclosure),
        *review_blocks(review, words, disclosure),
        _lead(
            "Counting.",
            f"Each figure is a number of distinct crimes. A crime that mentions two {words.terms} "
            f"is counted once under each {words.term} and once in every total above them. "
            + (
                "The table has one column, the whole period, by the date the crime was recorded."
                if window
                else f"Columns are {period_text} of the date the crime was recorded; every "
                f"{period_noun} of the period is shown, including those with no crimes."
            ),
        ),
    ]
    if table is not None:
        blocks += disclosure_blocks(disclosure, table)
    if coverage_shown:
        blocks += [
            _lead(
                "Coverage.",
                "Records searched and records with at least one mention, by system and "
                f"{period_noun} (a crime held on two systems is shown under the system whose "
                "copy supplied its details):",
            ),
            coverage.to_table(),
            *_coverage_symbols(request, coverage),
        ]
    return Document(METHOD_HEADING, tuple(blocks))


def _prose_settings(
    request: Request, disclosure: DisclosureSettings | None, withheld: list[object]
) -> DisclosureSettings | None:
    """The disclosure control the prose is written under: ``disclosure`` as given, or the
    request's when a released figure is withheld (control was applied, so no count of crimes
    may be written out even when a caller forgot to say so)."""
    if disclosure is None and any(isinstance(w, Withheld) for w in withheld):
        return request.disclosure
    return disclosure


def _symbol_runs(symbols: tuple[str, ...]) -> list[Inline]:
    """'"<5"' or '"<5" or "~"': the symbols as data (escaped by renderers)."""
    runs: list[Inline] = []
    for i, symbol in enumerate(symbols):
        if i:
            runs.append(Text(" or "))
        runs.append(_data(f'"{symbol}"'))
    return runs


def _coverage_symbols(request: Request, coverage: Coverage) -> list[Block]:
    """What the coverage table's symbols mean, when disclosure control withheld any of its
    figures of records with a mention."""
    small, secondary = symbols_used(coverage.withheld())
    if not (small or secondary):
        return []
    below = number_words(request.disclosure.suppress_below)
    runs: list[Inline] = [Text("In this table, ")]
    if small:
        runs += [*_symbol_runs(small), Text(f" stands for fewer than {below} records")]
    if secondary:
        runs += [
            Text(" and " if small else ""),
            *_symbol_runs(secondary),
            Text(
                " for a figure withheld so that no withheld figure can be worked out from the "
                "totals"
            ),
        ]
    runs.append(
        Text(
            ": they are withheld under section 40(2) of the Act, as in the table of crimes "
            "with a mention."
        )
    )
    return [Paragraph(tuple(runs))]


def _inside_words(words: TermWords) -> str:
    """The sentence on mentions inside other words, with the lexicon's examples."""
    examples = [f'"{w}"' for w in words.inside_word_examples]
    if not examples:
        return "A mention inside another word is not counted. "
    listed = ", ".join(examples[:-1]) + " or " + examples[-1] if len(examples) > 1 else examples[0]
    return f"A mention inside another word is not counted (for example {listed}). "


def _part_played(words: TermWords) -> str:
    return f"The search does not tell whether the {words.term} played any part in the offence."


def _certainty(
    coverage: Coverage, words: TermWords, disclosure: DisclosureSettings | None = None
) -> list[Block]:
    """What the figures do with possible mentions: a paragraph when there were any (their
    count said by ``count_text`` under disclosure control)."""
    if not coverage.possible_only:
        return []
    n = coverage.possible_only
    one = shows_one(n, disclosure)
    crimes = "crime" if one else "crimes"
    return [
        _lead(
            "Certain and possible mentions.",
            "Each mention found is marked certain or possible. A possible mention is one a "
            f"careful reader would want to check: a short form of a {words.term}'s name "
            "without a clear sign of what it means, a word with another common meaning, or a "
            f"spelling one letter away from a name. The figures count crimes with a certain "
            f"mention; {count_text(n, disclosure)} {crimes} whose only mentions were possible "
            f"{'is' if one else 'are'} not included.",
        )
    ]


def _grand_total(total: Cell, disclosure: DisclosureSettings | None) -> str:
    """', 1809 in all.' (the number as the letter has always written it), ', fewer than five
    in all.' under disclosure control, '; the total is withheld.'."""
    if isinstance(total, Withheld) and total.kind == SECONDARY:
        return "; the total is withheld."
    if is_concealed(total, disclosure):
        return f", {count_text(total, disclosure)} in all."
    return f", {total} in all."


def _parts(
    request: Request,
    table: FoiTable,
    words: TermWords,
    disclosure: DisclosureSettings | None = None,
) -> list[Part]:
    period = "financial year" if request.columns == "financial_year" else "year"
    window = request.columns == WINDOW
    parts = [
        Part(
            "Number of crimes" if window else "Number of crimes by " + period,
            (
                "The table gives the number of crimes for the whole period"
                if window
                else f"The table gives the number of crimes for each {period} of the period"
            )
            + _grand_total(table.grand_total.total, disclosure),
        )
    ]
    if "offence" in table.dimensions:
        wording = (
            "the Home Office offence classification"
            if request.offence_label == "home_office"
            else "the offence description recorded by the force"
        )
        parts.append(Part("Type of offence", f"Offences are shown by {wording}."))
    if "term" in table.dimensions:
        parts.append(
            Part(
                words.part_title,
                f"The table shows each {words.term} that was mentioned; {words.terms} searched "
                "for but not found in any record do not appear as rows.",
            )
        )
    if "outcome" in table.dimensions and "convictions" not in request.asked:
        parts.append(
            Part(
                "Outcome",
                "The table shows the police outcome of each crime (for example charged, "
                "caution or community resolution).",
            )
        )
    if "convictions" in request.asked:
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
    if "details" in request.asked:
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


def _caveats(
    request: Request, sources: tuple[SourceSummary, ...], coverage: Coverage
) -> list[Paragraph]:
    caveats = []
    totals = coverage.totals()
    for source in sources:
        if source.data_quality_from:
            since = long_date(date.fromisoformat(source.data_quality_from))
            caveats.append(
                _para(
                    "The ",
                    _data(source.system),
                    " system came into use during the period. ",
                    force_detail(request, "name"),
                    " has some concerns about the quality of data recorded on ",
                    _data(source.system),
                    f" from {since} ({source.population_after_dq_date:,} of the crimes "
                    "searched), so some of the figures for crimes recorded from that date may "
                    "include inaccuracies.",
                )
            )
    unsearchable = {s.system for s in sources if not s.searchable}
    for source in sources:
        if not source.searchable:
            held = totals[source.system].records_searched if source.system in totals else 0
            caveats.append(
                _para(
                    "The ",
                    _data(source.system),
                    f" data holds no free text, so its {held:,} records in "
                    "the period could not be searched for mentions; they are not counted as "
                    "records without a mention.",
                )
            )
    for system, line in totals.items():
        if system in unsearchable:
            continue
        # a withheld figure may stand for none: "no results" would give it away
        if line.records_searched and line.records_with_hits == 0:
            caveats.append(
                _para(
                    "No results were found on the ",
                    _data(system),
                    f" crime recording system ({line.records_searched:,} records were searched).",
                )
            )
        elif not line.records_searched:
            caveats.append(
                _para(
                    "The ",
                    _data(system),
                    " system holds no records of the requested offences in the period.",
                )
            )
    caveats.append(
        _para(
            "The numerical data presented in this response is an un-audited snapshot of "
            "un-published data sourced from 'live' systems and is subject to the interpretation "
            "of the original request by the individual extracting the data. Free-text notes are "
            "written by many people in many styles, and a computer search of them can miss or "
            "wrongly include a mention."
        )
    )
    return caveats


def response_letter(
    request: Request,
    table: FoiTable,
    coverage: Coverage,
    sources: tuple[SourceSummary, ...],
    method: Document,
    letter_date: date,
    words: TermWords | None = None,
    *,
    disclosure: DisclosureSettings | None = None,
) -> Document:
    """The response letter: letterhead, the request quoted, the table and the answer to each
    part, what was withheld and why (``withheld_blocks``: only when a figure is), the method
    statement (``method``) as "How the figures were produced", the caveats, the sign-off and
    the right to a review. The parts answered besides the table follow the request's
    ``asked`` (convictions, details), never a guess from its text. ``disclosure``: as for
    ``method_statement``."""
    words = words or TermWords()
    disclosure = _prose_settings(request, disclosure, [*table_cells(table), *coverage.withheld()])
    name = force_detail(request, "name")
    systems = " and ".join(s.system for s in sources)
    title = letter_title(request)

    blocks: list[Block] = [
        *letterhead(request, letter_date, title),
        _para(
            "I am required by the Freedom of Information Act 2000 (the Act) to handle all "
            "requests in a manner that is blind to the identity of the requestor. Any "
            "information released in response to a request is regarded as being published and "
            "therefore in the public domain without caveat."
        ),
        Heading(2, "Response"),
        _para(
            "Following enquiries of the ",
            name,
            " crime recording systems (",
            _data(systems),
            "), please see our response below.",
        ),
        *table_blocks(table),
        *(
            _lead(part.title + ".", part.answer)
            for part in _parts(request, table, words, disclosure)
        ),
        *withheld_blocks(request, table, coverage),
        IncludedDocument(Heading(2, METHOD_HEADING), method),
        Heading(2, "Caveats"),
        *_caveats(request, sources, coverage),
        *closing(request, letter_date),
    ]
    return Document(title, tuple(blocks))


LETTER_TABLE_ROWS = 40  # a table with more rows (its total included) is attached, not pasted
ATTACHED_TABLE = "table.xlsx"  # the attachment a long table is in (public/, beside the letter)


def table_blocks(table: FoiTable) -> list[Block]:
    """The table in the letter: the table itself, or, when it has more than
    ``LETTER_TABLE_ROWS`` rows, its title, where to find it (the attached spreadsheet) and its
    footnotes, which say what its symbols and marks mean."""
    rows = len(table.rows) + 1
    if rows <= LETTER_TABLE_ROWS:
        return [FoiTableBlock(table)]
    return [
        Paragraph((Bold(table.title),)),
        _para(
            f"The table has {rows:,} rows, too many to set out in this letter. It is attached "
            f"as a spreadsheet, {ATTACHED_TABLE} (the same table is attached as table.csv, "
            "for other software)."
        ),
        *(_para(note) for note in table.footnotes),
    ]


WITHHELD_HEADING = "Figures withheld"


def withheld_blocks(
    request: Request, table: FoiTable, coverage: Coverage | None = None
) -> list[Block]:
    """The letter's notice of the figures withheld by disclosure control (FOIA s.17(1): the
    fact, the exemption, why it applies), in the wording forces use for section 40(2): which
    symbols stand for what, and why small numbers are personal data. Nothing when no figure of
    ``table`` (or of ``coverage``) is withheld."""
    cells = [*table_cells(table), *(coverage.withheld() if coverage is not None else ())]
    small, secondary = symbols_used(cells)
    if not (small or secondary):
        return []
    settings = request.disclosure
    below = number_words(settings.suppress_below)
    high = settings.suppress_below - 1
    span = "1" if high == 1 else f"from 1 to {high}"
    which: list[Inline] = []
    if small:
        figures = {
            "shown": f"Figures {span}",
            "withheld": f"Figures under {below}, 0 included,",
        }.get(
            settings.zeros,
            f"Figures {span} (and a 0 where showing it would let one of them be worked out)",
        )
        which += [Text(f"{figures} are shown as "), *_symbol_runs(small), Text(".")]
    if secondary:
        which += [
            Text(" Further figures are shown as " if small else "Some figures are shown as "),
            *_symbol_runs(secondary),
            Text(
                ": they are withheld so that no withheld figure can be worked out from the "
                "totals beside them."
            ),
        ]
    if coverage is not None and coverage.withheld():
        which.append(
            Text(
                " The same symbols are used for records with a mention in the coverage table below."
            )
        )
    return [
        Heading(2, WITHHELD_HEADING),
        _para(
            "Some of the figures are withheld. Section 17(1) of the Act requires "
            "a public authority that withholds information to say so, to state the exemption "
            "it relies on and to say why the exemption applies; this section is that notice "
            "for the figures withheld. Every other figure is provided."
        ),
        Paragraph(tuple(which)),
        _para(
            "These figures are exempt under section 40(2) of the Act (personal information), "
            "by virtue of section 40(3A)(a). Small numbers, taken with other information that "
            "is publicly available or known locally, could identify the people involved, such "
            "as victims, witnesses and suspects. Disclosure would therefore be of their "
            "personal data, and would not be fair or lawful: it would contravene the first "
            "data protection principle (Article 5(1)(a) of the UK General Data Protection "
            "Regulation). Section 40(2) is an absolute exemption in these circumstances "
            "(section 2(3)(fa) of the Act), so no public interest test is required."
        ),
    ]


def letter_title(request: Request) -> str:
    """The letter's title line, with the request's reference."""
    return f"Request under the Freedom of Information Act 2000, Ref No: {request.reference}"


def letter_fields(request: Request, letter_date: date, *, addressee: bool = True) -> LetterFields:
    """The values a letterhead's fields are filled with (``release.render.docx``): the
    reference and dates, the force's details (a detail left out is its ``[NAME]``) and the
    addressee (empty unless the request gives one and ``addressee``)."""
    force = request.force
    return LetterFields(
        reference=request.reference,
        title=letter_title(request),
        letter_date=_ordinal_date(letter_date),
        received=_ordinal_date(request.received),
        force_name=force.name,
        unit=force.unit,
        address=force.address,
        telephone=force.telephone,
        email=force.email,
        signatory=force.signatory,
        addressee=(request.addressee or "") if addressee else "",
    )


def letterhead(request: Request, letter_date: date, title: str) -> list[Block]:
    """The top of every letter to the requester: the force's address and contact details,
    the date, our reference, the title, and the request quoted as received (and clarified)."""
    name, unit = force_detail(request, "name"), force_detail(request, "unit")
    received = _ordinal_date(request.received)
    clarified = (
        f", which you clarified on {_ordinal_date(request.clarified)}" if request.clarified else ""
    )
    request_text = request.request_text.strip()
    quoted = [_para(Placeholder("REQUEST TEXT", request_text or None))]
    if clarification := request.clarification.strip():
        quoted.append(_para("CLARIFICATION - ", _data(clarification)))
    addressee: list[Block] = []
    if request.addressee:
        lines: list[Inline] = []
        for i, line in enumerate(request.addressee.splitlines()):
            lines += [LineBreak()] * (i > 0) + [_data(line.strip())]
        addressee.append(Paragraph(tuple(lines), role=ADDRESSEE))
    return [
        Paragraph(
            (name, LineBreak(), unit, LineBreak(), force_detail(request, "address")), role=CONTACT
        ),
        Paragraph(
            (
                Text("Telephone: "),
                force_detail(request, "telephone"),
                LineBreak(),
                Text("Email: "),
                force_detail(request, "email"),
            ),
            role=CONTACT,
        ),
        *addressee,
        Paragraph((Text(_ordinal_date(letter_date)),), role=DATE),
        Paragraph((Text("Our Ref: "), _data(request.reference)), role=REFERENCE),
        _para("Dear Sir or Madam"),
        Heading(1, title, data=True),
        _para(
            f"I write in connection with your request for information received on {received}"
            f"{clarified}. I note you seek access to the following information:"
        ),
        Quote(tuple(quoted)),
    ]


def closing(request: Request, letter_date: date) -> list[Block]:
    """The end of every letter to the requester: the sign-off, and the right to an internal
    review (asked for within 40 working days of the letter, as the section 45 code of practice
    puts it) and then to complain to the Information Commissioner (section 50)."""
    name, unit = force_detail(request, "name"), force_detail(request, "unit")
    review_by = working_days_after(letter_date, REVIEW_REQUEST_DAYS).due
    return [
        _para(
            "Should you have any further enquiries concerning this matter please do not "
            "hesitate to contact me quoting the above reference number."
        ),
        _para("Yours sincerely"),
        _para(force_detail(request, "signatory"), LineBreak(), unit),
        Heading(2, "Your right to request a review"),
        _para(
            "If you are dissatisfied with the handling of your request, you have the right to "
            "ask for an internal review. A review must be asked for in writing within "
            f"{REVIEW_REQUEST_DAYS} working days of the date of this letter, that is by "
            f"{_ordinal_date(review_by)}, quoting the reference "
            "above, to ",
            unit,
            " at the address or email given in this letter. ",
            name,
            " aims to complete an internal review within 20 working days, and in no more than "
            "40 working days.",
        ),
        _para(
            "If you are still dissatisfied after the internal review, you may apply to the "
            "Information Commissioner for a decision under section 50 of the Act. The "
            "Commissioner will usually expect the internal review to have been completed "
            "first. For information on how to make a complaint please visit their website at ",
            Link("https://ico.org.uk/make-a-complaint/"),
            ", write to the Information Commissioner's Office, Wycliffe House, Water Lane, "
            "Wilmslow, Cheshire, SK9 5AF, or telephone 0303 123 1113.",
        ),
    ]
