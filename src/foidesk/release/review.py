"""What people's review did, as it is released: counts only, for the method statement.

``ReviewSummary`` holds how many hits a person read, accepted and rejected, how many possible
hits are still undecided, and how the decisions moved the crimes counted (aggregates made by
``counting.counted``). ``review_blocks`` writes the method statement's paragraph from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from foidesk.casework.words import TermWords
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


def sample_sentences(review: ReviewSummary) -> str:
    """What the quality sample found, e.g. "60 of the 1,809 counted crimes were read by hand:
    59 confirmed, 98.3%, 95% interval 91.1% to 99.7%."; empty when none was drawn."""
    if not review.sample_drawn:
        return ""
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


def _sample_blocks(review: ReviewSummary, words: TermWords) -> list[Block]:
    """The method's "Checked by hand" paragraph: the quality sample, how it was drawn and
    what reading it found."""
    found = sample_sentences(review)
    if not found:
        return []
    how = (
        "The crimes are drawn at random from those the search counted, in a sample sized "
        f"for a margin of error of {review.sample_margin * 100:g} points at 95% confidence; a "
        f"crime is confirmed when the reader accepts one of its mentions of the {words.term}."
    )
    return [Paragraph((Bold("Checked by hand."), Text(f" {found} {how}")))]


def review_blocks(review: ReviewSummary | None, words: TermWords) -> list[Block]:
    """The method's "Review by a person" paragraph: what was read and decided, and what is
    left undecided (nothing when no hit was decided and none waits); then the "Checked by
    hand" paragraph on the quality sample, whenever one was drawn."""
    if review is None:
        return []
    if not (review.reviewed or review.possible_undecided):
        return _sample_blocks(review, words)
    parts: list[str] = []
    if review.reviewed:
        parts.append(
            f"A person read {_n(review.reviewed, 'mention', 'mentions')} found by the search "
            f"and decided whether each was a mention of the {words.term}: "
            f"{review.accepted:,} accepted and {review.rejected:,} rejected."
        )
        moved = []
        if review.crimes_added:
            moved.append(
                f"{_n(review.crimes_added, 'crime is', 'crimes are')} counted because a "
                "possible mention was accepted"
            )
        if review.crimes_removed:
            removed = review.crimes_removed
            moved.append(
                f"{_n(removed, 'crime is', 'crimes are')} not counted because "
                f"{'its' if removed == 1 else 'their'} mentions were rejected"
            )
        if moved:
            parts.append(" ".join(m[0].upper() + m[1:] + "." for m in moved))
    else:
        parts.append("No mention has yet been read by a person.")
    if review.possible_undecided:
        parts.append(
            f"{_n(review.possible_undecided, 'possible mention has', 'possible mentions have')}"
            " not been decided and "
            f"{'is' if review.possible_undecided == 1 else 'are'} not counted."
        )
    else:
        parts.append("Every possible mention has been decided.")
    return [
        Paragraph((Bold("Review by a person."), Text(" " + " ".join(parts)))),
        *_sample_blocks(review, words),
    ]
