"""Delivery reports that arrive before the send they are about is recorded: kept, then applied
when the send is recorded or by the sweep, and forgotten when they never match."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import select

from bot.db import SessionFactory, transaction
from handlers.actions.delivery import Claimed, do_claim_next, do_record_part, do_record_sent
from handlers.actions.delivery_reports import (
    PENDING_REPORT_TTL,
    apply_pending_reports,
    do_expire_pending_reports,
    do_match_pending_reports,
)
from handlers.actions.outbox import do_record_delivery_status
from models import ChannelIdentity, Message, PendingDeliveryReport
from models.enums import Channel, DeliveryStatus
from tests.support.chat import START, Chat

TWILIO = (Channel.WHATSAPP, Channel.SMS)
SID = "SM" + "5" * 32


async def queued_reply(db: SessionFactory) -> int:
    """A WhatsApp "hello" answered: the reply is queued, not yet sent."""
    chat = Chat(db, channel=Channel.WHATSAPP, external_id="+447700900789", now=START)
    await chat.send("hello")
    return chat.last_outcome.outbound_ids[0]


async def report(
    db: SessionFactory, status: DeliveryStatus, reason: str | None = None, opted_out: bool = False
) -> bool:
    async with transaction(db) as session:
        return await do_record_delivery_status(
            session=session,
            channels=TWILIO,
            provider_id=SID,
            status=status,
            now=START,
            reason=reason,
            opted_out=opted_out,
        )


async def pending(db: SessionFactory) -> int:
    async with db() as session:
        statement = select(func.count()).select_from(PendingDeliveryReport)
        return int((await session.exec(statement)).one())


async def record_send(db: SessionFactory, message_id: int, *, apply: bool = True) -> None:
    """What delivery does once Twilio accepted the message: sent, with Twilio's id."""
    async with transaction(db) as session:
        message = await session.get(Message, message_id)
        assert message is not None
        message.status = DeliveryStatus.SENT
        message.provider_message_id = SID
        if apply:
            await apply_pending_reports(session=session, message=message, now=START)


async def load(db: SessionFactory, message_id: int) -> Message:
    async with db() as session:
        message = await session.get(Message, message_id)
    assert message is not None
    return message


async def test_an_early_report_is_kept_and_applied_when_the_send_is_recorded(
    db: SessionFactory,
) -> None:
    message_id = await queued_reply(db)

    assert await report(db, DeliveryStatus.SENDING) is False  # "Twilio has it": nothing to keep
    assert await report(db, DeliveryStatus.DELIVERED) is False
    assert await pending(db) == 1
    await record_send(db, message_id)

    assert (await load(db, message_id)).status is DeliveryStatus.DELIVERED
    assert await pending(db) == 0
    assert await report(db, DeliveryStatus.READ) is True  # later reports apply at once
    assert (await load(db, message_id)).status is DeliveryStatus.READ


async def test_an_early_opt_out_failure_marks_the_person(db: SessionFactory) -> None:
    message_id = await queued_reply(db)
    await report(db, DeliveryStatus.FAILED, reason="failed (Twilio error 21610)", opted_out=True)
    await record_send(db, message_id)

    message = await load(db, message_id)
    assert message.status is DeliveryStatus.FAILED
    assert message.error == "failed (Twilio error 21610)"
    async with db() as session:
        identity = await session.get(ChannelIdentity, message.identity_id)
    assert identity is not None and identity.opted_out


async def test_a_report_that_crossed_the_send_is_applied_by_the_sweep(db: SessionFactory) -> None:
    message_id = await queued_reply(db)
    # The send's record committed without seeing the report, which committed just after.
    await record_send(db, message_id, apply=False)
    async with transaction(db) as session:
        session.add(PendingDeliveryReport(provider_message_id=SID, status=DeliveryStatus.DELIVERED))

    async with transaction(db) as session:
        assert await do_match_pending_reports(session=session, now=START) == 1
    async with transaction(db) as session:
        assert await do_match_pending_reports(session=session, now=START) == 0

    assert (await load(db, message_id)).status is DeliveryStatus.DELIVERED
    assert await pending(db) == 0


async def test_reports_that_never_match_expire(db: SessionFactory) -> None:
    await report(db, DeliveryStatus.DELIVERED)
    later = START + PENDING_REPORT_TTL

    async with transaction(db) as session:
        assert await do_expire_pending_reports(session=session, now=later) == 0
    async with transaction(db) as session:
        expired = await do_expire_pending_reports(session=session, now=later + timedelta(seconds=1))

    assert expired == 1
    assert await pending(db) == 0


async def test_the_engines_record_of_a_long_message_applies_what_was_kept_for_its_last_part(
    db: SessionFactory,
) -> None:
    message_id = await queued_reply(db)
    first_part = "SM" + "4" * 32
    identity_id = (await load(db, message_id)).identity_id
    async with transaction(db) as session:
        claimed = await do_claim_next(session=session, identity_id=identity_id, now=START)
        assert isinstance(claimed, Claimed)
    async with transaction(db) as session:
        await do_record_part(
            session=session, message_id=message_id, provider_id=first_part, now=START
        )
    # Twilio reports on the last part (the only one asking for callbacks) before it is recorded.
    assert await report(db, DeliveryStatus.DELIVERED) is False
    async with transaction(db) as session:
        await do_record_sent(
            session=session, message_id=message_id, provider_id=SID, parts=2, now=START
        )

    message = await load(db, message_id)
    assert message.status is DeliveryStatus.DELIVERED
    assert message.provider_message_id == SID
    assert message.sent_parts == [first_part, SID]
    assert await pending(db) == 0
