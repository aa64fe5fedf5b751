"""A call's webhooks while the database is down: Twilio posts each once, so what it posts is kept
in the local spool, acknowledged, and applied when the database is back, as a message is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.db import SessionFactory
from handlers.conversation.catalog import t
from models import Message
from models.checkins import CheckinStatus
from models.enums import DeliveryStatus, TicketCategory, TicketPriority
from tests.bot.twilio_webhook.test_outage import spooled_lines, wait_for_empty_spool
from tests.bot.voice.caller import CheckinCall, ask_by_phone, calling_settings
from tests.doubles.twilio_api import TwilioApiDouble
from tests.support.app import serving
from tests.support.outage import OutageDatabase
from tests.support.servers import wait_until

GOODBYE = "Goodbye, and take care."
KEPT = "Thank you. We have your answer, and the team will see it soon."


@asynccontextmanager
async def calling(
    outage: OutageDatabase,
    direct: SessionFactory,
    api: TwilioApiDouble,
    spool_dir: Path,
    language: str = "en",
) -> AsyncIterator[CheckinCall]:
    """The service on the outage database, spooling into `spool_dir`; a landline asked by it."""
    api.reset()
    settings = calling_settings(outage.url, api, inbound_spool_dir=spool_dir)
    with serving(settings) as url:
        api.calls.deliver_to = url
        yield await ask_by_phone(direct, api, settings, language)


async def call_message(called: CheckinCall) -> Message:
    checkin = await called.checkin()
    async with called.db() as session:
        message = await session.get(Message, checkin.message_id)
    assert message is not None
    return message


async def test_an_answer_and_the_call_end_during_an_outage_are_recorded_when_it_is_back(
    outage: OutageDatabase, direct: SessionFactory, twilio_api: TwilioApiDouble, tmp_path: Path
) -> None:
    spool_dir = tmp_path / "spool"
    async with calling(outage, direct, twilio_api, spool_dir) as called:
        call = await called.call()
        await twilio_api.calls.answer(call)
        outage.cut()
        await twilio_api.calls.press(call, "2")
        ended = await twilio_api.calls.end(call, "completed", duration=40)
        kept = spooled_lines(spool_dir)
        outage.restore()
        await wait_for_empty_spool(spool_dir)

        async def answered() -> bool:
            return (await called.checkin()).status == CheckinStatus.NEEDS_HELP

        await wait_until(answered, "the kept answer to be applied")

    # The person heard their answer was taken, never an error.
    assert call.answers == [200, 200, 200] and ended == 200
    assert call.heard[-2:] == [KEPT, GOODBYE] and call.hung_up
    assert len(kept) == 2
    checkin = await called.checkin()
    assert checkin.reason == "answered call 1"
    [ticket] = await called.person.tickets()
    assert ticket.category == TicketCategory.WELFARE
    assert ticket.details["reason"] == "needs_help"
    message = await call_message(called)
    assert message.status == DeliveryStatus.DELIVERED
    assert message.payload["call"]["outcome"] == "answered"


async def test_a_busy_line_reported_during_an_outage_is_called_again(
    outage: OutageDatabase, direct: SessionFactory, twilio_api: TwilioApiDouble, tmp_path: Path
) -> None:
    spool_dir = tmp_path / "spool"
    async with calling(outage, direct, twilio_api, spool_dir) as called:
        call = await called.call()
        outage.cut()
        ended = await twilio_api.calls.end(call, "busy", duration=0)
        outage.restore()
        await wait_for_empty_spool(spool_dir)

    assert ended == 200
    # The kept report was applied: the busy call is on record, and a retry waits its hour.
    first, retry = await called.person.messages()
    assert first.status == DeliveryStatus.FAILED and first.payload["call"]["outcome"] == "busy"
    assert retry.status == DeliveryStatus.QUEUED and retry.next_attempt_at is not None
    checkin = await called.checkin()
    assert checkin.status == CheckinStatus.SENT and checkin.message_id == retry.id
    assert checkin.reason == "call 1: busy; calling again"


async def test_an_emergency_said_during_an_outage_hears_999_and_alerts_staff_when_back(
    outage: OutageDatabase, direct: SessionFactory, twilio_api: TwilioApiDouble, tmp_path: Path
) -> None:
    spool_dir = tmp_path / "spool"
    async with calling(outage, direct, twilio_api, spool_dir) as called:
        call = await called.call()
        await twilio_api.calls.answer(call)
        outage.cut()
        await twilio_api.calls.speak(call, "I can't breathe")
        outage.restore()
        await wait_for_empty_spool(spool_dir)

        async def alerted() -> bool:
            return bool(await called.person.tickets())

        await wait_until(alerted, "the kept alarm to reach staff")

    assert "hang up now and dial 999" in call.heard[-2] and call.hung_up
    # Nobody had been told yet when they heard it, and the words do not say otherwise.
    assert "We have told our team" not in call.heard[-2]
    assert "cannot tell our team right now" in call.heard[-2]
    [ticket] = await called.person.tickets()
    assert (ticket.category, ticket.priority) == (TicketCategory.WELFARE, TicketPriority.URGENT)
    assert (await called.checkin()).status == CheckinStatus.NEEDS_HELP


async def test_a_call_answered_during_an_outage_says_sorry_in_welsh_and_is_tried_again(
    outage: OutageDatabase, direct: SessionFactory, twilio_api: TwilioApiDouble, tmp_path: Path
) -> None:
    spool_dir = tmp_path / "spool"
    async with calling(outage, direct, twilio_api, spool_dir, "cy") as called:
        call = await called.call()
        outage.cut()
        await twilio_api.calls.answer(call)
        ended = await twilio_api.calls.end(call, "completed", duration=8)
        kept = spooled_lines(spool_dir)
        outage.restore()
        await wait_for_empty_spool(spool_dir)

    # Our own words in their language and a goodbye, not Twilio's "application error".
    assert call.answers[0] == 200 and ended == 200
    assert call.heard == [t("voice.trouble", "cy"), t("voice.goodbye_unheard", "cy")]
    assert call.hung_up and call.gather is None
    assert len(kept) == 2
    # Picked up, but nothing could be asked: not answered, so it is called again in an hour.
    first, retry = await called.person.messages()
    assert first.status == DeliveryStatus.FAILED and first.payload["call"]["outcome"] == "unheard"
    assert retry.status == DeliveryStatus.QUEUED and retry.next_attempt_at is not None
    checkin = await called.checkin()
    assert checkin.status == CheckinStatus.SENT and checkin.message_id == retry.id
    assert checkin.reason == "call 1: answered, but our system was down; calling again"
