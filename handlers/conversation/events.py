"""The neutral shapes that pass between channels and flows.

A channel adapter turns what a provider sends into an `IncomingEvent` and turns each `Reply`
back into whatever the provider shows (buttons, numbered lines, plain text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from models.enums import Channel


class Keyword(StrEnum):
    """A carrier keyword the channel recognised; the engine acts on it before anything else."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"


class MediaKind(StrEnum):
    """Non-text things a person can send; flows answer them kindly rather than guess."""

    PHOTO = "photo"
    VOICE = "voice"
    AUDIO = "audio"
    VIDEO = "video"
    STICKER = "sticker"
    DOCUMENT = "document"
    CONTACT_CARD = "contact"
    OTHER = "other"


@dataclass(frozen=True)
class Location:
    """A point the person shared, which may answer a where-question."""

    latitude: float
    longitude: float


@dataclass(frozen=True)
class Media:
    """One attachment: its kind, and where the provider keeps it if it says."""

    kind: MediaKind
    url: str | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class IncomingEvent:
    """One thing a person did: typed text, pressed a button, shared a location or sent media.

    `provider_id` is the provider's own id for this delivery (a Telegram update, a Twilio
    message) and makes a redelivery recognisable; `choice` is the id of a pressed option.
    `keyword` is an opt-out or opt-in word as the channel's carriers define it, and
    `provider_confirms_opt_out` says the provider itself answers an opt-out (Twilio on SMS).
    `language` is the language the person's app is set to (a BCP 47 tag such as "pl" or
    "pt-BR"), when the channel says (Telegram's `language_code`).
    `replies_inline` says the channel speaks the replies in its own answer to this event (a
    phone call), so they are recorded as said rather than queued for delivery.
    """

    channel: Channel
    external_id: str
    provider_id: str | None = None
    text: str | None = None
    choice: str | None = None
    location: Location | None = None
    media: tuple[Media, ...] = ()
    display_name: str | None = None
    phone: str | None = None
    profile: dict[str, str] = field(default_factory=dict)
    keyword: Keyword | None = None
    provider_confirms_opt_out: bool = False
    language: str | None = None
    replies_inline: bool = False


@dataclass(frozen=True)
class Option:
    """A choice offered to the person: a stable id and the label they see."""

    id: str
    label: str


class Attachment(StrEnum):
    """A file that goes with a reply; the channel sends it as a document, or a link to it."""

    DATA_COPY = "data_copy"


@dataclass(frozen=True)
class Reply:
    """One message to the person, with the options it offers (possibly none).

    `notice` is sent even to someone who has just opted out, since it says so; `last` is the
    last message to this address, which is forgotten once it has gone (an erasure).
    """

    text: str
    options: tuple[Option, ...] = ()
    attachment: Attachment | None = None
    notice: bool = False
    last: bool = False
