"""The refusal notice under FOIA section 12, a structured ``Document`` like the response letter.

When the estimate (``release.cost.CostEstimate``) exceeds the appropriate limit, the letter to
the requester is this notice instead of the answer: the same letterhead, date, reference and
request quoted (``release.letter.letterhead``), the estimate and what it is made of, why it
exceeds the limit (the Fees Regulations 2004: only locating, retrieving and extracting count,
at £25 an hour), the advice section 16 asks for (each narrowing of the request that fits, with
its estimate), and the same sign-off and right to a review (``release.letter.closing``). It
holds no table: no figure from the search is released, only the estimate's counts. Under
disclosure control (``disclosure``, passed by ``release.gate``) those counts are said as the
estimate's paragraph in the method says them (``release.cost``: "fewer than five crimes", and
then an upper bound for the time).
"""

from __future__ import annotations

from datetime import date

from foidesk.casework.request import DisclosureSettings, Request
from foidesk.release.cost import (
    FEES_REGULATIONS,
    CostEstimate,
    comparison_sentence,
    crimes_text,
    duration_text,
    estimate_hours,
    estimate_sentence,
    hours_text,
    limit_amount,
    pounds_text,
)
from foidesk.release.document import (
    Block,
    BulletList,
    Document,
    Heading,
    Inline,
    Paragraph,
    Text,
)
from foidesk.release.letter import closing, force_detail, letter_title, letterhead


def _para(*runs: Inline | str) -> Paragraph:
    return Paragraph(tuple(Text(r) if isinstance(r, str) else r for r in runs))


def refusal_notice(
    request: Request,
    cost: CostEstimate,
    letter_date: date,
    *,
    disclosure: DisclosureSettings | None = None,
) -> Document:
    """The refusal notice under s.12 for ``request``, from its estimate ``cost`` (over the
    limit), dated ``letter_date``. ``disclosure``: the request's disclosure control (None:
    none), under which the counts of crimes are said by ``count_text``."""
    name = force_detail(request, "name")
    title = letter_title(request)
    hours, at_most = estimate_hours(cost, disclosure)
    comparison = comparison_sentence(cost, disclosure)
    blocks: list[Block] = [
        *letterhead(request, letter_date, title),
        Heading(2, "Response"),
        _para(
            "Section 1(1) of the Freedom of Information Act 2000 (the Act) gives a right of "
            "access to recorded information held by public authorities. Section 12(1) of the "
            "Act does not oblige a public authority to comply with a request if it estimates "
            "that the cost of complying would exceed the appropriate limit. ",
            name,
            " estimates that the cost of complying with your request would exceed that limit, "
            "and this letter is a notice under section 17(5) of the Act that we are relying on "
            "section 12. We have therefore not provided the information you asked for.",
        ),
        Heading(2, "Our estimate"),
        _para(
            f"The {crimes_text(cost.population, disclosure)} in scope, held on the ",
            name,
            " crime recording systems (",
            Text(" and ".join(dict.fromkeys(s.system for s in request.sources)), data=True),
            "), were searched by computer for mentions of what you asked about. The search "
            "marks each mention it finds as certain or possible. A possible mention (a short "
            "form, a word with another common meaning, or a near spelling) cannot be counted "
            "until a member of staff has read the record and decided whether it refers to "
            f"what you asked about. {estimate_sentence(cost, disclosure)}",
        ),
        *([_para(comparison)] if comparison else []),
        Heading(2, "Why this exceeds the appropriate limit"),
        _para(
            f"Under {FEES_REGULATIONS}, the appropriate limit is £600 for central government "
            "and £450 for other public authorities, including the police, and staff time is "
            f"costed at £25 an hour. The limit that applies to this request is "
            f"{limit_amount(cost)}. Only the time "
            "spent determining whether the information is held, locating it, retrieving it "
            "and extracting it may be counted (regulation 4(3)); the time to read the "
            "possible mentions is time spent locating and extracting the information you "
            f"asked for. Our estimate of {'at most ' if at_most else ''}about "
            f"{hours_text(hours)} ({pounds_text(hours * cost.hourly_rate)} at "
            f"{pounds_text(cost.hourly_rate)} an hour) exceeds the limit of "
            f"{hours_text(cost.limit_hours)}."
        ),
        Heading(2, "Advice and assistance"),
        *_advice(cost),
        *closing(request, letter_date),
    ]
    return Document(title, tuple(blocks))


def _advice(cost: CostEstimate) -> list[Block]:
    """The advice under s.16: each narrowing that fits with its estimate, or why none is
    offered."""
    duty = (
        "Section 16 of the Act places a duty on public authorities to provide advice and "
        "assistance to those who make requests. "
    )
    if not cost.narrowings:
        return [
            _para(
                duty + "We have not found a narrower form of your request that we could answer "
                "within the limit by reducing the years, the terms or the record systems "
                "searched. If you can narrow it in another way, for example to a shorter "
                "period or to fewer offences, please contact us and we will estimate it again."
            )
        ]
    return [
        _para(
            duty + "We estimate that we could answer any one of the following narrower "
            "requests within the limit. If you would like to submit a refined request, please "
            "tell us which, or narrow it in another way; a refined request is a new request."
        ),
        BulletList(
            tuple(
                (
                    Text(description[:1].upper() + description[1:], data=True),
                    Text(f": about {duration_text(hours)}."),
                )
                for description, hours in cost.narrowings
            )
        ),
        _para(
            "Each estimate is made as ours above: the time to read the crimes with possible "
            "mentions in that part of your request, and to extract the figures."
        ),
    ]
