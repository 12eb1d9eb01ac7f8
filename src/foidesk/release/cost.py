"""The cost of compliance (FOIA section 12), as it is released: counts and prose only.

``CostEstimate`` holds the estimate ``counting.cost`` made: how many crimes a person must still
read, at what rate, with the fixed time to extract the figures; the appropriate limit it is
held against; for comparison, reading every record of the population; the quality sample's
checking on its own (not locating, retrieving or extracting, so not in the s.12 figure); and,
when the estimate is over the limit, the narrowings of the request that fit, for the advice
section 16 asks for. It holds no crime reference. ``cost_blocks`` writes the method
statement's paragraph from it; ``release.refusal`` writes the refusal notice.

Under disclosure control (``disclosure``: the request's ``[disclosure]`` settings, passed by
``release.gate``; None is none) a count of crimes in the prose is said by
``release.disclosure.wording`` ("fewer than five crimes"), and a time worked out from it
(reading them at so many minutes each) is not given: the estimate is then an upper bound
("at most about 45 minutes", as if the figure were the largest it can be).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from foidesk.casework.request import DisclosureSettings
from foidesk.release.disclosure.wording import count_noun, is_concealed
from foidesk.release.document import Block, Bold, Paragraph, Text

COST_HEADING = "Cost of compliance (FOIA section 12)."
# The regulations that say what counts towards the limit and at what rate
FEES_REGULATIONS = (
    "the Freedom of Information and Data Protection (Appropriate Limit and Fees) Regulations 2004"
)


@dataclass(frozen=True)
class CostEstimate:
    """The s.12 estimate of one request: the quickest reasonable method (foidesk's search, then
    a person reads the crimes whose possible mentions are undecided, then the figures are
    extracted), the limit, and what it is compared with. Times in minutes; counts of crimes."""

    crimes_to_read: int  # distinct crimes with an undecided possible mention still to read
    rate_minutes: float  # minutes to read one record
    extraction_minutes: float  # fixed time to extract the figures once read
    limit_pounds: float  # the appropriate limit
    hourly_rate: float  # pounds an hour of staff time (the regulations: £25)
    limit_kind: str  # "police" (and other bodies), "central" (government), or "set" (given)
    population: int  # crimes in the population (every record, for the comparison)
    sample_unread: int = 0  # crimes of the quality sample not yet checked
    answer_over_limit: bool = False  # the request says to answer with the table anyway
    # over the limit: the largest narrowings that fit, each (description, hours)
    narrowings: tuple[tuple[str, float], ...] = ()

    @property
    def minutes(self) -> float:
        """The estimate: reading the crimes left, then extracting the figures."""
        return self.crimes_to_read * self.rate_minutes + self.extraction_minutes

    @property
    def hours(self) -> float:
        """The estimate in hours."""
        return self.minutes / 60

    @property
    def limit_hours(self) -> float:
        """The appropriate limit in hours of staff time."""
        return self.limit_pounds / self.hourly_rate

    @property
    def over_limit(self) -> bool:
        """Whether the estimate exceeds the appropriate limit."""
        return self.minutes > self.limit_hours * 60

    @property
    def refused(self) -> bool:
        """Whether the letter is a refusal under s.12 (over the limit, not answered anyway)."""
        return self.over_limit and not self.answer_over_limit

    @property
    def every_record_hours(self) -> float:
        """For comparison: reading every record of the population at the same rate, then
        extracting the figures."""
        return (self.population * self.rate_minutes + self.extraction_minutes) / 60

    @property
    def sample_hours(self) -> float:
        """Checking the quality sample's crimes not yet read (not in the s.12 figure)."""
        return self.sample_unread * self.rate_minutes / 60

    @property
    def limit_holder(self) -> str:
        """Whose limit it is, for the prose."""
        return {
            "police": "the limit for police forces and other public authorities",
            "central": "the limit for central government",
        }.get(self.limit_kind, "the limit set for this request")

    def as_audit(self) -> dict[str, object]:
        """The figures for the audit."""
        return {
            "crimes_to_read": self.crimes_to_read,
            "rate_minutes": self.rate_minutes,
            "extraction_minutes": self.extraction_minutes,
            "minutes": self.minutes,
            "hours": round(self.hours, 2),
            "limit": self.limit_kind,
            "limit_pounds": self.limit_pounds,
            "hourly_rate": self.hourly_rate,
            "limit_hours": round(self.limit_hours, 2),
            "over_limit": self.over_limit,
            "answer_over_limit": self.answer_over_limit,
            "refused": self.refused,
            "population": self.population,
            "every_record_hours": round(self.every_record_hours, 2),
            "sample_unread": self.sample_unread,
            "sample_hours": round(self.sample_hours, 2),
            "narrowings": [{"narrowing": d, "hours": round(h, 2)} for d, h in self.narrowings],
        }


def number(value: float) -> str:
    """A figure as the letter writes it: 3, 1.5, 1,144, 57.5 (at most one decimal, a half
    rounded up: 13.35 is 13.4)."""
    rounded = Decimal(repr(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{rounded:,.0f}" if rounded == rounded.to_integral_value() else f"{rounded:,.1f}"


def hours_text(hours: float) -> str:
    """'18 hours', '1 hour', '0.5 hours', '57.5 hours'."""
    return f"{number(hours)} {'hour' if number(hours) == '1' else 'hours'}"


def duration_text(hours: float) -> str:
    """A time as the letter gives it: in minutes under an hour ('30 minutes'), else in hours
    ('1 hour', '57.5 hours')."""
    return minutes_text(hours * 60) if hours < 1 else hours_text(hours)


def minutes_text(minutes: float) -> str:
    """'3 minutes', '1 minute', '1.5 minutes'."""
    return f"{number(minutes)} {'minute' if number(minutes) == '1' else 'minutes'}"


def pounds_text(pounds: float) -> str:
    """'£450', '£12.50'."""
    return f"£{pounds:,.0f}" if pounds == int(pounds) else f"£{pounds:,.2f}"


def crimes_text(count: int, disclosure: DisclosureSettings | None = None) -> str:
    """'1 crime', '1,144 crimes'; under disclosure control 'fewer than five crimes'."""
    return count_noun(count, "crime", "crimes", disclosure)


def estimate_hours(
    cost: CostEstimate, disclosure: DisclosureSettings | None = None
) -> tuple[float, bool]:
    """The estimate in hours as the letter gives it, and whether it is an upper bound: under
    disclosure control, when the crimes to read are too few to say, the time to read the most
    the words allow (``suppress_below - 1``) instead of the true one, which would give the
    number away."""
    if disclosure is not None and is_concealed(cost.crimes_to_read, disclosure):
        most = (disclosure.suppress_below - 1) * cost.rate_minutes + cost.extraction_minutes
        return max(most, cost.minutes) / 60, True
    return cost.hours, False


def limit_text(cost: CostEstimate) -> str:
    """'the appropriate limit of £450 (18 hours at £25 an hour, the limit for police forces
    and other public authorities)'."""
    return f"the appropriate limit of {limit_amount(cost)}"


def limit_amount(cost: CostEstimate) -> str:
    """'£450 (18 hours at £25 an hour, the limit for police forces and other public
    authorities)'."""
    return (
        f"{pounds_text(cost.limit_pounds)} ({hours_text(cost.limit_hours)} at "
        f"{pounds_text(cost.hourly_rate)} an hour, {cost.limit_holder})"
    )


def estimate_sentence(cost: CostEstimate, disclosure: DisclosureSettings | None = None) -> str:
    """The estimate in one sentence, from the crimes to read to the total (under disclosure
    control, with too few crimes to say: no reading time, and the total as an upper bound,
    ``estimate_hours``)."""
    extract = f"extract the figures ({duration_text(cost.extraction_minutes / 60)})"
    if not cost.crimes_to_read:
        return (
            "No crime is left for a person to read (no possible mention is undecided), so "
            f"what remains is to {extract}: about {duration_text(cost.hours)} in all."
        )
    hours, at_most = estimate_hours(cost, disclosure)
    reading = "" if at_most else f" ({duration_text(cost.crimes_to_read * cost.rate_minutes / 60)})"
    return (
        "A member of staff would need to read the "
        f"{crimes_text(cost.crimes_to_read, disclosure)} whose "
        "possible mentions have not yet been decided, at about "
        f"{minutes_text(cost.rate_minutes)} a record{reading}, and {extract}: "
        f"{'at most ' if at_most else ''}about {duration_text(hours)} in all."
    )


def comparison_sentence(cost: CostEstimate, disclosure: DisclosureSettings | None = None) -> str:
    """For comparison: reading every record of the population by hand; '' under disclosure
    control when the population is too small to say (the time would give it away)."""
    if is_concealed(cost.population, disclosure):
        return ""
    return (
        f"For comparison, reading every one of the {crimes_text(cost.population)} in the "
        f"population by hand at the same rate would take about "
        f"{duration_text(cost.every_record_hours)}."
    )


def sample_sentence(cost: CostEstimate, disclosure: DisclosureSettings | None = None) -> str:
    """The quality sample's checking, said apart from the estimate; '' when none is left.
    Under disclosure control, a sample too small to say is said without its time."""
    if not cost.sample_unread:
        return ""
    time = (
        ""
        if is_concealed(cost.sample_unread, disclosure)
        else f", about {duration_text(cost.sample_hours)}"
    )
    return (
        f"Checking the quality sample by hand ({crimes_text(cost.sample_unread, disclosure)}"
        f"{time}) is not locating, retrieving or extracting the information, so it is not "
        "included."
    )


def cost_blocks(
    cost: CostEstimate | None, disclosure: DisclosureSettings | None = None
) -> list[Block]:
    """The method's "Cost of compliance (FOIA section 12)" paragraph; nothing without an
    estimate. ``disclosure``: the request's disclosure control (None: none), under which its
    counts of crimes are said by ``count_text`` and no time gives one away."""
    if cost is None:
        return []
    if not cost.over_limit:
        verdict = f"This is within {limit_text(cost)}."
    elif cost.answer_over_limit:
        verdict = f"This exceeds {limit_text(cost)}; the request has been answered nonetheless."
    else:
        verdict = (
            f"This exceeds {limit_text(cost)}, so the request has been refused under section 12."
        )
    sentences = [
        f"Only locating, retrieving and extracting the information count towards the cost "
        f"limit ({FEES_REGULATIONS}). The computer search located and retrieved the records "
        "with a mention in seconds.",
        estimate_sentence(cost, disclosure),
        verdict,
        comparison_sentence(cost, disclosure),
        sample_sentence(cost, disclosure),
    ]
    text = " ".join(s for s in sentences if s)
    return [Paragraph((Bold(COST_HEADING), Text(" " + text)))]
