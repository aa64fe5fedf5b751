"""Providers' delivery reports that arrive before we know the message they are about.

A provider can answer a send and report on the message (sent, delivered, failed) before our
record of the send, with the provider's id, has committed. `do_record_delivery_status` keeps
such a report; it is applied when the send is recorded (`apply_pending_reports`, in the same
transaction), or by the regular sweep (`do_match_pending_reports`) when the two crossed in
flight; what never matches expires.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.outbox import do_record_delivery_status
from models import Message, PendingDeliveryReport
from models.enums import Channel, Direction

# The channels whose provider reports on each message after accepting it (Twilio's status
# callbacks); only their reports are ever kept.
REPORTED_CHANNELS = (Channel.WHATSAPP, Channel.SMS)
# Long enough for a send whose record waited out a database outage; then it is not ours.
PENDING_REPORT_TTL = timedelta(hours=24)


async def apply_pending_reports(*, session: AsyncSession, message: Message, now: datetime) -> int:
    """Apply to `message`, whose provider id has just been set, the reports kept for that id;
    returns how many there were."""
    if message.provider_message_id is None:
        return 0
    statement = (
        select(PendingDeliveryReport)
        .where(PendingDeliveryReport.provider_message_id == message.provider_message_id)
        .order_by(col(PendingDeliveryReport.id))
        # Two processes matching the same report: one applies it, the other skips it.
        .with_for_update(skip_locked=True)
    )
    reports = list((await session.exec(statement)).all())
    for report in reports:
        await do_record_delivery_status(
            session=session,
            channels=(message.channel,),
            provider_id=report.provider_message_id,
            status=report.status,
            now=now,
            reason=report.reason,
            opted_out=report.opted_out,
        )
        await session.delete(report)
    return len(reports)


async def do_match_pending_reports(*, session: AsyncSession, now: datetime) -> int:
    """Apply kept reports whose message has been recorded since; returns how many."""
    statement = (
        select(Message)
        .where(
            Message.direction == Direction.OUT,
            col(Message.provider_message_id).in_(select(PendingDeliveryReport.provider_message_id)),
        )
        .limit(500)
    )
    applied = 0
    for message in (await session.exec(statement)).all():
        applied += await apply_pending_reports(session=session, message=message, now=now)
    return applied


async def do_expire_pending_reports(*, session: AsyncSession, now: datetime) -> int:
    """Forget kept reports that never matched a message of ours; returns how many."""
    result = await session.exec(
        delete(PendingDeliveryReport).where(
            col(PendingDeliveryReport.received_at) < now - PENDING_REPORT_TTL
        )
    )
    return int(result.rowcount or 0)
