"""Reading a ticket the way staff see it: its contact, its assignee and its timeline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.audit import do_record_audit
from handlers.actions.errors import NotFoundError
from handlers.actions.retention import check_ticket_readable
from handlers.actions.tickets import access_ticket
from models import Contact, Message, Staff, Ticket, TicketEvent
from models.audit import AuditAction
from models.enums import ActorType


@dataclass(frozen=True)
class TimelineEntry:
    """One timeline event, with its message if it carries one and the staff member who acted.

    `staff` is None for the person and the system, and for a staff member no longer on record.
    """

    event: TicketEvent
    message: Message | None
    staff: Staff | None


@dataclass(frozen=True)
class TicketRecord:
    """A ticket with the person it is for, who has it, and its whole timeline, oldest first."""

    ticket: Ticket
    contact: Contact
    assignee: Staff | None
    timeline: list[TimelineEntry]


async def _staff_by_id(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, Staff]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = (await session.exec(select(Staff).where(col(Staff.id).in_(wanted)))).all()
    return {s.id: s for s in rows if s.id is not None}


def _acting_staff(event: TicketEvent, staff: dict[int, Staff]) -> Staff | None:
    if event.actor_type != ActorType.STAFF or event.actor_id is None:
        return None
    return staff.get(event.actor_id)


async def list_timeline(
    *, session: AsyncSession, ticket: Ticket, event_id: int | None = None
) -> list[TimelineEntry]:
    """The ticket's events (or just `event_id`), oldest first, with messages and staff."""
    statement = (
        select(TicketEvent, Message)
        .outerjoin(Message, col(Message.id) == TicketEvent.message_id)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(col(TicketEvent.created_at), col(TicketEvent.id))
    )
    if event_id is not None:
        statement = statement.where(TicketEvent.id == event_id)
    rows = (await session.exec(statement)).all()
    staff = await _staff_by_id(
        session, (e.actor_id for e, _ in rows if e.actor_type == ActorType.STAFF)
    )
    return [
        TimelineEntry(event=event, message=message, staff=_acting_staff(event, staff))
        for event, message in rows
    ]


async def access_timeline_entry(
    *, session: AsyncSession, ticket: Ticket, event: TicketEvent
) -> TimelineEntry:
    """One event of the ticket as the timeline shows it; NotFoundError if it is not the ticket's."""
    shown = await list_timeline(session=session, ticket=ticket, event_id=event.id)
    if not shown:
        raise NotFoundError(f"Event {event.id} is not on ticket {ticket.ref}.")
    return shown[0]


async def access_ticket_record(
    *, session: AsyncSession, staff: Staff, ref: str, now: datetime
) -> TicketRecord:
    """A ticket with its contact and timeline; the read is recorded in the audit log."""
    ticket = await access_ticket(session=session, ref=ref)
    check_ticket_readable(ticket=ticket, staff=staff, now=now)
    contact = await session.get(Contact, ticket.contact_id)
    if contact is None:  # pragma: no cover - the foreign key makes this impossible
        raise NotFoundError(f"Ticket {ticket.ref} has no contact.")
    assignees = await _staff_by_id(session, [ticket.assignee_id])
    assignee = assignees.get(ticket.assignee_id) if ticket.assignee_id else None
    await do_record_audit(
        session=session,
        staff=staff,
        action=AuditAction.TICKET_READ,
        object_type="ticket",
        object_id=ticket.ref,
        contact_id=contact.id,
        now=now,
    )
    return TicketRecord(
        ticket=ticket,
        contact=contact,
        assignee=assignee,
        timeline=await list_timeline(session=session, ticket=ticket),
    )
