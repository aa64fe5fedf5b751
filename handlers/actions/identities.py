"""Finding the person behind an incoming event, creating them on first contact."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.inserts import Linked, insert_with_parent
from handlers.actions.outbox import INBOUND_UNIQUE, inbound_values
from handlers.conversation.events import IncomingEvent, Keyword
from models import ChannelIdentity, Contact, Message
from models.enums import Channel

# The contact comes in the same statement: a returning person costs one read, not two. Built
# once, the channel and id its parameters: building it cost more CPU than running it.
_IDENTITY = (
    select(ChannelIdentity, Contact)
    .join(Contact, col(Contact.id) == ChannelIdentity.contact_id)
    .where(
        ChannelIdentity.channel == bindparam("channel"),
        ChannelIdentity.external_id == bindparam("external_id"),
    )
)


@dataclass(frozen=True)
class ReadAhead:
    """The event's person as its caller read them in the same statement as the event itself
    (`bot.inbox`); `found` is None when no one has that channel and id yet. `heard_at`: when
    that statement stored as the identity's last message, if it did."""

    found: tuple[ChannelIdentity, Contact] | None
    heard_at: datetime | None = None


@dataclass(frozen=True)
class Identified:
    """The event's person (`identify`): whether this made them (a first message), and then the
    message itself, if it was recorded with them (None: the provider sent it before)."""

    identity: ChannelIdentity
    contact: Contact
    new: bool
    inbound: Message | None = None


async def get_or_create_identity(
    *, session: AsyncSession, event: IncomingEvent, now: datetime
) -> tuple[ChannelIdentity, Contact]:
    """The identity and contact for the event's (channel, external id), created if new."""
    found = await identify(session=session, event=event, now=now)
    return found.identity, found.contact


async def identify(
    *,
    session: AsyncSession,
    event: IncomingEvent,
    now: datetime,
    last_inbound_at: datetime | None = None,
    read: ReadAhead | None = None,
    record: bool = False,
) -> Identified:
    """As `get_or_create_identity`, and whether this call created them (a first message); a
    new identity is stored with `last_inbound_at`, saving an UPDATE for the message's own, and
    with the message too when asked to `record` it (`outbox.record_inbound`'s row): a round
    trip of its own otherwise. `read`: the person read already, whom this does not read
    again."""
    params = {"channel": event.channel, "external_id": event.external_id}
    found: tuple[ChannelIdentity, Contact] | None = (
        (await session.exec(_IDENTITY, params=params)).first() if read is None else read.found
    )
    if found is None:
        new = {"display_name": event.display_name, "created_at": now, "updated_at": now}
        # Two first messages from one person may race: the unique (channel, external id)
        # decides, and the loser reads the winner's row and forgets the contact it made.
        message = (
            Linked(Message, inbound_values(event, now), "contact_id", "identity_id", INBOUND_UNIQUE)
            if record
            else None
        )
        contact, identity, inbound = await insert_with_parent(
            session,
            Contact,
            new,
            ChannelIdentity,
            {
                "channel": event.channel,
                "external_id": event.external_id,
                "phone": event.phone,
                "profile": dict(event.profile),
                "last_inbound_at": last_inbound_at,
                "created_at": now,
            },
            "contact_id",
            ("channel", "external_id"),
            message,
        )
        if identity is not None:
            return Identified(identity, contact, True, inbound)
        await session.delete(contact)
        found = (await session.exec(_IDENTITY, params=params)).one()
    identity, contact_row = found
    if event.profile and event.profile != identity.profile:
        identity.profile = {**identity.profile, **event.profile}
    if contact_row.display_name is None and event.display_name:
        contact_row.display_name = event.display_name
    return Identified(identity, contact_row, False)


async def list_contact_identities(
    *, session: AsyncSession, contact_id: int | None
) -> Sequence[ChannelIdentity]:
    """A person's channel identities, oldest first."""
    statement = (
        select(ChannelIdentity)
        .where(ChannelIdentity.contact_id == contact_id)
        .order_by(col(ChannelIdentity.id))
    )
    return (await session.exec(statement)).all()


def apply_opt_word(
    identity: ChannelIdentity, event: IncomingEvent, keyword: Keyword | None
) -> Keyword | None:
    """Apply what the person's message says about being written to, and return the keyword
    that still counts: a START or YES from someone not opted out is an ordinary answer."""
    if identity.opted_out and event.channel is Channel.TELEGRAM:
        # On Telegram, blocking the bot is the only way to opt out; writing again undoes it.
        identity.opted_out = False
    if keyword is Keyword.OPT_IN and not identity.opted_out:
        return None
    if keyword is Keyword.OPT_OUT:
        identity.opted_out = True
    elif keyword is Keyword.OPT_IN:
        identity.opted_out = False
    return keyword
