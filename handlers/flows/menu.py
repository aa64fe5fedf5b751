"""The main menu: a chosen item, or a need named in words, starts its flow."""

from __future__ import annotations

from handlers.conversation.forms import start_form
from handlers.conversation.intents import detect_intent
from handlers.conversation.turn import State, Turn
from handlers.flows.callback import CALLBACK
from handlers.flows.food import FOOD
from handlers.flows.medicine import MEDICINE
from handlers.flows.my_requests import show_requests
from handlers.flows.respite import RESPITE
from handlers.flows.staff_thread import answer_staff
from handlers.flows.transport import TRANSPORT

FORMS_BY_ITEM = {
    "food": FOOD,
    "medicine": MEDICINE,
    "transport": TRANSPORT,
    "respite": RESPITE,
    "callback": CALLBACK,
}


async def start_item(turn: Turn, item: str) -> State:
    """Begin the flow behind a menu item."""
    if item == "my_requests":
        return await show_requests(turn)
    return start_form(turn, FORMS_BY_ITEM[item])


async def menu(turn: Turn) -> State:
    """Act on a menu choice; free text answers staff, or names a need; anything else, a hint."""
    item = turn.chosen()
    if item is None and turn.text:
        joined = await answer_staff(turn)
        if joined is not None:
            return joined
        item = detect_intent(turn.text)
    if item is None:
        return turn.show_menu(turn.t("menu.not_understood"))
    return await start_item(turn, item)
