"""The main menu: a chosen item, or a need named in words, starts its flow."""

from __future__ import annotations

from handlers.conversation.catalog import DEFAULT_LANGUAGE
from handlers.conversation.intents import detect_intent, detect_labelled_intent
from handlers.conversation.turn import LANGUAGE_OPTION, State, Turn
from handlers.flows.registry import MENU, menu_flow
from handlers.flows.staff_thread import answer_staff


async def menu(turn: Turn) -> State:
    """Act on a menu choice; free text answers staff, or names a need; anything else, a hint."""
    item = turn.chosen()
    if item is None and turn.text:
        joined = await answer_staff(turn)
        if joined is not None:
            return joined
        item = detect_intent(turn.text, MENU)
        if item is None and turn.lang != DEFAULT_LANGUAGE:
            # English has its patterns; other languages are read through the menu's labels.
            needs = [(o.id, o.label) for o in turn.menu_options() if o.id != LANGUAGE_OPTION]
            item = detect_labelled_intent(turn.text, needs)
    if item is None:
        return turn.show_menu(turn.t("menu.not_understood"))
    return await menu_flow(item).start(turn)
