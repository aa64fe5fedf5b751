"""Automated calls over real HTTP: placed through the fake Twilio, which then fetches the call's
TwiML, posts what the person pressed or said, and reports how the call ended, signed as Twilio
signs."""

from __future__ import annotations

import asyncio

import httpx
from sqlmodel import select

from bot.db import SessionFactory
from models import Message, TicketEvent
from models.enums import DeliveryStatus, EventKind, TicketCategory, TicketPriority
from tests.bot.test_limits import most_in_any_window
from tests.bot.voice.caller import PUBLIC_BASE_URL, QUESTION, VOICE_FROM, Landline, landline
from tests.doubles.twilio_api import TwilioApiDouble

KEYS = ["For I'm OK, press 1.", "For I need help, press 2.", "For Please call me, press 3."]
AGAIN = "Sorry, I did not hear an answer. Here it is again."
GOODBYE_UNHEARD = "We will try you again later. Take care. Goodbye."


async def _call_message(dorothy: Landline) -> Message:
    calls = [m for m in await dorothy.messages() if m.direction == "out"]
    assert len(calls) == 1
    return calls[0]


async def test_a_call_reads_the_question_and_its_keys(dorothy: Landline) -> None:
    call = await dorothy.called()
    message = await _call_message(dorothy)
    base = f"{PUBLIC_BASE_URL}/webhooks/twilio/voice/{message.id}"
    assert call.params["From"] == VOICE_FROM
    # The call's language rides in its URL, so a word can be said even with no database.
    assert call.params["Url"] == f"{base}?lang=en"
    assert call.params["StatusCallback"] == f"{base}/status"
    assert call.params["MachineDetection"] == "Enable"
    assert message.status == DeliveryStatus.SENT and message.provider_message_id == call.sid

    await dorothy.api.calls.answer(call)
    assert call.heard == [QUESTION, *KEYS]
    assert call.gather is not None
    assert call.gather.get("input") == "dtmf speech"
    assert call.gather.get("numDigits") == "1"
    assert call.gather.get("language") == "en-GB"
    assert {(s.get("voice"), s.get("language")) for s in call.gather} == {("Polly.Amy", "en-GB")}
    assert call.answers == [200]


async def test_welsh_is_spoken_in_a_welsh_voice(
    db: SessionFactory, twilio_api: TwilioApiDouble, dorothy: Landline
) -> None:
    gwen = await landline(db, twilio_api, dorothy.settings, language="cy", name="Gwen Morgan")
    call = await gwen.called()
    await twilio_api.calls.answer(call)
    assert call.gather is not None
    assert call.gather.get("language") == "cy-GB"
    assert {(s.get("voice"), s.get("language")) for s in call.gather} == {
        ("Polly.Gwyneth", "cy-GB")
    }


async def test_silence_hears_the_question_once_more_then_a_kind_goodbye(dorothy: Landline) -> None:
    call = await dorothy.called()
    calls = dorothy.api.calls
    await calls.answer(call)
    await calls.stay_silent(call)
    assert call.heard == [QUESTION, *KEYS, AGAIN, QUESTION, *KEYS]
    assert call.gather is not None and not call.hung_up
    await calls.stay_silent(call)
    assert call.heard[-1] == GOODBYE_UNHEARD
    assert call.hung_up and call.heard.count(QUESTION) == 2
    assert call.answers == [200, 200]


async def test_a_key_that_offers_nothing_is_asked_once_more(dorothy: Landline) -> None:
    call = await dorothy.called()
    calls = dorothy.api.calls
    await calls.answer(call)
    await calls.press(call, "9")
    assert call.heard[-5:] == ["Sorry, I did not catch that.", QUESTION, *KEYS]
    await calls.press(call, "*")
    assert call.heard[-2:] == ["Sorry, I did not catch that.", GOODBYE_UNHEARD]
    assert call.hung_up
    # Nothing pressed was taken as an answer to anything.
    assert [m.direction for m in await dorothy.messages()] == ["out"]


async def test_an_emergency_said_on_the_call_says_dial_999_and_alerts_staff(
    db: SessionFactory, dorothy: Landline
) -> None:
    call = await dorothy.called()
    calls = dorothy.api.calls
    await calls.answer(call)
    await calls.speak(call, "I've fallen and I can't get up")
    said = " ".join(call.heard[len(KEYS) + 1 :])
    assert "hang up now and dial 999" in said
    assert call.hung_up
    tickets = await dorothy.tickets()
    assert [(t.category, t.priority) for t in tickets] == [
        (TicketCategory.WELFARE, TicketPriority.URGENT)
    ]
    async with db() as session:
        statement = select(TicketEvent.kind).where(TicketEvent.ticket_id == tickets[0].id)
        kinds = (await session.exec(statement)).all()
    assert EventKind.ALERT in kinds
    words = [m for m in await dorothy.messages() if m.direction == "in"]
    assert [w.body for w in words] == ["I've fallen and I can't get up"]
    # What was said back is on the record as said, not queued to ring them again.
    replies = [m for m in await dorothy.messages() if m.direction == "out"][1:]
    assert replies and all(m.status == DeliveryStatus.SENT for m in replies)
    assert len(dorothy.api.calls.placed(dorothy.number)) == 1


async def test_a_wrong_signature_is_refused_and_changes_nothing(
    app_url: str, dorothy: Landline
) -> None:
    call = await dorothy.called()
    message = await _call_message(dorothy)
    path = f"/webhooks/twilio/voice/{message.id}"
    form = {"CallSid": call.sid, "CallStatus": "busy", "AccountSid": dorothy.api.account_sid}
    async with httpx.AsyncClient(base_url=app_url, timeout=10.0) as client:
        for suffix in ("", "/answer", "/status"):
            unsigned = await client.post(path + suffix, data=form)
            forged = await client.post(
                path + suffix, data=form, headers={"X-Twilio-Signature": "bm90IHR3aWxpbw=="}
            )
            assert (unsigned.status_code, forged.status_code) == (403, 403)
            assert "Traceback" not in forged.text
    assert (await _call_message(dorothy)).status == DeliveryStatus.SENT


async def test_busy_no_answer_and_failed_are_kept_on_the_call(dorothy: Landline) -> None:
    calls = dorothy.api.calls
    for status, reason in (
        ("busy", "the line was busy"),
        ("no-answer", "nobody answered"),
        ("failed", "the call could not be connected"),
    ):
        call = await dorothy.called()
        assert await calls.end(call, status) == 200
        message = next(m for m in await dorothy.messages() if m.provider_message_id == call.sid)
        assert message.status == DeliveryStatus.FAILED
        assert message.error == reason
        assert message.payload["call"]["outcome"] == status.replace("-", "_")


async def test_an_answering_machine_is_hung_up_on_and_counts_as_unanswered(
    dorothy: Landline,
) -> None:
    call = await dorothy.called()
    calls = dorothy.api.calls
    await calls.answer(call, answered_by="machine_start")
    assert call.heard == [] and call.hung_up
    await calls.end(call, "completed", duration=4)
    message = await _call_message(dorothy)
    assert message.status == DeliveryStatus.FAILED
    assert message.payload["call"] == {
        "sid": call.sid,
        "outcome": "machine",
        "answered_by": "machine_start",
    }


async def test_an_answered_call_is_delivered(dorothy: Landline) -> None:
    call = await dorothy.called()
    calls = dorothy.api.calls
    await calls.answer(call)
    await calls.stay_silent(call)
    await calls.stay_silent(call)
    await calls.end(call, "completed")
    message = await _call_message(dorothy)
    assert message.status == DeliveryStatus.DELIVERED
    assert message.payload["call"]["outcome"] == "answered"


async def test_webhooks_naming_no_call_of_ours_end_quietly(dorothy: Landline) -> None:
    call = await dorothy.called()
    calls = dorothy.api.calls
    # The same call's webhooks pointed at a message that is not a call.
    call.params["Url"] = f"{PUBLIC_BASE_URL}/webhooks/twilio/voice/999999"
    call.params["StatusCallback"] = f"{PUBLIC_BASE_URL}/webhooks/twilio/voice/999999/status"
    await calls.answer(call)
    assert call.heard == [] and call.hung_up and call.answers == [200]
    assert await calls.end(call, "busy") == 200
    assert (await _call_message(dorothy)).status == DeliveryStatus.SENT


async def test_a_person_is_never_rung_twice_at_once(dorothy: Landline) -> None:
    first = await dorothy.called()
    await dorothy.queue_call("A second campaign's question.")
    await dorothy.deliver()
    # The second call waits while the first is on the line, however often delivery runs.
    await dorothy.deliver()
    assert dorothy.api.calls.placed(dorothy.number) == [first]
    waiting = (await dorothy.messages())[-1]
    assert waiting.status == DeliveryStatus.QUEUED

    await dorothy.api.calls.end(first, "no-answer")
    await dorothy.deliver()
    second = await dorothy.next_call(2)
    assert second.params["Url"].endswith(f"/webhooks/twilio/voice/{waiting.id}?lang=en")


async def test_calls_keep_to_the_calls_per_second_cap(
    db: SessionFactory, twilio_api: TwilioApiDouble, dorothy: Landline
) -> None:
    people = [dorothy] + [
        await landline(db, twilio_api, dorothy.settings, name=f"Neighbour {n}") for n in range(3)
    ]
    for person in people:
        await person.queue_call()
    # Four deliveries at once, as four workers would run them.
    await asyncio.gather(*(person.deliver() for person in people))
    calls = [await person.next_call() for person in people]
    times = [call.at for call in calls]
    assert dorothy.settings.twilio_voice_max_per_second == 1
    # One a second (the default), give or take the one on the window's edge.
    assert most_in_any_window(times, 2.0) <= 2 + 1
    assert max(times) - min(times) >= 2.5


async def test_a_call_that_ends_before_its_send_is_recorded_stays_ended(dorothy: Landline) -> None:
    dorothy.api.calls.end_early("failed")
    call = await dorothy.called()
    assert call.answers == [200]
    message = await _call_message(dorothy)
    assert message.provider_message_id == call.sid
    assert message.status == DeliveryStatus.FAILED
    assert message.payload["call"]["outcome"] == "failed"


async def test_readiness_says_calls_are_up(app_url: str, dorothy: Landline) -> None:
    async with httpx.AsyncClient(base_url=app_url, timeout=10.0) as client:
        ready = await client.get("/readyz")
    assert ready.json()["channels"]["voice"] == "up"
