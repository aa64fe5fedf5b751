"""Delivering the outbox, the decisions: whose message goes next, and what a send's result means.

The sending itself is the service's (`bot.outbound`); each step here is one short transaction.
A person's messages go strictly oldest first: the next one is sent only when every earlier one
has been sent or has failed for good, so a retry is never overtaken (a few claimed together go
one after another, each once the one before it went through: `delivery_along`).

When an attempt ends without an outcome (a timeout after the request left, or a process that
died mid-send), the message is sent again and marked `maybe_duplicate`, which staff see: for
someone who may be alone and unwell, a message twice is kinder than a message lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.checkin_calls import CallRetryRule
from handlers.actions.checkin_hours import Dropped, Held, do_check_send_time, do_start_wait
from handlers.actions.delivery_along import (
    claim_along,
    claims_all,
    do_mark_sending,
)
from handlers.actions.delivery_at_queue import take_claimed
from handlers.actions.delivery_due import STALE_SENDING
from handlers.actions.delivery_due import UNFINISHED as _UNFINISHED
from handlers.actions.delivery_plain import CLAIM_AT_ONCE
from handlers.actions.delivery_reports import REPORTED_CHANNELS, apply_pending_reports
from handlers.actions.ticket_status import do_set_status
from handlers.actions.tickets import add_event
from models import ChannelIdentity, Message, Ticket
from models.enums import (
    ActorType,
    Channel,
    DeliveryStatus,
    Direction,
    EventKind,
    OutboundPriority,
    TicketStatus,
)

OPTED_OUT = "the person has opted out (STOP)"
# A call holds the person's line until it ends: the next one waits for its status callback, or
# this long after it was placed, should that callback never come.
LINE_BUSY_CHANNELS = (Channel.VOICE,)
LONGEST_CALL = timedelta(minutes=15)
# Where `_oldest` keeps the identity it read with a message, for the claim that follows.
_READ_WITH_CLAIM = "delivery.identity_read_with_claim"
# Where `_oldest` keeps the messages it read behind the one it found.
_BEHIND = "delivery.read_behind"


@dataclass(frozen=True)
class RetryRule:
    """How often and how patiently a passing failure is tried again before it counts as failed."""

    max_attempts: int = 10
    first_wait: timedelta = timedelta(seconds=2)
    longest_wait: timedelta = timedelta(minutes=5)

    def wait(self, attempts: int) -> timedelta:
        """The pause after attempt number `attempts`: doubling, up to `longest_wait`."""
        doubled: timedelta = self.first_wait * (1 << min(max(attempts - 1, 0), 20))
        return min(doubled, self.longest_wait)


@dataclass(frozen=True)
class SendFailure:
    """A send that did not work, in the domain's words."""

    reason: str
    retryable: bool
    retry_after: timedelta | None = None
    opted_out: bool = False
    # The request may have reached the provider: sending again may make a duplicate.
    outcome_unknown: bool = False
    # Our channel is still starting: nothing was tried, so no attempt is spent waiting for it.
    channel_starting: bool = False


@dataclass(frozen=True)
class Claimed:
    """A message now ours to send, with where it goes."""

    message: Message
    identity: ChannelIdentity
    # Claimed with it, to go right after it in this order (`delivery_along`).
    along: tuple[Message, ...] = ()
    # Every unfinished message the person had, each plain (`delivery_along.claims_all`).
    whole: bool = False


@dataclass(frozen=True)
class Waiting:
    """The person's next message is not due until `until` (a retry, or another's send)."""

    until: datetime


async def do_claim_next(
    *,
    session: AsyncSession,
    identity_id: int,
    now: datetime,
    identity: ChannelIdentity | None = None,
    call_rule: CallRetryRule | None = None,
    along: bool = False,
) -> Claimed | Waiting | None:
    """Claim the person's oldest unfinished outbound message if it is due; None if none is left.
    With `along`, also those queued behind it that may go right after it (`delivery_along`).

    `identity` is the person's, when the caller read it already (claiming their last message).
    A check-in outside its campaign's window is held or dropped here (`call_rule` says what a
    dropped call leads to), so it never goes in quiet hours however late its turn came.
    Replies this session wrote claimed (`delivery_at_queue`) are the claim, read no more."""
    if (written := take_claimed(session, identity_id)) is not None:
        mine, messages = written
        return Claimed(messages[0], mine, tuple(messages[1:]), whole=True)
    rule = call_rule or CallRetryRule()
    known = identity is not None and identity.id == identity_id
    # A check-in that may no longer go is settled in passing: the next message is looked at.
    while isinstance(claimed := await _claim_head(session, identity_id, now, rule, known), Dropped):
        pass
    if not isinstance(claimed, Message):
        return claimed
    message = claimed
    if not known:
        # Read with the message by `_oldest`; otherwise (a bulk head passed) read now.
        identity = session.info.pop(_READ_WITH_CLAIM, None)
        if identity is None or identity.id != identity_id:
            identity = await session.get(ChannelIdentity, identity_id)
    assert identity is not None  # a message's identity is a foreign key
    head_id, behind = session.info.pop(_BEHIND, (None, []))
    read_along = along and head_id == message.id
    taken = claim_along(message, behind, identity, now) if read_along else []
    await do_mark_sending(session=session, messages=[message, *taken], now=now)
    whole = read_along and claims_all(message, behind, taken, identity)
    return Claimed(message, identity, tuple(taken), whole)


async def _claim_head(
    session: AsyncSession,
    identity_id: int,
    now: datetime,
    call_rule: CallRetryRule,
    known: bool,
) -> Message | Waiting | Dropped | None:
    """The person's oldest unfinished message if it may go now, else why not.

    A bulk message waiting for its time (a check-in held for its window, or its retry) holds
    back no answer, staff reply or emergency queued behind it: those are never kept waiting for
    a campaign's hours, and keep their own order among themselves."""
    message = await _oldest(session, identity_id, known, urgent=False)
    if message is None:
        return None
    decided = await _may_go(session, message, now, call_rule)
    if not isinstance(decided, Waiting) or message.priority != OutboundPriority.BULK:
        return decided
    if message.status != DeliveryStatus.QUEUED:
        return decided  # one being sent: the next waits for its outcome
    urgent = await _oldest(session, identity_id, True, urgent=True)
    if urgent is None:
        return decided
    other = await _may_go(session, urgent, now, call_rule)
    if isinstance(other, Waiting):
        return Waiting(min(other.until, decided.until))
    return other


@cache
def _statement(known: bool, urgent: bool) -> Any:
    """The select for `_oldest`, with the person as the parameter `identity_id`; built once,
    as making one took more CPU than running it."""
    mine: list[Any] = [
        col(Message.identity_id) == bindparam("identity_id"),
        Message.direction == Direction.OUT,
        col(Message.status).in_(_UNFINISHED),
    ]
    if urgent:
        mine.append(col(Message.priority) > OutboundPriority.BULK)
    # Two runs for one person should never meet, but if they do only one claims.
    if known:
        mine_first = select(Message).where(*mine).order_by(col(Message.id))
        return mine_first.limit(CLAIM_AT_ONCE).with_for_update()
    # The person's identity read in the same round trip.
    return (
        select(Message, ChannelIdentity)
        .join(ChannelIdentity, col(ChannelIdentity.id) == col(Message.identity_id))
        .where(*mine)
        .order_by(col(Message.id))
        .limit(CLAIM_AT_ONCE)
        .with_for_update(of=Message)
    )


async def _oldest(
    session: AsyncSession, identity_id: int, known: bool, *, urgent: bool
) -> Message | None:
    """The person's oldest unfinished outbound message (of those above bulk, if `urgent`)."""
    statement = _statement(known, urgent)
    person = {"identity_id": identity_id}
    rows = (await session.exec(statement, params=person)).all()
    if not rows:
        return None
    messages: list[Message] = list(rows) if known else [row[0] for row in rows]
    if not urgent:
        # Those behind it, for `do_claim_next` to claim along with it if it goes.
        session.info[_BEHIND] = (messages[0].id, messages[1:])
    if not known:
        # Kept for `do_claim_next`: the session's identity map holds objects only while
        # something else does, so once this row went it read the identity again.
        session.info[_READ_WITH_CLAIM] = rows[0][1]
    return messages[0]


async def _may_go(
    session: AsyncSession, message: Message, now: datetime, call_rule: CallRetryRule
) -> Message | Waiting | Dropped:
    """`message` itself if it may go now, else why not."""
    if message.status == DeliveryStatus.SENDING:
        if message.updated_at > now - STALE_SENDING:
            return Waiting(message.updated_at + STALE_SENDING)
        # Its process died mid-send: the outcome is unknown, so it goes again, marked.
        message.maybe_duplicate = True
    elif message.next_attempt_at is not None and message.next_attempt_at > now:
        return Waiting(message.next_attempt_at)
    if message.channel in LINE_BUSY_CHANNELS:
        ringing = await _call_in_progress(session, message, now)
        if ringing is not None:
            return Waiting(ringing)
    timing = await do_check_send_time(session=session, message=message, now=now, rule=call_rule)
    if isinstance(timing, Held):
        return Waiting(timing.until)
    return message if timing is None else timing


async def _call_in_progress(
    session: AsyncSession, message: Message, now: datetime
) -> datetime | None:
    """When the person's line is free again, if a call to them has not ended yet."""
    placed = (
        await session.exec(
            select(func.max(Message.updated_at)).where(
                Message.identity_id == message.identity_id,
                Message.direction == Direction.OUT,
                Message.channel == message.channel,
                Message.status == DeliveryStatus.SENT,
                col(Message.provider_message_id).is_not(None),
                col(Message.updated_at) > now - LONGEST_CALL,
            )
        )
    ).one()
    return None if placed is None else placed + LONGEST_CALL


async def do_record_part(
    *, session: AsyncSession, message_id: int, provider_id: str, now: datetime
) -> None:
    """Remember one accepted part of a long message, so a retry never sends it again."""
    message = await session.get(Message, message_id, with_for_update=True)
    if message is not None:
        message.sent_parts = [*message.sent_parts, provider_id]
        message.updated_at = now


@cache
def _sent_statement(names: tuple[str, ...]) -> Any:
    """The update recording a send, writing `names` from the parameters `new_<name>`; one per
    set of columns, built once."""
    # Only a message still being sent: a call can end, and say so, before its send is recorded.
    return (
        update(Message)
        .where(col(Message.id) == bindparam("message_id"), col(Message.status).in_(_UNFINISHED))
        .values({name: bindparam(f"new_{name}") for name in names})
        .returning(col(Message.channel), col(Message.identity_id), col(Message.priority))
    )


async def do_record_sent(
    *,
    session: AsyncSession,
    message_id: int,
    provider_id: str | None,
    parts: int,
    now: datetime,
    note: str | None = None,
) -> None:
    """The provider accepted the message (its last part, when there are `parts` > 1).

    Raises IntegrityError when another row already holds `provider_id`; the caller then records
    the send again in a new transaction without it (`provider_id=None`, with a `note`).
    """
    values: dict[str, object] = {"status": DeliveryStatus.SENT, "error": note, "updated_at": now}
    if provider_id is not None:
        values["provider_message_id"] = provider_id
    if parts > 1 and provider_id is not None:
        message = await session.get(Message, message_id)
        if message is not None:
            values["sent_parts"] = [*message.sent_parts, provider_id]
    params = {f"new_{name}": value for name, value in values.items()}
    params["message_id"] = message_id
    row = (await session.exec(_sent_statement(tuple(values)), params=params)).first()
    channel = None if row is None else row[0]
    if row is not None:
        await do_start_wait(
            session=session, message_id=message_id, identity_id=row[1], priority=row[2], now=now
        )
    if channel is not None and channel not in REPORTED_CHANNELS:
        # No report can be waiting for a message on a channel that never sends any.
        return
    if provider_id is not None:
        # The provider may have reported on it already, before this commit: such reports wait
        # under its id (only the last part of a long message asks for reports) and apply now.
        sent = await session.get(Message, message_id, populate_existing=True)
        if sent is not None:
            await apply_pending_reports(session=session, message=sent, now=now)


async def do_record_failure(
    *,
    session: AsyncSession,
    message_id: int,
    failure: SendFailure,
    now: datetime,
    rule: RetryRule,
) -> DeliveryStatus:
    """A failed attempt: queue it again after a pause, or fail it for good (telling staff on the
    ticket's timeline when its retries ran out).

    Returns the status it ends in. A failure that says the person opted out marks their
    identity, so nothing more is sent to them on that channel.
    """
    message = await session.get(Message, message_id, with_for_update=True)
    if message is None:
        return DeliveryStatus.FAILED
    message.updated_at = now
    message.error = failure.reason[:500]
    if failure.retryable and failure.channel_starting:
        # The claim counted an attempt that never reached the provider: give it back, so a
        # message waits for its channel however long it takes to start, and never fails for it.
        message.attempts = max(message.attempts - 1, 0)
    if failure.retryable and message.attempts < rule.max_attempts:
        message.status = DeliveryStatus.QUEUED
        # Flood control names its own pause: the message was not at fault, so no backoff grows;
        # retrying sooner than it allows would only spend the attempts left.
        wait = failure.retry_after or rule.wait(message.attempts)
        message.next_attempt_at = now + wait
        if failure.outcome_unknown:
            message.maybe_duplicate = True
        # No new request: the run that tried it comes back for the person when it falls due
        # (the same job on the task engine, keeping its place), and the sweep is the net.
    else:
        message.status = DeliveryStatus.FAILED
        if failure.retryable:
            # Every retry is spent: the timeline gets an event of its own, beyond the message's
            # status (which shows an outright refusal, such as a channel that is off).
            await _tell_staff(session, message, now)
    if failure.opted_out:
        identity = await session.get(ChannelIdentity, message.identity_id)
        if identity is not None:
            identity.opted_out = True
    return message.status


async def _tell_staff(session: AsyncSession, message: Message, now: datetime) -> None:
    """A failed message about a ticket lands on its timeline, and a ticket waiting for the
    person's answer goes back to staff: they are waiting for an answer to a message never sent."""
    if message.ticket_id is None:
        return
    ticket = await session.get(Ticket, message.ticket_id)
    if ticket is None:
        return
    await add_event(
        session=session,
        ticket=ticket,
        kind=EventKind.DELIVERY_FAILED,
        actor_type=ActorType.SYSTEM,
        message_id=message.id,
        now=now,
        data={"reason": message.error or "failed"},
    )
    if ticket.status == TicketStatus.WAITING:
        await do_set_status(
            session=session,
            ticket=ticket,
            status=TicketStatus.IN_PROGRESS,
            actor_type=ActorType.SYSTEM,
            actor_id=None,
            now=now,
        )
