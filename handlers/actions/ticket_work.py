"""What staff do to a ticket: change it, write a note on it, and reply to the person.

Every action takes the staff member who acts and writes its timeline events and audit entry in
the caller's transaction. A message it owes the person goes to the outbox in that transaction
too, and delivery wakes once it commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.audit import do_record_audit
from handlers.actions.changes import KEEP, Keep
from handlers.actions.due_dates import set_due_at
from handlers.actions.errors import ConflictError, InvalidError
from handlers.actions.outbox import queue_reply
from handlers.actions.reply_window import ReplyWindow
from handlers.actions.ticket_status import check_transition, do_set_status
from handlers.actions.tickets import add_event
from handlers.conversation.catalog import t
from handlers.conversation.events import Reply
from models import ChannelIdentity, Contact, Staff, Ticket, TicketEvent
from models.audit import AuditAction
from models.enums import (
    ActorType,
    EventKind,
    OutboundPriority,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)


@dataclass(frozen=True)
class TicketChanges:
    """What staff asked to change; a field left as KEEP stays. `assignee_id=None` unassigns.

    `referred` marks that staff referred the person to a partner (a food bank, Age UK, their
    GP, the council); the impact reports count these referrals.
    """

    status: TicketStatus | Keep = KEEP
    priority: TicketPriority | Keep = KEEP
    category: TicketCategory | Keep = KEEP
    assignee_id: int | Keep | None = KEEP
    referred: bool | Keep = KEEP


async def _identity_for_reply(session: AsyncSession, ticket: Ticket) -> ChannelIdentity | None:
    if ticket.identity_id is None:
        return None
    return await session.get(ChannelIdentity, ticket.identity_id)


async def _language(session: AsyncSession, ticket: Ticket) -> str:
    contact = await session.get(Contact, ticket.contact_id)
    return contact.language if contact is not None else "en"


_RETARGETING = (EventKind.CATEGORY_CHANGED, EventKind.PRIORITY_CHANGED)


def _plain(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


async def do_change_ticket(
    *, session: AsyncSession, staff: Staff, ticket: Ticket, changes: TicketChanges, now: datetime
) -> Ticket:
    """Apply the given changes, each as a timeline event; resolving tells the person.

    Raises ConflictError for a status move that is not allowed or any change to a closed
    ticket, and InvalidError for an assignee who is not an active staff member.
    """
    category = changes.category if changes.category is not KEEP else ticket.category
    priority = changes.priority if changes.priority is not KEEP else ticket.priority
    assignee_id = changes.assignee_id if changes.assignee_id is not KEEP else ticket.assignee_id
    status = changes.status if changes.status is not KEEP else ticket.status
    was_referred = ticket.referred_at is not None
    referred = changes.referred if changes.referred is not KEEP else was_referred
    if status != ticket.status:
        check_transition(ticket, status)
    if (category, priority, assignee_id, status, referred) == (
        ticket.category,
        ticket.priority,
        ticket.assignee_id,
        ticket.status,
        was_referred,
    ):
        return ticket
    if ticket.status == TicketStatus.CLOSED:
        raise ConflictError(f"Ticket {ticket.ref} is closed, so it cannot be changed.")
    if assignee_id is not None and assignee_id != ticket.assignee_id:
        assignee = await session.get(Staff, assignee_id)
        if assignee is None or not assignee.is_active:
            raise InvalidError(
                f"no active staff member has the id {assignee_id}",
                loc=("body", "assignee_id"),
            )

    staff_id = staff.id
    recorded: dict[str, object] = {}
    plain: list[tuple[EventKind, str, object, object]] = []
    if category != ticket.category:
        plain.append((EventKind.CATEGORY_CHANGED, "category", ticket.category, category))
        ticket.category = category
    if priority != ticket.priority:
        plain.append((EventKind.PRIORITY_CHANGED, "priority", ticket.priority, priority))
        ticket.priority = priority
    if assignee_id != ticket.assignee_id:
        plain.append((EventKind.ASSIGNED, "assignee_id", ticket.assignee_id, assignee_id))
        ticket.assignee_id = assignee_id
    if referred != was_referred:
        plain.append((EventKind.REFERRED, "referred", was_referred, referred))
        ticket.referred_at = now if referred else None
    if any(kind in _RETARGETING for kind, *_ in plain):
        # A new category or priority brings its own target, counted from when it opened.
        set_due_at(ticket)
    for kind, name, before, after in plain:
        change = {"from": _plain(before), "to": _plain(after)}
        recorded[name] = change
        await add_event(
            session=session,
            ticket=ticket,
            kind=kind,
            actor_type=ActorType.STAFF,
            actor_id=staff_id,
            now=now,
            data=change,
        )
    if status != ticket.status:
        recorded["status"] = {"from": ticket.status.value, "to": status.value}
        await do_set_status(
            session=session,
            ticket=ticket,
            status=status,
            actor_type=ActorType.STAFF,
            actor_id=staff_id,
            now=now,
        )
        if status == TicketStatus.RESOLVED:
            await _tell_resolved(session, ticket, staff, now)
    session.add(ticket)
    await do_record_audit(
        session=session,
        staff=staff,
        action=AuditAction.TICKET_UPDATE,
        object_type="ticket",
        object_id=ticket.ref,
        contact_id=ticket.contact_id,
        data=recorded,
        now=now,
    )
    return ticket


async def _tell_resolved(
    session: AsyncSession, ticket: Ticket, staff: Staff, now: datetime
) -> None:
    identity = await _identity_for_reply(session, ticket)
    if identity is None or identity.opted_out:
        return
    text = t("staff.resolved", await _language(session, ticket), ref=ticket.ref)
    await queue_reply(
        session=session,
        identity=identity,
        reply=Reply(text),
        now=now,
        ticket=ticket,
        actor_type=ActorType.STAFF,
        actor_id=staff.id,
        priority=OutboundPriority.STAFF,
    )


async def do_add_note(
    *, session: AsyncSession, staff: Staff, ticket: Ticket, text: str, now: datetime
) -> TicketEvent:
    """Add an internal note to the timeline. The person never sees it."""
    event = await add_event(
        session=session,
        ticket=ticket,
        kind=EventKind.NOTE,
        actor_type=ActorType.STAFF,
        actor_id=staff.id,
        now=now,
        data={"text": text},
    )
    session.add(ticket)
    await do_record_audit(
        session=session,
        staff=staff,
        action=AuditAction.TICKET_NOTE,
        object_type="ticket",
        object_id=ticket.ref,
        contact_id=ticket.contact_id,
        data={"event_id": event.id},
        now=now,
    )
    return event


async def do_staff_reply(
    *,
    session: AsyncSession,
    staff: Staff,
    ticket: Ticket,
    text: str,
    now: datetime,
    window: ReplyWindow | None = None,
) -> TicketEvent:
    """Queue a message to the person on the ticket's channel, headed with its reference.

    Returns its `message_out` timeline event; a new or in-progress ticket then waits for the
    person's answer. Raises ConflictError for
    a closed ticket, when the person cannot be messaged on that channel, or when the channel's
    `window` has passed and it has no template to send instead.
    """
    if ticket.status == TicketStatus.CLOSED:
        raise ConflictError(f"Ticket {ticket.ref} is closed; reopen work on a new ticket instead.")
    identity = await _identity_for_reply(session, ticket)
    if identity is None:
        raise ConflictError(f"Ticket {ticket.ref} has no channel to reply on.")
    if identity.opted_out:
        raise ConflictError(
            f"The person has opted out of messages on {identity.channel.value}, "
            "so the reply cannot be sent."
        )
    template = None
    last_heard = identity.last_inbound_at
    if window is not None and (last_heard is None or now - last_heard > window.length):
        if window.template_sid is None:
            hours = int(window.length.total_seconds() // 3600)
            raise ConflictError(
                f"The person last wrote more than {hours} hours ago, so {identity.channel.value} "
                "allows only an approved template, and none is configured "
                "(TWILIO_TEMPLATE_REPLY_SID). Nothing was sent: please phone them instead."
            )
        template = {"content_sid": window.template_sid, "variables": {"1": ticket.ref}}
    body = t("staff.reply", await _language(session, ticket), ref=ticket.ref, text=text)
    message = await queue_reply(
        session=session,
        identity=identity,
        reply=Reply(body),
        now=now,
        ticket=ticket,
        actor_type=ActorType.STAFF,
        actor_id=staff.id,
        priority=OutboundPriority.STAFF,
    )
    if template is not None:
        # The words stay on record for staff; the person is sent the approved template.
        message.payload = {**message.payload, "template": template}
    event = (
        await session.exec(select(TicketEvent).where(TicketEvent.message_id == message.id))
    ).one()
    if ticket.status in (TicketStatus.NEW, TicketStatus.IN_PROGRESS):
        await do_set_status(
            session=session,
            ticket=ticket,
            status=TicketStatus.WAITING,
            actor_type=ActorType.STAFF,
            actor_id=staff.id,
            now=now,
        )
    session.add(ticket)
    await do_record_audit(
        session=session,
        staff=staff,
        action=AuditAction.TICKET_REPLY,
        object_type="ticket",
        object_id=ticket.ref,
        contact_id=ticket.contact_id,
        data={"message_id": message.id},
        now=now,
    )
    return event
