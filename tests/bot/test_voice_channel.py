"""The voice channel's translations: voices per language, words read aloud, answers and how
calls ended, and the TwiML a call is given."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from bot.channels.base import OutboundMessage
from bot.channels.voice import (
    CallReport,
    CallScript,
    Twiml,
    VoiceChannel,
    answer_event,
    speakable,
    voice_for,
)
from handlers.conversation.events import Option
from models.enums import Channel
from tests.support.app import settings_for

OPTIONS = (Option("checkin_ok", "I'm OK"), Option("checkin_help", "I need help"))


def _script(options: tuple[Option, ...] = OPTIONS, language: str = "en") -> CallScript:
    return CallScript(1, "How are you today?", options, language, "+441134960001")


@pytest.mark.parametrize(
    ("language", "spoken", "voice", "listens"),
    [
        ("en", "en", "Polly.Amy", "en-GB"),
        ("cy", "cy", "Polly.Gwyneth", "cy-GB"),
        ("cy-GB", "cy", "Polly.Gwyneth", "cy-GB"),
        ("pl", "pl", "Polly.Ewa", "pl-PL"),
        ("ur", "ur", "Google.ur-IN-Standard-A", "ur-PK"),
        # No Twilio voice for Somali: spoken in English rather than garbled.
        ("so", "en", "Polly.Amy", "en-GB"),
    ],
)
def test_each_language_has_a_voice_or_falls_back_to_english(
    language: str, spoken: str, voice: str, listens: str
) -> None:
    chosen, how = voice_for(language)
    assert (chosen, how.voice, how.speech_language) == (spoken, voice, listens)


def test_a_reference_is_read_digit_by_digit_and_lines_become_one() -> None:
    assert speakable("Thank you.\nYour reference is HH-000123.") == (
        "Thank you. Your reference is H H, 0 0 0 1 2 3."
    )


def test_keys_pick_options_by_number_and_words_are_text() -> None:
    script = _script()
    pressed = answer_event({"CallSid": "CA1", "Digits": "2"}, script, attempt=1)
    assert pressed is not None and pressed.choice == "checkin_help" and pressed.text is None
    assert pressed.channel is Channel.VOICE and pressed.replies_inline
    assert pressed.provider_id == "CA1:1"
    spoken = answer_event({"CallSid": "CA1", "SpeechResult": " fine thanks "}, script, attempt=2)
    assert spoken is not None and spoken.text == "fine thanks" and spoken.provider_id == "CA1:2"
    for form in (
        {"CallSid": "CA1", "Digits": "3"},
        {"CallSid": "CA1", "Digits": "#"},
        {"CallSid": "CA1"},
        {"Digits": "1"},
    ):
        assert answer_event(form, script, attempt=1) is None


@pytest.mark.parametrize(
    ("form", "outcome"),
    [
        ({"CallStatus": "completed"}, "answered"),
        ({"CallStatus": "completed", "AnsweredBy": "human"}, "answered"),
        ({"CallStatus": "completed", "AnsweredBy": "unknown"}, "answered"),
        ({"CallStatus": "completed", "AnsweredBy": "machine_end_beep"}, "machine"),
        ({"CallStatus": "completed", "AnsweredBy": "fax"}, "machine"),
        ({"CallStatus": "busy"}, "busy"),
        ({"CallStatus": "no-answer"}, "no_answer"),
        ({"CallStatus": "failed"}, "failed"),
        ({"CallStatus": "canceled"}, "failed"),
    ],
)
def test_how_a_call_ended(form: dict[str, str], outcome: str) -> None:
    report = CallReport.of({"CallSid": "CA1", **form})
    assert report is not None and report.final and report.outcome == outcome


def test_progress_and_nonsense_are_not_endings() -> None:
    ringing = CallReport.of({"CallSid": "CA1", "CallStatus": "ringing"})
    assert ringing is not None and not ringing.final
    assert CallReport.of({"CallStatus": "busy"}) is None


def test_a_message_that_asks_nothing_is_said_twice_without_waiting() -> None:
    document = ET.fromstring(Twiml("en").ask(_script(options=()), answer_url="a", again_url="b"))
    assert [verb.tag for verb in document] == ["Say", "Pause", "Say", "Say", "Say", "Hangup"]


def test_the_calls_a_second_cap_is_per_number_and_can_be_lifted() -> None:
    common: dict[str, Any] = {
        "twilio_account_sid": "AC" + "0" * 32,
        "twilio_auth_token": "token",
        "twilio_voice_from": "+441632960100",
    }
    message = OutboundMessage(1, Channel.VOICE, "+441134960001", "Hello")
    capped = VoiceChannel(settings_for(None, twilio_voice_max_per_second=2, **common))
    [limit] = capped.limits(message)
    assert (limit.key, limit.per_second) == ("twilio-voice:+441632960100", 2)
    assert (
        VoiceChannel(settings_for(None, twilio_voice_max_per_second=0, **common)).limits(message)
        == []
    )
