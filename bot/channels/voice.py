"""Automated calls through Twilio Voice: a queued message is read to the person on a call.

It only translates. Placing a call is sending the message (the call's SID is its provider id);
Twilio then fetches the call's TwiML from the URL given with it, posts what the person pressed
or said to the `<Gather>` action, and reports how the call ended to the status callback. Each
URL names the message, so the webhooks find what to say, and what an answer means, from it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from twilio.base.exceptions import (  # type: ignore[import-untyped]
    TwilioRestException,
    TwilioServiceException,
)
from twilio.twiml.voice_response import Gather, VoiceResponse  # type: ignore[import-untyped]

from bot.channels.base import DeliveryError, Limit, OutboundMessage
from bot.channels.twilio import delivery_error
from bot.channels.twilio_http import TwilioAccount
from bot.config import Settings
from handlers.conversation.catalog import DEFAULT_LANGUAGE, t
from handlers.conversation.events import IncomingEvent, Option
from models.enums import Channel

log = logging.getLogger(__name__)

# How long the phone rings before Twilio calls it "no-answer"; answering machines often pick
# up at about 20-30 seconds, and machine detection catches those.
RING_SECONDS = 30
# Seconds of silence before a gather gives up.
GATHER_SECONDS = 6


@dataclass(frozen=True)
class Voice:
    """How a language is spoken on a call: Twilio's `<Say>` voice and language, and the
    language speech recognition listens for."""

    say_language: str
    voice: str
    speech_language: str


# Our languages (BCP 47 tags, as contacts carry them) in Twilio's text-to-speech voices.
VOICES: dict[str, Voice] = {
    "en": Voice("en-GB", "Polly.Amy", "en-GB"),
    "cy": Voice("cy-GB", "Polly.Gwyneth", "cy-GB"),
    "pl": Voice("pl-PL", "Polly.Ewa", "pl-PL"),
    "ro": Voice("ro-RO", "Polly.Carmen", "ro-RO"),
    "pt": Voice("pt-PT", "Polly.Ines", "pt-PT"),
    "es": Voice("es-ES", "Polly.Lucia", "es-ES"),
    "ar": Voice("ar-XA", "Google.ar-XA-Standard-A", "ar-SA"),
    "ur": Voice("ur-IN", "Google.ur-IN-Standard-A", "ur-PK"),
    "pa": Voice("pa-IN", "Google.pa-IN-Standard-A", "pa-Guru-IN"),
    "bn": Voice("bn-IN", "Google.bn-IN-Standard-A", "bn-BD"),
}


def voice_for(language: str) -> tuple[str, Voice]:
    """The language a call is spoken in (English where Twilio has no voice for it) and how."""
    base = language.split("-")[0].lower()
    if base in VOICES:
        return base, VOICES[base]
    return DEFAULT_LANGUAGE, VOICES[DEFAULT_LANGUAGE]


_REF = re.compile(r"\bHH-(\d{6})\b")


def speakable(text: str) -> str:
    """Text as it should be read aloud: a reference digit by digit, lines as pauses."""
    text = _REF.sub(lambda m: "H H, " + " ".join(m.group(1)), text)
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


@dataclass(frozen=True)
class CallScript:
    """What one call says: the message, its options, and the person's language."""

    message_id: int
    text: str
    options: tuple[Option, ...]
    language: str
    external_id: str


# The catalogs' wording of an alert said while the team cannot be told yet.
OUTAGE_VARIANT = "voice_outage"


class Twiml:
    """The call's TwiML documents, in the person's language, built with twilio's VoiceResponse."""

    def __init__(self, language: str) -> None:
        self.language, self.voice = voice_for(language)

    def t(self, key: str, /, **values: object) -> str:
        return t(key, self.language, variant=None, **values)

    def alert(self, kind: str, *, told: bool = True) -> str:
        """What to do now about an emergency of this kind (hang up and dial), said on a call;
        `told` says whether staff have been alerted already (not while the database is down)."""
        variant = Channel.VOICE.value if told else OUTAGE_VARIANT
        return t(f"alert.{kind}", self.language, variant=variant, ref="")

    def _say(self, response: Any, text: str) -> None:
        response.say(speakable(text), voice=self.voice.voice, language=self.voice.say_language)

    def ask(
        self, script: CallScript, *, answer_url: str, again_url: str | None, lead: str = ""
    ) -> str:
        """The question and its keys, waiting for a key or words (after `lead`, if any); then,
        on silence, once more (`again_url`), or a kind goodbye."""
        response = VoiceResponse()
        if not script.options:
            return self._announce(script, response)
        gather = Gather(
            input="dtmf speech",
            num_digits=1,
            action=answer_url,
            method="POST",
            timeout=GATHER_SECONDS,
            speech_timeout="auto",
            language=self.voice.speech_language,
        )
        if lead:
            self._say(gather, lead)
        self._say(gather, script.text)
        for number, option in enumerate(script.options, start=1):
            self._say(gather, self.t("voice.press", number=number, label=option.label))
        response.append(gather)
        if again_url is not None:
            response.redirect(again_url, method="POST")
        else:
            self._say(response, self.t("voice.goodbye_unheard"))
            response.hangup()
        return str(response)

    def _announce(self, script: CallScript, response: Any) -> str:
        """A message that asks nothing (a note from staff): said twice, then goodbye."""
        self._say(response, script.text)
        response.pause(length=1)
        self._say(response, self.t("voice.again_said"))
        self._say(response, script.text)
        self._say(response, self.t("voice.goodbye"))
        response.hangup()
        return str(response)

    def goodbye_unheard(self, lead_key: str = "") -> str:
        """Nothing more to ask: a kind goodbye."""
        response = VoiceResponse()
        if lead_key:
            self._say(response, self.t(lead_key))
        self._say(response, self.t("voice.goodbye_unheard"))
        response.hangup()
        return str(response)

    def replies(self, texts: Sequence[str]) -> str:
        """What handling the answer said back, then goodbye."""
        response = VoiceResponse()
        for text in texts:
            self._say(response, text)
        self._say(response, self.t("voice.goodbye"))
        response.hangup()
        return str(response)

    @staticmethod
    def hang_up() -> str:
        """End the call at once: an answering machine, or a call we know nothing of."""
        response = VoiceResponse()
        response.hangup()
        return str(response)


def answer_event(form: Mapping[str, str], script: CallScript, attempt: int) -> IncomingEvent | None:
    """The neutral event in a gathered answer (a key picks an option, words are text), or None
    when it picks nothing (a key with no option, nothing heard)."""
    call_sid = form.get("CallSid") or ""
    if not call_sid or len(call_sid) > 60:
        return None
    digits = (form.get("Digits") or "").strip()
    speech = (form.get("SpeechResult") or "").strip()
    common: dict[str, Any] = {
        "channel": Channel.VOICE,
        "external_id": script.external_id,
        # One answer per gather: a repeated post of the same one is recognised.
        "provider_id": f"{call_sid}:{attempt}",
        "phone": script.external_id,
        "replies_inline": True,
    }
    if digits:
        if digits.isdigit() and 1 <= int(digits) <= len(script.options):
            option = script.options[int(digits) - 1]
            return IncomingEvent(**common, choice=option.id, text=None)
        return None
    if speech:
        return IncomingEvent(**common, text=speech[:1000])
    return None


# --- how calls end ------------------------------------------------------------------------

_NOT_ANSWERED = {"busy": "busy", "no-answer": "no_answer", "failed": "failed", "canceled": "failed"}


@dataclass(frozen=True)
class CallReport:
    """One call status callback: how the call ended, and who answered it."""

    sid: str
    status: str
    answered_by: str

    @classmethod
    def of(cls, form: Mapping[str, str]) -> CallReport | None:
        sid = form.get("CallSid") or ""
        status = (form.get("CallStatus") or "").strip().lower()
        if not sid or len(sid) > 60 or not status:
            return None
        return cls(sid, status, (form.get("AnsweredBy") or "").strip().lower()[:40])

    @property
    def final(self) -> bool:
        return self.status == "completed" or self.status in _NOT_ANSWERED

    @property
    def outcome(self) -> str:
        """`answered` (a person), `machine` (voicemail, fax), or why nobody answered."""
        if self.status == "completed":
            return "machine" if is_machine(self.answered_by) else "answered"
        return _NOT_ANSWERED.get(self.status, "failed")


def is_machine(answered_by: str | None) -> bool:
    """Whether Twilio's machine detection says a machine answered (voicemail, fax)."""
    return bool(answered_by) and (
        answered_by.startswith("machine") or answered_by == "fax"  # type: ignore[union-attr]
    )


# --- placing calls ------------------------------------------------------------------------


class VoiceChannel(TwilioAccount):
    """Calls from one Twilio number: places them, checks the signatures of their webhooks."""

    def __init__(self, settings: Settings) -> None:
        if not (settings.voice_enabled and settings.twilio_auth_token):
            raise ValueError("calls need TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_VOICE_FROM")
        super().__init__(settings)
        self.sender = settings.twilio_voice_from or ""
        self.max_per_second = settings.twilio_voice_max_per_second

    def url(
        self, message_id: int, what: str = "", *, again: bool = False, language: str = ""
    ) -> str:
        """A call webhook's public URL for one message: its TwiML, `answer` or `status`. An
        answer's URL names the call's language, so a word can be said even with no database."""
        path = f"{self.public_base_url}/webhooks/twilio/voice/{message_id}"
        path += f"/{what}" if what else ""
        query = {"again": "1"} if again else {}
        if language:
            query["lang"] = language
        return path + ("?" + urlencode(query) if query else "")

    def parts(self, message: OutboundMessage) -> Sequence[str]:
        """A message is one call."""
        return [message.text]

    def limits(self, message: OutboundMessage) -> Sequence[Limit]:
        """Calls a second from our number, unless lifted (0)."""
        if not self.max_per_second:
            return []
        return [Limit(f"twilio-voice:{self.sender}", self.max_per_second)]

    async def send_part(self, message: OutboundMessage, part: str, *, last: bool) -> str:
        """Place the call; returns its SID. Twilio then asks us what to say."""
        if self._client is None:
            raise DeliveryError("the voice channel is not started", retryable=True)
        try:
            call = await self._client.calls.create_async(
                to=message.external_id,
                from_=self.sender,
                # Named in the URL, so the call can say a kind word even with no database.
                url=self.url(message.message_id, language=message.language),
                method="POST",
                status_callback=self.url(message.message_id, "status"),
                status_callback_method="POST",
                machine_detection="Enable",
                timeout=RING_SECONDS,
            )
        except (
            TwilioRestException,
            TwilioServiceException,
            aiohttp.ClientError,
            TimeoutError,
        ) as exc:
            raise delivery_error(exc) from exc
        sid: str = call.sid
        return sid
