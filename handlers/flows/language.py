"""The language menu: open from any step, choose, and carry on where the person was."""

from __future__ import annotations

import copy

from handlers.conversation.events import Option
from handlers.conversation.languages import available_languages, language_name
from handlers.conversation.navigation import reprompt
from handlers.conversation.turn import State, Turn
from models.enums import LanguageSource

_CHOICE_PREFIX = "lang:"


def _options() -> list[Option]:
    # Each language named in its own tongue: the person may not read the one spoken now.
    return [
        Option(f"{_CHOICE_PREFIX}{code}", language_name(code)) for code in available_languages()
    ]


def open_menu(turn: Turn, lead: str | None = None) -> State:
    """Offer the languages, keeping where the person was so they can carry on from there."""
    if turn.state is not State.LANGUAGE:
        turn.data = {
            "language_return": {"state": turn.state.value, "data": copy.deepcopy(turn.data)}
        }
    prompt = f"🌐 {turn.t('form.choose')}"
    turn.say(f"{lead}\n\n{prompt}" if lead else prompt, _options())
    return State.LANGUAGE


def _carry_on(turn: Turn) -> State:
    saved = turn.data.get("language_return", {})
    turn.data = copy.deepcopy(saved.get("data", {}))
    turn.state = State(saved.get("state", State.MENU.value))
    return reprompt(turn)


def choose(turn: Turn, command: str | None) -> State:
    """Store the chosen language and ask again, in it, what the person was last asked."""
    chosen = turn.chosen()
    if chosen is not None and chosen.startswith(_CHOICE_PREFIX):
        turn.contact.language = chosen.removeprefix(_CHOICE_PREFIX)
        turn.contact.language_source = LanguageSource.PERSON
        turn.contact.updated_at = turn.now
        return _carry_on(turn)
    if command in ("back", "cancel", "menu"):
        # Nothing chosen: back to where they were, in the language they had.
        return _carry_on(turn)
    if command == "help":
        return open_menu(turn, turn.t("help.text"))
    return open_menu(turn)
