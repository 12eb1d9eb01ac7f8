"""What the released prose says under disclosure control (issue 15): a count of crimes with a
mention from 1 to 4 is "fewer than five" wherever the letter, the method, the s.12 estimate or
the refusal notice would give it, nothing beside it gives it away, the table's symbols are
explained as the request's ``zeros`` setting makes them mean, the method says what was
withheld, and the letter gives the section 40(2) notice when (and only when) a figure is."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

import foidesk
from foidesk.casework.periods import periods
from foidesk.casework.request import DisclosureSettings, Request
from foidesk.casework.words import TermWords
from foidesk.counting.sample import wilson
from foidesk.release.cost import CostEstimate, cost_blocks
from foidesk.release.coverage import Coverage, CoverageLine, SearchedTerm, SourceSummary
from foidesk.release.disclosure.wording import (
    count_noun,
    count_text,
    disclosure_blocks,
    symbol_notes,
)
from foidesk.release.document import Block, Document, Heading, IncludedDocument, Paragraph
from foidesk.release.letter import METHOD_HEADING, method_statement, response_letter
from foidesk.release.refusal import refusal_notice
from foidesk.release.render.document_markdown import render_document_markdown
from foidesk.release.review import ReviewSummary, review_blocks, sample_sentences
from foidesk.release.table import SECONDARY, SMALL, Cell, FoiTable, TableRow, Withheld
from tests.conftest import SEED

FIVE = DisclosureSettings()
OFF = DisclosureSettings(suppress_below=0)
SMALL_CELL = Withheld("<5", SMALL)
SECONDARY_CELL = Withheld("*", SECONDARY)
WORDS = TermWords("platform", "platforms")
SOURCES = (SourceSummary("Legacy", ("text_mo",), 330, None, 0),)
TERMS = [SearchedTerm("Facebook", "Facebook in any case")]
LETTER_DATE = date(2019, 6, 3)
PERIODS = tuple(periods(date(2018, 1, 1), date(2019, 4, 30), "year"))


def markdown(*blocks: Block) -> str:
    return render_document_markdown(Document("", tuple(blocks)))


def seed_request(settings: DisclosureSettings = FIVE) -> Request:
    return replace(foidesk.load_request(SEED / "request.toml"), disclosure=settings)


def table(facebook_2018: Cell = 12, grand: Cell = 24, twitter_2019: Cell = 7) -> FoiTable:
    """CHARGED > Facebook, Twitter over 2018 and 2019*; the cells given may be withheld."""
    return FoiTable(
        title="Recorded Crime: Drug Offences - Free Text search Facebook/Twitter",
        dimensions=("outcome", "term"),
        periods=PERIODS,
        rows=(
            TableRow("outcome", ("CHARGED",), (17, 7), grand),
            TableRow("term", ("CHARGED", "Facebook"), (facebook_2018, 0), 12),
            TableRow("term", ("CHARGED", "Twitter"), (5, twitter_2019), 12),
        ),
        grand_total=TableRow("total", (), (17, 7), grand),
        footnotes=(),
        multi_platform_crimes=0,
    )


def coverage(total_hits: Cell = 24, possible_only: int = 0) -> Coverage:
    return Coverage(
        (
            CoverageLine("Legacy", "2018", 250, 17),
            CoverageLine("Legacy", "2019*", 80, 7),
            CoverageLine("Legacy", "Total", 330, total_hits),
        ),
        (),
        possible_only,
    )


# -- count_text and count_noun -------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "settings", "said"),
    [
        (3, FIVE, "fewer than five"),
        (1, FIVE, "fewer than five"),
        (4, FIVE, "fewer than five"),
        (5, FIVE, "5"),
        (0, FIVE, "0"),  # callers say "no ..." themselves
        (1809, FIVE, "1,809"),
        (SMALL_CELL, FIVE, "fewer than five"),
        (SECONDARY_CELL, FIVE, "withheld"),
        (9, DisclosureSettings(suppress_below=10), "fewer than ten"),
        (10, DisclosureSettings(suppress_below=10), "10"),
        (11, DisclosureSettings(suppress_below=12), "fewer than 12"),
        (1, DisclosureSettings(suppress_below=2), "fewer than two"),
        (3, None, "3"),  # no disclosure control
        (3, OFF, "3"),  # suppress_below = 0: every figure published
    ],
)
def test_count_text(n: Cell, settings: DisclosureSettings | None, said: str) -> None:
    assert count_text(n, settings) == said


def test_a_withheld_figure_without_disclosure_control_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="not enabled"):
        count_text(SMALL_CELL, None)
    with pytest.raises(ValueError, match="not enabled"):
        count_text(SMALL_CELL, OFF)


def test_count_noun_agrees_with_what_is_said() -> None:
    assert count_noun(1, "crime is", "crimes are", None) == "1 crime is"
    assert count_noun(1, "crime is", "crimes are", FIVE) == "fewer than five crimes are"
    assert count_noun(3, "crime", "crimes", FIVE) == "fewer than five crimes"
    assert count_noun(7, "crime", "crimes", FIVE) == "7 crimes"
    assert count_noun(0, "crime", "crimes", FIVE) == "0 crimes"
    assert count_noun(SECONDARY_CELL, "crime", "crimes", FIVE) == "a withheld number of crimes"


# -- the table's symbol notes --------------------------------------------------------------


def test_symbol_notes_with_zeros_as_needed() -> None:
    small, secondary = symbol_notes(FIVE, True, True)
    assert small == (
        '"<5" in a cell: fewer than five crimes (from 1 to 4, or none where a 0 is withheld so '
        "that the figures beside it cannot be worked out); withheld under section 40(2) of "
        "the Act."
    )
    assert secondary == (
        '"*" in a cell: a figure of five or more, withheld so that no figure under five can '
        "be worked out from the totals."
    )


def test_symbol_notes_with_zeros_shown() -> None:
    small, secondary = symbol_notes(replace(FIVE, zeros="shown"), True, True)
    assert small == '"<5" in a cell: from 1 to 4 crimes; withheld under section 40(2) of the Act.'
    # a secondary cell may be a 0 here: the note must not promise five or more
    assert secondary.startswith('"*" in a cell: none, or five or more crimes, withheld')
    assert "from 1 to 4 can be worked out" in secondary


def test_symbol_notes_with_zeros_withheld() -> None:
    small, secondary = symbol_notes(replace(FIVE, zeros="withheld"), True, True)
    assert small.startswith('"<5" in a cell: fewer than five crimes, possibly none')
    assert "from 0 to 4" in small
    assert '"*" in a cell: a figure of five or more' in secondary


def test_symbol_notes_only_for_the_symbols_used_and_in_the_request_s_own_terms() -> None:
    settings = DisclosureSettings(suppress_below=10, symbol="~", secondary_symbol="#")
    (note,) = symbol_notes(settings, True, False)
    assert note.startswith('"~" in a cell: fewer than ten crimes (from 1 to 9,')
    (note,) = symbol_notes(settings, False, True)
    assert note.startswith('"#" in a cell: a figure of ten or more')
    assert symbol_notes(FIVE, False, False) == ()
    assert symbol_notes(OFF, True, True) == ()
    assert symbol_notes(None, True, True) == ()


# -- the method's "Small numbers." paragraph -----------------------------------------------


def test_small_numbers_paragraph_counts_the_withheld_cells_of_each_kind() -> None:
    withheld = table(facebook_2018=SMALL_CELL, twitter_2019=SECONDARY_CELL)
    text = markdown(*disclosure_blocks(FIVE, withheld))
    assert text.startswith("**Small numbers.** Figures from 1 to 4 are not published")
    assert "section 40(2) of the Act" in text
    assert 'In this table 1 cell is shown as "&lt;5"; 1 more cell is shown as "\\*"' in text
    assert "no withheld figure can be worked out from the totals" in text
    assert "interval attack (integer programming)" in text
    assert "<5" not in text  # the symbol is data: escaped


def test_small_numbers_paragraph_says_so_when_nothing_or_no_control() -> None:
    nothing = markdown(*disclosure_blocks(FIVE, table()))
    assert "No figure of this table needed to be withheld." in nothing
    assert "cells are shown" not in nothing
    off = markdown(*disclosure_blocks(OFF, table()))
    assert off == (
        "**Small numbers.** No figure was withheld: every figure is published as counted.\n"
    )
    assert markdown(*disclosure_blocks(None, table())) == off


def test_small_numbers_paragraph_follows_counting_and_precedes_coverage() -> None:
    request = seed_request()
    withheld = table(facebook_2018=SMALL_CELL)
    method = method_statement(
        request, TERMS, SOURCES, coverage(), WORDS, disclosure=FIVE, table=withheld
    )
    text = render_document_markdown(method)
    assert text.index("**Counting.**") < text.index("**Small numbers.**")
    assert text.index("**Small numbers.**") < text.index("**Coverage.**")
    # without the table (today's gate), the method is as it was
    plain = render_document_markdown(method_statement(request, TERMS, SOURCES, coverage(), WORDS))
    assert "Small numbers" not in plain


def test_method_explains_the_symbols_of_a_withheld_coverage_figure() -> None:
    request = seed_request()
    method = method_statement(request, TERMS, SOURCES, coverage(SMALL_CELL), WORDS)
    text = render_document_markdown(method)
    assert "| Legacy | **Total** | 330 | &lt;5 |" in text
    assert '"&lt;5" stands for fewer than five records' in text


def test_possible_only_crimes_are_said_by_count_text() -> None:
    request = seed_request()
    covered = coverage(possible_only=3)
    with_control = render_document_markdown(
        method_statement(request, TERMS, SOURCES, covered, WORDS, disclosure=FIVE)
    )
    assert "fewer than five crimes whose only mentions were possible are not included" in (
        with_control
    )
    without = render_document_markdown(method_statement(request, TERMS, SOURCES, covered, WORDS))
    assert "3 crimes whose only mentions were possible are not included" in without


# -- the letter ----------------------------------------------------------------------------


def letter_for(
    request: Request,
    released: FoiTable,
    covered: Coverage | None = None,
    disclosure: DisclosureSettings | None = None,
) -> Document:
    covered = covered or coverage()
    method = method_statement(request, TERMS, SOURCES, covered, WORDS)
    return response_letter(
        request, released, covered, SOURCES, method, LETTER_DATE, WORDS, disclosure=disclosure
    )


def headings(letter: Document) -> list[str]:
    return [b.text for b in letter.blocks if isinstance(b, Heading)]


def test_the_letter_gives_the_section_40_notice_only_when_a_figure_is_withheld() -> None:
    request = seed_request()
    plain = letter_for(request, table(), disclosure=FIVE)
    assert "Figures withheld" not in headings(plain)
    assert "40(3A)" not in render_document_markdown(plain)

    letter = letter_for(request, table(facebook_2018=SMALL_CELL, twitter_2019=SECONDARY_CELL))
    assert "Figures withheld" in headings(letter)
    text = render_document_markdown(letter)
    notice = text[text.index("## Figures withheld") : text.index(f"## {METHOD_HEADING}")]
    assert "Section 17(1) of the Act" in notice
    assert "section 40(2) of the Act (personal information)" in notice
    assert "could identify the people involved" in notice
    assert "no public interest test is required" in notice
    assert 'shown as "&lt;5".' in notice and 'Further figures are shown as "\\*"' in notice
    # it comes after the table and the answers, before the method and the review rights
    order = headings(letter)
    assert order.index("Response") < order.index("Figures withheld")
    assert order.index("Figures withheld") < order.index("Your right to request a review")
    assert isinstance(letter.blocks[-1], Paragraph)
    assert any(isinstance(b, IncludedDocument) for b in letter.blocks)


def test_the_notice_names_only_the_symbols_used() -> None:
    letter = letter_for(seed_request(), table(facebook_2018=SMALL_CELL))
    text = render_document_markdown(letter)
    notice = text[text.index("## Figures withheld") : text.index(f"## {METHOD_HEADING}")]
    assert "&lt;5" in notice and "\\*" not in notice and "Further figures" not in notice


def test_the_notice_follows_the_zeros_setting() -> None:
    withheld = table(facebook_2018=SMALL_CELL)
    shown = render_document_markdown(
        letter_for(seed_request(replace(FIVE, zeros="shown")), withheld)
    )
    assert 'Figures from 1 to 4 are shown as "&lt;5".' in shown
    every = render_document_markdown(
        letter_for(seed_request(replace(FIVE, zeros="withheld")), withheld)
    )
    assert 'Figures under five, 0 included, are shown as "&lt;5".' in every


def test_the_letter_never_gives_a_small_grand_total() -> None:
    request = seed_request()
    small = render_document_markdown(letter_for(request, table(grand=3), disclosure=FIVE))
    assert "for each year of the period, fewer than five in all." in small
    assert "3 in all" not in small
    withheld = render_document_markdown(letter_for(request, table(grand=SMALL_CELL)))
    assert "fewer than five in all." in withheld  # the withheld cell implies control
    hidden = render_document_markdown(letter_for(request, table(grand=SECONDARY_CELL)))
    assert "for each year of the period; the total is withheld." in hidden
    # without control the letter is as it always was
    assert "3 in all." in render_document_markdown(letter_for(request, table(grand=3)))


def test_a_withheld_coverage_total_is_not_reported_as_no_results() -> None:
    request = seed_request()
    text = render_document_markdown(letter_for(request, table(), coverage(SMALL_CELL)))
    assert "No results were found" not in text
    assert "The same symbols are used for records with a mention" in text
    none = render_document_markdown(letter_for(request, table(), coverage(0)))
    assert "No results were found on the Legacy crime recording system" in none


# -- review, the quality sample ------------------------------------------------------------


def _review_text(review: ReviewSummary, settings: DisclosureSettings | None) -> str:
    return markdown(*review_blocks(review, WORDS, settings))


def test_review_counts_of_three_are_fewer_than_five() -> None:
    review = ReviewSummary(
        reviewed=40,
        accepted=37,
        rejected=3,
        possible_undecided=2,
        crimes_added=3,
        crimes_removed=1,
    )
    text = _review_text(review, FIVE)
    assert "Fewer than five crimes are counted because a possible mention was accepted." in text
    assert "Fewer than five crimes are not counted because their mentions were rejected." in text
    assert "Fewer than five possible mentions have not been decided and are not counted." in text
    assert not re.search(r"\b[123] (crime|possible)", text)
    # 3 mentions rejected would bound the crimes removed: 40 read, 37 accepted gives it away
    assert "decided whether each was a mention of the platform: all but fewer than five " in text
    assert "37" not in text and "3 rejected" not in text
    plain = _review_text(review, None)
    assert "3 crimes are counted because" in plain and "1 crime is not counted" in plain
    assert "37 accepted and 3 rejected" in plain
    assert "2 possible mentions have not been decided" in plain


def _sample(
    drawn: int, population: int, read: int = 0, confirmed: int = 0, **more: int
) -> ReviewSummary:
    interval = (0.9, 0.99) if read else (None, None)
    return ReviewSummary(
        sample_drawn=drawn,
        sample_population=population,
        sample_read=read,
        sample_confirmed=confirmed,
        sample_low=interval[0],
        sample_high=interval[1],
        **more,
    )


def test_the_sample_sentence_is_unchanged_when_nothing_is_small() -> None:
    for review in (_sample(71, 1809, 60, 54), _sample(71, 1809, 71, 71), _sample(71, 1809)):
        assert sample_sentences(review, FIVE) == sample_sentences(review)


def test_a_few_crimes_not_confirmed_cannot_be_worked_out_from_the_sample_sentence() -> None:
    text = sample_sentences(_sample(71, 1809, 71, 68), FIVE)
    # the interval's lower end for 67 of 71, the fewest that "all but fewer than five" allows
    low = wilson(67, 71)[0]
    assert text == (
        "71 of the 1,809 counted crimes were read by hand: all but fewer than five were "
        f"confirmed (at least {low * 100:.1f}% at 95% confidence; the exact proportion would "
        "show how many were not)."
    )
    assert "68" not in text and "95.8%" not in text  # 68 of 71, or its share, gives 3 away
    # the same words whether 1, 2, 3 or 4 were not confirmed
    assert {sample_sentences(_sample(71, 1809, 71, c), FIVE) for c in (67, 68, 69, 70)} == {text}
    assert "68 confirmed, 95.8%" in sample_sentences(_sample(71, 1809, 71, 68))


def test_a_few_crimes_confirmed_leave_out_the_proportion() -> None:
    text = sample_sentences(_sample(71, 1809, 71, 3), FIVE)
    assert "fewer than five were confirmed." in text
    assert "The proportion confirmed and its interval are not given" in text
    assert "%" not in text


def test_a_few_crimes_read_or_left_hide_the_sample_size_beside_them() -> None:
    text = sample_sentences(_sample(71, 1809, 3, 3), FIVE)
    assert text.startswith("Fewer than five of the 1,809 counted crimes were read by hand:")
    assert "68 crimes of the random sample are still to be read." in text
    assert "of 71" not in text  # 71 less 68 would be the 3 read
    left = sample_sentences(_sample(71, 1809, 68, 68), FIVE)
    assert "Fewer than five crimes of the random sample are still to be read." in left
    assert "71" not in left


def test_a_small_sample_of_a_small_table_says_no_figure() -> None:
    text = sample_sentences(_sample(3, 3), FIVE)
    assert "3" not in text
    assert text == (
        "A sample of fewer than five of the counted crimes (fewer than five) has been drawn "
        "for checking by hand; none has been read yet."
    )


def test_review_moving_a_few_crimes_hides_the_count_they_are_moved_from() -> None:
    # the table's total is the counted crimes plus those added less those removed
    review = _sample(71, 1809, 60, 54, crimes_added=2)
    text = sample_sentences(review, FIVE)
    assert "1,809" not in text and "71" not in text
    assert text.startswith("60 of the counted crimes were read by hand: 54 confirmed")
    assert text.endswith("The rest of the random sample is still to be read.")


# -- the s.12 estimate and the refusal -----------------------------------------------------


def cost(**fields: float) -> CostEstimate:
    values: dict[str, float] = {
        "crimes_to_read": 3,
        "rate_minutes": 3,
        "extraction_minutes": 30,
        "limit_pounds": 450,
        "hourly_rate": 25,
        "population": 1809,
        "sample_unread": 3,
    }
    values.update(fields)
    return CostEstimate(limit_kind="police", **values)  # type: ignore[arg-type]


def test_cost_paragraph_with_three_crimes_to_read_says_fewer_than_five() -> None:
    text = markdown(*cost_blocks(cost(), FIVE))
    assert "read the fewer than five crimes whose possible mentions" in text
    # reading 3 at 3 minutes (9 minutes, 39 in all) would give the 3 away: an upper bound
    assert "9 minutes" not in text and "39 minutes" not in text
    assert "at most about 42 minutes in all" in text
    assert "Checking the quality sample by hand (fewer than five crimes) is not" in text
    plain = markdown(*cost_blocks(cost()))
    assert "read the 3 crimes whose" in plain and "(9 minutes)" in plain
    assert "about 39 minutes in all" in plain and "(3 crimes, about 9 minutes)" in plain


def test_cost_paragraph_leaves_out_a_comparison_that_would_count_a_small_population() -> None:
    text = markdown(*cost_blocks(cost(crimes_to_read=0, population=3, sample_unread=0), FIVE))
    assert "For comparison" not in text
    plain = markdown(*cost_blocks(cost(crimes_to_read=0, population=3, sample_unread=0)))
    assert "every one of the 3 crimes in the population" in plain


def test_refusal_with_three_crimes_says_fewer_than_five() -> None:
    over = cost(crimes_to_read=3, rate_minutes=600, population=3)  # 30.5 hours: over 18
    request = seed_request()
    text = render_document_markdown(refusal_notice(request, over, LETTER_DATE, disclosure=FIVE))
    assert "The fewer than five crimes in scope" in text
    assert "read the fewer than five crimes whose possible mentions" in text
    assert "30.5 hours" not in text and "3 crimes" not in text
    assert "Our estimate of at most about 40.5 hours (£1,012.50 at £25 an hour)" in text
    assert "For comparison" not in text
    plain = render_document_markdown(refusal_notice(request, over, LETTER_DATE))
    assert "The 3 crimes in scope" in plain and "Our estimate of about 30.5 hours" in plain
