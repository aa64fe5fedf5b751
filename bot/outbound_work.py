"""A claimed message as the sending needs it, and what became of a send: read while the claim
was made (`bot.outbound`), so the send itself needs no database."""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.base import DeliveryError, Document, OutboundMessage, Template
from handlers.actions.data_copies import PreparedCopy
from handlers.actions.delivery import Claimed, SendFailure, Waiting
from handlers.conversation.events import Option
from models import ChannelIdentity, Message
from models.enums import Channel


@dataclass(frozen=True)
class Work:
    """A claimed message as the sending needs it, read while its claim was made."""

    outgoing: OutboundMessage
    sent_parts: int
    resumed: bool
    # The person asked to be erased and this confirms it: their address goes once it has.
    last: bool = False
    # When its first rate-limit turn comes (time.monotonic()), if taken with the claim.
    turn_at: float | None = None


@dataclass(frozen=True)
class Claim:
    """A claim on a person's next messages and the work of sending them."""

    claimed: Claimed | Waiting | None
    works: list[Work]


@dataclass(frozen=True)
class Sent:
    """A message the provider accepted, still to be recorded."""

    message_id: int
    provider_id: str
    parts: int
    channel: Channel


def document_of(copy: PreparedCopy | None, base_url: str) -> Document | None:
    """The copy of someone's data a message carries, with its link, if it carries one."""
    if copy is None:
        return None
    link = f"{base_url.rstrip('/')}/my-data/{copy.token}"
    return Document(copy.filename, copy.content_type, copy.content, link)


def work_of(
    message: Message, identity: ChannelIdentity, document: Document | None, language: str
) -> Work:
    """A claimed message's work: what goes to the channel, and how far it got before."""
    assert message.id is not None
    options = tuple(Option(str(i), str(label)) for i, label in message.payload.get("options", []))
    outgoing = OutboundMessage(
        message_id=message.id,
        channel=message.channel,
        external_id=identity.external_id,
        text=message.body,
        options=options,
        template=Template.of(message.payload),
        document=document,
        opted_out=identity.opted_out and message.payload.get("notice") is not True,
        language=language,
    )
    last = message.payload.get("last") is True
    return Work(outgoing, len(message.sent_parts), message.maybe_duplicate, last)


def failure_of(exc: DeliveryError) -> SendFailure:
    """A channel's failure in the domain's words."""
    return SendFailure(
        reason=exc.reason,
        retryable=exc.retryable,
        retry_after=exc.retry_after,
        opted_out=exc.opted_out,
        outcome_unknown=exc.outcome_unknown,
        channel_starting=exc.channel_starting,
    )
