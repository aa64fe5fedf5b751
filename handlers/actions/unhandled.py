"""What the person sent, when the conversation failed on it every time it was tried: a ticket,
so their words reach staff rather than waiting unseen.

Kept to the few writes any ticket needs (the person, the ticket, its timeline), since it runs
when the ordinary step is broken: nothing is recorded as a message and no reply is queued.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.identities import get_or_create_identity
from handlers.actions.tickets import add_event, do_create_ticket
from handlers.conversation.events import IncomingEvent
from models import Ticket
from models.enums import ActorType, EventKind, TicketCategory, TicketPriority

# Nobody has read it: it may be anything, an emergency among them, so it goes before staff as
# urgent tickets do (first in the queue, on the urgent view, paged to whoever is on duty).
PRIORITY = TicketPriority.URGENT


def _what_was_sent(event: IncomingEvent, received_at: datetime) -> dict[str, Any]:
    """The event as a ticket's details: the words, and whatever else came with them."""
    sent: dict[str, Any] = {
        "message": event.text or "",
        "received_at": received_at.isoformat(timespec="seconds"),
    }
    if event.choice is not None:
        sent["button"] = event.choice
    if event.location is not None:
        sent["location"] = f"{event.location.latitude}, {event.location.longitude}"
    if event.media:
        sent["media"] = ", ".join(media.kind.value for media in event.media)
    return sent


async def do_hand_to_staff(
    *, session: AsyncSession, event: IncomingEvent, received_at: datetime, now: datetime
) -> Ticket:
    """Open an urgent ticket for the person holding what they sent, its timeline saying it
    could not be handled automatically."""
    identity, contact = await get_or_create_identity(session=session, event=event, now=now)
    ticket = await do_create_ticket(
        session=session,
        contact=contact,
        identity=identity,
        category=TicketCategory.OTHER,
        details=_what_was_sent(event, received_at),
        priority=PRIORITY,
        now=now,
    )
    await add_event(
        session=session,
        ticket=ticket,
        kind=EventKind.HANDLING_FAILED,
        actor_type=ActorType.SYSTEM,
        now=now,
    )
    return ticket
