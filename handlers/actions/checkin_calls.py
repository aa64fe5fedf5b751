"""Check-ins by phone call: an unanswered call is tried again, then becomes a person to phone.

Busy, no answer, a failed connection and an answering machine all mean nobody was heard from.
Such a call is placed again after the set wait, a set number of times, while the campaign's
window is open; after the last, the check-in escalates exactly as a silent message does, to a
`welfare` ticket "no response — please phone". A call that was answered but heard nothing
waits like a message for its one reminder (another call).

A call is placed only inside its campaign's window (quiet hours and bank holidays kept out),
checked when it is about to ring, however long it waited for its turn, as every check-in
message is: see `checkin_hours.do_check_send_time`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.campaigns import in_window
from handlers.actions.checkin_followup import do_escalate_checkin
from handlers.actions.outbox import request_delivery
from models import Campaign, Checkin, CheckinRun, Message
from models.checkins import WAITING_STATUSES, CheckinStatus
from models.enums import DeliveryStatus

# How each way of not answering is put on the person's record.
SAID = {
    "busy": "busy",
    "no_answer": "no answer",
    "failed": "could not connect",
    "machine": "answering machine",
    "unheard": "answered, but our system was down",
    "outside_hours": "not placed, outside calling hours",
}


@dataclass(frozen=True)
class CallRetryRule:
    """How many more times an unanswered check-in call is placed, and how far apart."""

    retries: int = 2
    wait: timedelta = timedelta(minutes=60)


def call_number(message: Message) -> int:
    """Which call this is for its check-in: 1 for the first, 2 for the first retry, ..."""
    return int(message.payload.get("call_attempt", 1))


async def find_call_checkin(*, session: AsyncSession, message_id: int) -> Checkin | None:
    """The check-in a call asks (as its question or its reminder), locked, if it is one's."""
    statement = (
        select(Checkin)
        .where(or_(col(Checkin.message_id) == message_id, col(Checkin.reminder_id) == message_id))
        .with_for_update()
    )
    return (await session.exec(statement)).first()


def note_answered(checkin: Checkin, message: Message | None) -> None:
    """An answer came on a call: the record says which call."""
    if checkin.status in WAITING_STATUSES:
        return
    number = call_number(message) if message is not None else 1
    which = "reminder call" if message is not None and checkin.reminder_id == message.id else "call"
    checkin.reason = f"answered {which} {number}"


async def do_follow_unanswered_call(
    *,
    session: AsyncSession,
    checkin: Checkin,
    message: Message,
    outcome: str,
    rule: CallRetryRule,
    now: datetime,
) -> Message | None:
    """Call again later, or escalate after the last try; the new call's message, if any."""
    if checkin.status not in WAITING_STATUSES:
        return None  # already answered (or settled) some other way
    run = await session.get(CheckinRun, checkin.run_id)
    campaign = await session.get(Campaign, run.campaign_id) if run is not None else None
    assert campaign is not None  # foreign keys
    number = call_number(message)
    said = SAID.get(outcome, outcome)
    retry_at = now + rule.wait
    if number <= rule.retries and in_window(campaign, retry_at):
        again = Message(
            contact_id=message.contact_id,
            identity_id=message.identity_id,
            channel=message.channel,
            direction=message.direction,
            body=message.body,
            payload={"options": message.payload.get("options", []), "call_attempt": number + 1},
            status=DeliveryStatus.QUEUED,
            next_attempt_at=retry_at,
            priority=message.priority,
            created_at=now,
            updated_at=now,
        )
        session.add(again)
        await session.flush()
        await request_delivery(session=session, message=again, not_before=retry_at)
        if checkin.reminder_id == message.id:
            checkin.reminder_id = again.id
        else:
            checkin.message_id = again.id
        # No reminder while calls are still being tried; the wait starts from the last one.
        checkin.due_at = max(
            checkin.due_at, retry_at + timedelta(minutes=campaign.reply_wait_minutes)
        )
        checkin.reason = f"call {number}: {said}; calling again"
        checkin.updated_at = now
        return again
    checkin.status = CheckinStatus.NO_RESPONSE
    # A call kept from ringing by the hours is not one the person could have answered.
    rang = number - 1 if outcome == "outside_hours" else number
    calls = "1 call" if rang == 1 else f"{rang} calls"
    checkin.reason = f"{calls}, none answered (last: {said})"
    ticket = await do_escalate_checkin(
        session=session, checkin=checkin, reason="no_response", now=now
    )
    ticket.details = {**ticket.details, "calls": rang, "last_call": said}
    return None
