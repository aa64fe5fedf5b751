"""A check-in call whose turn comes after its campaign's window: it does not ring in quiet hours.

Delivery runs on a frozen clock (the deliverer's own), placing calls through the fake Twilio over
HTTP: a first call held back waits for the next opening (bank holidays kept out), a retry held
back counts as not answered and escalates, as a retry planned past the window does.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from bot.channels.voice import VoiceChannel
from bot.config import Settings
from bot.db import SessionFactory, transaction
from handlers.actions.checkin_calls import CallRetryRule
from handlers.actions.voice_calls import do_record_call_end
from models import Message
from models.checkins import CheckinStatus
from models.enums import Channel, DeliveryStatus, TicketCategory
from tests.doubles.twilio_api import TwilioApiDouble
from tests.support.checkins import (
    campaign,
    checkins,
    import_people,
    london,
    person,
    run_now,
    sent_to,
    tick,
    tickets,
)
from tests.support.outbox import deliverer

_numbers = itertools.count(1)


class Landline:
    """One imported landline asked by a 09:00-19:00 campaign, and delivery at chosen moments."""

    def __init__(self, db: SessionFactory, api: TwilioApiDouble, settings: Settings) -> None:
        self.db, self.api, self.settings = db, api, settings
        self.number = f"+44113498{next(_numbers):04d}"

    async def asked(self, now: datetime) -> None:
        await import_people(
            self.db, [person(f"H{self.number[-4:]}", self.number, channel="voice")], now
        )
        made = await campaign(self.db, now)
        await run_now(self.db, made.id or 0, now)
        await tick(self.db, now)

    async def deliver_at(self, now: datetime) -> None:
        """Run delivery for them with the clock at `now`."""
        [first, *_] = await sent_to(self.db, self.number)
        channel = VoiceChannel(self.settings)
        await channel.start()
        try:
            run = deliverer(self.db, {Channel.VOICE: channel}, clock=lambda: now)
            run.call_rule = CallRetryRule(retries=2, wait=timedelta(minutes=60))
            await run.drain(first.identity_id)
        finally:
            await channel.stop()

    def rung(self) -> int:
        return len(self.api.calls.placed(self.number))

    async def calls(self) -> list[Message]:
        return await sent_to(self.db, self.number)


async def test_a_first_call_too_late_to_ring_waits_for_the_morning(
    db: SessionFactory, twilio_api: TwilioApiDouble, settings: Settings
) -> None:
    twilio_api.reset()
    tenant = Landline(db, twilio_api, settings)
    await tenant.asked(london("2026-12-01 18:55"))
    # The voice cap's queue held it past 19:00.
    await tenant.deliver_at(london("2026-12-01 19:05"))

    assert tenant.rung() == 0
    [call] = await tenant.calls()
    assert call.status == DeliveryStatus.QUEUED
    assert call.next_attempt_at == london("2026-12-02 09:00")
    [checkin] = await checkins(db)
    assert checkin.status == CheckinStatus.SENT
    # Nobody has been rung yet: the evening's follow-up neither reminds nor escalates.
    await tick(db, london("2026-12-01 22:00"))
    await tenant.deliver_at(london("2026-12-01 22:00"))
    assert tenant.rung() == 0 and await tickets(db) == []
    assert len(await tenant.calls()) == 1

    await tenant.deliver_at(london("2026-12-02 09:00"))
    assert tenant.rung() == 1
    await tick(db, london("2026-12-02 09:30"))
    assert (await checkins(db))[0].status == CheckinStatus.SENT  # its wait runs from 09:00


async def test_a_call_held_over_christmas_rings_after_the_bank_holidays(
    db: SessionFactory, twilio_api: TwilioApiDouble, settings: Settings
) -> None:
    twilio_api.reset()
    tenant = Landline(db, twilio_api, settings)
    await tenant.asked(london("2026-12-24 18:50"))
    await tenant.deliver_at(london("2026-12-24 19:10"))
    [call] = await tenant.calls()
    # Christmas Day and Boxing Day are bank holidays in England and Wales; Sunday is not.
    assert call.next_attempt_at == london("2026-12-27 09:00")
    await tenant.deliver_at(london("2026-12-26 12:00"))
    assert tenant.rung() == 0
    await tenant.deliver_at(london("2026-12-27 09:01"))
    assert tenant.rung() == 1


async def test_a_retry_too_late_to_ring_counts_as_unanswered_and_escalates(
    db: SessionFactory, twilio_api: TwilioApiDouble, settings: Settings
) -> None:
    twilio_api.reset()
    tenant = Landline(db, twilio_api, settings)
    await tenant.asked(london("2026-12-01 17:30"))
    await tenant.deliver_at(london("2026-12-01 17:30"))
    [placed] = twilio_api.calls.placed(tenant.number)
    [first] = await tenant.calls()
    async with transaction(db) as session:
        await do_record_call_end(
            session=session,
            message_id=first.id or 0,
            call_sid=placed.sid,
            outcome="busy",
            answered_by="",
            now=london("2026-12-01 17:31"),
            rule=CallRetryRule(retries=2, wait=timedelta(minutes=60)),
        )
    retry = (await tenant.calls())[-1]
    assert retry.next_attempt_at == london("2026-12-01 18:31")
    # The line was held and the retry's turn came at 19:15, after the window closed.
    await tenant.deliver_at(london("2026-12-01 19:15"))

    assert tenant.rung() == 1
    statuses = [m.status for m in await tenant.calls()]
    assert statuses == [DeliveryStatus.FAILED, DeliveryStatus.FAILED]
    [checkin] = await checkins(db)
    assert checkin.status == CheckinStatus.NO_RESPONSE
    assert checkin.reason == "1 call, none answered (last: not placed, outside calling hours)"
    [ticket] = await tickets(db)
    assert ticket.category == TicketCategory.WELFARE
    assert ticket.details["reason"] == "no_response" and ticket.details["calls"] == 1
    # No second ticket for the same silence from the failed-delivery sweep.
    await tick(db, london("2026-12-01 19:20"))
    assert len(await tickets(db)) == 1
