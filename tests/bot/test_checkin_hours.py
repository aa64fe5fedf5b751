"""A check-in message whose turn comes after its campaign's window does not go in quiet hours.

Delivery runs on a frozen clock (the deliverer's own) through the real Twilio channel to the fake
Twilio over HTTP: an SMS question held back waits for the next opening (bank holidays kept out),
its wait for an answer starting when it goes; a retry of a failed send is held the same way; a
staff reply to the same person still goes at once, at night.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlmodel import select

from bot.channels.twilio import TwilioChannel
from bot.db import SessionFactory, transaction
from handlers.actions.delivery_due import find_next_due, list_due_recipients
from handlers.actions.ticket_work import do_staff_reply
from handlers.actions.tickets import do_create_ticket
from models import ChannelIdentity, Contact, Message
from models.checkins import CheckinStatus
from models.enums import Channel, DeliveryStatus, TicketCategory
from tests.doubles.twilio_api import SERVER_ERROR, TwilioApiDouble, serve
from tests.support.app import settings_for
from tests.support.checkins import (
    campaign,
    checkins,
    import_people,
    london,
    person,
    run_now,
    sent_to,
    supervisor,
    tick,
    tickets,
)
from tests.support.outbox import deliverer

ACCOUNT_SID = "AC" + "5e1b" * 8
AUTH_TOKEN = "9c1e3b5d7f9a1c3e5b7d9f1a3c3d5f7a"
SMS_FROM = "+447700900250"
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[TwilioApiDouble]:
    with serve(ACCOUNT_SID, AUTH_TOKEN) as double:
        yield double


class Tenant:
    """One imported person asked by SMS by a 09:00-19:00 campaign, and delivery at chosen
    moments."""

    def __init__(self, db: SessionFactory, api: TwilioApiDouble) -> None:
        self.db, self.api = db, api
        self.number = f"+44770090{next(_numbers):04d}"

    async def asked(self, now: datetime) -> None:
        await import_people(self.db, [person(f"Q{self.number[-4:]}", self.number)], now)
        made = await campaign(self.db, now)
        await run_now(self.db, made.id or 0, now)
        await tick(self.db, now)

    async def deliver_at(self, now: datetime) -> None:
        """Run delivery for them with the clock at `now`."""
        [first, *_] = await sent_to(self.db, self.number)
        settings = settings_for(twilio=self.api, twilio_sms_from=SMS_FROM)
        channel = TwilioChannel(settings)
        await channel.start()
        try:
            await deliverer(self.db, {Channel.SMS: channel}, clock=lambda: now).drain(
                first.identity_id
            )
        finally:
            await channel.stop()

    def texts(self) -> list[str]:
        """What reached their phone, oldest first."""
        return [s.body for s in self.api.sent(self.number)]

    async def messages(self) -> list[Message]:
        return await sent_to(self.db, self.number)


async def test_a_check_in_too_late_to_send_goes_at_nine_the_next_morning(
    db: SessionFactory, twilio_api: TwilioApiDouble
) -> None:
    twilio_api.reset()
    tenant = Tenant(db, twilio_api)
    await tenant.asked(london("2026-12-01 18:55"))
    # The provider's cap held it in the queue past 19:00.
    await tenant.deliver_at(london("2026-12-01 19:05"))

    assert tenant.texts() == []
    [question] = await tenant.messages()
    assert question.status == DeliveryStatus.QUEUED
    assert question.next_attempt_at == london("2026-12-02 09:00")
    # Through the night: no text, and nobody reminded or escalated for a question never sent.
    for moment in ("2026-12-01 21:00", "2026-12-02 02:00", "2026-12-02 08:59"):
        await tick(db, london(moment))
        await tenant.deliver_at(london(moment))
    assert tenant.texts() == [] and await tickets(db) == []
    assert len(await tenant.messages()) == 1

    await tenant.deliver_at(london("2026-12-02 09:00"))
    [text] = tenant.texts()
    assert "How are you today?" in text
    # Its hour's wait for an answer runs from 09:00, when it was sent.
    await tick(db, london("2026-12-02 09:59"))
    assert (await checkins(db))[0].status == CheckinStatus.SENT
    await tick(db, london("2026-12-02 10:00"))
    assert (await checkins(db))[0].status == CheckinStatus.REMINDED


async def test_a_check_in_held_over_christmas_goes_after_the_bank_holidays(
    db: SessionFactory, twilio_api: TwilioApiDouble
) -> None:
    twilio_api.reset()
    tenant = Tenant(db, twilio_api)
    await tenant.asked(london("2026-12-24 18:50"))
    await tenant.deliver_at(london("2026-12-24 19:10"))
    [question] = await tenant.messages()
    # Christmas Day and Boxing Day are bank holidays in England and Wales; Sunday is not.
    assert question.next_attempt_at == london("2026-12-27 09:00")
    await tenant.deliver_at(london("2026-12-25 10:00"))
    await tenant.deliver_at(london("2026-12-26 12:00"))
    assert tenant.texts() == []
    await tenant.deliver_at(london("2026-12-27 09:01"))
    assert len(tenant.texts()) == 1


async def test_a_retry_that_falls_after_the_window_waits_for_the_morning(
    db: SessionFactory, twilio_api: TwilioApiDouble
) -> None:
    twilio_api.reset()
    tenant = Tenant(db, twilio_api)
    await tenant.asked(london("2026-12-01 18:59"))
    twilio_api.fail_next(SERVER_ERROR)
    await tenant.deliver_at(london("2026-12-01 18:59:59"))
    [question] = await tenant.messages()
    assert question.status == DeliveryStatus.QUEUED and question.attempts == 1
    # Its backoff ended at 19:00:01: the person never had it, so it is not sent at night either.
    await tenant.deliver_at(london("2026-12-01 19:00:30"))
    assert tenant.texts() == []
    [question] = await tenant.messages()
    assert question.next_attempt_at == london("2026-12-02 09:00")
    assert question.status == DeliveryStatus.QUEUED and question.attempts == 1
    await tick(db, london("2026-12-01 23:00"))
    assert await tickets(db) == []
    await tenant.deliver_at(london("2026-12-02 09:00"))
    assert len(tenant.texts()) == 1


async def test_a_staff_reply_at_night_goes_at_once_past_a_held_check_in(
    db: SessionFactory, twilio_api: TwilioApiDouble
) -> None:
    twilio_api.reset()
    tenant = Tenant(db, twilio_api)
    await tenant.asked(london("2026-12-01 18:55"))
    await tenant.deliver_at(london("2026-12-01 19:05"))
    assert tenant.texts() == []

    night = london("2026-12-01 22:00")
    staff = await supervisor(db)
    async with transaction(db) as session:
        identity = (
            await session.exec(
                select(ChannelIdentity).where(ChannelIdentity.external_id == tenant.number)
            )
        ).one()
        contact = await session.get(Contact, identity.contact_id)
        assert contact is not None
        ticket = await do_create_ticket(
            session=session,
            contact=contact,
            identity=identity,
            category=TicketCategory.OTHER,
            details={},
            now=night,
        )
        await do_staff_reply(
            session=session, staff=staff, ticket=ticket, text="We can come tomorrow.", now=night
        )
    # The outbox names them as due (the sweep, and delivery inside the web process, read it).
    async with db() as session:
        assert identity.id in await list_due_recipients(session=session, due_by=night)
        assert await find_next_due(session=session) == night
    await tenant.deliver_at(night)

    [reply] = tenant.texts()
    assert "We can come tomorrow." in reply
    question, sent = await tenant.messages()
    assert sent.status == DeliveryStatus.SENT
    assert question.status == DeliveryStatus.QUEUED
    assert question.next_attempt_at == london("2026-12-02 09:00")
    async with db() as session:
        assert await list_due_recipients(session=session, due_by=night) == []
        assert await find_next_due(session=session) == london("2026-12-02 09:00")
    await tenant.deliver_at(london("2026-12-02 09:00"))
    assert len(tenant.texts()) == 2 and "How are you today?" in tenant.texts()[1]
