"""Tickets: opening one, appending to its timeline, and finding them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.due_dates import set_due_at
from handlers.actions.errors import NotFoundError
from handlers.actions.oncall_pages import do_page_oncall
from models import ChannelIdentity, Contact, Ticket, TicketEvent
from models.enums import (
    OPEN_STATUSES,
    ActorType,
    EventKind,
    TicketCategory,
    TicketPriority,
)
from models.text import MAX_DB_ID
from models.tickets import parse_ref

FIRST_RESPONSE_KINDS = frozenset({EventKind.MESSAGE_OUT, EventKind.STATUS_CHANGED})
"""What counts as staff responding to a ticket: a message to the person or a status change."""


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
    """Append one entry to a ticket's timeline and touch the ticket.

    The first reply or status change by staff is the ticket's first response, which the
    impact reports time.
    """
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
    if (
        actor_type == ActorType.STAFF
        and kind in FIRST_RESPONSE_KINDS
        and ticket.first_response_at is None
    ):
        ticket.first_response_at = now
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
    """Open a ticket for the person, on the channel they used, with its `created` event.

    Its due time comes from the process's targets (see `due_dates`); an urgent one pages
    staff on duty (see `oncall_pages`).
    """
    ticket = Ticket(
        contact_id=contact.id,  # type: ignore[arg-type]
        identity_id=identity.id,
        channel=identity.channel,
        category=category,
        language=contact.language,
        priority=priority,
        details=dict(details),
        created_at=now,
        updated_at=now,
    )
    set_due_at(ticket)
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
    if priority == TicketPriority.URGENT:
        # Staff on duty hear of it at once, not when someone next looks at the queue.
        await do_page_oncall(session=session, ticket=ticket, now=now)
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


async def access_ticket(*, session: AsyncSession, ref: str, for_update: bool = False) -> Ticket:
    """The ticket with this reference; NotFoundError otherwise. `for_update` locks its row."""
    ticket_id = parse_ref(ref)
    ticket = None
    if ticket_id is not None and 0 < ticket_id <= MAX_DB_ID:
        statement = select(Ticket).where(Ticket.id == ticket_id)
        if for_update:
            statement = statement.with_for_update()
        ticket = (await session.exec(statement)).first()
    if ticket is None:
        raise NotFoundError(f"Ticket {ref[:40]} was not found.")
    return ticket
