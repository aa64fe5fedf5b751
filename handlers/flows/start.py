"""First contact: a greeting, the privacy notice with its Agree button, then tenant or carer."""

from __future__ import annotations

from handlers.conversation.events import Option
from handlers.conversation.turn import State, Turn
from models.enums import ContactRole


def _consent_options(turn: Turn) -> list[Option]:
    return [Option("agree", turn.t("consent.agree")), Option("decline", turn.t("consent.decline"))]


def _role_options(turn: Turn) -> list[Option]:
    return [Option("tenant", turn.t("role.tenant")), Option("carer", turn.t("role.carer"))]


def greet(turn: Turn) -> State:
    """Say hello and ask for agreement to the privacy notice."""
    name = turn.contact.display_name
    turn.say(turn.t("greeting", name=turn.t("greeting_name", name=name) if name else ""))
    turn.say(turn.t("consent.notice"), _consent_options(turn))
    return State.CONSENT


def ask_consent(turn: Turn, lead: str | None = None) -> State:
    """Show the privacy notice again, after `lead` if given."""
    notice = turn.t("consent.notice")
    turn.say(f"{lead}\n\n{notice}" if lead else notice, _consent_options(turn))
    return State.CONSENT


def consent(turn: Turn) -> State:
    """Record agreement (wording version and time) and ask tenant or carer."""
    chosen = turn.chosen()
    if chosen == "agree":
        turn.contact.consent_version = turn.t("consent.version")
        turn.contact.consented_at = turn.now
        turn.contact.updated_at = turn.now
        return ask_role(turn, turn.t("consent.thanks"))
    if chosen == "decline":
        turn.say(turn.t("consent.declined"))
        return State.CONSENT
    return ask_consent(turn, turn.t("consent.needed"))


def ask_role(turn: Turn, lead: str | None = None) -> State:
    """Ask whether the person is a tenant or a carer."""
    question = turn.t("role.question")
    turn.say(f"{lead} {question}" if lead else question, _role_options(turn))
    return State.ROLE


def role(turn: Turn) -> State:
    """Keep the person's role, then show the menu."""
    chosen = turn.chosen()
    if chosen is None:
        return ask_role(turn, turn.t("form.choose"))
    turn.contact.role = ContactRole(chosen)
    turn.contact.updated_at = turn.now
    return turn.show_menu()
