"""Copies of a person's data sent to them: a document on the chat, or a single-use link.

A channel that can send files (Telegram) sends the copy itself; the others (WhatsApp, SMS)
send a link that works once and expires within a day. Only the digest of a link's token is
stored, so the database alone cannot open one.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.contacts import access_contact
from handlers.actions.data_rights import find_contact_export
from handlers.actions.errors import NotFoundError
from handlers.conversation.events import Attachment
from models import Contact, DataLink, Message

LINK_LIFETIME = timedelta(hours=23)
"""A link to a copy of someone's data works once, and not after this long."""


@dataclass(frozen=True)
class PreparedCopy:
    """A copy ready to go with a message, and the token of its link."""

    filename: str
    content_type: str
    content: bytes
    token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def do_make_data_link(*, session: AsyncSession, contact_id: int, now: datetime) -> str:
    """A new single-use token for a copy of the person's data; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    session.add(
        DataLink(
            contact_id=contact_id,
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
    )
    await session.flush()
    return token


async def do_use_data_link(*, session: AsyncSession, token: str, now: datetime) -> dict[str, Any]:
    """The person's copy behind a link, which then stops working; NotFoundError for a link
    that is unknown, used or expired (all alike, so a guess learns nothing)."""
    statement = select(DataLink).where(DataLink.token_hash == _digest(token)).with_for_update()
    link = (await session.exec(statement)).first()
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise NotFoundError("This link has expired or was used already.")
    link.used_at = now
    contact = await access_contact(session=session, contact_id=link.contact_id)
    return await find_contact_export(session=session, contact=contact, now=now, for_person=True)


async def find_link_contact(*, session: AsyncSession, token: str, now: datetime) -> Contact:
    """Whose copy a link still opens, without using it up; NotFoundError when it cannot."""
    link = (
        await session.exec(select(DataLink).where(DataLink.token_hash == _digest(token)))
    ).first()
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise NotFoundError("This link has expired or was used already.")
    return await access_contact(session=session, contact_id=link.contact_id)


async def do_prepare_copy(
    *, session: AsyncSession, message: Message, now: datetime
) -> PreparedCopy | None:
    """The copy an outbound message carries, made as it is sent; None when it carries none."""
    if message.payload.get("attachment") != Attachment.DATA_COPY.value:
        return None
    contact = await access_contact(session=session, contact_id=message.contact_id)
    export: dict[str, Any] = await find_contact_export(
        session=session, contact=contact, now=now, for_person=True
    )
    content = json.dumps(export, ensure_ascii=False, indent=2).encode()
    token = await do_make_data_link(session=session, contact_id=message.contact_id, now=now)
    return PreparedCopy(f"my-data-{now:%Y-%m-%d}.json", "application/json", content, token)
