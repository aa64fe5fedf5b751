"""Telegram invitations: a single-use, expiring link that joins a chat to an imported person.

Telegram gives a bot no phone number, so an imported Telegram person is joined by a link the
landlord sends them (`t.me/<bot>?start=<token>`). Opening it sends "/start <token>"; the chat's
identity then belongs to the imported record, and the person is greeted and asked for consent
as anyone is.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.errors import ConflictError
from models import ChannelIdentity, Contact, Conversation, Invitation, Message, Ticket
from models.enums import Channel

INVITATION_LIFE = timedelta(days=14)
# Telegram's deep-link payload: up to 64 characters of A-Z, a-z, 0-9, _ and -.
_START = re.compile(r"^/start\s+([A-Za-z0-9_-]{16,64})$")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def do_create_invitation(
    *, session: AsyncSession, contact: Contact, now: datetime
) -> tuple[Invitation, str]:
    """A new invitation for `contact` and its token, shown only this once (only a hash is kept)."""
    token = secrets.token_urlsafe(24)
    invitation = Invitation(
        contact_id=contact.id,  # type: ignore[arg-type]
        token_hash=_hash(token),
        expires_at=now + INVITATION_LIFE,
        created_at=now,
    )
    session.add(invitation)
    await session.flush()
    return invitation, token


def invitation_url(bot_username: str, token: str) -> str:
    """The link a person opens to join their Telegram chat to their record."""
    return f"https://t.me/{bot_username}?start={token}"


def check_invitable(contact: Contact) -> None:
    """Only a person we may write to can be invited; ConflictError otherwise."""
    if contact.preferred_channel not in (None, Channel.TELEGRAM.value):
        raise ConflictError(
            f"This person is reached by {contact.preferred_channel}; "
            "Telegram invitations are for Telegram contacts."
        )


async def do_accept_invitation(
    *,
    session: AsyncSession,
    identity: ChannelIdentity,
    contact: Contact,
    text: str | None,
    now: datetime,
) -> Contact:
    """Join a Telegram chat that opened an invitation link to the invited person; returns the
    person the chat now belongs to (`contact` when the text is no valid, unused invitation)."""
    match = _START.match((text or "").strip())
    if identity.channel is not Channel.TELEGRAM or match is None:
        return contact
    statement = (
        select(Invitation).where(Invitation.token_hash == _hash(match.group(1))).with_for_update()
    )
    invitation = (await session.exec(statement)).first()
    if invitation is None or invitation.used_at is not None or invitation.expires_at < now:
        return contact
    invitation.used_at = now
    if invitation.contact_id == contact.id:
        return contact
    invited = await session.get(Contact, invitation.contact_id)
    if invited is None:
        return contact
    previous = contact.id
    identity.contact_id = invited.id  # type: ignore[assignment]
    # What this chat already said and asked for follows it to the invited person's record.
    for table in (Message, Ticket):
        await session.exec(
            update(table).where(col(table.identity_id) == identity.id).values(contact_id=invited.id)
        )
    await session.flush()
    others = await session.exec(
        select(ChannelIdentity.id).where(ChannelIdentity.contact_id == previous)
    )
    if others.first() is None and contact.tenant_ref is None:
        # The record made for this chat a moment ago holds nothing else: it is not a person.
        await session.delete(contact)
    conversation = (
        await session.exec(select(Conversation).where(Conversation.identity_id == identity.id))
    ).first()
    if conversation is not None:
        # A fresh start, so the invited person is greeted and asked for consent.
        await session.delete(conversation)
    await session.flush()
    return invited
