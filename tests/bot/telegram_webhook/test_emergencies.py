"""Emergencies over the Telegram webhook: the alert is kept whatever fails after it, and a person
who sent STOP still gets the numbers."""

from __future__ import annotations

from sqlmodel import col, select

from bot.db import SessionFactory
from models import ChannelIdentity, TicketEvent
from models.enums import EventKind, TicketPriority
from tests.bot.telegram_webhook.person import Person, text_of
from tests.handlers.safeguarding.corpus import unclear_message
from tests.support.refusals import refusing
from tests.support.servers import wait_for_idle_outbox
from tests.support.tickets import all_tickets

EMERGENCY = "I think my husband is having a heart attack"


async def _events(db: SessionFactory, ticket_id: int | None) -> list[EventKind]:
    async with db() as session:
        statement = (
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(col(TicketEvent.id))
        )
        return [e.kind for e in (await session.exec(statement)).all()]


def _refused(database_url: str) -> int:
    """The webhook's answer to an update whose step fails: on SQLite the step runs in the
    webhook, which answers 503 so that Telegram tries again; on PostgreSQL the webhook only
    keeps the update (`bot.inbox`) and the step fails later, in a worker's job."""
    return 503 if database_url.startswith("sqlite") else 200


async def test_the_alert_survives_a_failure_later_in_its_step(
    person: Person, db: SessionFactory, database_url: str
) -> None:
    await person.onboard()
    async with refusing(db, "conversations", write="UPDATE"):
        update = person.message_update(text=EMERGENCY)
        # The step's own write fails...
        assert await person.post(update) == _refused(database_url)
        await wait_for_idle_outbox(db)
        # ...but the urgent ticket, its alert and the answer with the numbers were kept.
        [ticket] = await all_tickets(db)
        assert ticket.priority is TicketPriority.URGENT
        assert EventKind.ALERT in await _events(db, ticket.id)
        answer = text_of(person.seen()[-1:])
        assert "999" in answer and ticket.ref in answer

    # Telegram's redelivery is recognised: no second ticket, no second answer.
    before = len(person.seen())
    assert await person.post(update) == 200
    await wait_for_idle_outbox(db)
    assert len(await all_tickets(db)) == 1
    assert len(person.seen()) == before


async def test_a_yes_to_the_safety_question_survives_a_failure_later_in_its_step(
    person: Person, db: SessionFactory, database_url: str
) -> None:
    await person.onboard()
    asked = text_of(await person.say(unclear_message("en")))
    assert "in danger right now?" in asked
    assert await all_tickets(db) == []
    async with refusing(db, "conversations", write="UPDATE"):
        update = person.press_update("Yes")
        # The step's own write fails...
        assert await person.post(update) == _refused(database_url)
        await wait_for_idle_outbox(db)
        # ...but the urgent ticket the Yes made, its alert and the answer were kept.
        [ticket] = await all_tickets(db)
        assert ticket.priority is TicketPriority.URGENT
        assert EventKind.ALERT in await _events(db, ticket.id)
        answer = text_of(person.seen()[-1:])
        assert "999" in answer and ticket.ref in answer

    # Telegram's redelivery is recognised: no second ticket, no second answer.
    before = len(person.seen())
    assert await person.post(update) == 200
    await wait_for_idle_outbox(db)
    assert len(await all_tickets(db)) == 1
    assert len(person.seen()) == before


async def test_a_person_who_sent_stop_still_gets_the_emergency_numbers(
    person: Person, db: SessionFactory
) -> None:
    await person.onboard()
    [confirmed] = await person.say("STOP")
    assert "You will not get any more messages from us until you write" in confirmed.text
    async with db() as session:
        identity = (await session.exec(select(ChannelIdentity))).one()
    assert identity.opted_out

    answer = text_of(await person.say(EMERGENCY))

    [ticket] = await all_tickets(db)
    assert "999" in answer and ticket.ref in answer
    assert ticket.priority is TicketPriority.URGENT
