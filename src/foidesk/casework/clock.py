"""The statutory clock of a request with its stops: where a case stands, from its clock events.

A pure function, ``clock(events, today)``: the events a case's store records (``EVENT_KINDS``)
in, a frozen ``ClockState`` out: the status the events imply, the due date in force, whether the
clock is stopped and why, the working days left, due soon or overdue, the holidays skipped on
the way, and what each event did to the due date (``history``). No I/O.

Working days are counted as in ``casework.deadline``: Saturdays, Sundays and the bank holidays
of any UK nation are not working days, and day 1 is the first working day after the day an event
happens (ICO Line To Take LTT47).

What each event does, and the sources:

- ``received``: the clock starts; the answer is due on the 20th working day (FOIA s.10(1)).
- ``clarification_sought``: the clock stops; the authority is not obliged to answer until it has
  the further information it reasonably asked for (s.1(3)).
  ``clarification_received``: a new 20 working days start from the day after it arrives, as if
  the request were new (ICO LTT137): the clarification replaces the clock.
- ``fee_notice_sent``: the clock stops (s.9). ``fee_received``: it resumes; the working days
  from the day the notice is given to the day the fee arrives, both included, are disregarded
  in counting the 20th working day (s.10(2)).
- ``extension``: more time to consider the public interest, working days added to the due date
  (s.10(3): "such time as is reasonable"); the ICO's guidance on time limits takes 20 more
  working days as the most that is reasonable (40 in all), and so does this module.
- ``sent``: the answer is sent; the clock stops for good.
- ``internal_review_requested``: a requester asks for one within 40 working days of the answer;
  it is answered within 20 working days of its receipt, 40 at most (section 45 code of
  practice, 2018, paras 5.4 to 5.7). ``review_extension`` adds working days to it, 20 in all at
  most; ``internal_review_sent``: the review is answered.
- ``ico_complaint``: a complaint to the Information Commissioner (s.50).
- ``closed``: the case is closed; no event may follow.

Where the Act and the ICO are silent, this module decides (each is said again where it is
done):

- A fee notice sent after the due date does not stop a clock that has already run out: s.10(2)
  disregards days only "in calculating ... the twentieth working day".
- A clarification replaces the clock: the days used, the fee stops and any extension claimed
  before it lapse with the old clock (the clarified request is treated as new, LTT137).
- No extension while the clock is stopped or after the answer is sent; an extension claimed
  after the due date is applied and said in ``notes`` (s.17(2) wants it claimed in time).
- A clarification or a fee notice cannot be asked for while the other is awaited (the clock has
  one stop at a time), nor after the answer is sent.
- A complaint to the Information Commissioner may come before the answer (a complaint that
  none came, s.50); it does not stop the clock, and the status stays "with the Information
  Commissioner" until the case is closed.
- An internal review asked for more than 40 working days after the answer is flagged
  (``review_out_of_time``), not refused: a force may still accept it. One review per request.
- Once the review is answered the status goes back to "sent" (the desk has no status for an
  answered review).
- The working days left, due soon and overdue are about the live deadline: the request's due
  date until the answer is sent, then the internal review's while one is open. Due soon is
  ``DUE_SOON_DAYS`` (5) working days left or fewer; a case is overdue from the calendar day
  after its due date (an answer sent on the due date is in time).
- ``skipped_holidays`` lists the holidays within the days counted; a holiday that falls while
  the clock is stopped awaiting a fee is not "skipped", the whole stop is disregarded.
- ``days_awaiting_fee`` counts every fee stop of the case (also those of a clock a
  clarification replaced), up to ``today`` while a fee is awaited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from foidesk.casework.deadline import (
    REVIEW_REQUEST_DAYS,
    WORKING_DAYS,
    uk_bank_holidays,
    working_days_after,
)
from foidesk.casework.request import DATE_MAX, DATE_MIN
from foidesk.errors import RequestError

EVENT_KINDS = (
    "received",
    "clarification_sought",
    "clarification_received",
    "fee_notice_sent",
    "fee_received",
    "extension",
    "sent",
    "internal_review_requested",
    "review_extension",
    "internal_review_sent",
    "ico_complaint",
    "closed",
)
# events that carry a number of working days (``ClockEvent.value``)
VALUED_KINDS = ("extension", "review_extension")

# The public-interest extension (s.10(3)) and the extension of an internal review: at most 20
# more working days each, in all.
MAX_EXTENSION_DAYS = 20
REVIEW_DAYS = 20
MAX_REVIEW_EXTENSION_DAYS = 20
# a case with this many working days left or fewer (and not overdue) is due soon
DUE_SOON_DAYS = 5

# The statuses the clock can tell from its events. The desk's other statuses are its own work
# on a case whose clock is running (status "received"): set by a person, never implied by an
# event (``desk_status``).
CLOCK_STATUSES = (
    "received",
    "awaiting clarification",
    "awaiting fee",
    "sent",
    "internal review",
    "with the Information Commissioner",
    "closed",
)
DESK_WORK_STATUSES = ("searching", "in review", "awaiting approval")
DESK_STATUSES = (
    "received",
    "awaiting clarification",
    "awaiting fee",
    *DESK_WORK_STATUSES,
    "sent",
    "internal review",
    "with the Information Commissioner",
    "closed",
)


@dataclass(frozen=True)
class ClockEvent:
    """One event of a case's clock: its kind (``EVENT_KINDS``), the day it happened and, for
    ``extension`` and ``review_extension``, the working days it adds."""

    kind: str
    on: date
    value: int | None = None


@dataclass(frozen=True)
class HistoryEntry:
    """What one event did: the due dates in force before and after it (the request's and the
    internal review's), the status after it, and in words."""

    index: int
    event: ClockEvent
    due_before: date | None
    due_after: date | None
    review_due_before: date | None
    review_due_after: date | None
    status_after: str
    effect: str


@dataclass(frozen=True)
class ClockState:
    """Where a case stands on ``today``.

    ``due`` is the statutory due date in force (None while the clock is stopped, unless it had
    already run out before a fee notice); ``working_days_left``, ``overdue`` and ``due_soon``
    are about the live deadline: ``due`` while the answer is awaited, ``review_due`` while an
    internal review is open, none otherwise (None, False, False). ``working_days_left`` counts
    the working days after ``today`` up to the deadline (0 on the day itself), negative when
    overdue; ``overdue`` is ``today`` after the deadline, so a Saturday after a Friday deadline
    is overdue with 0 working days left.
    """

    today: date
    status: str
    received: date
    clock_start: date  # the day of receipt, or of the clarification that restarted the clock
    due: date | None
    stopped: bool
    stopped_reason: str | None
    working_days_left: int | None
    overdue: bool
    due_soon: bool
    skipped_holidays: tuple[tuple[date, str], ...]
    days_awaiting_fee: int
    extended_by: int
    sent_on: date | None
    due_when_sent: date | None
    sent_late: bool
    review_requested: date | None
    review_out_of_time: bool
    review_due: date | None
    review_extended_by: int
    review_skipped_holidays: tuple[tuple[date, str], ...]
    review_sent_on: date | None
    history: tuple[HistoryEntry, ...]
    notes: tuple[str, ...]


def working_days_between(a: date, b: date) -> int:
    """The working days after ``a`` up to and including ``b`` (negative when ``b`` is before
    ``a``): ``working_days_between(a, working_days_after(a, n).due) == n``. Weekends and the
    bank holidays of any UK nation are not working days, as in ``working_days_after``."""
    if b < a:
        return -working_days_between(b, a)
    bank = uk_bank_holidays(range(a.year, b.year + 1))
    count, day = 0, a
    while day < b:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in bank:
            count += 1
    return count


def desk_status(state: ClockState, set_by_desk: str | None) -> str:
    """The status the desk shows: one of the desk's working statuses (``DESK_WORK_STATUSES``)
    set by a person while the clock's status is "received", else the clock's own."""
    if set_by_desk is None:
        return state.status
    if set_by_desk not in DESK_WORK_STATUSES:
        raise RequestError(
            f"status {set_by_desk!r}: a person may set only {', '.join(DESK_WORK_STATUSES)}; "
            "the others follow from the case's events"
        )
    return set_by_desk if state.status == "received" else state.status


def _refuse(index: int, event: ClockEvent, why: str) -> RequestError:
    return RequestError(f"event {index} ({event.kind}, {event.on.isoformat()}): {why}")


class _Case:
    """The case as its events go, one event at a time (``apply``)."""

    def __init__(self, received: date) -> None:
        self.received = received
        self.start = received  # the clock's start: receipt, or the last clarification
        self.pauses: list[tuple[date, date | None]] = []  # this clock's fee stops
        self.fee_stops: list[tuple[date, date | None]] = []  # every fee stop of the case
        self.extended_by = 0
        self.clarification_sought: date | None = None  # while one is awaited
        self.sent_on: date | None = None
        self.due_when_sent: date | None = None
        self.with_ico = False
        self.closed = False
        self.review_requested: date | None = None
        self.review_out_of_time = False
        self.review_extended_by = 0
        self.review_sent_on: date | None = None
        self.notes: list[str] = []

    # -- what the state says ---------------------------------------------------------------
    def awaiting_fee(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None

    def stopped_reason(self) -> str | None:
        if self.closed:
            return "closed"
        if self.sent_on is not None:
            return "answer sent"
        if self.clarification_sought is not None:
            return "awaiting clarification (s.1(3))"
        if self.awaiting_fee():
            return "awaiting fee (s.9)"
        return None

    def status(self) -> str:
        if self.closed:
            return "closed"
        if self.with_ico:
            return "with the Information Commissioner"
        if self.review_open():
            return "internal review"
        if self.sent_on is not None:
            return "sent"
        if self.clarification_sought is not None:
            return "awaiting clarification"
        if self.awaiting_fee():
            return "awaiting fee"
        return "received"

    def request_due(self) -> tuple[date | None, tuple[tuple[date, str], ...]]:
        """The 20th working day from the clock's start (more if extended), the days of each fee
        stop disregarded (s.10(2)), with the holidays skipped in the days counted. None while a
        clarification is awaited, or a fee is awaited before the clock ran out."""
        if self.clarification_sought is not None:
            return None, ()
        left = WORKING_DAYS + self.extended_by
        anchor = self.start
        skipped: list[tuple[date, str]] = []
        for notice, paid in self.pauses:
            # the days counted before the stop: after the anchor, before the notice's day
            available = max(working_days_between(anchor, notice - timedelta(days=1)), 0)
            if left <= available:
                break  # the clock ran out before the notice: the stop changes nothing
            if available:
                skipped.extend(working_days_after(anchor, available).skipped_holidays)
            left -= available
            if paid is None:
                return None, ()
            anchor = paid
        deadline = working_days_after(anchor, left)
        return deadline.due, (*skipped, *deadline.skipped_holidays)

    def live_request_due(self) -> date | None:
        """The request's due date while the answer is awaited; None once sent or closed."""
        if self.sent_on is not None or self.closed:
            return None
        return self.request_due()[0]

    def review_open(self) -> bool:
        return self.review_requested is not None and self.review_sent_on is None

    def review_deadline(self) -> tuple[date | None, tuple[tuple[date, str], ...]]:
        if self.review_requested is None or not self.review_open() or self.closed:
            return None, ()
        deadline = working_days_after(self.review_requested, REVIEW_DAYS + self.review_extended_by)
        return deadline.due, deadline.skipped_holidays

    def days_awaiting_fee(self, today: date) -> int:
        # the notice's day to the fee's, both included (s.10(2)); up to today while awaited
        return sum(
            max(working_days_between(notice - timedelta(days=1), paid or today), 0)
            for notice, paid in self.fee_stops
        )

    # -- the events --------------------------------------------------------------------------
    def apply(self, index: int, event: ClockEvent) -> str:
        """Apply one event (checked for its kind, date and value); say what it did."""
        handler = getattr(self, f"_{event.kind}")
        effect: str = handler(index, event)
        return effect

    def _not_after_sent(self, index: int, event: ClockEvent) -> None:
        if self.sent_on is not None:
            raise _refuse(index, event, f"the answer was already sent on {self.sent_on}")

    def _one_stop_at_a_time(self, index: int, event: ClockEvent) -> None:
        if self.clarification_sought is not None:
            raise _refuse(
                index, event, f"a clarification is awaited (sought on {self.clarification_sought})"
            )
        if self.awaiting_fee():
            raise _refuse(index, event, f"a fee is awaited (notice sent on {self.pauses[-1][0]})")

    def _received(self, index: int, event: ClockEvent) -> str:
        return "the clock starts: 20 working days (s.10(1))"

    def _clarification_sought(self, index: int, event: ClockEvent) -> str:
        self._not_after_sent(index, event)
        self._one_stop_at_a_time(index, event)
        due = self.request_due()[0]
        if due is not None and event.on > due:
            self.notes.append(f"clarification sought {event.on}, after the due date {due}")
        self.clarification_sought = event.on
        return "the clock stops: clarification sought (s.1(3))"

    def _clarification_received(self, index: int, event: ClockEvent) -> str:
        if self.clarification_sought is None:
            raise _refuse(index, event, "no clarification was sought (clarification_sought)")
        # the clarification replaces the clock: days used, fee stops, extension lapse (LTT137)
        self.start, self.pauses, self.extended_by = event.on, [], 0
        self.clarification_sought = None
        return "a new 20 working days from the day after it (ICO LTT137)"

    def _fee_notice_sent(self, index: int, event: ClockEvent) -> str:
        self._not_after_sent(index, event)
        self._one_stop_at_a_time(index, event)
        due = self.request_due()[0]
        self.pauses.append((event.on, None))
        self.fee_stops.append((event.on, None))
        if due is not None and event.on > due:
            self.notes.append(
                f"fee notice sent {event.on}, after the due date {due}: it does not stop the clock"
            )
            return f"fee notice (s.9) after the due date {due}: the clock had run out"
        return "the clock stops: fee notice (s.9)"

    def _fee_received(self, index: int, event: ClockEvent) -> str:
        if not self.awaiting_fee():
            raise _refuse(index, event, "no fee notice awaits payment (fee_notice_sent)")
        notice = self.pauses[-1][0]
        self.pauses[-1] = (notice, event.on)
        self.fee_stops[-1] = (notice, event.on)
        days = max(working_days_between(notice - timedelta(days=1), event.on), 0)
        return (
            f"the fee arrives: the clock resumes, the {days} working days awaiting it "
            "not counted (s.10(2))"
        )

    def _extension(self, index: int, event: ClockEvent) -> str:
        self._not_after_sent(index, event)
        reason = self.stopped_reason()
        if reason is not None:
            raise _refuse(index, event, f"the clock is stopped, {reason}")
        total = self.extended_by + (event.value or 0)
        if total > MAX_EXTENSION_DAYS:
            raise _refuse(
                index,
                event,
                f"the public-interest extension (s.10(3)) is at most {MAX_EXTENSION_DAYS} "
                f"working days in all; this makes {total}",
            )
        due = self.request_due()[0]
        if due is not None and event.on > due:
            self.notes.append(f"extension claimed {event.on}, after the due date {due}")
        self.extended_by = total
        return f"extended by {event.value} working days (s.10(3)), {total} in all"

    def _sent(self, index: int, event: ClockEvent) -> str:
        self._not_after_sent(index, event)
        due = self.request_due()[0]
        self.sent_on, self.due_when_sent = event.on, due
        if due is not None and event.on > due:
            late = working_days_between(due, event.on)
            self.notes.append(
                f"answer sent {event.on}, {late} working days after the due date {due}"
            )
            return f"the answer is sent, {late} working days late: the clock stops for good"
        return "the answer is sent: the clock stops for good"

    def _internal_review_requested(self, index: int, event: ClockEvent) -> str:
        if self.sent_on is None:
            raise _refuse(index, event, "no answer has been sent to review")
        if self.review_requested is not None:
            raise _refuse(
                index, event, f"an internal review was already requested on {self.review_requested}"
            )
        self.review_requested = event.on
        after = working_days_between(self.sent_on, event.on)
        self.review_out_of_time = after > REVIEW_REQUEST_DAYS
        if self.review_out_of_time:
            self.notes.append(
                f"internal review asked for {after} working days after the answer, over the "
                f"{REVIEW_REQUEST_DAYS} of the code of practice (para 5.4): a force may still "
                "accept it"
            )
            return f"internal review asked for {after} working days after the answer: out of time"
        return f"internal review asked for {after} working days after the answer: due in 20"

    def _review_extension(self, index: int, event: ClockEvent) -> str:
        if not self.review_open():
            raise _refuse(index, event, "no internal review is open")
        total = self.review_extended_by + (event.value or 0)
        if total > MAX_REVIEW_EXTENSION_DAYS:
            raise _refuse(
                index,
                event,
                f"an internal review may be extended by {MAX_REVIEW_EXTENSION_DAYS} working "
                f"days in all (40 at most: code of practice, 2018, paras 5.4 to 5.7); "
                f"this makes {total}",
            )
        self.review_extended_by = total
        return f"internal review extended by {event.value} working days, {total} in all"

    def _internal_review_sent(self, index: int, event: ClockEvent) -> str:
        if self.review_requested is None:
            raise _refuse(index, event, "no internal review was requested")
        if self.review_sent_on is not None:
            raise _refuse(
                index, event, f"the internal review was already sent on {self.review_sent_on}"
            )
        self.review_sent_on = event.on
        return "the internal review is answered"

    def _ico_complaint(self, index: int, event: ClockEvent) -> str:
        if self.with_ico:
            raise _refuse(index, event, "the case is already with the Information Commissioner")
        self.with_ico = True
        return "complaint to the Information Commissioner (s.50); the clock is not stopped"

    def _closed(self, index: int, event: ClockEvent) -> str:
        self.closed = True
        return "the case is closed"


def _check(
    index: int, event: ClockEvent, first: ClockEvent, previous: ClockEvent | None, today: date
) -> None:
    """Refuse an event whose kind, value or date cannot be, before it is applied."""
    if event.kind not in EVENT_KINDS:
        raise _refuse(index, event, f"unknown kind; the kinds are {', '.join(EVENT_KINDS)}")
    if not DATE_MIN <= event.on <= DATE_MAX:
        raise _refuse(
            index,
            event,
            f"the clock is computed for dates from {DATE_MIN.isoformat()} to "
            f"{DATE_MAX.isoformat()}; check the year",
        )
    if event.kind in VALUED_KINDS:
        value = event.value
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise _refuse(index, event, f"its value must be working days, 1 or more ({value!r})")
    elif event.value is not None:
        raise _refuse(index, event, f"takes no value (given {event.value!r})")
    if event.on > today:
        raise _refuse(index, event, f"dated after today ({today.isoformat()})")
    if previous is None:
        if event.kind != "received":
            raise _refuse(index, event, "the first event must be 'received'")
        return
    if event.kind == "received":
        raise _refuse(index, event, f"the request was already received on {first.on}")
    if event.on < first.on:
        raise _refuse(index, event, f"dated before the request was received ({first.on})")
    if event.on < previous.on:
        raise _refuse(index, event, f"dated before the event before it ({previous.on.isoformat()})")


def clock(events: Sequence[ClockEvent], today: date) -> ClockState:
    """Where the case stands on ``today``, from its clock events in the order they happened.

    Refuses (``RequestError``, one line naming the event's index and kind, and why) an unknown
    kind, a missing or misplaced value, an event dated before the one before it (so before the
    request) or after ``today``, and an impossible sequence: ``received`` not first or twice, a
    clarification received with none sought, a fee received with no notice, an extension beyond
    20 working days in all, ``sent`` twice, a review with no answer sent, anything after
    ``closed``.
    """
    if not DATE_MIN <= today <= DATE_MAX:
        raise RequestError(
            f"today {today.isoformat()}: the statutory clock is computed for dates from "
            f"{DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}; check the year"
        )
    if not events:
        raise RequestError("no clock events: a case's first event is 'received'")
    case: _Case | None = None
    history: list[HistoryEntry] = []
    due_before: date | None = None
    review_due_before: date | None = None
    for index, event in enumerate(events):
        _check(index, event, events[0], events[index - 1] if index else None, today)
        if case is None:
            case = _Case(event.on)
        elif case.closed:
            raise _refuse(index, event, "the case is closed")
        effect = case.apply(index, event)
        due_after = case.live_request_due()
        review_due_after = case.review_deadline()[0]
        history.append(
            HistoryEntry(
                index=index,
                event=event,
                due_before=due_before,
                due_after=due_after,
                review_due_before=review_due_before,
                review_due_after=review_due_after,
                status_after=case.status(),
                effect=effect,
            )
        )
        due_before, review_due_before = due_after, review_due_after
    assert case is not None

    due, skipped = (None, ()) if case.live_request_due() is None else case.request_due()
    review_due, review_skipped = case.review_deadline()
    live = review_due if review_due is not None else due
    left = None if live is None else working_days_between(today, live)
    overdue = live is not None and today > live
    reason = case.stopped_reason()
    return ClockState(
        today=today,
        status=case.status(),
        received=case.received,
        clock_start=case.start,
        due=due,
        stopped=reason is not None,
        stopped_reason=reason,
        working_days_left=left,
        overdue=overdue,
        due_soon=left is not None and not overdue and left <= DUE_SOON_DAYS,
        skipped_holidays=skipped,
        days_awaiting_fee=case.days_awaiting_fee(today),
        extended_by=case.extended_by,
        sent_on=case.sent_on,
        due_when_sent=case.due_when_sent,
        sent_late=(
            case.sent_on is not None
            and case.due_when_sent is not None
            and case.sent_on > case.due_when_sent
        ),
        review_requested=case.review_requested,
        review_out_of_time=case.review_out_of_time,
        review_due=review_due,
        review_extended_by=case.review_extended_by,
        review_skipped_holidays=review_skipped,
        review_sent_on=case.review_sent_on,
        history=tuple(history),
        notes=tuple(case.notes),
    )
