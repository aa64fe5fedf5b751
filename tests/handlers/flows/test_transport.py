"""Transport: what the trip is for, the day and time, from where to where, help getting about."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.db import SessionFactory
from models import Ticket
from models.enums import TicketCategory, TicketPriority
from tests.support.chat import Chat
from tests.support.flows import menu_labels, ready_chat, ref_in
from tests.support.tickets import ticket_by_ref


async def _to_date_question(chat: Chat, purpose: str = "Hospital appointment") -> None:
    await chat.press("Transport")
    assert "What is the trip for?" in chat.last.text
    assert chat.last.labels == [
        "GP appointment",
        "Hospital appointment",
        "Vaccination",
        "Something else",
    ]
    await chat.press(purpose)


async def test_transport_request_end_to_end(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _to_date_question(chat)
    assert "What day" in chat.last.text
    await chat.send("tuesday")  # the clock starts on Monday 23 November 2026
    assert "What time" in chat.last.text
    await chat.send("2:30pm")
    assert "pick you up" in chat.last.text
    await chat.press("My home")
    assert "Where are you going?" in chat.last.text
    await chat.send("St James's Hospital")
    assert "help getting about" in chat.last.text
    await chat.press("Wheelchair")

    summary = chat.last.text
    for line in (
        "Trip for: Hospital appointment",
        "Date: Tuesday 24 November",
        "Time: 2:30pm",
        "From: My home",
        "To: St James's Hospital",
        "Help needed: Wheelchair",
    ):
        assert line in summary
    assert "Details:" not in summary

    await chat.press("Yes, send it")
    assert "transport" in chat.text
    assert chat.last.labels == menu_labels()
    ticket = await ticket_by_ref(db, ref_in(chat.text))
    assert ticket.category is TicketCategory.TRANSPORT
    assert ticket.priority is TicketPriority.NORMAL
    assert ticket.details == {
        "purpose": "hospital",
        "date": "2026-11-24",
        "time": "14:30",
        "pickup": "home",
        "destination": "St James's Hospital",
        "mobility": "wheelchair",
    }
    assert date.fromisoformat(ticket.details["date"]) == date(2026, 11, 24)


async def test_something_else_asks_what_the_trip_is_for(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _to_date_question(chat, "Something else")
    assert "Please tell me what the trip is for." in chat.last.text
    await chat.send("Dentist check-up")
    assert "What day" in chat.last.text
    await chat.send("12/3")
    await chat.send("10am")
    await chat.send("LS6 2AB")
    await chat.send("Park Lane Dental")
    await chat.send("my daughter will come with me")

    summary = chat.last.text
    assert "Trip for: Something else" in summary
    assert "Details: Dentist check-up" in summary
    # The clock stands in November 2026, so March is next year and the year is shown.
    assert "Date: Friday, 12 March 2027" in summary
    assert "From: LS6 2AB" in summary
    assert "Help needed: my daughter will come with me" in summary

    await chat.press("Yes, send it")
    ticket = await ticket_by_ref(db, ref_in(chat.text))
    assert ticket.details["purpose"] == "other"
    assert ticket.details["purpose_detail"] == "Dentist check-up"
    assert ticket.details["date"] == "2027-03-12"
    assert date.fromisoformat(ticket.details["date"]) == date(2027, 3, 12)
    assert ticket.details["time"] == "10:00"
    assert ticket.details["mobility"] == "my daughter will come with me"


async def test_the_detail_question_is_skipped_for_a_named_purpose(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _to_date_question(chat, "GP appointment")
    assert "Please tell me what the trip is for." not in chat.text
    assert "What day" in chat.last.text


async def test_today_and_tomorrow_buttons_are_stored_as_iso_dates(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _to_date_question(chat, "Vaccination")
    await chat.press("Tomorrow")
    await chat.send("11am")
    await chat.press("My home")
    await chat.send("Leeds Town Hall")
    await chat.press("Walking stick or frame")
    assert "Date: Tuesday 24 November" in chat.last.text
    await chat.press("Yes, send it")
    ticket = await ticket_by_ref(db, ref_in(chat.text))
    assert ticket.details["date"] == "2026-11-24"
    assert ticket.details["mobility"] == "walking_aid"


async def test_a_date_it_cannot_read_is_asked_again(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _to_date_question(chat)
    await chat.send("sometime soon")
    assert "didn't understand that date" in chat.text
    assert "What day" in chat.last.text


async def test_a_bad_time_is_asked_again_kindly(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _to_date_question(chat)
    await chat.send("tuesday")
    for bad in ("25:00", "half two", "2.30"):
        await chat.send(bad)
        assert "didn't understand that time" in chat.text, bad
        assert "10am" in chat.text
        assert "What time" in chat.last.text, bad
    await chat.send("2.30pm")
    assert "pick you up" in chat.last.text


async def test_a_shared_location_is_the_pick_up_place(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _to_date_question(chat)
    await chat.press("Today")
    await chat.send("4pm")
    await chat.send(location=(53.80, -1.55))
    assert "Where are you going?" in chat.last.text
    await chat.send("LGI")
    await chat.press("No help needed")
    assert "From: Shared location" in chat.last.text
    await chat.press("Yes, send it")
    ticket = await ticket_by_ref(db, ref_in(chat.text))
    assert ticket.details["pickup"] == {"location": {"latitude": 53.80, "longitude": -1.55}}
    assert ticket.details["mobility"] == "none"


async def test_going_back_past_the_detail_question_returns_to_it(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _to_date_question(chat, "Something else")
    await chat.send("Optician")
    await chat.send("back")
    assert "Please tell me what the trip is for." in chat.last.text
    await chat.send("Podiatrist")
    await chat.press("Tomorrow")
    await chat.send("9am")
    await chat.press("My home")
    await chat.send("Chapel Allerton Hospital")
    await chat.press("No help needed")
    assert "Details: Podiatrist" in chat.last.text
    assert "Optician" not in chat.last.text


# 23:25 UTC on Wednesday 1 July 2026 is 00:25 on Thursday 2 July in London (BST).
AFTER_MIDNIGHT_BST = datetime(2026, 7, 1, 23, 25, tzinfo=UTC)
# 23:45 UTC on Monday 30 November 2026 is 23:45 in London too (GMT): still Monday.
BEFORE_MIDNIGHT_GMT = datetime(2026, 11, 30, 23, 45, tzinfo=UTC)


async def _trip_on(db: SessionFactory, now: datetime, day: str, *, press: bool) -> Ticket:
    chat = await ready_chat(db, now=now)
    await _to_date_question(chat, "GP appointment")
    await (chat.press(day) if press else chat.send(day))
    await chat.send("10am")
    await chat.press("My home")
    await chat.send("Leeds Town Hall")
    await chat.press("Wheelchair")
    await chat.press("Yes, send it")
    return await ticket_by_ref(db, ref_in(chat.text))


@pytest.mark.parametrize(
    ("now", "day", "press", "expected"),
    [
        (AFTER_MIDNIGHT_BST, "Today", True, "2026-07-02"),
        (AFTER_MIDNIGHT_BST, "Tomorrow", True, "2026-07-03"),
        # Thursday in London already, so "thursday" is next week's, not today's.
        (AFTER_MIDNIGHT_BST, "thursday", False, "2026-07-09"),
        (BEFORE_MIDNIGHT_GMT, "Today", True, "2026-11-30"),
        (BEFORE_MIDNIGHT_GMT, "tomorrow", False, "2026-12-01"),
        (BEFORE_MIDNIGHT_GMT, "tuesday", False, "2026-12-01"),
    ],
)
async def test_days_are_counted_on_the_london_clock_around_midnight(
    db: SessionFactory, now: datetime, day: str, press: bool, expected: str
) -> None:
    ticket = await _trip_on(db, now, day, press=press)
    assert ticket.details["date"] == expected
    assert ticket.details["time"] == "10:00"


async def test_my_requests_shows_the_day_the_person_sent_it_in_london(db: SessionFactory) -> None:
    ticket = await _trip_on(db, AFTER_MIDNIGHT_BST, "Today", press=True)
    assert ticket.created_at.date() == date(2026, 7, 1)  # still 1 July in UTC
    chat = Chat(db, now=AFTER_MIDNIGHT_BST + timedelta(minutes=5))
    await chat.send("my requests")
    assert f"{ticket.ref}: Transport, received (sent 2 July)" in chat.text
