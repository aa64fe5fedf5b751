"""A check-in goes only inside its campaign's window, whatever the channel and however late its
turn came (a bulk queue under the provider's cap, retries, an outage): checked as it is claimed.

Only bulk messages are check-ins' (their questions and reminders, telecare's included): an answer
to a person's own message, a staff reply and an emergency answer are never held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.campaigns import in_window, next_in_window
from handlers.actions.checkin_calls import CallRetryRule, call_number, do_follow_unanswered_call
from models import Campaign, Checkin, CheckinRun, Message
from models.checkins import WAITING_STATUSES
from models.enums import DeliveryStatus, OutboundPriority

NOT_SENT = "not sent: the campaign's window had closed"
NOT_NEEDED = "not sent: the check-in was settled before the window opened again"


@dataclass(frozen=True)
class Held:
    """The message may not go now: it waits for the window's next opening."""

    until: datetime


@dataclass(frozen=True)
class Dropped:
    """The message may not go now and will not: it is settled as not sent."""


async def find_asking_checkin(
    *, session: AsyncSession, message_id: int, identity_id: int, priority: int
) -> tuple[Checkin, Campaign] | None:
    """The check-in a bulk message asks (as its question or its reminder), locked, with its
    campaign; None for any other message."""
    if priority != OutboundPriority.BULK:
        return None
    statement = (
        select(Checkin, Campaign)
        .join(CheckinRun, col(CheckinRun.id) == Checkin.run_id)
        .join(Campaign, col(Campaign.id) == CheckinRun.campaign_id)
        # The person's check-ins first (an index), then the one this message belongs to.
        .where(
            Checkin.identity_id == identity_id,
            or_(col(Checkin.message_id) == message_id, col(Checkin.reminder_id) == message_id),
        )
        .with_for_update(of=Checkin)
    )
    row = (await session.exec(statement)).first()
    return None if row is None else (row[0], row[1])


async def do_check_send_time(
    *, session: AsyncSession, message: Message, now: datetime, rule: CallRetryRule
) -> Held | Dropped | None:
    """Whether a message may go at `now`; None when it may (or is no check-in's).

    Outside the window a check-in's question or reminder waits for the next opening, a retry
    of a failed send included: the person has not had it, so it is still the first asking and
    is no more welcome at night. The check-in's wait then starts when it is sent. A call placed
    again after going unanswered is the exception: the person was tried, so the retry the window
    cannot hold counts as not answered, as a retry planned past the window does, and staff hear
    of the silence tonight rather than after a second night. A message whose check-in is settled
    already does not go at all.
    """
    found = await find_asking_checkin(
        session=session,
        message_id=message.id or 0,
        identity_id=message.identity_id,
        priority=message.priority,
    )
    if found is None:
        return None
    checkin, campaign = found
    if in_window(campaign, now):
        return None
    waiting = checkin.status in WAITING_STATUSES
    if waiting and call_number(message) == 1:
        opens = next_in_window(campaign, now)
        message.status = DeliveryStatus.QUEUED
        message.next_attempt_at = opens
        message.updated_at = now
        # Nobody may remind or escalate before it has gone; sending restarts the wait exactly.
        checkin.due_at = max(checkin.due_at, opens + timedelta(minutes=campaign.reply_wait_minutes))
        checkin.updated_at = now
        return Held(opens)
    message.status = DeliveryStatus.FAILED
    message.error = NOT_SENT if waiting else NOT_NEEDED
    message.updated_at = now
    if waiting:
        await do_follow_unanswered_call(
            session=session,
            checkin=checkin,
            message=message,
            outcome="outside_hours",
            rule=rule,
            now=now,
        )
    return Dropped()


async def do_start_wait(
    *, session: AsyncSession, message_id: int, identity_id: int, priority: int, now: datetime
) -> None:
    """A check-in's question or reminder has just gone: the person's time to answer runs from
    now, not from when it was queued, so a long queue never makes its silence look longer; the
    question's first send is when the check-in was sent."""
    found = await find_asking_checkin(
        session=session, message_id=message_id, identity_id=identity_id, priority=priority
    )
    if found is None:
        return
    checkin, campaign = found
    if checkin.message_id == message_id and checkin.sent_at is None:
        checkin.sent_at = now
        checkin.updated_at = now
    if checkin.status in WAITING_STATUSES:
        checkin.due_at = max(checkin.due_at, now + timedelta(minutes=campaign.reply_wait_minutes))
        checkin.updated_at = now
