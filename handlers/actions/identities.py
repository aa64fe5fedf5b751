"""Finding the person behind an incoming event, creating them on first contact."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.conversation.events import IncomingEvent
from models import ChannelIdentity, Contact


async def get_or_create_identity(
    *, session: AsyncSession, event: IncomingEvent, now: datetime
) -> tuple[ChannelIdentity, Contact]:
    """The identity and contact for the event's (channel, external id), created if new."""
    statement = select(ChannelIdentity).where(
        ChannelIdentity.channel == event.channel,
        ChannelIdentity.external_id == event.external_id,
    )
    identity = (await session.exec(statement)).first()
    if identity is None:
        contact = Contact(display_name=event.display_name, created_at=now, updated_at=now)
        try:
            # A savepoint, because two first messages from one person may race; the unique
            # constraint decides and the loser reads the winner's row.
            async with session.begin_nested():
                session.add(contact)
                await session.flush()
                identity = ChannelIdentity(
                    contact_id=contact.id,  # type: ignore[arg-type]
                    channel=event.channel,
                    external_id=event.external_id,
                    phone=event.phone,
                    profile=dict(event.profile),
                    created_at=now,
                )
                session.add(identity)
                await session.flush()
        except IntegrityError:
            identity = (await session.exec(statement)).one()
        else:
            return identity, contact
    contact_row = await session.get(Contact, identity.contact_id)
    if contact_row is None:  # pragma: no cover - the foreign key makes this impossible
        raise LookupError(f"identity {identity.id} has no contact")
    if event.profile and event.profile != identity.profile:
        identity.profile = {**identity.profile, **event.profile}
    if contact_row.display_name is None and event.display_name:
        contact_row.display_name = event.display_name
    return identity, contact_row
