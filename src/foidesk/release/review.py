"""What people's review did, as it is released: counts only, for the method statement.

``ReviewSummary`` holds how many hits a person read, accepted and rejected, how many possible
hits are still undecided, and how the decisions moved the crimes counted (aggregates made by
``counting.counted``). ``review_blocks`` writes the method statement's paragraph from it.

Under disclosure control (``disclosure``: the request's ``[disclosure]`` settings, passed by
the method statement) its counts of crimes, and of possible mentions left undecided, are said
by ``release.disclosure.wording`` ("fewer than five crimes are counted because ..."), and the
quality sample's sentence leaves out what would let such a count be worked out from the others
(the proportion confirmed, the size of a part of the sample).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import sqrt
from statistics import NormalDist

from foidesk.casework.request import DisclosureSettings
from foidesk.casework.words import TermWords
from foidesk.release.disclosure.wording import (
    count_noun,
    count_text,
    fewer_than,
    is_concealed,
    number_words,
    shows_one,
)
from foidesk.release.document import Block, Bold, Paragraph, Text


@dataclass(frozen=True)
class ReviewSummary:
    """A person's review of the hits, in numbers."""

    reviewed: int = 0  # hits a person decided
    accepted: int = 0
    rejected: int = 0
    possible_undecided: int = 0  # possible hits no one has decided: not counted
    possible_accepted: int = 0
    certain_rejected: int = 0
    crimes_added: int = 0  # counted because a possible hit was accepted
    crimes_removed: int = 0  # not counted because its certain hits were rejected
    # the quality sample (counting.sample): crimes drawn of the counted crimes, read and
    # confirmed, and the 95% interval of the proportion confirmed (None until one is read)
    sample_drawn: int = 0
    sample_population: int = 0
    sample_read: int = 0
    sample_confirmed: int = 0
    sample_low: float | None = None
    sample_high: float | None = None
    sample_margin: float = 0.05  # the margin of error it was sized for


def _n(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def wilson_low(confirmed: int, read: int) -> float:
    """The lower end of the Wilson 95% interval for ``confirmed`` of ``read`` (the formula
    ``counting.sample.wilson`` gets from scipy, here without it: same figures)."""
    z = NormalDist().inv_cdf(0.975)
    share, z2 = confirmed / read, z * z / read
    centre = (share + z2 / 2) / (1 + z2)
    half = z * sqrt(share * (1 - share) / read + z2 / (4 * read)) / (1 + z2)
    return max(0.0, centre - half)


def sample_sentences(review: ReviewSummary, disclosure: DisclosureSettings | None = None) -> str:
    """What the quality sample found, e.g. "60 of the 1,809 counted crimes were read by hand:
    59 confirmed, 98.3%, 95% interval 91.1% to 99.7%."; empty when none was drawn. Under
    disclosure control, ``_controlled_sample_sentences``."""
    if not review.sample_drawn:
        return ""
    if disclosure is not None and disclosure.enabled:
        return _controlled_sample_sentences(review, disclosure)
    population = f"{review.sample_population:,}"
    if not review.sample_read:
        return (
            f"A sample of {review.sample_drawn:,} of the {population} counted "
            f"{'crime' if review.sample_population == 1 else 'crimes'} has been drawn for "
            "checking by hand; none has been read yet."
        )
    assert review.sample_low is not None and review.sample_high is not None
    read, confirmed = review.sample_read, review.sample_confirmed
    text = (
        f"{read:,} of the {population} counted "
        f"{'crime' if review.sample_population == 1 else 'crimes'} "
        f"{'was' if read == 1 else 'were'} read by hand: {confirmed:,} confirmed, "
        f"{_percent(confirmed / read)}, 95% interval {_percent(review.sample_low)} to "
        f"{_percent(review.sample_high)}."
    )
    left = review.sample_drawn - read
    if left:
        text += (
            f" {_n(left, 'crime', 'crimes')} of the random sample of {review.sample_drawn:,} "
            f"{'is' if left == 1 else 'are'} still to be read."
        )
    return text


def _controlled_sample_sentences(review: ReviewSummary, disclosure: DisclosureSettings) -> str:
    """``sample_sentences`` under disclosure control. Each count of crimes (the counted
    crimes, the sample, those read, confirmed, not confirmed and left to read) is said by
    ``count_text``; when one is kept back, so is what would give it away: the proportion
    confirmed and its interval (which fix the counts behind them; with only a few not
    confirmed, the least the interval can start at is given instead), the size of the sample
    beside a count read or left to read (the two add up to it), and, when review moved a
    small number of crimes into or out of the table, the number of counted crimes and the
    size of the sample, which follows from it (the table's total is that number plus the
    crimes added less those removed)."""
    d = disclosure
    drawn, read, confirmed = review.sample_drawn, review.sample_read, review.sample_confirmed
    left, refused = drawn - read, read - confirmed
    moved = is_concealed(review.crimes_added, d) or is_concealed(review.crimes_removed, d)
    if moved:
        counted = "the counted crimes"
    elif is_concealed(review.sample_population, d):
        counted = f"the counted crimes ({count_text(review.sample_population, d)})"
    else:
        counted = (
            f"the {count_noun(review.sample_population, 'counted crime', 'counted crimes', d)}"
        )
    if not read:
        sample = "A sample" if moved else f"A sample of {count_text(drawn, d)}"
        return f"{sample} of {counted} has been drawn for checking by hand; none has been read yet."
    if not (is_concealed(read, d) or is_concealed(confirmed, d) or is_concealed(refused, d)):
        assert review.sample_low is not None and review.sample_high is not None
        found = (
            f"{confirmed:,} confirmed, {_percent(confirmed / read)}, 95% interval "
            f"{_percent(review.sample_low)} to {_percent(review.sample_high)}."
        )
    elif not (is_concealed(read, d) or is_concealed(confirmed, d)):
        # a few not confirmed (the usual case): the interval's lower end for the most that
        # "fewer than five" allows, a true bound that does not tell how many
        worst = read - (d.suppress_below - 1)
        found = (
            f"all but {fewer_than(d)} were confirmed (at least "
            f"{_percent(wilson_low(max(worst, 0), read))} at 95% confidence; the exact "
            "proportion would show how many were not)."
        )
    else:
        if not refused:
            found = "all were confirmed"
        elif not confirmed:
            found = "none was confirmed"
        elif is_concealed(confirmed, d) and is_concealed(refused, d):
            found = f"{fewer_than(d)} were confirmed and {fewer_than(d)} were not"
        else:
            found = f"{fewer_than(d)} were confirmed"
        found += (
            ". The proportion confirmed and its interval are not given, as they would show a "
            f"number of crimes under {number_words(d.suppress_below)}."
        )
    were = "was" if shows_one(read, d) else "were"
    text = f"{count_text(read, d)} of {counted} {were} read by hand: {found}"
    text = text[0].upper() + text[1:]
    if not left:
        return text
    if moved:  # the crimes read and left add up to the sample, whose size follows the total
        return text + " The rest of the random sample is still to be read."
    if is_concealed(read, d) or is_concealed(left, d):
        sample = "the random sample"  # with its size, one would give the other away
    else:
        sample = f"the random sample of {drawn:,}"
    still = f"{count_noun(left, 'crime', 'crimes', d)} of {sample}"
    verb = "is" if shows_one(left, d) else "are"
    return f"{text} {still[0].upper() + still[1:]} {verb} still to be read."


def _sample_blocks(
    review: ReviewSummary, words: TermWords, disclosure: DisclosureSettings | None = None
) -> list[Block]:
    """The method's "Checked by hand" paragraph: the quality sample, how it was drawn and
    what reading it found."""
    found = sample_sentences(review, disclosure)
    if not found:
        return []
    how = (
        "The crimes are drawn at random from those the search counted, in a sample sized "
        f"for a margin of error of {review.sample_margin * 100:g} points at 95% confidence; a "
        f"crime is confirmed when the reader accepts one of its mentions of the {words.term}."
    )
    return [Paragraph((Bold("Checked by hand."), Text(f" {found} {how}")))]


def _decided(review: ReviewSummary, d: DisclosureSettings | None) -> str:
    """'37 accepted and 3 rejected'. Under disclosure control a count of mentions from 1 to 4
    is not given either, nor what would give it away (the other beside the number read):
    rejected mentions bound the crimes removed, which could then be worked out."""
    accepted, rejected = review.accepted, review.rejected
    if not any(is_concealed(n, d) for n in (review.reviewed, accepted, rejected)):
        return f"{accepted:,} accepted and {rejected:,} rejected"
    assert d is not None
    if not rejected:
        return "all accepted"
    if not accepted:
        return "all rejected"
    if is_concealed(accepted, d) and is_concealed(rejected, d):
        return f"{fewer_than(d)} accepted and {fewer_than(d)} rejected"
    if is_concealed(rejected, d):
        return f"all but {fewer_than(d)} accepted"
    return f"{fewer_than(d)} accepted"


def review_blocks(
    review: ReviewSummary | None, words: TermWords, disclosure: DisclosureSettings | None = None
) -> list[Block]:
    """The method's "Review by a person" paragraph: what was read and decided, and what is
    left undecided (nothing when no hit was decided and none waits); then the "Checked by
    hand" paragraph on the quality sample, whenever one was drawn. ``disclosure``: the
    request's disclosure control (None: none), under which the crimes added and removed,
    the possible mentions undecided and the sample's counts are said by ``count_text``."""
    if review is None:
        return []
    d = disclosure
    if not (review.reviewed or review.possible_undecided):
        return _sample_blocks(review, words, d)
    parts: list[str] = []
    if review.reviewed:
        read = count_noun(review.reviewed, "mention", "mentions", d)
        parts.append(
            f"A person read {read} found by the search and decided whether each was a "
            f"mention of the {words.term}: {_decided(review, d)}."
        )
        moved = []
        if review.crimes_added:
            moved.append(
                f"{count_noun(review.crimes_added, 'crime is', 'crimes are', d)} counted "
                "because a possible mention was accepted"
            )
        if review.crimes_removed:
            removed = review.crimes_removed
            moved.append(
                f"{count_noun(removed, 'crime is', 'crimes are', d)} not counted because "
                f"{'its' if shows_one(removed, d) else 'their'} mentions were rejected"
            )
        if moved:
            parts.append(" ".join(m[0].upper() + m[1:] + "." for m in moved))
    else:
        parts.append("No mention has yet been read by a person.")
    if review.possible_undecided:
        undecided = review.possible_undecided
        has = count_noun(undecided, "possible mention has", "possible mentions have", d)
        parts.append(
            f"{has[0].upper() + has[1:]} not been decided and "
            f"{'is' if shows_one(undecided, d) else 'are'} not counted."
        )
    else:
        parts.append("Every possible mention has been decided.")
    return [
        Paragraph((Bold("Review by a person."), Text(" " + " ".join(parts)))),
        *_sample_blocks(review, words, d),
    ]
