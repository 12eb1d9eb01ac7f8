"""Reviewing a case's hits in the browser: one key to accept or reject and move on, undo, bulk
decisions with a preview, the undecided filter and the table preview beside it
(foidesk.review: the same decision log as ``foidesk review``).

``GET /cases/{id}/review`` lists the hits of the case folder the search wrote (possible hits
first) in their context, with the decision holding; ``POST .../hits/{hit}/decision`` (accept,
reject, undo) and ``POST .../bulk`` (after ``.../bulk/preview``) call ``review.case.decide`` /
``undo`` and write an ``Event``; htmx gets the changed row and the preview (out of band), a
plain form a redirect back to the same place. ``review.preview`` counts the table again with
the log, so the preview follows each decision without searching.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from foidesk.casework.decisions import Decision, Selector, latest, undone
from foidesk.desk.cases import case_folder
from foidesk.desk.store import Case, Event, now
from foidesk.desk.web.app import Desk, Refused
from foidesk.desk.web.pages import DeskDep, PostDep, Who, WhoDep, allow, find_case, page
from foidesk.errors import FoideskError
from foidesk.release.cost import crimes_text, duration_text
from foidesk.review.case import ReviewCase, decide, open_case, selected_hits, undo, would_change
from foidesk.review.estimate import estimate_lines
from foidesk.review.preview import Preview, preview

router = APIRouter()
PER_PAGE = 200  # hits on one page of the review
RECENT = 10  # decisions in the "recent decisions" list
CHOICES = ("accept", "reject", "undo")
BULK_CHOICES = ("accept", "reject", "clear")
_SET_ASIDE = "set aside"


def _answered(desk: Desk, case: Case) -> Path | None:
    """The case folder when the search has written it, else None."""
    folder = case_folder(desk.data, case)
    return folder if (folder / "internal" / "evidence.parquet").is_file() else None


def _open(desk: Desk, case: Case) -> ReviewCase:
    folder = _answered(desk, case)
    if folder is None:
        raise Refused(400, "The case has no hits to review yet: run the search first.")
    try:
        return open_case(folder)
    except FoideskError as exc:
        raise Refused(400, str(exc)) from exc


def _order(hit: dict[str, Any]) -> tuple[Any, ...]:
    """Possible hits first, then certain; each by crime, system, field and place."""
    return (
        hit["certainty"] != "possible",
        hit["crime_ref"],
        hit["system"],
        hit["field"],
        hit["start"],
        hit["hit_id"],
    )


def _listed(case: ReviewCase, held: dict[str, Decision], undecided: bool) -> list[dict[str, Any]]:
    """The hits the page lists, in its order: every hit not set aside, or (``undecided``)
    those with no decision holding."""
    hits = [h for h in case.hits() if h["status"] != _SET_ASIDE]
    if undecided:
        hits = [h for h in hits if h["hit_id"] not in held]
    return sorted(hits, key=_order)


@dataclass(frozen=True)
class _State:
    """What the review page shows of a case: the hits, the preview, the log."""

    case: ReviewCase
    preview: Preview
    log: list[Decision]
    undoable: set[str]


def _state(desk: Desk, case: Case) -> _State:
    review = _open(desk, case)
    try:
        shown = preview(review.folder)
    except FoideskError as exc:
        raise Refused(400, str(exc)) from exc
    log = review.decisions()
    history: dict[str, list[Decision]] = defaultdict(list)
    for decision in log:
        history[decision.hit_id].append(decision)
    undoable = {hit for hit, made in history.items() if undone(made)[0] is not None}
    return _State(review, shown, log, undoable)


def _progress(shown: Preview) -> str:
    review = shown.review
    decided = review.possible - review.possible_undecided
    first = (
        f"{decided:,} of {review.possible:,} possible hits decided"
        if review.possible
        else "No possible hits (every hit is certain)"
    )
    return (
        f"{first}; {review.accepted:,} accepted and {review.rejected:,} rejected of "
        f"{review.hits:,} hits"
    )


def _context(case: Case, state: _State, undecided: bool, page_no: int) -> dict[str, Any]:
    shown = state.preview
    hits = _listed(state.case, shown.held, undecided)
    pages = max(1, -(-len(hits) // PER_PAGE))
    page_no = min(max(page_no, 1), pages)
    total = sum(1 for h in state.case.hits() if h["status"] != _SET_ASIDE)
    set_aside = state.case.evidence.num_rows - total
    return {
        "title": f"Review the hits of {case.reference}",
        "case": case,
        "hits": hits[(page_no - 1) * PER_PAGE : page_no * PER_PAGE],
        "first": (page_no - 1) * PER_PAGE,
        "shown_count": len(hits),
        "total": total,
        "set_aside": set_aside,
        "page_no": page_no,
        "pages": pages,
        "undecided": undecided,
        **_preview_context(state),
        "terms": sorted({h["platform"] for h in state.case.hits()}),
        "rules": sorted({h["rule"] for h in state.case.hits()}),
    }


def _sample_line(shown: Preview) -> str:
    """The quality sample in one line: drawn, read, confirmed, its interval, the time left."""
    sample = shown.sample
    return (
        f"{crimes_text(sample.drawn).capitalize()} of the {sample.population:,} counted "
        f"drawn for checking by hand; {sample.read:,} read, {sample.confirmed:,} confirmed"
        + (
            f", 95% interval {sample.low:.1%} to {sample.high:.1%}"
            if sample.low is not None and sample.high is not None
            else ""
        )
        + f"; about {duration_text(shown.cost.sample_hours)} left to check"
    )


def _preview_context(state: _State) -> dict[str, Any]:
    shown = state.preview
    return {
        "preview": shown,
        "progress": _progress(shown),
        "held": shown.held,
        "statuses": shown.statuses,
        "undoable": state.undoable,
        "recent": list(reversed(state.log[-RECENT:])),
        "estimate": estimate_lines(shown.cost),
        "sample_line": _sample_line(shown),
        "sample_crimes": shown.sample_crimes,
    }


def _query(undecided: bool, page_no: int) -> str:
    query: dict[str, Any] = {}
    if undecided:
        query["undecided"] = "1"
    if page_no > 1:
        query["page"] = page_no
    return ("?" + urlencode(query)) if query else ""


def _number(text: str) -> int:
    """A page number from a form or the address; 1 when it is not one."""
    return int(text) if text.strip().isdigit() else 1


@router.get("/cases/{case_id}/review")
async def review_page(
    request: Request,
    desk: DeskDep,
    who: WhoDep,
    case_id: int,
    undecided: str = "",
    page_no: Annotated[str, Query(alias="page")] = "1",
) -> Response:
    case = find_case(desk, case_id)
    state = await run_in_threadpool(_state, desk, case)
    context = _context(case, state, undecided == "1", _number(page_no))
    return page(request, "review.html", context, who=who)


def _hit_of_case(review: ReviewCase, hit_id: str) -> dict[str, Any]:
    """The case's hit ``hit_id`` (not set aside); 404 for any other id, so a hit of another
    case is never written into this case's log (nor into the other's)."""
    found = selected_hits(review, Selector(hit=hit_id)) if hit_id else []
    if not found:
        raise Refused(404, f"There is no hit {hit_id} to review in this case.")
    return found[0]


def _event(desk: Desk, case: Case, who: Who, before: Any, after: Any) -> None:
    with desk.store.session() as db:
        db.add(
            Event(
                case_id=case.id,
                user_id=who.user.id,
                at=now(),
                action="review.decide",
                before=before,
                after=after,
            )
        )


def _held(decision: Decision | None) -> dict[str, str] | None:
    if decision is None:
        return None
    return {"decision": decision.decision, "by": decision.by, "reason": decision.reason}


def _decide_one(
    folder: Path, hit_id: str, choice: str, reason: str, who: Who
) -> tuple[Decision | None, Decision | None]:
    """Record the choice on one hit; (the decision held before, the one holding after)."""
    before = latest(open_case(folder).decisions()).get(hit_id)
    if choice == "undo":
        undo(folder, hit_id, by=who.user.name, source="desk")
    else:
        decide(
            folder,
            choice,
            Selector(hit=hit_id),
            by=who.user.name,
            reason=reason.strip(),
            source="desk",
        )
    return before, latest(open_case(folder).decisions()).get(hit_id)


@router.post("/cases/{case_id}/hits/{hit_id}/decision")
async def decision(
    request: Request,
    desk: DeskDep,
    who: PostDep,
    case_id: int,
    hit_id: str,
    choice: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    undecided: Annotated[str, Form()] = "",
    page_text: Annotated[str, Form(alias="page")] = "1",
) -> Response:
    page_no = _number(page_text)
    allow(who, "review")
    case = find_case(desk, case_id)
    review = _open(desk, case)
    hit = _hit_of_case(review, hit_id)
    htmx = request.headers.get("HX-Request") == "true"
    if choice not in CHOICES:
        problem = f"Decision {choice!r}: choose accept, reject or undo."
        if htmx:
            return await _row(request, desk, case, who, hit, undecided, page_no, problem)
        raise Refused(400, problem)
    listed_before = [
        h["hit_id"] for h in _listed(review, latest(review.decisions()), undecided == "1")
    ]
    try:
        before, after = await run_in_threadpool(
            _decide_one, review.folder, hit_id, choice, reason, who
        )
    except FoideskError as exc:
        if htmx:
            return await _row(request, desk, case, who, hit, undecided, page_no, str(exc))
        raise Refused(400, str(exc)) from exc
    _event(
        desk,
        case,
        who,
        {"hit_id": hit_id, "crime_ref": hit["crime_ref"], "held": _held(before)},
        {
            "hit_id": hit_id,
            "crime_ref": hit["crime_ref"],
            "choice": choice,
            "held": _held(after),
        },
    )
    if htmx:
        return await _row(request, desk, case, who, hit, undecided, page_no)
    state = await run_in_threadpool(_state, desk, case)
    # back to the same place: the hit, or (filtered out now) the next one still listed
    listed = [h["hit_id"] for h in _listed(state.case, state.preview.held, undecided == "1")]
    target = hit_id
    if hit_id not in listed:
        after_it = (
            listed_before[listed_before.index(hit_id) + 1 :] if hit_id in listed_before else []
        )
        target = next((h for h in after_it if h in set(listed)), "")
    where = (listed.index(target) // PER_PAGE + 1) if target in listed else page_no
    anchor = f"#hit-{target}" if target else ""
    return RedirectResponse(
        f"/cases/{case_id}/review{_query(undecided == '1', where)}{anchor}", status_code=303
    )


async def _row(
    request: Request,
    desk: Desk,
    case: Case,
    who: Who,
    hit: dict[str, Any],
    undecided: str,
    page_no: int,
    problem: str | None = None,
) -> Response:
    """The hit's row as it is now, with the preview, progress and recent decisions out of band
    (htmx); with ``problem``, the row saying it (status 400)."""
    state = await run_in_threadpool(_state, desk, case)
    context = {
        "case": case,
        "hit": hit,
        "undecided": undecided == "1",
        "page_no": page_no,
        **_preview_context(state),
        "oob": True,
        "problem": problem,
    }
    return page(request, "review_hit.html", context, 400 if problem else 200, who)


@dataclass(frozen=True)
class _Bulk:
    selector: Selector
    choice: str
    selected: int
    changes: int


def _bulk(review: ReviewCase, term: str, rule: str, text: str, choice: str) -> _Bulk:
    if choice not in BULK_CHOICES:
        raise Refused(400, f"Decision {choice!r}: choose accept, reject or clear.")
    try:
        selector = Selector(
            term=term.strip() or None, rule=rule.strip() or None, text=text.strip() or None
        )
    except FoideskError as exc:
        raise Refused(400, "Say which hits: a term, a rule or a matched text.") from exc
    hits = selected_hits(review, selector)
    changes = would_change(latest(review.decisions()), hits, choice)
    return _Bulk(selector, choice, len(hits), len(changes))


def _describe(selector: Selector) -> str:
    names = {"term": "term", "rule": "rule", "text": "matched text"}
    return " and ".join(f"{names[k]} “{v}”" for k, v in selector.criteria().items())


@router.post("/cases/{case_id}/bulk/preview")
def bulk_preview(
    request: Request,
    desk: DeskDep,
    who: PostDep,
    case_id: int,
    term: Annotated[str, Form()] = "",
    rule: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    choice: Annotated[str, Form()] = "",
) -> Response:
    allow(who, "review")
    case = find_case(desk, case_id)
    bulk = _bulk(_open(desk, case), term, rule, text, choice)
    return page(
        request,
        "review_bulk.html",
        {
            "title": f"Decide in bulk: {case.reference}",
            "case": case,
            "bulk": bulk,
            "described": _describe(bulk.selector),
            "term": term.strip(),
            "rule": rule.strip(),
            "text": text.strip(),
        },
        who=who,
    )


@router.post("/cases/{case_id}/bulk")
async def bulk_apply(
    request: Request,
    desk: DeskDep,
    who: PostDep,
    case_id: int,
    term: Annotated[str, Form()] = "",
    rule: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    choice: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    allow(who, "review")
    case = find_case(desk, case_id)
    review = _open(desk, case)
    bulk = _bulk(review, term, rule, text, choice)
    if bulk.selected == 0:
        raise Refused(400, f"No hit of this case has the {_describe(bulk.selector)}.")
    try:
        done = await run_in_threadpool(
            lambda: decide(
                review.folder,
                choice,
                bulk.selector,
                by=who.user.name,
                reason=reason.strip(),
                source="desk",
            )
        )
    except FoideskError as exc:
        raise Refused(400, str(exc)) from exc
    _event(
        desk,
        case,
        who,
        {"selected_by": bulk.selector.criteria(), "selected": done.selected},
        {
            "selected_by": bulk.selector.criteria(),
            "choice": choice,
            "changed": done.changed,
            "hit_ids": [d.hit_id for d in done.decisions],
        },
    )
    return RedirectResponse(f"/cases/{case_id}/review", status_code=303)


def panel_context(desk: Desk, case: Case) -> dict[str, Any]:
    """What the case page's review panel (``review_panel.html``) shows: the possible hits
    decided and not (from the case folder and its log: no search, no lexicon), or that the
    search has not run."""
    folder = _answered(desk, case)
    if folder is None:
        return {"review_ready": False}
    try:
        review = open_case(folder)
        held = latest(review.decisions())
    except FoideskError as exc:
        return {"review_ready": False, "review_problem": str(exc)}
    hits = [h for h in review.hits() if h["status"] != _SET_ASIDE]
    possible = [h["hit_id"] for h in hits if h["certainty"] == "possible"]
    decided = sum(1 for hit in possible if hit in held)
    try:  # the s.12 estimate and the quality sample from the work left (cached per answer)
        shown = preview(folder)
        estimate, sample = estimate_lines(shown.cost), _sample_line(shown)
    except FoideskError as exc:
        estimate, sample = [], f"The estimate cannot be made ({exc})."
    return {
        "review_estimate": estimate,
        "review_sample": sample,
        "review_ready": True,
        "review_hits": len(hits),
        "review_possible": len(possible),
        "review_decided": decided,
        "review_undecided": len(possible) - decided,
        "review_decisions": len(held),
    }
