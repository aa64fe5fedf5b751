"""Answering an alert: the right numbers at once, and an urgent ticket put before staff."""

from __future__ import annotations

import logging
from datetime import timedelta

from handlers.actions.outbox import link_inbound
from handlers.actions.tickets import add_event, do_create_ticket, find_open_alert_ticket
from handlers.conversation.catalog import has, t
from handlers.conversation.turn import State, Turn
from handlers.safeguarding.alerts import Alert
from models.enums import ActorType, EventKind, TicketCategory, TicketPriority

log = logging.getLogger(__name__)

# A second alarming message soon after the first joins the same urgent ticket.
ALERT_WINDOW = timedelta(hours=2)


async def do_raise_alert(turn: Turn, alert: Alert, *, language: str | None = None) -> State:
    """Answer an emergency at once with the right numbers, and put it before staff as urgent.

    The answer is in `language` when given (the one the person wrote in), else in theirs.
    """
    ticket = await find_open_alert_ticket(
        session=turn.session, contact_id=turn.contact.id or 0, since=turn.now - ALERT_WINDOW
    )
    if ticket is None:
        ticket = await do_create_ticket(
            session=turn.session,
            contact=turn.contact,
            identity=turn.identity,
            category=TicketCategory.WELFARE,
            priority=TicketPriority.URGENT,
            details={"alert": alert.kind.value, "signal": alert.signal},
            now=turn.now,
        )
    await add_event(
        session=turn.session,
        ticket=ticket,
        kind=EventKind.ALERT,
        actor_type=ActorType.SYSTEM,
        now=turn.now,
        data={"alert": alert.kind.value, "signal": alert.signal},
    )
    if turn.inbound is not None:
        await link_inbound(session=turn.session, message=turn.inbound, ticket=ticket, now=turn.now)
    lang = language or turn.lang
    variant = turn.identity.channel.value
    text = t(f"alert.{alert.kind.value}", lang, variant=variant, ref=ticket.ref)
    if has(f"alert.advice_{alert.signal}", lang):
        text = f"{t(f'alert.advice_{alert.signal}', lang, variant=variant)}\n\n{text}"
    turn.say(text, ticket=ticket)
    log.warning("safeguarding alert %s raised on ticket %s", alert.signal, ticket.ref)
    return turn.state
