"""Automated calls, the decisions: what a call says, what an answer on it does, how it ended.

A call is an outbound message on the voice channel: placing the call sends it, and its
provider id is the call's SID. An answer on the call is handled as any message would be
(safeguarding first, then the conversation), with the replies said on the call rather than
queued. How the call ended (answered, busy, no answer, failed, a machine) is kept on the
message for staff and the person's record; a check-in's call that nobody answered is tried
again, then escalated (`handlers.actions.checkin_calls`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.checkin_calls import (
    CallRetryRule,
    do_follow_unanswered_call,
    find_call_checkin,
    note_answered,
)
from handlers.actions.outbox import request_delivery
from handlers.conversation.engine import handle_event
from handlers.conversation.events import IncomingEvent, Option
from handlers.safeguarding.detection import Outcome, assess
from models import ChannelIdentity, Contact, Message
from models.checkins import WAITING_STATUSES
from models.enums import Channel, DeliveryStatus, Direction

# What each way a call ended means for the message that placed it.
ANSWERED = "answered"
# Answered while our database was down: the person heard only that we would try again.
UNHEARD = "unheard"
NOT_ANSWERED = frozenset({"busy", "no_answer", "failed", "machine", UNHEARD})
_REASONS = {
    UNHEARD: "answered while our system was down: nothing was asked",
    "busy": "the line was busy",
    "no_answer": "nobody answered",
    "failed": "the call could not be connected",
    "machine": "an answering machine picked up",
}


@dataclass(frozen=True)
class CallMessage:
    """One call's message: what to say, the options it offers, and to whom."""

    message_id: int
    text: str
    options: tuple[Option, ...]
    language: str
    external_id: str
    call_sid: str | None


@dataclass
class CallAnswer:
    """What an answer on a call did: whether it answered what was asked, and what to say."""

    understood: bool
    texts: list[str] = field(default_factory=list)


async def find_call_message(*, session: AsyncSession, message_id: int) -> CallMessage | None:
    """The call placed for outbound message `message_id`, or None when there is no such call."""
    row = (
        await session.exec(
            select(Message, ChannelIdentity, Contact)
            .join(ChannelIdentity, col(ChannelIdentity.id) == Message.identity_id)
            .join(Contact, col(Contact.id) == Message.contact_id)
            .where(
                Message.id == message_id,
                Message.channel == Channel.VOICE,
                Message.direction == Direction.OUT,
            )
        )
    ).first()
    if row is None:
        return None
    message, identity, contact = row
    options = tuple(Option(str(i), str(label)) for i, label in message.payload.get("options", []))
    return CallMessage(
        message_id=message_id,
        text=message.body,
        options=options,
        language=contact.language,
        external_id=identity.external_id,
        call_sid=message.provider_message_id,
    )


def same_call(call: CallMessage, call_sid: str) -> bool:
    """Whether a webhook's CallSid is this message's call (unknown until the send is recorded,
    which Twilio can outrun)."""
    return call.call_sid is None or call.call_sid == call_sid


async def _answered_what_was_asked(session: AsyncSession, message_id: int) -> bool:
    """Whether handling the answer settled what the call asked: its check-in is answered (or an
    alarm raised settled it). A call that asks nothing in particular takes any answer."""
    checkin = await find_call_checkin(session=session, message_id=message_id)
    if checkin is None:
        return True
    if checkin.status in WAITING_STATUSES:
        return False
    note_answered(checkin, await session.get(Message, message_id))
    return True


async def do_take_call_answer(
    *,
    session: AsyncSession,
    event: IncomingEvent,
    message_id: int,
    now: datetime,
    idle_after: timedelta,
) -> CallAnswer:
    """Handle what the person pressed or said, as a message; the replies are to be said.

    Words that answer nothing asked (and raise no alarm) leave no trace, so the call can ask
    again: a call is not the place to start a conversation the person cannot see.
    """
    asked = await find_call_checkin(session=session, message_id=message_id)
    # Answered already (a key pressed twice, the call going on after its answer): only an
    # alarm is still news.
    settled = asked is not None and asked.status not in WAITING_STATUSES
    # Read once, here and for the engine: a caller waits on the line for every reading.
    assessment = assess(event.text)
    if assessment.outcome is Outcome.CLEAR:
        # An alarm is always kept: the engine commits it first, in its own transaction, so it
        # runs outside any savepoint that could take it back.
        outcome = await handle_event(
            session=session, event=event, now=now, idle_after=idle_after, assessment=assessment
        )
        if outcome.duplicate:
            return CallAnswer(understood=True)
    else:
        async with session.begin_nested() as attempt:
            outcome = await handle_event(
                session=session, event=event, now=now, idle_after=idle_after, assessment=assessment
            )
            if outcome.duplicate:
                return CallAnswer(understood=True)
            if settled:
                await attempt.rollback()
                return CallAnswer(understood=True)
            if not await _answered_what_was_asked(session, message_id):
                await attempt.rollback()
                return CallAnswer(understood=False)
    texts: list[str] = []
    if outcome.outbound_ids:
        rows = await session.exec(
            select(Message.body)
            .where(col(Message.id).in_(outcome.outbound_ids))
            .order_by(col(Message.id))
        )
        texts = list(rows.all())
    return CallAnswer(understood=True, texts=texts)


async def do_record_call_end(
    *,
    session: AsyncSession,
    message_id: int,
    call_sid: str,
    outcome: str,
    answered_by: str,
    now: datetime,
    rule: CallRetryRule,
) -> Message | None:
    """Keep how the call ended on its message: delivered when a person answered, failed with
    the reason otherwise; an unanswered check-in call is tried again or escalated (`rule`).
    None when the message is not this call's (nothing changes)."""
    message = await session.get(Message, message_id, with_for_update=True)
    if (
        message is None
        or message.channel is not Channel.VOICE
        or message.direction is not Direction.OUT
        or message.provider_message_id not in (None, call_sid)
    ):
        return None
    if message.payload.get("call", {}).get("outcome"):
        return message  # already recorded: a repeated callback
    if outcome == ANSWERED and message.payload.get(UNHEARD) == call_sid:
        outcome = UNHEARD  # picked up, but nothing could be asked: nobody was heard from
    message.payload = {
        **message.payload,
        "call": {"sid": call_sid, "outcome": outcome, "answered_by": answered_by or None},
    }
    if message.provider_message_id is None:
        message.provider_message_id = call_sid
    if outcome == ANSWERED:
        message.status = DeliveryStatus.DELIVERED
    else:
        message.status = DeliveryStatus.FAILED
        message.error = _REASONS.get(outcome, outcome)[:500]
    message.updated_at = now
    if outcome != ANSWERED:
        checkin = await find_call_checkin(session=session, message_id=message_id)
        if checkin is not None:
            await do_follow_unanswered_call(
                session=session,
                checkin=checkin,
                message=message,
                outcome=outcome,
                rule=rule,
                now=now,
            )
    await _free_the_line(session, message)
    return message


async def do_note_call_unheard(*, session: AsyncSession, message_id: int, call_sid: str) -> bool:
    """The call was answered while its question could not be read (the database was down): its
    end, when recorded, counts as not answered. Whether the note was new."""
    message = await session.get(Message, message_id, with_for_update=True)
    if (
        message is None
        or message.channel is not Channel.VOICE
        or message.provider_message_id not in (None, call_sid)
        or message.payload.get(UNHEARD) == call_sid
    ):
        return False
    message.payload = {**message.payload, UNHEARD: call_sid}
    return True


async def _free_the_line(session: AsyncSession, ended: Message) -> None:
    """A call waiting for this one to end may go now (see delivery's LINE_BUSY_CHANNELS)."""
    waiting = (
        await session.exec(
            select(Message)
            .where(
                Message.identity_id == ended.identity_id,
                Message.direction == Direction.OUT,
                Message.status == DeliveryStatus.QUEUED,
            )
            .order_by(col(Message.id))
            .limit(1)
        )
    ).first()
    if waiting is not None:
        await request_delivery(session=session, message=waiting)
