"""Unanswered check-in calls with frozen time: tried again inside the window, then escalated."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.db import SessionFactory, transaction
from handlers.actions.checkin_calls import CallRetryRule
from handlers.actions.voice_calls import do_record_call_end
from models import Message
from models.checkins import CheckinStatus
from models.enums import DeliveryStatus
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

PHONE = "+441134960001"


async def _called(db: SessionFactory, now: datetime) -> Message:
    """A landline's check-in queued at `now` (window 09:00-19:00), its call placed."""
    await import_people(db, [person("L1", PHONE, channel="voice")], now)
    made = await campaign(db, now)
    await run_now(db, made.id or 0, now)
    await tick(db, now)
    [message] = await sent_to(db, PHONE)
    async with transaction(db) as session:
        placed = await session.get(Message, message.id)
        assert placed is not None and placed.channel == "voice"
        placed.status = DeliveryStatus.SENT
        placed.provider_message_id = "CA" + "1" * 32
    return placed


async def _ends(
    db: SessionFactory, message: Message, outcome: str, now: datetime, retries: int = 2
) -> None:
    async with transaction(db) as session:
        recorded = await do_record_call_end(
            session=session,
            message_id=message.id or 0,
            call_sid=message.provider_message_id or "",
            outcome=outcome,
            answered_by="",
            now=now,
            rule=CallRetryRule(retries=retries, wait=timedelta(minutes=60)),
        )
    assert recorded is not None


async def test_a_busy_line_is_called_again_an_hour_later(db: SessionFactory) -> None:
    now = london("2026-12-01 10:00")
    first = await _called(db, now)
    await _ends(db, first, "busy", now)
    [checkin] = await checkins(db)
    calls = await sent_to(db, PHONE)
    assert [m.status for m in calls] == [DeliveryStatus.FAILED, DeliveryStatus.QUEUED]
    assert calls[1].next_attempt_at == now + timedelta(hours=1)
    assert checkin.message_id == calls[1].id and checkin.status == CheckinStatus.SENT
    # No reminder before the retry has had its own wait.
    assert checkin.due_at == now + timedelta(hours=2)
    # The tick an hour on sends no reminder and escalates nothing.
    await tick(db, now + timedelta(minutes=61))
    assert len(await sent_to(db, PHONE)) == 2 and await tickets(db) == []


async def test_a_retry_that_would_fall_after_the_window_escalates_now(db: SessionFactory) -> None:
    now = london("2026-12-01 18:30")
    first = await _called(db, now)
    await _ends(db, first, "no_answer", now)
    [checkin] = await checkins(db)
    assert checkin.status == CheckinStatus.NO_RESPONSE
    assert checkin.reason == "1 call, none answered (last: no answer)"
    [ticket] = await tickets(db)
    assert ticket.details["reason"] == "no_response"
    # No call at 19:30, in the evening's quiet hours.
    assert len(await sent_to(db, PHONE)) == 1


async def test_no_retries_set_escalates_the_first_unanswered_call(db: SessionFactory) -> None:
    now = london("2026-12-01 10:00")
    first = await _called(db, now)
    await _ends(db, first, "machine", now, retries=0)
    [checkin] = await checkins(db)
    assert checkin.status == CheckinStatus.NO_RESPONSE
    assert [t.details["last_call"] for t in await tickets(db)] == ["answering machine"]


async def test_a_repeated_status_callback_changes_nothing(db: SessionFactory) -> None:
    now = london("2026-12-01 10:00")
    first = await _called(db, now)
    await _ends(db, first, "busy", now)
    await _ends(db, first, "busy", now + timedelta(seconds=5))
    assert len(await sent_to(db, PHONE)) == 2
