"""Check-ins by phone over real HTTP: an imported landline is called through the fake Twilio,
answers with a key or in words, or does not answer at all, and ends as a messaged check-in
would: recorded, a ticket where one is owed, and nobody left unasked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.config import Settings
from bot.db import SessionFactory, transaction
from handlers.actions.checkin_results import find_run_counts, list_contact_checkins
from handlers.safeguarding import detection
from handlers.safeguarding.classifier import model
from models import Checkin, Message
from models.base import utcnow
from models.checkins import CheckinStatus
from models.enums import DeliveryStatus, TicketCategory, TicketPriority
from tests.bot.voice.caller import CheckinCall, ask_by_phone
from tests.doubles.twilio_api import Failure, TwilioApiDouble
from tests.doubles.twilio_calls import Call
from tests.support.checkins import tick
from tests.support.outbox import make_due
from tests.support.servers import wait_until

QUESTION = "Hello, this is your housing team, calling to ask how you are today."
KEYS = ["For I'm OK, press 1.", "For I need help, press 2.", "For Please call me, press 3."]
GOODBYE = "Goodbye, and take care."


@pytest.fixture
async def called(
    app_url: str, db: SessionFactory, twilio_api: TwilioApiDouble, settings: Settings
) -> CheckinCall:
    twilio_api.reset()
    return await ask_by_phone(db, twilio_api, settings)


async def _answered(called: CheckinCall, call: Call) -> None:
    calls = called.person.api.calls
    await calls.answer(call)
    assert call.heard == [QUESTION, *KEYS]


@pytest.mark.parametrize(
    ("key", "status", "category", "said"),
    [
        ("1", CheckinStatus.OK, None, "Thank you for letting us know."),
        (
            "2",
            CheckinStatus.NEEDS_HELP,
            (TicketCategory.WELFARE, TicketPriority.HIGH),
            "Thank you for telling us. Someone from the team will phone you soon.",
        ),
        (
            "3",
            CheckinStatus.CALL_ME,
            (TicketCategory.CALLBACK, TicketPriority.NORMAL),
            "Thank you. Someone from the team will phone you soon.",
        ),
    ],
)
async def test_each_key_makes_the_same_outcome_as_a_message(
    called: CheckinCall,
    key: str,
    status: CheckinStatus,
    category: tuple[TicketCategory, TicketPriority] | None,
    said: str,
) -> None:
    call = await called.call()
    await _answered(called, call)
    await called.person.api.calls.press(call, key)
    assert call.heard[-2:] == [said, GOODBYE] and call.hung_up
    checkin = await called.checkin()
    assert checkin.status == status
    assert checkin.reason == "answered call 1"
    tickets = await called.person.tickets()
    assert [(t.category, t.priority) for t in tickets] == ([category] if category else [])
    if tickets:
        assert tickets[0].details["reason"] == status.value
        assert tickets[0].details["run_id"] == called.run.id
    # Nothing said back on the call is queued to ring them again.
    assert len(called.person.api.calls.placed(called.person.number)) == 1
    assert all(m.status != DeliveryStatus.QUEUED for m in await called.person.messages())


@pytest.mark.parametrize(
    ("words", "status"),
    [
        ("I'm fine thanks", CheckinStatus.OK),
        ("not so good today", CheckinStatus.NEEDS_HELP),
        ("can someone ring me", CheckinStatus.CALL_ME),
    ],
)
async def test_a_spoken_answer_is_understood_as_a_message_would_be(
    called: CheckinCall, words: str, status: CheckinStatus
) -> None:
    call = await called.call()
    await _answered(called, call)
    await called.person.api.calls.speak(call, words)
    assert call.hung_up and call.heard[-1] == GOODBYE
    assert (await called.checkin()).status == status
    spoken = [m.body for m in await called.person.messages() if m.direction == "in"]
    assert spoken == [words]


async def test_words_that_answer_nothing_are_asked_once_more(called: CheckinCall) -> None:
    call = await called.call()
    calls = called.person.api.calls
    await _answered(called, call)
    await calls.speak(call, "who is this please")
    assert call.heard[-5:] == ["Sorry, I did not catch that.", QUESTION, *KEYS]
    assert (await called.checkin()).status == CheckinStatus.SENT
    # Nothing of the muddle is kept: no greeting, no privacy notice said or stored.
    assert [m.direction for m in await called.person.messages()] == ["out"]
    await calls.speak(call, "yes I'm OK")
    assert (await called.checkin()).status == CheckinStatus.OK


async def test_silence_twice_leaves_the_checkin_waiting_for_its_reminder(
    called: CheckinCall,
) -> None:
    call = await called.call()
    calls = called.person.api.calls
    await _answered(called, call)
    await calls.stay_silent(call)
    await calls.stay_silent(call)
    assert call.hung_up and call.heard.count(QUESTION) == 2
    await calls.end(call, "completed", duration=35)
    checkin = await called.checkin()
    # Answered but unheard: like an unanswered message, it waits for its one reminder.
    assert checkin.status == CheckinStatus.SENT
    assert checkin.due_at > utcnow() + timedelta(minutes=55)
    assert await called.person.tickets() == []


async def test_busy_then_retries_then_the_no_response_ticket(called: CheckinCall) -> None:
    calls = called.person.api.calls
    outcomes = [("busy", None), ("no-answer", None), ("completed", "machine_start")]
    for number, (status, machine) in enumerate(outcomes, start=1):
        call = await called.call(number)
        if machine:
            await calls.answer(call, answered_by=machine)
            assert call.heard == [] and call.hung_up
        assert await calls.end(call, status, duration=5) == 200
        checkin = await called.checkin()
        if number < len(outcomes):
            # Tried again an hour later (TWILIO_VOICE_RETRY_MINUTES), not at once.
            waiting = (await called.person.messages())[-1]
            assert waiting.status == DeliveryStatus.QUEUED
            assert waiting.next_attempt_at is not None
            assert waiting.next_attempt_at - utcnow() > timedelta(minutes=59)
            assert checkin.message_id == waiting.id
            assert checkin.status == CheckinStatus.SENT
            await called.person.deliver()
            assert len(calls.placed(called.person.number)) == number
            await make_due(called.db, waiting.id or 0)

    assert len(calls.placed(called.person.number)) == 3
    checkin = await called.checkin()
    assert checkin.status == CheckinStatus.NO_RESPONSE
    assert checkin.reason == "3 calls, none answered (last: answering machine)"
    tickets = await called.person.tickets()
    assert [(t.category, t.priority) for t in tickets] == [
        (TicketCategory.WELFARE, TicketPriority.HIGH)
    ]
    assert tickets[0].details["reason"] == "no_response"
    assert tickets[0].details["next_step"] == "no response - please phone"
    assert tickets[0].details["calls"] == 3
    async with called.db() as session:
        counts = await find_run_counts(session=session, run_id=called.run.id or 0)
        history = await list_contact_checkins(
            session=session, contact_id=called.person.contact.id or 0
        )
    assert counts["no_response"] == 1 and counts["escalated"] == 1
    assert [row.checkin.reason for row in history] == [checkin.reason]
    unanswered = [m for m in await called.person.messages() if m.direction == "out"]
    assert [m.payload["call"]["outcome"] for m in unanswered] == ["busy", "no_answer", "machine"]


@pytest.mark.parametrize("words", ["I am fine thanks, a quiet day at home", "I can't breathe"])
async def test_a_spoken_answer_is_read_for_danger_once(
    called: CheckinCall, monkeypatch: pytest.MonkeyPatch, words: str
) -> None:
    # The classifier's own predictions, counted: each reading costs the caller a pause.
    pipeline = model().pipeline
    predict = pipeline.predict_proba
    read: list[str] = []

    def counted(texts: list[str]) -> Any:
        read.extend(texts)
        return predict(texts)

    monkeypatch.setattr(pipeline, "predict_proba", counted)
    # Words assessed before, in another test, would not be read at all.
    detection._assess_short.cache_clear()
    call = await called.call()
    await _answered(called, call)
    await called.person.api.calls.speak(call, words)
    assert call.hung_up and read.count(words) == 1


async def test_an_emergency_said_on_a_checkin_call(called: CheckinCall) -> None:
    call = await called.call()
    await _answered(called, call)
    await called.person.api.calls.speak(call, "I can't breathe")
    assert "hang up now and dial 999" in " ".join(call.heard) and call.hung_up
    tickets = await called.person.tickets()
    assert [(t.category, t.priority) for t in tickets] == [
        (TicketCategory.WELFARE, TicketPriority.URGENT)
    ]
    checkin = await called.checkin()
    assert checkin.status == CheckinStatus.NEEDS_HELP
    assert checkin.ticket_id == tickets[0].id


async def test_messages_table_keeps_each_call(called: CheckinCall) -> None:
    call = await called.call()
    await _answered(called, call)
    await called.person.api.calls.press(call, "1")
    await called.person.api.calls.end(call, "completed")
    async with called.db() as session:
        message = await session.get(Message, (await called.checkin()).message_id)
    assert message is not None
    assert message.status == DeliveryStatus.DELIVERED
    assert message.payload["call"]["outcome"] == "answered"


async def test_an_unheard_call_gets_its_one_reminder_call(called: CheckinCall) -> None:
    calls = called.person.api.calls
    call = await called.call()
    await _answered(called, call)
    await calls.stay_silent(call)
    await calls.stay_silent(call)
    await calls.end(call, "completed", duration=35)

    # An hour on (the campaign's reply wait), the tick sends the reminder: another call.
    await tick(called.db, utcnow() + timedelta(minutes=61))
    await make_due(called.db, (await called.checkin()).reminder_id or 0)
    reminder = await called.call(2)
    await calls.answer(reminder)
    assert reminder.heard[0] == f"We have not heard back from you yet. {QUESTION}"
    await calls.press(reminder, "1")
    checkin = await called.checkin()
    assert checkin.status == CheckinStatus.OK
    assert checkin.reason == "answered reminder call 1"


async def test_a_call_twilio_refuses_escalates_as_a_failed_delivery(
    app_url: str, db: SessionFactory, twilio_api: TwilioApiDouble, settings: Settings
) -> None:
    twilio_api.reset()
    twilio_api.fail_next(Failure(400, 13224, "Invalid phone number"))
    asked = await ask_by_phone(db, twilio_api, settings)
    await asked.person.deliver()

    async def failed() -> bool:
        return [m.status for m in await asked.person.messages()] == [DeliveryStatus.FAILED]

    await wait_until(failed, "the refused call's message to fail")
    assert twilio_api.calls.placed(asked.person.number) == []
    await tick(db, utcnow())
    checkin = await asked.checkin()
    assert checkin.status == CheckinStatus.FAILED
    [ticket] = await asked.person.tickets()
    assert ticket.details["reason"] == "delivery_failed"
    assert (ticket.category, ticket.priority) == (TicketCategory.WELFARE, TicketPriority.HIGH)


async def _settled_meanwhile(called: CheckinCall) -> Call:
    """The call answered, and its check-in settled some other way while the phone rang."""
    call = await called.call()
    await _answered(called, call)
    async with transaction(called.db) as session:
        checkin = await session.get(Checkin, (await called.checkin()).id)
        assert checkin is not None
        checkin.status = CheckinStatus.OK
    return call


async def test_a_call_whose_checkin_was_settled_meanwhile_takes_no_answer(
    called: CheckinCall,
) -> None:
    call = await _settled_meanwhile(called)
    await called.person.api.calls.press(call, "2")
    assert call.heard[-2:] == [KEYS[-1], GOODBYE]
    assert await called.person.tickets() == []
    assert [m for m in await called.person.messages() if m.direction == "in"] == []


async def test_an_alarm_on_a_settled_checkins_call_still_reaches_staff(
    called: CheckinCall,
) -> None:
    call = await _settled_meanwhile(called)
    await called.person.api.calls.speak(call, "there's a fire in the kitchen")
    assert "dial 999" in " ".join(call.heard)
    assert [t.priority for t in await called.person.tickets()] == [TicketPriority.URGENT]
