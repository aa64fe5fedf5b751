"""A message the conversation failed on every time goes to staff as an urgent ticket holding what
the person sent, for someone new as for someone known."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.db import SessionFactory, transaction
from handlers.actions.oncall_pages import (
    OncallPolicy,
    configure_oncall_policy,
    current_oncall_policy,
)
from handlers.actions.unhandled import do_hand_to_staff
from handlers.conversation.events import IncomingEvent, Location, Media, MediaKind
from models import ChannelIdentity, Contact, OncallPage, Ticket, TicketEvent
from models.base import utcnow
from models.enums import (
    ActorType,
    Channel,
    EventKind,
    OncallDestination,
    TicketCategory,
    TicketPriority,
)
from tests.support.chat import Chat


@pytest.fixture(autouse=True)
def oncall_chat() -> Iterator[None]:
    before = current_oncall_policy()
    destinations = (OncallDestination.TELEGRAM,)
    configure_oncall_policy(OncallPolicy(destinations=destinations, repeat=timedelta(minutes=15)))
    yield
    configure_oncall_policy(before)


async def _hand(db: SessionFactory, event: IncomingEvent) -> Ticket:
    now = utcnow()
    async with transaction(db) as session:
        return await do_hand_to_staff(
            session=session, event=event, received_at=now - timedelta(minutes=34), now=now
        )


async def _timeline(db: SessionFactory, ticket: Ticket) -> list[tuple[str, str]]:
    async with db() as session:
        rows = await session.exec(
            select(TicketEvent.kind, TicketEvent.actor_type)
            .where(TicketEvent.ticket_id == ticket.id)
            .order_by(col(TicketEvent.id))
        )
        return list(rows.all())


async def test_someone_new_gets_an_urgent_ticket_with_what_they_sent(db: SessionFactory) -> None:
    event = IncomingEvent(
        channel=Channel.WHATSAPP,
        external_id="whatsapp:+447700900321",
        provider_id="SM0001",
        text="I fell last night and cannot get up the stairs",
        location=Location(53.8, -1.55),
        media=(Media(MediaKind.PHOTO, "https://example.org/1", "image/jpeg"),),
        display_name="Edna",
        phone="+447700900321",
    )
    ticket = await _hand(db, event)

    assert ticket.priority == TicketPriority.URGENT
    assert ticket.category == TicketCategory.OTHER
    assert ticket.channel == Channel.WHATSAPP
    assert ticket.details["message"] == event.text
    assert ticket.details["location"] == "53.8, -1.55"
    assert ticket.details["media"] == "photo"
    assert "received_at" in ticket.details
    assert await _timeline(db, ticket) == [
        (EventKind.CREATED, ActorType.CONTACT),
        (EventKind.HANDLING_FAILED, ActorType.SYSTEM),
    ]
    async with db() as session:
        identity = await session.get(ChannelIdentity, ticket.identity_id)
        contact = await session.get(Contact, ticket.contact_id)
        pages = (await session.exec(select(OncallPage))).all()
    assert identity is not None and identity.external_id == "whatsapp:+447700900321"
    assert contact is not None and contact.display_name == "Edna"
    # Urgent, so whoever is on duty is told at once.
    assert [page.ticket_id for page in pages] == [ticket.id]


async def test_someone_known_keeps_their_record(db: SessionFactory) -> None:
    chat = Chat(db, channel=Channel.TELEGRAM, external_id="5551234", name="Mabel")
    await chat.onboard()
    async with db() as session:
        [known] = (await session.exec(select(ChannelIdentity))).all()

    pressed = IncomingEvent(channel=Channel.TELEGRAM, external_id="5551234", choice="menu:food")
    ticket = await _hand(db, pressed)

    assert (ticket.contact_id, ticket.identity_id) == (known.contact_id, known.id)
    assert ticket.details["message"] == ""
    assert ticket.details["button"] == "menu:food"
    async with db() as session:
        assert len((await session.exec(select(Contact))).all()) == 1
