"""What the person sent, when the conversation failed on it every time it was tried: a ticket,
so their words reach staff rather than waiting unseen, and a short apology to the person saying
that someone will reply.

Kept to the few writes any ticket needs (the person, the ticket, its timeline), since it runs
when the ordinary step is broken: what they sent is not recorded as a message. The apology is
queued in the same transaction, on the ticket's timeline, but under a savepoint: should its
writes fail too (the messages table may be what broke the step), the ticket still opens.
Nothing is queued on a call (it is over, and a queued message would ring them), nor to someone
opted out. A STOP or START is applied here as the conversation would have (without its
confirmation): a STOP that broke the step still stops every message, check-ins included.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.identities import apply_opt_word, get_or_create_identity
from handlers.actions.outbox import queue_reply
from handlers.actions.tickets import add_event, do_create_ticket
from handlers.conversation.catalog import t
from handlers.conversation.events import IncomingEvent, Reply
from handlers.conversation.languages import choose_language
from models import ChannelIdentity, Contact, Ticket
from models.enums import (
    ActorType,
    Channel,
    EventKind,
    OutboundPriority,
    TicketCategory,
    TicketPriority,
)

log = logging.getLogger(__name__)

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
    could not be handled automatically, and tell them a person will reply (see the module)."""
    identity, contact = await get_or_create_identity(session=session, event=event, now=now)
    # They wrote then: what staff may send them on WhatsApp (its 24-hour window) counts from it.
    if identity.last_inbound_at is None or identity.last_inbound_at < received_at:
        identity.last_inbound_at = received_at
    # Their word on being written to holds whatever broke the step, as in a conversation: a
    # STOP stops everything (check-ins included) at once, a START lets the answer reach them.
    apply_opt_word(identity, event, event.keyword)
    # Someone new is spoken to in their app's language, as their first answer would have been;
    # not guessed from their words, since the detector runs in the step that kept failing.
    if choose_language(contact, event, detect=False):
        contact.updated_at = now
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
    if _may_be_told(event, identity):
        await _apologise(session, identity, contact, ticket, now)
    return ticket


def _may_be_told(event: IncomingEvent, identity: ChannelIdentity) -> bool:
    """Whether a queued text makes sense: not on a call (it has ended, and delivery on the
    voice channel rings them), not to someone opted out (their STOP applied already)."""
    if event.replies_inline or event.channel is Channel.VOICE:
        return False
    return not identity.opted_out


async def _apologise(
    session: AsyncSession,
    identity: ChannelIdentity,
    contact: Contact,
    ticket: Ticket,
    now: datetime,
) -> None:
    """Queue the apology on the ticket, at a reply's priority; if that fails, the ticket is
    kept without it (and staff, replying, are the first to answer)."""
    ref = ticket.ref
    try:
        text = t("error.handed_to_staff", contact.language, variant=identity.channel.value)
        async with session.begin_nested():
            await queue_reply(
                session=session,
                identity=identity,
                reply=Reply(text),
                now=now,
                ticket=ticket,
                # As the step's answer would have gone: the ticket is urgent because nobody has
                # read it, and this is no emergency answer (those go first, as EMERGENCY).
                priority=OutboundPriority.REPLY,
            )
    except Exception:
        log.exception("ticket %s is open, but its apology to the person was not queued", ref)
        # Rolling back the savepoint expired what it had changed (the ticket's updated_at).
        await session.refresh(ticket)
