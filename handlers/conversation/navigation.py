"""Finding one's way anywhere: "menu", "back", "cancel", "help" and "language", a pause, and
asking again.

The words come from the catalog's `[words]`: the person's language and English for the four
commands, and every language we speak for "language", since someone stuck in a language they
cannot read can only type the word in their own.

A long silence in the middle of a request earns "carry on or start again?", and whatever a
state is waiting for can be asked again after a lead ("Sorry, that was a photo").
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

from handlers.conversation import forms
from handlers.conversation.catalog import words
from handlers.conversation.events import Option
from handlers.conversation.languages import SUPPORTED_LANGUAGES
from handlers.conversation.parsers.text import fold
from handlers.conversation.turn import State, Turn
from handlers.flows import respite, start
from handlers.flows.registry import form_named

# States in the middle of a request, where a long silence earns "carry on or start again?".
IN_FLOW = (State.QUESTION, State.CONFIRM, State.RESPITE_OFFER)

COMMANDS = ("menu", "back", "cancel", "help")


def command_in(turn: Turn) -> str | None:
    """The command the typed message is, if it is only that ("Menu", "/help", "iaith")."""
    typed = fold(turn.text)
    if not typed or turn.event.choice is not None:
        return None
    for command, listed in turn.words(COMMANDS).items():
        if typed in listed:
            return command
    if any(typed in words("language", code) for code in SUPPORTED_LANGUAGES):
        return "language"
    return None


def current_form(turn: Turn) -> forms.Form:
    """The form the conversation is in, found by the name its stored state keeps."""
    return form_named(turn.data["form"])


def ask_resume(turn: Turn, lead: str | None = None) -> State:
    """Offer to carry on with the paused request or start again."""
    saved = turn.data.get("resume", {})
    flow = turn.t(f"flow.{saved.get('data', {}).get('form', 'food')}")
    text = turn.t("expired.prompt", flow=flow)
    options = [
        Option("carry_on", turn.t("expired.carry_on")),
        Option("restart", turn.t("expired.restart")),
    ]
    turn.say(f"{lead}\n\n{text}" if lead else text, options)
    return State.RESUME


def resume(turn: Turn) -> State:
    """Act on the answer to "carry on or start again?"."""
    chosen = turn.chosen()
    if chosen == "carry_on":
        saved = turn.data.get("resume", {})
        turn.data.clear()
        turn.data.update(copy.deepcopy(saved.get("data", {})))
        turn.state = State(saved.get("state", State.MENU.value))
        return reprompt(turn)
    if chosen == "restart":
        turn.data.clear()
        return turn.show_menu()
    return ask_resume(turn, turn.t("form.choose"))


def reprompt(turn: Turn, lead: str | None = None) -> State:
    """Ask again whatever the current state is waiting for, after `lead` if given."""
    match turn.state:
        case State.NEW | State.CONSENT:
            return start.ask_consent(turn, lead)
        case State.ROLE:
            return start.ask_role(turn, lead)
        case State.QUESTION | State.CONFIRM:
            return forms.reprompt(turn, current_form(turn), lead)
        case State.RESPITE_OFFER:
            return respite.reprompt_offer(turn, lead)
        case State.RESUME:
            return ask_resume(turn, lead)
        case _:
            intro = f"{lead}\n\n{turn.t('menu.prompt')}" if lead else None
            return turn.show_menu(intro)


def navigate(
    turn: Turn, command: str | None, last_seen: datetime, idle_after: timedelta
) -> State | None:
    """Act on a pause in a request or a navigation command; None when there is neither."""
    if (
        turn.state in IN_FLOW
        and command not in ("menu", "cancel", "help")
        and (turn.now - last_seen > idle_after)
    ):
        turn.data = {"resume": {"state": turn.state.value, "data": copy.deepcopy(turn.data)}}
        return ask_resume(turn)

    if command == "help":
        return reprompt(turn, turn.t("help.text"))
    if command == "menu":
        turn.data.clear()
        return turn.show_menu()
    if command == "cancel":
        cancelled = turn.state in IN_FLOW or turn.state is State.RESUME
        turn.data.clear()
        return turn.show_menu(turn.t("cancel.done") if cancelled else None)
    if command == "back":
        if turn.state in (State.QUESTION, State.CONFIRM):
            return forms.go_back(turn, current_form(turn))
        turn.data.clear()
        return turn.show_menu()
    return None
