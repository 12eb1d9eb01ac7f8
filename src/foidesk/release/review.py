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


def _n(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def review_blocks(review: ReviewSummary | None, words: TermWords) -> list[Block]:
    """The method's "Review by a person" paragraph: what was read and decided, and what is
    left undecided; nothing when no hit was decided and none waits."""
    if review is None or not (review.reviewed or review.possible_undecided):
        return []
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
    return [Paragraph((Bold("Review by a person."), Text(" " + " ".join(parts))))]
