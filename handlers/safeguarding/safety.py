"""The safety question, for a message that may be an emergency but does not say so clearly.

The person gets the numbers at once and "Are you, or someone with you, in danger right now?"
with Yes and No, in the language they wrote in.  Yes is answered as a clear alert (an urgent
ticket and the emergency answer); No takes them back to exactly where they were and asks again
what that step was waiting for.
"""

from __future__ import annotations

from handlers.checkins.conversation import (
    ask_checkin_again,
    settle_after_alert,
    waiting_checkin_id,
)
from handlers.conversation.catalog import messages, t, understood
from handlers.conversation.events import Option
from handlers.conversation.navigation import IN_FLOW, reprompt
from handlers.conversation.turn import State, Turn
from handlers.safeguarding.alerts import Alert, AlertKind
from handlers.safeguarding.detection import Assessment
from handlers.safeguarding.folding import fold
from handlers.safeguarding.response import do_raise_alert

_GENERAL = Alert(AlertKind.EMERGENCY, "emergency")


def answer_language(turn: Turn, assessment: Assessment) -> str:
    """The contact's own language when it is not English, else the one the message was in."""
    if turn.lang != "en":
        return turn.lang
    if assessment.language and messages(assessment.language):
        return assessment.language
    return "en"


def _t(turn: Turn, language: str, key: str) -> str:
    return t(key, language, variant=turn.identity.channel.value)


def _options(turn: Turn, language: str) -> list[Option]:
    return [
        Option("yes", _t(turn, language, "safety.yes")),
        Option("no", _t(turn, language, "safety.no")),
    ]


async def ask(turn: Turn, assessment: Assessment) -> State:
    """Give the numbers and ask whether anyone is in danger now; remember where they were,
    and the check-in they were answering, if any."""
    language = answer_language(turn, assessment)
    alert = assessment.alert or _GENERAL
    if turn.state is not State.SAFETY:
        turn.data["safety"] = {
            "back_to": turn.state.value,
            "checkin": await waiting_checkin_id(turn),
            "kind": alert.kind.value,
            "signal": alert.signal,
            "language": language,
        }
    turn.say(_t(turn, language, "safety.question"), _options(turn, language))
    return State.SAFETY


def _answer_words(answer: str, language: str) -> tuple[str, ...]:
    """The folded words the catalog lists as `answer` ("yes" or "no") to the question."""
    listed = t(f"safety.{answer}_words", language).split(",")
    return tuple(fold(word) for word in listed if word.strip())


def _typed(turn: Turn, language: str) -> str | None:
    """Yes or no typed in the person's language, or in English where their language gives
    the word no other meaning (a Polish "no" is "yeah")."""
    words = fold(turn.text)
    for answer, listed in understood(("yes", "no"), language, _answer_words).items():
        if words in listed:
            return answer
    return None


def _chosen(turn: Turn, language: str) -> str | None:
    """The answer the person's button, number, label or words give, read in the question's
    language. Only the question's own words count: an everyday "yes" such as "iawn", "dobrze"
    or "ok" agrees to something, but said to "are you in danger?" it means "I'm fine"."""
    return turn.picked() or _typed(turn, language)


def yes_alert(turn: Turn) -> tuple[Alert, str] | None:
    """The alert a Yes to the safety question raises and the language to answer in; None when
    the turn is not that Yes."""
    if turn.state is not State.SAFETY:
        return None
    saved = turn.data.get("safety") or {}
    language = str(saved.get("language") or turn.lang)
    if _chosen(turn, language) != "yes":
        return None
    return Alert(AlertKind(saved.get("kind", "emergency")), str(saved.get("signal", ""))), language


def mark_raised(turn: Turn) -> None:
    """Note that the Yes's alert was already raised (and committed) before the step."""
    saved = turn.data.get("safety")
    if isinstance(saved, dict):
        saved["raised"] = True


async def answer(turn: Turn) -> State:
    """Yes raises the alert; No goes back to where they were; anything else asks again."""
    saved = turn.data.get("safety") or {}
    language = str(saved.get("language") or turn.lang)
    chosen = _chosen(turn, language)
    back_to = State(saved.get("back_to", State.MENU.value))
    if chosen is None:
        turn.say(_t(turn, language, "safety.question"), _options(turn, language))
        return State.SAFETY
    turn.data.pop("safety", None)
    turn.state = back_to
    if chosen == "yes":
        if not saved.get("raised"):
            alert = Alert(AlertKind(saved.get("kind", "emergency")), str(saved.get("signal", "")))
            await do_raise_alert(turn, alert, language=language)
        # As after a clear alert: a waiting check-in is answered by it, not chased.
        await settle_after_alert(turn)
        # As after a clear alert: a request in progress is shown again, anything else waits.
        if back_to in IN_FLOW:
            return reprompt(turn, _t(turn, language, "alert.carry_on"))
        return back_to
    thanks = _t(turn, language, "safety.thanks")
    checkin_id = saved.get("checkin")
    if isinstance(checkin_id, int):
        asked = await ask_checkin_again(turn, checkin_id, thanks)
        if asked is not None:
            return asked
    return reprompt(turn, thanks)
