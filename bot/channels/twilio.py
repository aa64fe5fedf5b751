"""The WhatsApp and SMS channels through Twilio: webhook forms in, numbered-line messages out.

It only translates. Carrier keywords (STOP, START, ...) are recognised here and passed on as a
neutral `Keyword`; what to do about them is the conversation engine's business.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from twilio.base.exceptions import (  # type: ignore[import-untyped]
    TwilioRestException,
    TwilioServiceException,
)

from bot.channels.base import DeliveryError, Limit, OutboundMessage
from bot.channels.gsm import fits_segments, loses_letters, split, to_gsm7
from bot.channels.text import shown_text
from bot.channels.twilio_http import TwilioAccount
from bot.config import Settings
from handlers.conversation.events import IncomingEvent, Keyword, Location, Media, MediaKind
from models.enums import Channel, DeliveryStatus

log = logging.getLogger(__name__)

WHATSAPP_PREFIX = "whatsapp:"
# Each SMS we send is at most two segments (306 GSM-7 characters); longer texts go as several.
SMS_MAX_SEGMENTS = 2
# What one message to a person may cost in all, in any script: the catalogs are written to it.
# English fits one segment; UCS-2 (Bengali, Arabic, ...) holds 67 characters a segment, so a
# translation may take up to three, never a screenful of pieces.
SMS_MESSAGE_BUDGET = 3
# Twilio refuses a body longer than this on any channel.
BODY_MAX = 1600
MAX_MEDIA = 10

# Twilio and UK carriers treat these whole-message words as "stop all messages" on SMS.
SMS_OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
SMS_OPT_IN = frozenset({"START", "YES", "UNSTOP"})
# On WhatsApp only these are opt-out; "cancel" stays the flow's own command there.
WHATSAPP_OPT_OUT = frozenset({"STOP", "UNSUBSCRIBE"})
WHATSAPP_OPT_IN = frozenset({"START"})
HELP_WORDS = frozenset({"HELP", "INFO"})

OPTED_OUT_CODE = 21610
ERROR_REASONS = {
    21610: "the person has opted out (STOP)",
    21614: "not a mobile number",
    30003: "the phone is off or unreachable",
    30004: "the message was blocked",
    30005: "unknown or inactive number",
    30006: "a landline or unreachable carrier",
    30007: "filtered by the carrier",
    30008: "unknown error from the carrier",
    63016: "outside WhatsApp's 24-hour window: a template is needed",
}

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_TRAILING = re.compile(r"[\s.!?,;:]+$")


def _keyword_word(text: str) -> str:
    """The message as a keyword candidate: trimmed, trailing punctuation off, upper case."""
    return _TRAILING.sub("", text.strip()).upper()


def _media_kind(content_type: str, channel: Channel) -> MediaKind:
    kind = content_type.split(";")[0].strip().lower()
    if channel is Channel.WHATSAPP and kind == "image/webp":
        # WhatsApp delivers stickers as WebP images; photos come as JPEG.
        return MediaKind.STICKER
    if kind.startswith("image/"):
        return MediaKind.PHOTO
    if kind.startswith("audio/"):
        return MediaKind.VOICE
    if kind.startswith("video/"):
        return MediaKind.VIDEO
    if kind in ("text/vcard", "text/x-vcard"):
        return MediaKind.CONTACT_CARD
    return MediaKind.DOCUMENT


def _media_of(form: Mapping[str, str], channel: Channel) -> tuple[Media, ...]:
    try:
        count = int(form.get("NumMedia") or 0)
    except ValueError:
        return ()
    media = []
    for index in range(max(0, min(count, MAX_MEDIA))):
        content_type = form.get(f"MediaContentType{index}") or ""
        media.append(
            Media(
                _media_kind(content_type, channel),
                url=form.get(f"MediaUrl{index}") or None,
                content_type=content_type or None,
            )
        )
    return tuple(media)


def _location_of(form: Mapping[str, str]) -> Location | None:
    try:
        latitude = float(form.get("Latitude") or "nan")
        longitude = float(form.get("Longitude") or "nan")
    except ValueError:
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if abs(latitude) > 90 or abs(longitude) > 180:
        return None
    return Location(latitude, longitude)


def translate_form(form: Mapping[str, str]) -> IncomingEvent | None:
    """The neutral event in a Twilio inbound-message form, or None when it is not usable."""
    sender = form.get("From") or ""
    channel = Channel.WHATSAPP if sender.startswith(WHATSAPP_PREFIX) else Channel.SMS
    number = sender.removeprefix(WHATSAPP_PREFIX)
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or ""
    if not _E164.match(number) or not sid or len(sid) > 64:
        return None

    text = form.get("Body") or form.get("ButtonText") or None
    keyword: Keyword | None = None
    if text:
        word = _keyword_word(text)
        opt_out, opt_in = (
            (SMS_OPT_OUT, SMS_OPT_IN)
            if channel is Channel.SMS
            else (WHATSAPP_OPT_OUT, WHATSAPP_OPT_IN)
        )
        if word in opt_out:
            keyword = Keyword.OPT_OUT
        elif word in opt_in:
            keyword = Keyword.OPT_IN
        elif word in HELP_WORDS:
            text = "help"

    profile = {
        name: form[field]
        for name, field in (("wa_id", "WaId"), ("profile_name", "ProfileName"))
        if form.get(field)
    }
    return IncomingEvent(
        channel=channel,
        external_id=number,
        provider_id=sid,
        text=text,
        choice=form.get("ButtonPayload") or None,
        location=_location_of(form),
        media=_media_of(form, channel),
        display_name=form.get("ProfileName") or None,
        phone=number,
        profile=profile,
        keyword=keyword,
        # Twilio answers STOP on SMS itself; on WhatsApp the confirmation is ours to send.
        provider_confirms_opt_out=keyword is Keyword.OPT_OUT and channel is Channel.SMS,
    )


def sms_parts(text: str) -> list[str]:
    """An SMS text as GSM-7 parts of at most two segments each, in the order to send them."""
    safe = to_gsm7(text)
    if loses_letters(text):
        # Text in a non-Latin script would be destroyed by GSM-7; UCS-2 keeps it readable.
        safe = text
    return split(safe, fits_segments(SMS_MAX_SEGMENTS))


def whatsapp_parts(text: str) -> list[str]:
    """A WhatsApp text, split only where it exceeds Twilio's body limit."""
    return split(text, lambda part: len(part) <= BODY_MAX)


def delivery_error(exc: Exception) -> DeliveryError:
    """What a failed Twilio API call means for delivery: retry, give up, or stop for good."""
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        status = int(exc.status or 0)
        code = exc.code
        text = getattr(exc, "msg", None) or getattr(exc, "detail", None) or ""
        if code == OPTED_OUT_CODE:
            return DeliveryError(ERROR_REASONS[OPTED_OUT_CODE], retryable=False, opted_out=True)
        if status == 429 or status >= 500:
            return DeliveryError(f"Twilio is busy ({status}): {text}", retryable=True)
        return DeliveryError(f"Twilio refused the message ({code}): {text}", retryable=False)
    if isinstance(exc, aiohttp.ClientError | TimeoutError):
        # Only a connection never made surely sent nothing; a timeout or a dropped connection
        # may come after Twilio took the message.
        unknown = not isinstance(exc, aiohttp.ClientConnectorError)
        return DeliveryError(
            f"could not reach Twilio: {type(exc).__name__}",
            retryable=True,
            outcome_unknown=unknown,
        )
    raise exc


class TwilioChannel(TwilioAccount):
    """WhatsApp and/or SMS over one Twilio account: checks signatures, sends messages."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.status_callback = f"{self.public_base_url}/webhooks/twilio/status"
        self.senders: dict[Channel, str] = {}
        if settings.twilio_whatsapp_from:
            number = settings.twilio_whatsapp_from.removeprefix(WHATSAPP_PREFIX)
            self.senders[Channel.WHATSAPP] = WHATSAPP_PREFIX + number
        if settings.twilio_sms_from:
            self.senders[Channel.SMS] = settings.twilio_sms_from
        self.max_per_second = settings.twilio_max_per_second

    @property
    def channels(self) -> tuple[Channel, ...]:
        """The channels this account sends on (those with a from-number)."""
        return tuple(self.senders)

    def translate_form(self, form: Mapping[str, str]) -> IncomingEvent | None:
        return translate_form(form)

    def parts(self, message: OutboundMessage) -> Sequence[str]:
        """The texts to send: a long SMS goes as several; a template as one (no text of ours)."""
        if message.template is not None:
            return [""]
        text = shown_text(message)
        return sms_parts(text) if message.channel is Channel.SMS else whatsapp_parts(text)

    def limits(self, message: OutboundMessage) -> Sequence[Limit]:
        """The sending number's limit, unless lifted (0)."""
        sender = self.senders.get(message.channel)
        if sender is None or not self.max_per_second:
            return []
        return [Limit(f"twilio:{sender}", self.max_per_second)]

    async def send_part(self, message: OutboundMessage, part: str, *, last: bool) -> str:
        """Send one part; returns its message SID. Only the last part asks for status callbacks,
        as the message's own record follows it."""
        if self._client is None:
            raise DeliveryError("the Twilio channel is not started", retryable=True)
        sender = self.senders.get(message.channel)
        if sender is None:
            raise DeliveryError(f"Twilio does not send on {message.channel.value}", retryable=False)
        to = message.external_id
        if message.channel is Channel.WHATSAPP:
            to = WHATSAPP_PREFIX + to
        callback = self.status_callback if last else None
        if message.template is not None:
            return await self._create(
                to=to,
                from_=sender,
                content_sid=message.template.content_sid,
                content_variables=json.dumps(dict(message.template.variables)),
                status_callback=callback,
            )
        return await self._create(to=to, from_=sender, body=part, status_callback=callback)

    async def send(self, message: OutboundMessage) -> str:
        """Send every part in turn (no rate limit, no record); returns the last part's SID."""
        parts = self.parts(message)
        sid = ""
        for number, part in enumerate(parts, start=1):
            sid = await self.send_part(message, part, last=number == len(parts))
        return sid

    async def _create(self, **params: Any) -> str:
        try:
            created = await self._client.messages.create_async(
                **{k: v for k, v in params.items() if v is not None}
            )
        except (
            TwilioRestException,
            TwilioServiceException,
            aiohttp.ClientError,
            TimeoutError,
        ) as exc:
            raise delivery_error(exc) from exc
        sid: str = created.sid
        return sid


# --- delivery status callbacks ------------------------------------------------------------

# Twilio's statuses in our words; the rule that they never go backwards is the domain's.
_STATUS = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
    "undelivered": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}
# Queued, accepted, scheduled and sending all mean "Twilio has it", which "sent" already says;
# putting our row back to queued would make the outbox send it again.
_BEFORE_SENT = frozenset({"queued", "accepted", "scheduled", "sending"})


@dataclass(frozen=True)
class StatusReport:
    """One delivery status callback."""

    sid: str
    status: str
    error_code: int | None = None

    @classmethod
    def of(cls, form: Mapping[str, str]) -> StatusReport | None:
        sid = form.get("MessageSid") or form.get("SmsSid") or ""
        status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
        if not sid or not status or len(sid) > 64:
            return None
        try:
            code = int(form.get("ErrorCode") or 0) or None
        except ValueError:
            code = None
        return cls(sid, status, code)

    def delivery_status(self) -> DeliveryStatus:
        """The report in our words; a stage before "sent" (or an unknown one) is "sending"."""
        target = _STATUS.get(self.status)
        if target is None:
            if self.status not in _BEFORE_SENT:
                log.warning("ignored an unknown Twilio status %r", self.status[:20])
            # Still ours only if we know the message; "sending" adds nothing to "sent".
            target = DeliveryStatus.SENDING
        return target

    @property
    def opted_out(self) -> bool:
        """Whether Twilio says the person has opted out of messages."""
        return self.error_code == OPTED_OUT_CODE

    @property
    def reason(self) -> str:
        known = ERROR_REASONS.get(self.error_code or 0, "")
        code = f"Twilio error {self.error_code}" if self.error_code else "no error code"
        return f"{self.status} ({code}{': ' + known if known else ''})"
