"""Domain actions on tickets, shared by the flows and the staff API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ChannelIdentity, Contact, Ticket, TicketEvent
from models.enums import (
    OPEN_STATUSES,
    ActorType,
    EventKind,
    TicketCategory,
    TicketPriority,
)


async def add_event(
    *,
    session: AsyncSession,
    ticket: Ticket,
    kind: EventKind,
    actor_type: ActorType,
    now: datetime,
    actor_id: int | None = None,
    message_id: int | None = None,
    data: Mapping[str, Any] | None = None,
) -> TicketEvent:
    """Append one entry to a ticket's timeline and touch the ticket."""
    event = TicketEvent(
        ticket_id=ticket.id,  # type: ignore[arg-type]
        kind=kind,
        actor_type=actor_type,
        actor_id=actor_id,
        message_id=message_id,
        data=dict(data or {}),
        created_at=now,
    )
    session.add(event)
    ticket.updated_at = now
    await session.flush()
    return event


async def do_create_ticket(
    *,
    session: AsyncSession,
    contact: Contact,
    identity: ChannelIdentity,
    category: TicketCategory,
    details: Mapping[str, Any],
    now: datetime,
    priority: TicketPriority = TicketPriority.NORMAL,
) -> Ticket:
    """Open a ticket for the person, on the channel they used, with its `created` event."""
    ticket = Ticket(
        contact_id=contact.id,  # type: ignore[arg-type]
        identity_id=identity.id,
        channel=identity.channel,
        category=category,
        priority=priority,
        details=dict(details),
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    await session.flush()
    await add_event(
        session=session,
        ticket=ticket,
        kind=EventKind.CREATED,
        actor_type=ActorType.CONTACT,
        now=now,
        data={"category": category.value, "priority": priority.value},
    )
    return ticket


async def list_open_tickets(*, session: AsyncSession, contact_id: int) -> list[Ticket]:
    """The person's tickets that are not yet resolved or closed, oldest first."""
    statement = (
        select(Ticket)
        .where(Ticket.contact_id == contact_id, col(Ticket.status).in_(OPEN_STATUSES))
        .order_by(col(Ticket.id))
    )
    return list((await session.exec(statement)).all())


async def find_open_alert_ticket(
    *, session: AsyncSession, contact_id: int, since: datetime
) -> Ticket | None:
    """An open urgent welfare ticket raised for the person since `since`, if any."""
    statement = (
        select(Ticket)
        .where(
            Ticket.contact_id == contact_id,
            Ticket.category == TicketCategory.WELFARE,
            Ticket.priority == TicketPriority.URGENT,
            col(Ticket.status).in_(OPEN_STATUSES),
            col(Ticket.created_at) >= since,
        )
        .order_by(col(Ticket.id).desc())
    )
    return (await session.exec(statement)).first()
