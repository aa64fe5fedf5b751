"""What a channel needs to send a message, shared by the outbox and every channel adapter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from handlers.conversation.events import Option
from models.enums import Channel


@dataclass(frozen=True)
class Template:
    """A provider-approved template to send instead of a text (WhatsApp outside 24 hours)."""

    content_sid: str
    variables: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, payload: Mapping[str, object]) -> Template | None:
        """The template in an outbound message's payload, if it names one."""
        data = payload.get("template")
        if not isinstance(data, dict) or not isinstance(data.get("content_sid"), str):
            return None
        variables = data.get("variables")
        values = variables if isinstance(variables, dict) else {}
        return cls(data["content_sid"], {str(k): str(v) for k, v in values.items()})


@dataclass(frozen=True)
class Document:
    """A file that goes with a message. A channel that can send files sends `content`; one
    that cannot (WhatsApp, SMS) adds `link`, a single-use address that expires within a day."""

    filename: str
    content_type: str
    content: bytes
    link: str


@dataclass(frozen=True)
class OutboundMessage:
    """What a channel needs to send one message."""

    message_id: int
    channel: Channel
    external_id: str
    text: str
    options: tuple[Option, ...] = ()
    template: Template | None = None
    document: Document | None = None
    # Set when the person sent STOP and this is not the notice confirming it: never sent.
    opted_out: bool = False
    # The person's language, for a channel that must speak before it can read our records.
    language: str = ""


class DeliveryError(Exception):
    """A send that failed; `retryable` says whether trying again later may work."""

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        retry_after: timedelta | None = None,
        opted_out: bool = False,
        outcome_unknown: bool = False,
        channel_starting: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        # The provider's own "not before" (Telegram's flood control), when it gives one.
        self.retry_after = retry_after
        # The provider says the person opted out (Twilio 21610): stop sending to them at all.
        self.opted_out = opted_out
        # The request left and no answer came back (a read timeout, a dropped connection):
        # the provider may have the message, so a retry may make a duplicate.
        self.outcome_unknown = outcome_unknown
        # Our own channel is not up yet (still starting, see bot.startup): nothing left, the
        # message is not at fault, and no other process's sends are held by it.
        self.channel_starting = channel_starting


@dataclass(frozen=True)
class Limit:
    """At most `per_second` sends under `key`, across every process; `burst` may go at once."""

    key: str
    per_second: float
    burst: int = 1


class StartError(Exception):
    """A provider that could not be reached, or refused us, at start-up; trying again later may
    work. The reason never quotes a secret."""


class Sender(Protocol):
    """One channel's way out. A message goes as one or more parts (a long SMS as several), each
    sent on its own, so that a part already accepted is never sent again."""

    def parts(self, message: OutboundMessage) -> Sequence[str]:
        """The texts to send, in order (one, for most messages)."""
        ...

    async def send_part(self, message: OutboundMessage, part: str, *, last: bool) -> str:
        """Send one part and return the provider's id for it."""
        ...

    def limits(self, message: OutboundMessage) -> Sequence[Limit]:
        """The rate limits each part's send counts against."""
        ...
