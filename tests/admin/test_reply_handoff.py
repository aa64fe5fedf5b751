"""The domain functions the conversation engine uses when a person answers staff or reopens."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from bot.db import transaction
from handlers.actions.outbox import record_inbound
from handlers.actions.ticket_threads import (
    REOPEN_WINDOW,
    do_contact_answer,
    do_reopen_by_contact,
    find_reopenable_ticket,
    find_ticket_awaiting_reply,
)
from handlers.actions.ticket_work import do_staff_reply
from handlers.conversation.events import IncomingEvent
from models import Ticket, TicketEvent
from models.base import utcnow
from models.enums import ActorType, EventKind, TicketStatus
from tests.admin.conftest import Api
from tests.support.tickets import seed_ticket


async def test_an_answer_to_staff_joins_the_ticket_and_moves_it_on(api: Api) -> None:
    quiet = await seed_ticket(api.db, external_id="77")
    asked = await seed_ticket(api.db, external_id="77")
    contact_id = asked.contact.id
    assert contact_id is not None
    async with transaction(api.db) as session:
        assert await find_ticket_awaiting_reply(session=session, contact_id=contact_id) is None
        ticket = await session.get(Ticket, asked.ticket.id)
        assert ticket is not None
        await do_staff_reply(
            session=session, staff=api.agent.staff, ticket=ticket, text="Which day?", now=utcnow()
        )

    async with transaction(api.db) as session:
        found = await find_ticket_awaiting_reply(session=session, contact_id=contact_id)
        assert found is not None and found.id == asked.ticket.id != quiet.ticket.id
        event = IncomingEvent(channel=asked.identity.channel, external_id="77", text="Friday")
        message = await record_inbound(
            session=session, identity=asked.identity, event=event, now=utcnow()
        )
        assert message is not None
        await do_contact_answer(session=session, ticket=found, message=message, now=utcnow())

    detail = (await api.get(f"/tickets/{asked.ref}")).json()
    assert detail["status"] == "in_progress"
    last = detail["timeline"][-2:]
    assert [(e["kind"], e["actor"]["type"]) for e in last] == [
        ("message_in", "contact"),
        ("status_changed", "contact"),
    ]
    assert last[0]["message"]["text"] == "Friday"


async def test_a_recently_resolved_ticket_can_be_reopened_by_the_person(api: Api) -> None:
    seeded = await seed_ticket(api.db)
    contact_id = seeded.contact.id
    assert contact_id is not None
    assert (await api.patch(f"/tickets/{seeded.ref}", {"status": "resolved"})).status_code == 200
    async with transaction(api.db) as session:
        later = utcnow() + REOPEN_WINDOW + timedelta(minutes=1)
        assert (
            await find_reopenable_ticket(session=session, contact_id=contact_id, now=later)
        ) is None
        ticket = await find_reopenable_ticket(session=session, contact_id=contact_id, now=utcnow())
        assert ticket is not None and ticket.id == seeded.ticket.id
        await do_reopen_by_contact(session=session, ticket=ticket, now=utcnow())
    async with api.db() as session:
        ticket = await session.get(Ticket, seeded.ticket.id)
        assert ticket is not None
        assert (ticket.status, ticket.resolved_at) == (TicketStatus.IN_PROGRESS, None)
        statement = select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
        events = (await session.exec(statement.order_by(col(TicketEvent.id)))).all()
    assert events[-1].kind == EventKind.STATUS_CHANGED
    assert events[-1].actor_type == ActorType.CONTACT
    assert events[-1].data == {"from": "resolved", "to": "in_progress", "reopened": True}
