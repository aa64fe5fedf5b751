"""Following up check-ins: one reminder after the wait, then a person to phone.

Silence is never a closed case: a check-in with no answer after its reminder becomes a `welfare`
ticket (high) "no response — please phone". A check-in that could not be delivered (blocked,
opted out, undeliverable, no channel) becomes one at once. A delivery receipt settles nothing:
only an answer does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.campaigns import in_window, next_in_window
from handlers.actions.checkin_messages import message_row, queue_messages
from handlers.actions.checkins import BUSY_PAUSE, find_busy
from handlers.actions.tickets import do_create_ticket
from handlers.checkins.scripts import CheckinConfig, options_for, payload_for, question_for
from models import (
    Campaign,
    ChannelIdentity,
    Checkin,
    CheckinRun,
    Contact,
    Message,
    Ticket,
)
from models.checkins import WAITING_STATUSES, CheckinStatus, RunStatus
from models.enums import Channel, DeliveryStatus, TicketCategory, TicketPriority

FOLLOW_UP_CHUNK = 500
_OPEN = (CheckinStatus.PENDING, CheckinStatus.SENT, CheckinStatus.REMINDED)
_UNFINISHED = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)

# What each outcome asks of staff: the ticket's category and priority.
ESCALATIONS: dict[str, tuple[TicketCategory, TicketPriority]] = {
    "needs_help": (TicketCategory.WELFARE, TicketPriority.HIGH),
    "no_response": (TicketCategory.WELFARE, TicketPriority.HIGH),
    "delivery_failed": (TicketCategory.WELFARE, TicketPriority.HIGH),
    "call_me": (TicketCategory.CALLBACK, TicketPriority.NORMAL),
    "alarm_failed": (TicketCategory.TELECARE, TicketPriority.NORMAL),
}
_NEXT_STEP = {
    "needs_help": "they asked for help",
    "no_response": "no response - please phone",
    "delivery_failed": "the message did not reach them - please phone",
    "call_me": "they asked for a call",
    "alarm_failed": "their alarm test did not work",
}


async def do_escalate_checkin(
    *,
    session: AsyncSession,
    checkin: Checkin,
    reason: str,
    now: datetime,
    identity: ChannelIdentity | None = None,
) -> Ticket:
    """Open the ticket the check-in's outcome asks for; its details name the run and reason."""
    run = await session.get(CheckinRun, checkin.run_id)
    assert run is not None
    campaign = await session.get(Campaign, run.campaign_id)
    contact = await session.get(Contact, checkin.contact_id)
    assert campaign is not None and contact is not None
    if identity is None and checkin.identity_id is not None:
        identity = await session.get(ChannelIdentity, checkin.identity_id)
    if identity is None:
        # Nobody to message (e.g. a Telegram person not joined yet): the ticket is for a call,
        # so it names no chat; SMS stands for "their phone".
        identity = ChannelIdentity(contact_id=contact.id, channel=Channel.SMS, external_id="")  # type: ignore[arg-type]
    category, priority = ESCALATIONS[reason]
    details = {
        "reason": reason,
        "next_step": _NEXT_STEP[reason],
        "campaign": campaign.name,
        "campaign_id": campaign.id,
        "run_id": run.id,
        "checkin_id": checkin.id,
    }
    if checkin.reason and reason == "delivery_failed":
        details["delivery"] = checkin.reason
    ticket = await do_create_ticket(
        session=session,
        contact=contact,
        identity=identity,
        category=category,
        details=details,
        now=now,
        priority=priority,
    )
    checkin.ticket_id = ticket.id
    checkin.updated_at = now
    return ticket


async def _escalate_failed(session: AsyncSession, now: datetime) -> int:
    """Check-ins whose message failed, or that could not be sent at all: a ticket at once."""
    failed_send = (
        select(Checkin, Message)
        .join(
            Message,
            or_(col(Message.id) == Checkin.message_id, col(Message.id) == Checkin.reminder_id),
        )
        .where(col(Checkin.status).in_(WAITING_STATUSES), Message.status == DeliveryStatus.FAILED)
        .limit(FOLLOW_UP_CHUNK)
        .with_for_update(of=Checkin, skip_locked=True)
    )
    count = 0
    for checkin, message in (await session.exec(failed_send)).all():
        if checkin.status not in WAITING_STATUSES:
            continue  # both its messages failed; settled by the first
        identity = await session.get(ChannelIdentity, message.identity_id)
        opted_out = identity is not None and identity.opted_out
        checkin.status = CheckinStatus.OPTED_OUT if opted_out else CheckinStatus.FAILED
        checkin.reason = "opted_out" if opted_out else (message.error or "undeliverable")[:200]
        await do_escalate_checkin(
            session=session, checkin=checkin, reason="delivery_failed", now=now, identity=identity
        )
        count += 1
    unsent = (
        select(Checkin)
        .where(
            col(Checkin.status).in_((CheckinStatus.FAILED, CheckinStatus.OPTED_OUT)),
            col(Checkin.ticket_id).is_(None),
        )
        .limit(FOLLOW_UP_CHUNK)
        .with_for_update(skip_locked=True)
    )
    for checkin in (await session.exec(unsent)).all():
        await do_escalate_checkin(
            session=session, checkin=checkin, reason="delivery_failed", now=now
        )
        count += 1
    return count


def _unsent(message_id: Any) -> Any:
    """The check-in's message (`message_id`, a column) is still waiting to go: its silence has
    not begun, whatever `due_at` says, so nobody is reminded or escalated for it."""
    return (
        select(Message.id)
        .where(col(Message.id) == message_id, col(Message.status).in_(_UNFINISHED))
        .exists()
    )


async def _remind(session: AsyncSession, now: datetime, config: CheckinConfig) -> int:
    """One reminder to each person silent since their check-in's wait ran out."""
    statement = (
        select(Checkin, Campaign, Contact, ChannelIdentity)
        .join(CheckinRun, col(CheckinRun.id) == Checkin.run_id)
        .join(Campaign, col(Campaign.id) == CheckinRun.campaign_id)
        .join(Contact, col(Contact.id) == Checkin.contact_id)
        .join(ChannelIdentity, col(ChannelIdentity.id) == Checkin.identity_id)
        .where(
            Checkin.status == CheckinStatus.SENT,
            col(Checkin.due_at) <= now,
            ~_unsent(Checkin.message_id),
        )
        .limit(FOLLOW_UP_CHUNK)
        .with_for_update(of=Checkin, skip_locked=True)
    )
    due = list((await session.exec(statement)).all())
    busy = await find_busy(session, [i.id for _, _, _, i in due if i.id], now - config.idle_after)
    sends: list[tuple[Checkin, dict[str, object]]] = []
    for checkin, campaign, contact, identity in due:
        wait = timedelta(minutes=campaign.reply_wait_minutes)
        if not in_window(campaign, now):
            # Quiet hours: the reminder goes when the window opens, the wait starting again.
            checkin.due_at = next_in_window(campaign, now)
            continue
        if identity.id in busy:
            checkin.due_at = now + BUSY_PAUSE
            continue
        channel = identity.channel.value
        options = options_for(campaign.kind, contact.language, channel)
        payload = payload_for(
            options=options,
            channel=identity.channel,
            last_inbound_at=identity.last_inbound_at,
            now=now,
            config=config,
        )
        checkin.status = CheckinStatus.REMINDED
        checkin.reminded_at = now
        checkin.due_at = now + wait
        checkin.updated_at = now
        if payload is None:
            continue  # no reminder can go (WhatsApp, no template): silence runs on to a call
        text = question_for(campaign, contact.language, channel, reminder=True)
        sends.append((checkin, message_row(identity, text, payload, now)))
    ids = await queue_messages(session, [row for _, row in sends])
    for (checkin, _), message_id in zip(sends, ids, strict=True):
        checkin.reminder_id = message_id
    await session.flush()
    return len(due)


async def _no_response(session: AsyncSession, now: datetime) -> int:
    """Silence after the reminder's wait: a person to phone."""
    statement = (
        select(Checkin)
        .where(
            Checkin.status == CheckinStatus.REMINDED,
            col(Checkin.due_at) <= now,
            ~_unsent(Checkin.reminder_id),
        )
        .limit(FOLLOW_UP_CHUNK)
        .with_for_update(skip_locked=True)
    )
    silent = list((await session.exec(statement)).all())
    for checkin in silent:
        checkin.status = CheckinStatus.NO_RESPONSE
        await do_escalate_checkin(session=session, checkin=checkin, reason="no_response", now=now)
    return len(silent)


async def _finish_runs(session: AsyncSession, now: datetime) -> None:
    open_checkins = select(Checkin.id).where(
        Checkin.run_id == CheckinRun.id, col(Checkin.status).in_(_OPEN)
    )
    runs = await session.exec(
        select(CheckinRun).where(CheckinRun.status == RunStatus.RUNNING, ~open_checkins.exists())
    )
    for run in runs.all():
        run.status = RunStatus.FINISHED
        run.finished_at = now


async def do_follow_up(*, session: AsyncSession, now: datetime, config: CheckinConfig) -> int:
    """Escalate failed sends, remind, escalate silence, and close finished runs; returns how
    many check-ins moved (a full chunk means more may wait)."""
    moved = await _escalate_failed(session, now)
    moved += await _remind(session, now, config)
    moved += await _no_response(session, now)
    await _finish_runs(session, now)
    await session.flush()
    return moved
