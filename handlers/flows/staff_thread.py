"""Talking back to staff: after a staff reply, the person's words join that ticket; REOPEN reopens.

This runs at the menu, outside any request, before free text is read as a new need: someone
answering "10am at the hospital" to a question from staff means the ticket, not a new ride.
"""

from __future__ import annotations

from handlers.actions.ticket_threads import (
    do_contact_answer,
    do_reopen_by_contact,
    find_reopenable_ticket,
    find_ticket_awaiting_reply,
)
from handlers.conversation.matching import normalise
from handlers.conversation.turn import State, Turn

REOPEN_WORDS = {"reopen", "re open", "open again"}


async def reopen(turn: Turn) -> State:
    """Reopen the person's most recently resolved ticket, if it was resolved lately."""
    ticket = await find_reopenable_ticket(
        session=turn.session, contact_id=turn.contact.id or 0, now=turn.now
    )
    if ticket is None:
        return turn.show_menu(f"{turn.t('staff.nothing_to_reopen')}\n\n{turn.t('menu.prompt')}")
    await do_reopen_by_contact(session=turn.session, ticket=ticket, now=turn.now)
    if turn.inbound is not None:
        await do_contact_answer(
            session=turn.session, ticket=ticket, message=turn.inbound, now=turn.now
        )
    turn.say(turn.t("staff.reopened", ref=ticket.ref), ticket=ticket)
    return turn.show_menu(turn.t("menu.again"))


async def answer_staff(turn: Turn) -> State | None:
    """Join free text to the ticket staff last wrote about; None when there is no such ticket."""
    if turn.inbound is None:
        return None
    if normalise(turn.text) in REOPEN_WORDS:
        return await reopen(turn)
    ticket = await find_ticket_awaiting_reply(session=turn.session, contact_id=turn.contact.id or 0)
    if ticket is None:
        return None
    await do_contact_answer(session=turn.session, ticket=ticket, message=turn.inbound, now=turn.now)
    turn.say(turn.t("staff.answer_joined", ref=ticket.ref), turn.menu_options(), ticket=ticket)
    return State.MENU
