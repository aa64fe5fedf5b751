"""Safeguarding comes first: an alert is answered at once, at any step, and put before staff."""

from __future__ import annotations

from sqlmodel import select

from bot.db import SessionFactory
from models import Ticket, TicketEvent
from models.enums import EventKind, TicketCategory, TicketPriority
from tests.support.chat import Chat
from tests.support.flows import (
    contact_of,
    ready_chat,
    ref_in,
    walk,
)
from tests.support.tickets import all_tickets, events_of, ticket_by_ref


async def _welfare_tickets(db: SessionFactory) -> list[Ticket]:
    return [t for t in await all_tickets(db) if t.category is TicketCategory.WELFARE]


async def test_an_emergency_as_the_first_message_gets_999_before_any_notice(
    db: SessionFactory,
) -> None:
    chat = Chat(db)
    await chat.send("my mum has fallen and can't get up")

    assert "999" in chat.text
    assert "we keep what you tell us" not in chat.text
    ref = ref_in(chat.text)
    ticket = await ticket_by_ref(db, ref)
    assert ticket.category is TicketCategory.WELFARE
    assert ticket.priority is TicketPriority.URGENT
    kinds = [event.kind for event in await events_of(db, ticket)]
    assert EventKind.CREATED in kinds
    assert EventKind.ALERT in kinds
    assert EventKind.MESSAGE_IN in kinds
    assert (await contact_of(db, chat)).consented_at is None


async def test_chest_pain_mid_form_gets_999_and_the_form_waits(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "food", 3)
    assert "How soon" in chat.last.text
    await chat.send("I have chest pain")

    assert "999" in chat.text
    welfare = await _welfare_tickets(db)
    assert len(welfare) == 1
    assert welfare[0].priority is TicketPriority.URGENT
    assert ref_in(chat.text) == welfare[0].ref
    # The 999 answer comes first; then the question the form waits on is shown again.
    assert "999" in chat.replies[0].text
    assert "How soon" in chat.last.text
    assert chat.last.labels == ["Today", "Tomorrow", "This week"]

    # The next answer carries on the same form from the same question.
    await chat.send("Today")
    assert "postcode" in chat.last.text
    await chat.send("LS6 2AB")
    assert "When: Today" in chat.last.text
    await chat.press("Yes, send it")
    food = [t for t in await all_tickets(db) if t.category is TicketCategory.FOOD]
    assert len(food) == 1


async def test_a_gas_smell_gets_the_gas_emergency_line_and_999(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.send("I can smell gas in the kitchen")
    assert "0800 111 999" in chat.text
    assert "999 now" in chat.text
    assert len(await _welfare_tickets(db)) == 1


async def test_a_suicidal_message_gives_the_samaritans_number(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.send("I want to kill myself")
    assert "116 123" in chat.text
    assert "999" in chat.text
    welfare = await _welfare_tickets(db)
    assert len(welfare) == 1
    assert welfare[0].priority is TicketPriority.URGENT


async def test_a_second_alarm_within_the_hour_joins_the_same_urgent_ticket(
    db: SessionFactory,
) -> None:
    chat = await ready_chat(db)
    await chat.send("chest pain")
    first = ref_in(chat.text)
    chat.wait(minutes=40)
    await chat.send("he is not breathing")
    assert "999" in chat.text
    assert ref_in(chat.text) == first

    welfare = await _welfare_tickets(db)
    assert len(welfare) == 1
    async with db() as session:
        alerts = (
            await session.exec(
                select(TicketEvent).where(
                    TicketEvent.ticket_id == welfare[0].id, TicketEvent.kind == EventKind.ALERT
                )
            )
        ).all()
    assert len(alerts) == 2


async def test_everyday_worries_mid_form_raise_no_alarm(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.press("Medicine")
    await chat.send("I fell behind on rent so Boots on the corner")
    assert "999" not in chat.text
    assert "When will it be ready" in chat.last.text
    assert await _welfare_tickets(db) == []


async def test_an_alarm_reaches_another_persons_ticket_never(db: SessionFactory) -> None:
    ann = await ready_chat(db, external_id="ann")
    bob = await ready_chat(db, external_id="bob", name="Bob")
    await ann.send("chest pain")
    await bob.send("chest pain")
    assert ref_in(ann.text) != ref_in(bob.text)
    assert len(await _welfare_tickets(db)) == 2
