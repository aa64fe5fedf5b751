"""Tickets for tests: one made as the flows make them, and reading them back."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from bot.db import SessionFactory, transaction
from handlers.actions.identities import get_or_create_identity
from handlers.actions.tickets import do_create_ticket
from handlers.conversation.events import IncomingEvent
from models import ChannelIdentity, Contact, Ticket, TicketEvent
from models.base import utcnow
from models.enums import Channel, TicketCategory, TicketPriority

_external_ids = itertools.count(500_000_001)


@dataclass
class Seeded:
    """A person and one of their tickets."""

    contact: Contact
    identity: ChannelIdentity
    ticket: Ticket

    @property
    def ref(self) -> str:
        return self.ticket.ref


async def seed_ticket(
    db: SessionFactory,
    *,
    channel: Channel = Channel.CONSOLE,
    external_id: str | None = None,
    name: str | None = "Margaret Jones",
    category: TicketCategory = TicketCategory.FOOD,
    priority: TicketPriority = TicketPriority.NORMAL,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
    language: str | None = None,
) -> Seeded:
    """A person (new, unless `external_id` names one) with a new ticket, made as the flows do;
    `language` sets the person's language on their record first."""
    now = now or utcnow()
    event = IncomingEvent(
        channel=channel,
        external_id=external_id or str(next(_external_ids)),
        display_name=name,
    )
    async with transaction(db) as session:
        identity, contact = await get_or_create_identity(session=session, event=event, now=now)
        identity.last_inbound_at = now  # the person's message that opened the ticket
        contact.consent_version = "2026-11"
        contact.consented_at = now
        if language is not None:
            contact.language = language
        ticket = await do_create_ticket(
            session=session,
            contact=contact,
            identity=identity,
            category=category,
            details=details or {"people": "2", "postcode": "LS6 2AB"},
            priority=priority,
            now=now,
        )
    return Seeded(contact, identity, ticket)


async def all_tickets(db: SessionFactory) -> list[Ticket]:
    """Every ticket, oldest first."""
    async with db() as session:
        return list((await session.exec(select(Ticket).order_by(col(Ticket.id)))).all())


async def ticket_by_ref(db: SessionFactory, ref: str) -> Ticket:
    """The one ticket with this reference."""
    tickets = [ticket for ticket in await all_tickets(db) if ticket.ref == ref]
    assert len(tickets) == 1, f"no ticket {ref}"
    return tickets[0]


async def events_of(db: SessionFactory, ticket: Ticket) -> list[TicketEvent]:
    """A ticket's timeline events, oldest first."""
    async with db() as session:
        statement = (
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id)
            .order_by(col(TicketEvent.id))
        )
        return list((await session.exec(statement)).all())
