"""My requests: the person's open tickets and where each one is."""

from __future__ import annotations

import re

from handlers.actions.tickets import list_open_tickets
from handlers.conversation.formats import short_day
from handlers.conversation.menu_flow import MenuFlow
from handlers.conversation.turn import State, Turn


async def show_requests(turn: Turn) -> State:
    """List open tickets with their status, then offer the menu."""
    tickets = await list_open_tickets(session=turn.session, contact_id=turn.contact.id or 0)
    if not tickets:
        return turn.show_menu(f"{turn.t('my_requests.none')}\n\n{turn.t('menu.prompt')}")
    lines = [turn.t("my_requests.intro")]
    for ticket in tickets:
        lines.append(
            turn.t(
                "my_requests.item",
                ref=ticket.ref,
                category=turn.t(f"category.{ticket.category.value}"),
                status=turn.t(f"status.{ticket.status.value}"),
                date=short_day(ticket.created_at, turn.lang),
            )
        )
    turn.say("\n".join(lines))
    return turn.show_menu(turn.t("menu.again"))


# Ahead of every need: "the status of my food request" asks about a request, not for food.
FLOW = MenuFlow(
    item="my_requests",
    intent=re.compile(r"\b(my requests?|my tickets?|hh-?\d+|reference|status of)\b"),
    intent_rank=10,
    begin=show_requests,
)
