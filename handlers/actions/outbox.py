"""The outbox: recording messages in, queueing messages out, and providers' delivery reports.

Everything happens in the caller's transaction. Each queued message also asks for delivery
(`request_delivery`): the service may hang a hook on its sessions that writes the delivery job in
this same transaction, and the request is also kept on the session (`delivery_requests`) for
whoever owns it to act on once it commits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.delivery_at_queue import insert_replies
from handlers.actions.inserts import Along, insert_rows, insert_unless_present
from handlers.actions.tickets import add_event
from handlers.conversation.bidi import isolate_runs
from handlers.conversation.events import IncomingEvent, Reply
from models import ChannelIdentity, Contact, Message, PendingDeliveryReport, Ticket
from models.enums import (
    ActorType,
    Channel,
    DeliveryStatus,
    Direction,
    EventKind,
    OutboundPriority,
)
from models.messages import BODY_LIMIT

_REQUESTS = "outbox.delivery_requests"
ENQUEUE_HOOK = "outbox.enqueue"
ENQUEUE_MANY_HOOK = "outbox.enqueue_many"


@dataclass(frozen=True)
class DeliveryRequest:
    """Someone has a message due from `not_before` (None: now), at `priority`."""

    identity_id: int
    priority: int
    not_before: datetime | None = None


Enqueue = Callable[[AsyncSession, DeliveryRequest], Awaitable[None]]
"""A hook the service puts in a session's `info` under ENQUEUE_HOOK: it records the delivery
job in the session's own transaction, so a rolled-back change leaves no job behind."""


def delivery_requests(info: dict[Any, Any]) -> list[DeliveryRequest]:
    """Take the delivery requests made on a session (from its `info`) since last taken."""
    requests: list[DeliveryRequest] = info.pop(_REQUESTS, [])
    return requests


async def request_delivery(
    *, session: AsyncSession, message: Message, not_before: datetime | None = None
) -> None:
    """Ask for `message`'s person to be delivered to, in the caller's transaction."""
    request = DeliveryRequest(message.identity_id, message.priority, not_before)
    pending: list[DeliveryRequest] = session.info.setdefault(_REQUESTS, [])
    # Replies queued together go out in one run for the person; a second job only if it
    # would run sooner (a higher priority) than the first.
    if any(
        r.identity_id == request.identity_id
        and r.priority >= request.priority
        and r.not_before == not_before
        for r in pending
    ):
        return
    pending.append(request)
    hook: Enqueue | None = session.info.get(ENQUEUE_HOOK)
    if hook is not None:
        await hook(session, request)


EnqueueMany = Callable[[AsyncSession, Sequence[DeliveryRequest]], Awaitable[None]]
"""The same for many people at once (bulk check-ins): one statement rather than one each."""


async def request_deliveries(*, session: AsyncSession, requests: Sequence[DeliveryRequest]) -> None:
    """Ask for delivery to many people at once, in the caller's transaction (bulk sends)."""
    if not requests:
        return
    pending: list[DeliveryRequest] = session.info.setdefault(_REQUESTS, [])
    pending.extend(requests)
    many: EnqueueMany | None = session.info.get(ENQUEUE_MANY_HOOK)
    if many is not None:
        await many(session, requests)
        return
    hook: Enqueue | None = session.info.get(ENQUEUE_HOOK)
    if hook is not None:
        for request in requests:
            await hook(session, request)


def _inbound_payload(event: IncomingEvent) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if event.choice is not None:
        payload["choice"] = event.choice
    if event.location is not None:
        payload["location"] = {
            "latitude": event.location.latitude,
            "longitude": event.location.longitude,
        }
    if event.media:
        payload["media"] = [
            {"kind": m.kind.value, "url": m.url, "content_type": m.content_type}
            for m in event.media
        ]
    if event.text is not None and len(event.text) > BODY_LIMIT:
        payload["truncated_from"] = len(event.text)
    return payload


def inbound_values(event: IncomingEvent, now: datetime) -> dict[str, Any]:
    """The incoming message's row, but for whose it is (`contact_id`, `identity_id`)."""
    return {
        "channel": event.channel,
        "direction": Direction.IN,
        "body": (event.text or "")[:BODY_LIMIT],
        "payload": _inbound_payload(event),
        "provider_message_id": event.provider_id,
        "status": DeliveryStatus.RECEIVED,
        "created_at": now,
        "updated_at": now,
    }


# The unique (channel, provider id) constraint is what makes a replay harmless, even when two
# deliveries of one update arrive at two processes at once.
INBOUND_UNIQUE = ("channel", "provider_message_id")


async def record_inbound(
    *, session: AsyncSession, identity: ChannelIdentity, event: IncomingEvent, now: datetime
) -> Message | None:
    """Store the incoming message; None when the provider already delivered it once."""
    message = {
        **inbound_values(event, now),
        "contact_id": identity.contact_id,
        "identity_id": identity.id,
    }
    return await insert_unless_present(session, Message, message, INBOUND_UNIQUE)


async def queue_reply(
    *,
    session: AsyncSession,
    identity: ChannelIdentity,
    reply: Reply,
    now: datetime,
    ticket: Ticket | None = None,
    actor_type: ActorType = ActorType.SYSTEM,
    actor_id: int | None = None,
    priority: OutboundPriority = OutboundPriority.REPLY,
    inline: bool = False,
) -> Message:
    """Put one reply in the outbox and ask for its delivery; a reply about a ticket also joins
    its timeline. `priority` says who goes first when many people have messages due.

    This is where every text meets its reader, so right-to-left text is made safe here
    (`isolate_runs`), once for every flow and every staff reply. `inline`: the channel says it
    in its answer to the person's message (a call), so it is recorded as sent and nothing is
    delivered.
    """
    queued = await queue_replies(
        session=session,
        identity=identity,
        replies=[(reply, ticket)],
        now=now,
        actor_type=actor_type,
        actor_id=actor_id,
        priority=priority,
        inline=inline,
    )
    return queued[0]


async def queue_replies(
    *,
    session: AsyncSession,
    identity: ChannelIdentity,
    replies: Sequence[tuple[Reply, Ticket | None]],
    now: datetime,
    actor_type: ActorType = ActorType.SYSTEM,
    actor_id: int | None = None,
    priority: OutboundPriority = OutboundPriority.REPLY,
    inline: bool = False,
    along: Along | None = None,
) -> list[Message]:
    """`queue_reply` for several replies to one person, in order, written in one statement,
    which also makes the write `along`, if any."""
    contact = await session.get(Contact, identity.contact_id)
    language = contact.language if contact is not None else "en"
    rows = [
        _outbound(identity, reply, ticket, language, now, priority, inline)
        for reply, ticket in replies
    ]
    if inline:
        messages = await insert_rows(session, Message, rows, along)
    else:
        messages = await insert_replies(session=session, identity=identity, rows=rows, along=along)
    for message, (_, ticket) in zip(messages, replies, strict=True):
        if not inline:
            await request_delivery(session=session, message=message)
        if ticket is not None:
            await add_event(
                session=session,
                ticket=ticket,
                kind=EventKind.MESSAGE_OUT,
                actor_type=actor_type,
                actor_id=actor_id,
                message_id=message.id,
                now=now,
            )
    return messages


def _outbound(
    identity: ChannelIdentity,
    reply: Reply,
    ticket: Ticket | None,
    language: str,
    now: datetime,
    priority: OutboundPriority,
    inline: bool,
) -> dict[str, Any]:
    """A reply's outbox row, as the values to store."""
    text = isolate_runs(reply.text, language)
    payload: dict[str, Any] = {}
    if reply.options:
        payload["options"] = [[o.id, isolate_runs(o.label, language)] for o in reply.options]
    if reply.attachment is not None:
        payload["attachment"] = reply.attachment.value
    if reply.notice or reply.last:
        payload["notice"] = True
    if reply.last:
        payload["last"] = True
    return {
        "contact_id": identity.contact_id,
        "identity_id": identity.id,
        "ticket_id": ticket.id if ticket else None,
        "channel": identity.channel,
        "direction": Direction.OUT,
        "body": text,
        "payload": payload,
        "status": DeliveryStatus.SENT if inline else DeliveryStatus.QUEUED,
        "next_attempt_at": None if inline else now,
        "priority": priority,
        "created_at": now,
        "updated_at": now,
    }


async def link_inbound(
    *, session: AsyncSession, message: Message, ticket: Ticket, now: datetime
) -> None:
    """Attach an incoming message to a ticket's timeline."""
    message.ticket_id = ticket.id
    await add_event(
        session=session,
        ticket=ticket,
        kind=EventKind.MESSAGE_IN,
        actor_type=ActorType.CONTACT,
        message_id=message.id,
        now=now,
    )


# How far along a message is; a late report of an earlier stage never overwrites a later one.
_PROGRESS = {
    DeliveryStatus.SENDING: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.READ: 4,
}


async def do_record_delivery_status(
    *,
    session: AsyncSession,
    channels: Sequence[Channel],
    provider_id: str,
    status: DeliveryStatus,
    now: datetime,
    reason: str | None = None,
    opted_out: bool = False,
) -> bool:
    """Apply a provider's delivery report to our outbound message, never moving it backwards.

    A failure counts only before delivery; `opted_out` also marks the person's identity. False
    when no outbound message on `channels` has that provider id yet: the report is then kept
    until the send is recorded (see `handlers.actions.delivery_reports`), unless it only says
    the provider has the message ("sending"), which the record of the send says already.
    """
    statement = (
        select(Message)
        .where(
            col(Message.channel).in_(channels),
            Message.direction == Direction.OUT,
            Message.provider_message_id == provider_id,
        )
        # Reports for one message can arrive together at two processes.
        .with_for_update()
    )
    message = (await session.exec(statement)).first()
    if message is None:
        if status is not DeliveryStatus.SENDING:
            session.add(
                PendingDeliveryReport(
                    provider_message_id=provider_id,
                    status=status,
                    reason=reason,
                    opted_out=opted_out,
                    received_at=now,
                )
            )
        return False
    current = _PROGRESS.get(message.status)
    if current is None:
        # Already failed, or still ours to send: a report does not bring it back.
        return True
    if status is DeliveryStatus.FAILED:
        if current >= _PROGRESS[DeliveryStatus.DELIVERED]:
            return True
        message.status = DeliveryStatus.FAILED
        message.error = (reason or "failed")[:500]
        if opted_out:
            identity = await session.get(ChannelIdentity, message.identity_id)
            if identity is not None:
                identity.opted_out = True
    elif status in _PROGRESS and _PROGRESS[status] > current:
        message.status = status
    else:
        return True
    message.updated_at = now
    return True
