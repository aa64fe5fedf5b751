"""What staff do to tickets: read them, change them, write notes and reply to the person.

Every action takes the staff member who acts, writes its timeline events and audit entry in
the caller's transaction, and returns the ids of any messages it queued so the caller can
wake delivery once the transaction has committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from admin.schemas.tickets import (
    Actor,
    ContactActor,
    ContactSummary,
    MessagePublic,
    StaffActor,
    SystemActor,
    TicketDetail,
    TicketPublic,
    TicketUpdate,
    TimelineEventPublic,
)
from handlers.actions.audit import do_record_audit
from handlers.actions.errors import ConflictError, InvalidError, NotFoundError
from handlers.actions.outbox import link_inbound, queue_reply
from handlers.actions.tickets import add_event
from handlers.conversation.catalog import t
from handlers.conversation.events import Reply
from models import ChannelIdentity, Contact, Message, Staff, Ticket, TicketEvent
from models.audit import AuditAction
from models.enums import OPEN_STATUSES, ActorType, EventKind, TicketStatus
from models.text import MAX_DB_ID
from models.tickets import parse_ref

S = TicketStatus
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.NEW: frozenset({S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.WAITING, S.RESOLVED, S.CLOSED}),
    S.WAITING: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.IN_PROGRESS, S.CLOSED}),
    S.CLOSED: frozenset(),
}
"""The status moves staff may make; moving from resolved back to in_progress reopens."""

REOPEN_WINDOW = timedelta(days=14)
"""How long after resolving a ticket the person may still reopen it by replying."""


@dataclass
class Outcome:
    """What a staff action did: the ticket and the messages it queued."""

    ticket: Ticket
    outbound_ids: list[int] = field(default_factory=list)


@dataclass
class Sent:
    """A staff reply: its `message_out` event and the message queued."""

    event: TicketEvent
    outbound_ids: list[int]


def ticket_public(ticket: Ticket) -> TicketPublic:
    """A ticket as the API shows it."""
    return TicketPublic.model_validate(ticket, from_attributes=True)


def check_transition(ticket: Ticket, wanted: TicketStatus) -> None:
    """Raise ConflictError unless the ticket may move from its status to `wanted`."""
    current = ticket.status
    if wanted == current or wanted in TRANSITIONS[current]:
        return
    allowed = sorted(s.value for s in TRANSITIONS[current])
    if not allowed:
        raise ConflictError(f"Ticket {ticket.ref} is closed, so its status cannot change.")
    raise ConflictError(
        f"Ticket {ticket.ref} is {current.value}; it can move to {', '.join(allowed)}, "
        f"not to {wanted.value}."
    )


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


async def _staff_by_id(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, Staff]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = (await session.exec(select(Staff).where(col(Staff.id).in_(wanted)))).all()
    return {s.id: s for s in rows if s.id is not None}


def staff_actor(staff: Staff) -> StaffActor:
    """How a staff member appears as an actor."""
    return StaffActor(id=staff.id, email=staff.email, name=staff.name)


def _actor(event: TicketEvent, staff: dict[int, Staff]) -> Actor:
    if event.actor_type == ActorType.STAFF and event.actor_id in staff:
        return staff_actor(staff[event.actor_id])
    if event.actor_type == ActorType.STAFF:
        return StaffActor(id=event.actor_id or 0, email="", name="Former staff member")
    if event.actor_type == ActorType.CONTACT:
        return ContactActor()
    return SystemActor()


def _message_public(message: Message) -> MessagePublic:
    return MessagePublic(
        id=message.id,
        direction=message.direction,
        channel=message.channel,
        text=message.body,
        status=message.status,
        error=message.error,
        created_at=message.created_at,
        updated_at=message.updated_at,
    )


async def timeline(
    *, session: AsyncSession, ticket: Ticket, event_id: int | None = None
) -> list[TimelineEventPublic]:
    """The ticket's events (or just `event_id`), oldest first, with actors and messages."""
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
        TimelineEventPublic(
            id=event.id,
            kind=event.kind,
            actor=_actor(event, staff),
            created_at=event.created_at,
            data=event.data,
            message=_message_public(message) if message is not None else None,
        )
        for event, message in rows
    ]


async def access_ticket_detail(
    *, session: AsyncSession, staff: Staff, ref: str, now: datetime
) -> TicketDetail:
    """A ticket with its contact and timeline; the read is recorded in the audit log."""
    ticket = await access_ticket(session=session, ref=ref)
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
    return TicketDetail(
        **ticket_public(ticket).model_dump(),
        contact=ContactSummary.model_validate(contact, from_attributes=True),
        assignee=staff_actor(assignee) if assignee is not None else None,
        timeline=await timeline(session=session, ticket=ticket),
    )


async def _identity_for_reply(session: AsyncSession, ticket: Ticket) -> ChannelIdentity | None:
    if ticket.identity_id is None:
        return None
    return await session.get(ChannelIdentity, ticket.identity_id)


async def _language(session: AsyncSession, ticket: Ticket) -> str:
    contact = await session.get(Contact, ticket.contact_id)
    return contact.language if contact is not None else "en"


async def _set_status(
    *,
    session: AsyncSession,
    ticket: Ticket,
    status: TicketStatus,
    actor_type: ActorType,
    actor_id: int | None,
    now: datetime,
) -> TicketEvent:
    before = ticket.status
    data: dict[str, object] = {"from": before.value, "to": status.value}
    if before == TicketStatus.RESOLVED and status == TicketStatus.IN_PROGRESS:
        data["reopened"] = True
        ticket.resolved_at = None
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
    ticket.status = status
    session.add(ticket)
    return await add_event(
        session=session,
        ticket=ticket,
        kind=EventKind.STATUS_CHANGED,
        actor_type=actor_type,
        actor_id=actor_id,
        now=now,
        data=data,
    )


def _plain(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


async def do_change_ticket(
    *, session: AsyncSession, staff: Staff, ticket: Ticket, changes: TicketUpdate, now: datetime
) -> Outcome:
    """Apply the given changes, each as a timeline event; resolving tells the person.

    Raises ConflictError for a status move that is not allowed or any change to a closed
    ticket, and InvalidError for an assignee who is not an active staff member.
    """
    given = changes.model_fields_set
    outcome = Outcome(ticket=ticket)
    wanted: dict[str, object] = {}
    if "category" in given and changes.category is not None and changes.category != ticket.category:
        wanted["category"] = changes.category
    if "priority" in given and changes.priority is not None and changes.priority != ticket.priority:
        wanted["priority"] = changes.priority
    if "assignee_id" in given and changes.assignee_id != ticket.assignee_id:
        wanted["assignee_id"] = changes.assignee_id
    if "status" in given and changes.status is not None and changes.status != ticket.status:
        check_transition(ticket, changes.status)
        wanted["status"] = changes.status
    if not wanted:
        return outcome
    if ticket.status == TicketStatus.CLOSED:
        raise ConflictError(f"Ticket {ticket.ref} is closed, so it cannot be changed.")
    if changes.assignee_id is not None and "assignee_id" in wanted:
        assignee = await session.get(Staff, changes.assignee_id)
        if assignee is None or not assignee.is_active:
            raise InvalidError(
                f"no active staff member has the id {changes.assignee_id}",
                loc=("body", "assignee_id"),
            )

    staff_id = staff.id
    recorded: dict[str, object] = {}
    plain: list[tuple[EventKind, str, object, object]] = []
    if changes.category is not None and "category" in wanted:
        plain.append((EventKind.CATEGORY_CHANGED, "category", ticket.category, changes.category))
        ticket.category = changes.category
    if changes.priority is not None and "priority" in wanted:
        plain.append((EventKind.PRIORITY_CHANGED, "priority", ticket.priority, changes.priority))
        ticket.priority = changes.priority
    if "assignee_id" in wanted:
        plain.append((EventKind.ASSIGNED, "assignee_id", ticket.assignee_id, changes.assignee_id))
        ticket.assignee_id = changes.assignee_id
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
    if changes.status is not None and "status" in wanted:
        recorded["status"] = {"from": ticket.status.value, "to": changes.status.value}
        await _set_status(
            session=session,
            ticket=ticket,
            status=changes.status,
            actor_type=ActorType.STAFF,
            actor_id=staff_id,
            now=now,
        )
        if changes.status == TicketStatus.RESOLVED:
            outcome.outbound_ids += await _tell_resolved(session, ticket, staff, now)
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
    return outcome


async def _tell_resolved(
    session: AsyncSession, ticket: Ticket, staff: Staff, now: datetime
) -> list[int]:
    identity = await _identity_for_reply(session, ticket)
    if identity is None or identity.opted_out:
        return []
    text = t("staff.resolved", await _language(session, ticket), ref=ticket.ref)
    message = await queue_reply(
        session=session,
        identity=identity,
        reply=Reply(text),
        now=now,
        ticket=ticket,
        actor_type=ActorType.STAFF,
        actor_id=staff.id,
    )
    return [message.id] if message.id is not None else []


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


@dataclass(frozen=True)
class ReplyWindow:
    """A channel's rule for free-form messages: only within `length` of the person's last
    message; after that only an approved template (`template_sid`, the reference as its
    variable 1), or nothing when none is configured."""

    length: timedelta
    template_sid: str | None = None


async def do_staff_reply(
    *,
    session: AsyncSession,
    staff: Staff,
    ticket: Ticket,
    text: str,
    now: datetime,
    window: ReplyWindow | None = None,
) -> Sent:
    """Queue a message to the person on the ticket's channel, headed with its reference.

    A new or in-progress ticket then waits for the person's answer. Raises ConflictError for
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
    )
    if template is not None:
        # The words stay on record for staff; the person is sent the approved template.
        message.payload = {**message.payload, "template": template}
    event = (
        await session.exec(select(TicketEvent).where(TicketEvent.message_id == message.id))
    ).one()
    if ticket.status in (TicketStatus.NEW, TicketStatus.IN_PROGRESS):
        await _set_status(
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
    return Sent(event=event, outbound_ids=[message.id] if message.id else [])


async def timeline_event(
    *, session: AsyncSession, ticket: Ticket, event: TicketEvent
) -> TimelineEventPublic:
    """One event as the timeline shows it."""
    shown = await timeline(session=session, ticket=ticket, event_id=event.id)
    if not shown:
        raise NotFoundError(f"Event {event.id} is not on ticket {ticket.ref}.")
    return shown[0]


# For the conversation engine: the person answering staff, or asking to reopen. -------------


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
        await _set_status(
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
        await _set_status(
            session=session,
            ticket=ticket,
            status=TicketStatus.IN_PROGRESS,
            actor_type=ActorType.CONTACT,
            actor_id=None,
            now=now,
        )
