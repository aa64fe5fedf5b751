"""The person's side of a ticket's thread: answering staff, and reopening a finished request.

The conversation engine uses these at the menu, before free text is read as a new need.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.outbox import link_inbound
from handlers.actions.ticket_status import check_transition, do_set_status
from models import Message, Ticket, TicketEvent
from models.enums import OPEN_STATUSES, ActorType, EventKind, TicketStatus

REOPEN_WINDOW = timedelta(days=14)
"""How long after resolving a ticket the person may still reopen it by replying."""


async def find_ticket_awaiting_reply(*, session: AsyncSession, contact_id: int) -> Ticket | None:
    """The person's open ticket that staff most recently wrote to them about, if any."""
    statement = (
        select(Ticket)
        .join(TicketEvent, col(TicketEvent.ticket_id) == Ticket.id)
        .where(
            Ticket.contact_id == contact_id,
            col(Ticket.status).in_(OPEN_STATUSES),
            TicketEvent.kind == EventKind.MESSAGE_OUT,
            TicketEvent.actor_type == ActorType.STAFF,
        )
        .order_by(col(TicketEvent.id).desc())
        .limit(1)
    )
    return (await session.exec(statement)).first()


async def do_contact_answer(
    *, session: AsyncSession, ticket: Ticket, message: Message, now: datetime
) -> None:
    """Join the person's message to the ticket; a ticket waiting on them moves to in_progress."""
    await link_inbound(session=session, message=message, ticket=ticket, now=now)
    if ticket.status == TicketStatus.WAITING:
        await do_set_status(
            session=session,
            ticket=ticket,
            status=TicketStatus.IN_PROGRESS,
            actor_type=ActorType.CONTACT,
            actor_id=None,
            now=now,
        )


async def find_reopenable_ticket(
    *, session: AsyncSession, contact_id: int, now: datetime
) -> Ticket | None:
    """The person's most recently resolved ticket, if it was resolved within REOPEN_WINDOW."""
    statement = (
        select(Ticket)
        .where(
            Ticket.contact_id == contact_id,
            Ticket.status == TicketStatus.RESOLVED,
            col(Ticket.resolved_at) >= now - REOPEN_WINDOW,
        )
        .order_by(col(Ticket.resolved_at).desc(), col(Ticket.id).desc())
        .limit(1)
    )
    return (await session.exec(statement)).first()


async def do_reopen_by_contact(*, session: AsyncSession, ticket: Ticket, now: datetime) -> None:
    """The person asked to reopen a resolved ticket: it goes back to in_progress."""
    check_transition(ticket, TicketStatus.IN_PROGRESS)
    if ticket.status != TicketStatus.IN_PROGRESS:
        await do_set_status(
            session=session,
            ticket=ticket,
            status=TicketStatus.IN_PROGRESS,
            actor_type=ActorType.CONTACT,
            actor_id=None,
            now=now,
        )
