"""The check-in conversation: each answer by button, number or words, and what it leads to."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.db import transaction
from models import ChannelIdentity, Conversation
from models.checkins import CheckinStatus
from models.enums import TicketCategory, TicketPriority
from tests.support.checkins import (
    campaign,
    checkins,
    import_people,
    london,
    person,
    run_now,
    say,
    sent_to,
    tick,
    tickets,
)

TUESDAY = london("2026-12-01 10:00")
PHONE = "+447700900001"


async def _asked(db) -> None:
    await import_people(db, [person("A", "07700900001")], TUESDAY)
    made = await campaign(db, TUESDAY)
    await run_now(db, made.id or 0, TUESDAY)
    await tick(db, TUESDAY)
    assert [c.status for c in await checkins(db)] == [CheckinStatus.SENT]


@pytest.mark.parametrize(
    ("text", "choice"),
    [("fine thanks", None), ("1", None), (None, "checkin_ok"), ("I'm OK", None)],
)
async def test_im_ok_is_thanked_and_recorded_with_nothing_else(db, text, choice) -> None:
    await _asked(db)
    await say(db, PHONE, TUESDAY + timedelta(minutes=3), text, choice=choice)
    [found] = await checkins(db)
    assert found.status is CheckinStatus.OK and found.ticket_id is None
    assert (await sent_to(db, PHONE))[-1].body == "Thank you for letting us know. Take care."
    assert await tickets(db) == []
    # Nothing follows an answer: no reminder, no escalation.
    await tick(db, TUESDAY + timedelta(hours=3))
    assert len(await sent_to(db, PHONE)) == 2 and await tickets(db) == []


@pytest.mark.parametrize("text", ["not great", "2", "I need help"])
async def test_i_need_help_opens_a_high_welfare_ticket_and_shows_the_menu(db, text) -> None:
    await _asked(db)
    await say(db, PHONE, TUESDAY + timedelta(minutes=3), text)
    [found] = await checkins(db)
    [ticket] = await tickets(db)
    assert found.status is CheckinStatus.NEEDS_HELP and found.ticket_id == ticket.id
    assert (ticket.category, ticket.priority) == (TicketCategory.WELFARE, TicketPriority.HIGH)
    assert ticket.details["reason"] == "needs_help"
    assert ticket.details["run_id"] == found.run_id
    assert ticket.details["campaign"] == "Weekly check-in"
    reply = (await sent_to(db, PHONE))[-1]
    assert ticket.ref in reply.body
    assert [label for _, label in reply.payload["options"]][:3] == ["Food", "Medicine", "Transport"]


@pytest.mark.parametrize(
    "text", ["ring me", "3", "please call me", "call", "Can you phone me?", "call me back"]
)
async def test_please_call_me_opens_a_callback_ticket(db, text) -> None:
    await _asked(db)
    await say(db, PHONE, TUESDAY + timedelta(minutes=3), text)
    [ticket] = await tickets(db)
    assert ticket.category is TicketCategory.CALLBACK
    assert ticket.details["reason"] == "call_me"
    assert (await checkins(db))[0].status is CheckinStatus.CALL_ME
    assert "will call you soon" in (await sent_to(db, PHONE))[-1].body


async def test_an_emergency_in_the_answer_goes_to_safeguarding_first(db) -> None:
    await _asked(db)
    await say(db, PHONE, TUESDAY + timedelta(minutes=3), "I've had a fall and can't get up")
    [ticket] = await tickets(db)
    assert ticket.priority is TicketPriority.URGENT
    assert "999" in (await sent_to(db, PHONE))[-1].body
    [found] = await checkins(db)
    # Recorded against the emergency's ticket, and not chased as silence afterwards.
    assert (found.status, found.ticket_id) == (CheckinStatus.NEEDS_HELP, ticket.id)
    await tick(db, TUESDAY + timedelta(hours=3))
    assert len(await tickets(db)) == 1


@pytest.mark.parametrize("text", ["what is my rent balance", "my phone is broken"])
async def test_words_that_are_no_answer_go_to_the_menu_and_the_check_in_waits(db, text) -> None:
    await _asked(db)
    await say(db, PHONE, TUESDAY + timedelta(minutes=3), text)
    [found] = await checkins(db)
    assert found.status is CheckinStatus.SENT and await tickets(db) == []
    assert "will call you soon" not in (await sent_to(db, PHONE))[-1].body


@pytest.mark.parametrize("text", ["Good morning", "hello", "Hi there!", "good afternoon"])
async def test_a_greeting_alone_is_no_answer_and_the_check_in_is_asked_again(db, text) -> None:
    await _asked(db)
    await say(db, PHONE, TUESDAY + timedelta(minutes=3), text)
    [found] = await checkins(db)
    assert found.status is CheckinStatus.SENT and await tickets(db) == []
    again = (await sent_to(db, PHONE))[-1]
    assert again.body == "Sorry, I am not sure I understood. Please choose one of these:"
    assert [label for _, label in again.payload["options"]] == [
        "I'm OK",
        "I need help",
        "Please call me",
    ]


async def test_a_greeting_with_an_answer_is_that_answer(db) -> None:
    await _asked(db)
    await say(db, PHONE, TUESDAY + timedelta(minutes=3), "Good morning, not so good today")
    assert (await checkins(db))[0].status is CheckinStatus.NEEDS_HELP


async def _conversation(db, state: str, updated_at) -> None:
    """Put the person at `state` in a conversation, last active at `updated_at`."""
    async with transaction(db) as session:
        identity = (
            await session.exec(select(ChannelIdentity).where(ChannelIdentity.external_id == PHONE))
        ).one()
        found = (
            await session.exec(select(Conversation).where(Conversation.identity_id == identity.id))
        ).first()
        if found is None:
            found = Conversation(identity_id=identity.id or 0, state=state)
            session.add(found)
        found.state = state
        found.data = {"form": "food", "index": 0} if state == "question" else {}
        found.updated_at = updated_at


async def test_a_person_mid_request_is_not_interrupted_until_they_finish(db) -> None:
    await import_people(db, [person("A", "07700900001")], TUESDAY)
    await _conversation(db, "question", TUESDAY - timedelta(minutes=2))
    made = await campaign(db, TUESDAY)
    await run_now(db, made.id or 0, TUESDAY)
    await tick(db, TUESDAY)
    assert [c.status for c in await checkins(db)] == [CheckinStatus.PENDING]
    assert await sent_to(db, PHONE) == []
    # They finish the request (back at the main menu, which is not the middle of one).
    await _conversation(db, "menu", TUESDAY + timedelta(minutes=3))
    await tick(db, TUESDAY + timedelta(minutes=4))
    assert [c.status for c in await checkins(db)] == [CheckinStatus.PENDING]  # asked again later
    await tick(db, TUESDAY + timedelta(minutes=5))
    assert [c.status for c in await checkins(db)] == [CheckinStatus.SENT]


async def test_someone_who_went_quiet_mid_request_is_asked(db) -> None:
    await import_people(db, [person("A", "07700900001")], TUESDAY)
    await _conversation(db, "question", TUESDAY - timedelta(minutes=45))
    made = await campaign(db, TUESDAY)
    await run_now(db, made.id or 0, TUESDAY)
    await tick(db, TUESDAY)
    assert [c.status for c in await checkins(db)] == [CheckinStatus.SENT]
    # The check-in's own button answers it even though a request was left open.
    await say(db, PHONE, TUESDAY + timedelta(minutes=2), choice="checkin_ok")
    assert (await checkins(db))[0].status is CheckinStatus.OK
