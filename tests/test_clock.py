"""The statutory clock with its stops (casework/clock.py), on real dates and UK holidays.

Every date here was counted by hand on a 2019 calendar (the holidays of any UK nation: Early May
6 May, Spring 27 May, 12 July in Northern Ireland, 5 August in Scotland, 26 August elsewhere).
"""

from __future__ import annotations

from datetime import date

import pytest

from foidesk.casework.clock import (
    CLOCK_STATUSES,
    DESK_STATUSES,
    DUE_SOON_DAYS,
    EVENT_KINDS,
    ClockEvent,
    ClockState,
    clock,
    desk_status,
    working_days_between,
)
from foidesk.casework.deadline import working_days_after
from foidesk.errors import RequestError

D = date
RECEIVED = ClockEvent("received", D(2019, 4, 26))  # a Friday


def ev(kind: str, day: date, value: int | None = None) -> ClockEvent:
    return ClockEvent(kind, day, value)


def test_the_vocabulary() -> None:
    assert EVENT_KINDS == (
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
    assert set(CLOCK_STATUSES) < set(DESK_STATUSES)
    assert set(DESK_STATUSES) - set(CLOCK_STATUSES) == {
        "searching",
        "in review",
        "awaiting approval",
    }
    assert DUE_SOON_DAYS == 5


def test_received_alone_is_due_on_the_20th_working_day() -> None:
    state = clock([RECEIVED], D(2019, 5, 1))
    assert state.status == "received"
    assert state.due == D(2019, 5, 28)
    assert not state.stopped and state.stopped_reason is None
    assert [day for day, _ in state.skipped_holidays] == [D(2019, 5, 6), D(2019, 5, 27)]
    assert "all UK" in dict(state.skipped_holidays)[D(2019, 5, 6)]
    # Thursday 2 May to Tuesday 28 May: 2, 3, 7-10, 13-17, 20-24, 28 May
    assert state.working_days_left == 17
    assert not state.overdue and not state.due_soon


def test_clarification_replaces_the_clock() -> None:
    # Sought Wednesday 1 May: the clock stops. Received Wednesday 8 May: a new 20 working days,
    # day 1 Thursday 9 May: 9, 10 (2); 13-17 (7); 20-24 (12); Monday 27 May is the Spring bank
    # holiday, skipped; 28-31 (16); 3, 4, 5, 6 June (20): due Thursday 6 June 2019.
    sought = clock([RECEIVED, ev("clarification_sought", D(2019, 5, 1))], D(2019, 5, 3))
    assert sought.status == "awaiting clarification"
    assert sought.stopped and sought.stopped_reason == "awaiting clarification (s.1(3))"
    assert sought.due is None and sought.working_days_left is None
    assert not sought.overdue and not sought.due_soon and sought.skipped_holidays == ()

    state = clock(
        [
            RECEIVED,
            ev("clarification_sought", D(2019, 5, 1)),
            ev("clarification_received", D(2019, 5, 8)),
        ],
        D(2019, 5, 8),
    )
    assert state.status == "received" and not state.stopped
    assert state.clock_start == D(2019, 5, 8)
    assert state.due == D(2019, 6, 6)
    assert [day for day, _ in state.skipped_holidays] == [D(2019, 5, 27)]
    assert [(h.due_before, h.due_after) for h in state.history] == [
        (None, D(2019, 5, 28)),
        (D(2019, 5, 28), None),
        (None, D(2019, 6, 6)),
    ]


def test_days_awaiting_a_fee_are_not_counted() -> None:
    notice = ev("fee_notice_sent", D(2019, 4, 30))
    # while the fee is awaited: the clock stops; 30 April to Friday 3 May are 4 working days
    waiting = clock([RECEIVED, notice], D(2019, 5, 3))
    assert waiting.status == "awaiting fee"
    assert waiting.stopped_reason == "awaiting fee (s.9)"
    assert waiting.due is None and waiting.days_awaiting_fee == 4

    # Counted before the notice: Monday 29 April (1). The notice's day to the fee's, both
    # included, are disregarded (s.10(2)): 30 April, 1-3 May, 7-10 May (6 May a holiday) = 8.
    # The 19 days left from Monday 13 May: 13-17 (5), 20-24 (10), 28-31 (14; 27 May skipped),
    # 3-7 June (19): due Friday 7 June, the 28 May due date moved by 8 working days.
    state = clock([RECEIVED, notice, ev("fee_received", D(2019, 5, 10))], D(2019, 5, 13))
    assert state.status == "received" and not state.stopped
    assert state.due == D(2019, 6, 7)
    assert state.days_awaiting_fee == 8
    assert [day for day, _ in state.skipped_holidays] == [D(2019, 5, 27)]  # 6 May: in the stop
    assert state.history[-1].due_before is None and state.history[-1].due_after == D(2019, 6, 7)
    assert "8 working days awaiting it not counted" in state.history[-1].effect


def test_a_fee_notice_after_the_due_date_does_not_stop_a_clock_that_ran_out() -> None:
    events = [RECEIVED, ev("fee_notice_sent", D(2019, 5, 30))]
    state = clock(events, D(2019, 5, 31))
    assert state.status == "awaiting fee" and state.stopped
    assert state.due == D(2019, 5, 28) and state.overdue and state.working_days_left == -3
    assert any("does not stop the clock" in note for note in state.notes)
    paid = clock([*events, ev("fee_received", D(2019, 6, 5))], D(2019, 6, 5))
    assert paid.due == D(2019, 5, 28) and paid.days_awaiting_fee == 5


def test_a_public_interest_extension_of_20_days_and_no_more() -> None:
    # 28 May + 20 working days: 29-31 May (3), 3-7 June (8), 10-14 (13), 17-21 (18), 24, 25 (20)
    state = clock([RECEIVED, ev("extension", D(2019, 5, 20), 20)], D(2019, 5, 20))
    assert state.due == D(2019, 6, 25) and state.extended_by == 20
    assert state.history[-1].due_before == D(2019, 5, 28)
    assert state.history[-1].due_after == D(2019, 6, 25)
    two = clock(
        [RECEIVED, ev("extension", D(2019, 5, 20), 10), ev("extension", D(2019, 6, 3), 10)],
        D(2019, 6, 3),
    )
    assert two.due == D(2019, 6, 25) and two.extended_by == 20

    with pytest.raises(RequestError) as refused:
        clock([RECEIVED, ev("extension", D(2019, 5, 20), 21)], D(2019, 5, 20))
    assert str(refused.value) == (
        "event 1 (extension, 2019-05-20): the public-interest extension (s.10(3)) is at most "
        "20 working days in all; this makes 21"
    )
    with pytest.raises(RequestError, match=r"event 3 .*this makes 21"):
        clock(
            [
                RECEIVED,
                ev("extension", D(2019, 5, 20), 10),
                ev("extension", D(2019, 6, 3), 10),
                ev("extension", D(2019, 6, 4), 1),
            ],
            D(2019, 6, 4),
        )


SENT = ev("sent", D(2019, 5, 28))  # a Tuesday


def test_internal_review_in_time_and_its_due_date() -> None:
    # 39 working days after Tuesday 28 May: 29-31 May (3), June (23), 1-5 July (28), 8-11 July
    # (32; Friday 12 July is Northern Ireland's holiday), 15-19 (37), 22, 23 July (39).
    assert working_days_between(D(2019, 5, 28), D(2019, 7, 23)) == 39
    state = clock([RECEIVED, SENT, ev("internal_review_requested", D(2019, 7, 23))], D(2019, 7, 23))
    assert state.status == "internal review"
    assert not state.review_out_of_time
    # 20 working days from 24 July: 24-26 (3), 29-31 (6), 1, 2 August (8), Monday 5 August is
    # Scotland's summer holiday, 6-9 (12), 12-16 (17), 19-21 (20): Wednesday 21 August.
    assert state.review_due == D(2019, 8, 21)
    assert [day for day, _ in state.review_skipped_holidays] == [D(2019, 8, 5)]
    assert "SCT" in dict(state.review_skipped_holidays)[D(2019, 8, 5)]
    assert state.working_days_left == 20 and not state.overdue
    assert state.due is None and state.stopped_reason == "answer sent"


def test_internal_review_out_of_time_is_a_flag_not_an_error() -> None:
    # 40 working days after 28 May is 24 July: in time; 41 is Thursday 25 July: out of time
    at_40 = clock([RECEIVED, SENT, ev("internal_review_requested", D(2019, 7, 24))], D(2019, 7, 24))
    assert not at_40.review_out_of_time
    state = clock([RECEIVED, SENT, ev("internal_review_requested", D(2019, 7, 25))], D(2019, 7, 25))
    assert state.review_out_of_time and state.status == "internal review"
    # from 26 July: 26 (1), 29-31 (4), 1, 2 August (6), 5 August skipped, 6-9 (10), 12-16
    # (15), 19-23 (20): Friday 23 August
    assert state.review_due == D(2019, 8, 23)
    assert state.notes == (
        "internal review asked for 41 working days after the answer, over the 40 of the code "
        "of practice (para 5.4): a force may still accept it",
    )


def test_internal_review_extended_to_40_days_and_no_further() -> None:
    events = [
        RECEIVED,
        SENT,
        ev("internal_review_requested", D(2019, 7, 23)),
        ev("review_extension", D(2019, 8, 15), 20),
    ]
    state = clock(events, D(2019, 8, 15))
    # 21 August + 20 working days: 22, 23 (2), Monday 26 August (England, Wales and Northern
    # Ireland's summer holiday) skipped, 27-30 (6), 2-6 September (11), 9-13 (16), 16-19 (20)
    assert state.review_due == D(2019, 9, 19) and state.review_extended_by == 20
    assert state.history[-1].review_due_before == D(2019, 8, 21)
    assert state.history[-1].review_due_after == D(2019, 9, 19)
    with pytest.raises(RequestError) as refused:
        clock([*events, ev("review_extension", D(2019, 8, 16), 1)], D(2019, 8, 16))
    assert str(refused.value) == (
        "event 4 (review_extension, 2019-08-16): an internal review may be extended by 20 "
        "working days in all (40 at most: code of practice, 2018, paras 5.4 to 5.7); "
        "this makes 21"
    )


def test_status_and_due_dates_after_each_event() -> None:
    events = [
        RECEIVED,
        ev("clarification_sought", D(2019, 5, 1)),
        ev("clarification_received", D(2019, 5, 8)),
        # used before the notice: 9 May (1); disregarded: Friday 10, 13, 14 May (3): the due
        # date moves from 6 June by 3 working days to Tuesday 11 June
        ev("fee_notice_sent", D(2019, 5, 10)),
        ev("fee_received", D(2019, 5, 14)),
        # 11 June + 10: 12-14 (3), 17-21 (8), 24, 25 June (10)
        ev("extension", D(2019, 6, 3), 10),
        ev("sent", D(2019, 6, 20)),
        # 20 working days from 2 July: 2-5 (4), 8-11 (8), 12 July (NI) skipped, 15-19 (13),
        # 22-26 (18), 29, 30 July (20)
        ev("internal_review_requested", D(2019, 7, 1)),
        # 30 July + 5: 31 July, 1, 2 August (3), 5 August (Scotland) skipped, 6, 7 August (5)
        ev("review_extension", D(2019, 7, 25), 5),
        ev("internal_review_sent", D(2019, 8, 6)),
        ev("ico_complaint", D(2019, 8, 20)),
        ev("closed", D(2019, 12, 2)),
    ]
    state = clock(events, D(2019, 12, 2))
    assert [
        (h.event.kind, h.status_after, h.due_after, h.review_due_after) for h in state.history
    ] == [
        ("received", "received", D(2019, 5, 28), None),
        ("clarification_sought", "awaiting clarification", None, None),
        ("clarification_received", "received", D(2019, 6, 6), None),
        ("fee_notice_sent", "awaiting fee", None, None),
        ("fee_received", "received", D(2019, 6, 11), None),
        ("extension", "received", D(2019, 6, 25), None),
        ("sent", "sent", None, None),
        ("internal_review_requested", "internal review", None, D(2019, 7, 30)),
        ("review_extension", "internal review", None, D(2019, 8, 7)),
        ("internal_review_sent", "sent", None, None),
        ("ico_complaint", "with the Information Commissioner", None, None),
        ("closed", "closed", None, None),
    ]
    assert all(h.status_after in CLOCK_STATUSES for h in state.history)
    assert [h.due_before for h in state.history[1:]] == [h.due_after for h in state.history[:-1]]
    assert state.status == "closed" and state.stopped_reason == "closed"
    assert state.due_when_sent == D(2019, 6, 25) and not state.sent_late
    assert state.days_awaiting_fee == 3 and state.extended_by == 10
    assert state.working_days_left is None and not state.overdue and not state.due_soon


@pytest.mark.parametrize(
    ("today", "left", "overdue", "due_soon"),
    [
        (D(2019, 5, 17), 6, False, False),  # Friday: 20-24, 28 May
        (D(2019, 5, 20), 5, False, True),  # 21-24, 28 May
        (D(2019, 5, 25), 1, False, True),  # Saturday: the bank holiday, then 28 May
        (D(2019, 5, 28), 0, False, True),  # the due date itself: still in time
        (D(2019, 5, 29), -1, True, False),
        (D(2019, 6, 1), -3, True, False),  # Saturday: 29, 30, 31 May past
    ],
)
def test_working_days_left_and_overdue(
    today: date, left: int, overdue: bool, due_soon: bool
) -> None:
    state = clock([RECEIVED], today)
    assert (state.working_days_left, state.overdue, state.due_soon) == (left, overdue, due_soon)


def test_answered_late_is_said() -> None:
    state = clock([RECEIVED, ev("sent", D(2019, 6, 3))], D(2019, 6, 3))
    assert state.status == "sent" and state.sent_late
    assert state.due_when_sent == D(2019, 5, 28)
    assert state.notes == ("answer sent 2019-06-03, 4 working days after the due date 2019-05-28",)
    assert state.working_days_left is None and not state.overdue


def test_a_complaint_before_the_answer_does_not_stop_the_clock() -> None:
    state = clock([RECEIVED, ev("ico_complaint", D(2019, 6, 10))], D(2019, 6, 10))
    assert state.status == "with the Information Commissioner"
    assert state.due == D(2019, 5, 28) and state.overdue and not state.stopped
    sent = clock(
        [RECEIVED, ev("ico_complaint", D(2019, 6, 10)), ev("sent", D(2019, 6, 11))],
        D(2019, 6, 11),
    )
    assert sent.status == "with the Information Commissioner" and sent.sent_late


def test_holidays_of_one_nation_are_not_working_days() -> None:
    # St Andrew's Day, Monday 30 November 2020 (Scotland only)
    assert working_days_between(D(2020, 11, 27), D(2020, 12, 1)) == 1
    state = clock([ClockEvent("received", D(2020, 11, 27))], D(2020, 11, 27))
    assert state.due == D(2020, 12, 30)
    skipped = dict(state.skipped_holidays)
    assert "SCT" in skipped[D(2020, 11, 30)] and "all UK" not in skipped[D(2020, 11, 30)]
    # 12 July (Northern Ireland only): Friday 12 July 2019 and Monday 12 July 2021
    assert working_days_between(D(2019, 7, 11), D(2019, 7, 15)) == 1
    assert working_days_between(D(2021, 7, 9), D(2021, 7, 13)) == 1
    assert (
        "NIR"
        in dict(clock([ClockEvent("received", D(2021, 7, 9))], D(2021, 7, 9)).skipped_holidays)[
            D(2021, 7, 12)
        ]
    )


@pytest.mark.parametrize(
    ("start", "days"),
    [(D(2019, 4, 26), 20), (D(2019, 12, 20), 20), (D(2020, 11, 27), 40), (D(2019, 5, 4), 1)],
)
def test_working_days_between_undoes_working_days_after(start: date, days: int) -> None:
    due = working_days_after(start, days).due
    assert working_days_between(start, due) == days
    assert working_days_between(due, start) == -days
    assert working_days_between(start, start) == 0


def test_working_days_between_across_years() -> None:
    # 2019-12-20 (Friday) to 2020-01-03: 23, 24, 27 (Boxing Day 26, Christmas 25), 30, 31,
    # 1 and 2 January holidays (2 January in Scotland), 3 January
    assert working_days_between(D(2019, 12, 20), D(2020, 1, 3)) == 6


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (
            [RECEIVED, ev("clarification_received", D(2019, 5, 8))],
            "event 1 (clarification_received, 2019-05-08): no clarification was sought "
            "(clarification_sought)",
        ),
        (
            [RECEIVED, ev("fee_received", D(2019, 5, 10))],
            "event 1 (fee_received, 2019-05-10): no fee notice awaits payment (fee_notice_sent)",
        ),
        (
            [RECEIVED, ev("received", D(2019, 4, 29))],
            "event 1 (received, 2019-04-29): the request was already received on 2019-04-26",
        ),
        (
            [RECEIVED, ev("sent", D(2019, 4, 25))],
            "event 1 (sent, 2019-04-25): dated before the request was received (2019-04-26)",
        ),
        (
            [RECEIVED, SENT, ev("sent", D(2019, 5, 29))],
            "event 2 (sent, 2019-05-29): the answer was already sent on 2019-05-28",
        ),
        (
            [ev("sent", D(2019, 5, 28))],
            "event 0 (sent, 2019-05-28): the first event must be 'received'",
        ),
        (
            [RECEIVED, ev("extension", D(2019, 5, 20), 5), ev("sent", D(2019, 5, 10))],
            "event 2 (sent, 2019-05-10): dated before the event before it (2019-05-20)",
        ),
        (
            [RECEIVED, ev("internal_review_requested", D(2019, 5, 10))],
            "event 1 (internal_review_requested, 2019-05-10): no answer has been sent to review",
        ),
        (
            [RECEIVED, SENT, ev("review_extension", D(2019, 6, 10), 5)],
            "event 2 (review_extension, 2019-06-10): no internal review is open",
        ),
        (
            [RECEIVED, SENT, ev("internal_review_sent", D(2019, 6, 10))],
            "event 2 (internal_review_sent, 2019-06-10): no internal review was requested",
        ),
        (
            [RECEIVED, ev("fee_notice_sent", D(2019, 4, 30)), ev("extension", D(2019, 5, 1), 5)],
            "event 2 (extension, 2019-05-01): the clock is stopped, awaiting fee (s.9)",
        ),
        (
            [RECEIVED, ev("extension", D(2019, 5, 1))],
            "event 1 (extension, 2019-05-01): its value must be working days, 1 or more (None)",
        ),
        (
            [RECEIVED, ev("sent", D(2019, 5, 1), 3)],
            "event 1 (sent, 2019-05-01): takes no value (given 3)",
        ),
        (
            [RECEIVED, ev("answered", D(2019, 5, 1))],
            "event 1 (answered, 2019-05-01): unknown kind; the kinds are " + ", ".join(EVENT_KINDS),
        ),
        (
            [RECEIVED, ev("closed", D(2019, 5, 1)), ev("sent", D(2019, 5, 2))],
            "event 2 (sent, 2019-05-02): the case is closed",
        ),
        (
            [RECEIVED, ev("sent", D(2019, 12, 1))],
            "event 1 (sent, 2019-12-01): dated after today (2019-06-30)",
        ),
        (
            [RECEIVED, SENT, ev("fee_notice_sent", D(2019, 5, 29))],
            "event 2 (fee_notice_sent, 2019-05-29): the answer was already sent on 2019-05-28",
        ),
        (
            [
                RECEIVED,
                ev("clarification_sought", D(2019, 5, 1)),
                ev("fee_notice_sent", D(2019, 5, 2)),
            ],
            "event 2 (fee_notice_sent, 2019-05-02): a clarification is awaited (sought on "
            "2019-05-01)",
        ),
    ],
)
def test_impossible_sequences_are_refused_in_one_line(
    events: list[ClockEvent], message: str
) -> None:
    with pytest.raises(RequestError) as refused:
        clock(events, D(2019, 6, 30))
    assert str(refused.value) == message
    assert "\n" not in str(refused.value)


def test_no_events_and_a_today_out_of_range_are_refused() -> None:
    with pytest.raises(RequestError, match="no clock events"):
        clock([], D(2019, 6, 30))
    with pytest.raises(RequestError, match=r"today 9999-01-01: .*check the year"):
        clock([RECEIVED], D(9999, 1, 1))


def test_the_desk_sets_its_working_statuses_while_the_clock_runs() -> None:
    running = clock([RECEIVED], D(2019, 5, 1))
    assert desk_status(running, None) == "received"
    assert desk_status(running, "searching") == "searching"
    stopped = clock([RECEIVED, ev("fee_notice_sent", D(2019, 4, 30))], D(2019, 5, 1))
    assert desk_status(stopped, "in review") == "awaiting fee"
    with pytest.raises(RequestError, match="status 'sent': a person may set only"):
        desk_status(running, "sent")


def test_the_state_is_frozen() -> None:
    state = clock([RECEIVED], D(2019, 5, 1))
    assert isinstance(state, ClockState)
    with pytest.raises(AttributeError):
        state.due = None  # type: ignore[misc]
