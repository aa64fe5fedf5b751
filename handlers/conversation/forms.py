"""Request forms: a short run of questions, a summary to confirm, then a ticket.

Food, medicine, transport and call-back requests are all forms. A form declares its questions;
this module asks them in order, checks the answers, handles "back", and files the ticket.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from handlers.actions.tickets import do_create_ticket
from handlers.conversation.catalog import has
from handlers.conversation.events import Option
from handlers.conversation.turn import State, Turn
from models.enums import TicketCategory, TicketPriority


@dataclass(frozen=True)
class Answer:
    """An accepted answer: the value kept on the ticket and the words shown in the summary."""

    value: Any
    display: str


Parser = Callable[[str, Turn], Answer | None]
Completion = Callable[[Turn, "Form", dict[str, Any]], Awaitable[State]]


def free_text(text: str, turn: Turn) -> Answer | None:
    """Any words at all, kept as typed."""
    return Answer(text, text) if text else None


@dataclass(frozen=True)
class Question:
    """One question. Option labels come from `<form>.<key>_<option>` or the shared `answers.*`."""

    key: str
    options: tuple[str, ...] = ()
    parse: Parser | None = None
    accepts_location: bool = False
    ask_if: Callable[[Mapping[str, Any]], bool] | None = None
    known: Callable[[Turn], Answer | None] | None = None
    max_length: int = 300
    # Options that name a value the parser understands ("today") are stored parsed (a date).
    parse_options: bool = False


def _normal_priority(answers: Mapping[str, Any]) -> TicketPriority:
    return TicketPriority.NORMAL


@dataclass(frozen=True)
class Form:
    """A request: its questions, the ticket category, and how urgent the answers make it."""

    name: str
    category: TicketCategory
    questions: tuple[Question, ...]
    priority: Callable[[Mapping[str, Any]], TicketPriority] = _normal_priority
    urgent_words: re.Pattern[str] | None = None
    complete: Completion | None = None
    summary_keys: tuple[str, ...] = field(default=())

    def question(self, key: str) -> Question:
        return next(q for q in self.questions if q.key == key)


def _label(turn: Turn, form: Form, question: Question, option: str) -> str:
    own = f"{form.name}.{question.key}_{option}"
    if has(own, turn.lang):
        return turn.t(own)
    if has(f"answers.{option}", turn.lang):
        return turn.t(f"answers.{option}")
    return option


def _applies(question: Question, answers: Mapping[str, Any]) -> bool:
    return question.ask_if is None or question.ask_if(answers)


def _answers(turn: Turn) -> dict[str, Any]:
    answers: dict[str, Any] = turn.data.setdefault("answers", {})
    return answers


def _ask(turn: Turn, form: Form, question: Question, lead: str | None = None) -> State:
    turn.data["question"] = question.key
    prompt = turn.t(f"{form.name}.{question.key}")
    options = [Option(o, _label(turn, form, question, o)) for o in question.options]
    known = question.known(turn) if question.known else None
    if known is not None:
        prompt = turn.t(f"{form.name}.{question.key}_known", value=known.display)
        options = [Option("use_known", turn.t(f"{form.name}.{question.key}_use_known")), *options]
    turn.say(f"{lead}\n\n{prompt}" if lead else prompt, options)
    return State.QUESTION


def start_form(
    turn: Turn,
    form: Form,
    *,
    prefill: Mapping[str, Any] | None = None,
    category: TicketCategory | None = None,
) -> State:
    """Begin a form, optionally with answers already known, and ask its first question."""
    turn.data.clear()
    turn.data["form"] = form.name
    turn.data["answers"] = dict(prefill or {})
    if category is not None:
        turn.data["category"] = category.value
    return _next(turn, form)


def _next(turn: Turn, form: Form) -> State:
    answers = _answers(turn)
    for question in form.questions:
        if question.key not in answers and _applies(question, answers):
            return _ask(turn, form, question)
    if form.complete is not None:
        # Completion hooks are async, so `answer_question` runs them before it gets here.
        raise RuntimeError(f"form {form.name} completes only through answer_question")
    return _show_summary(turn, form)


def _summary_lines(turn: Turn, form: Form) -> list[str]:
    answers = _answers(turn)
    lines = []
    for question in form.questions:
        if question.key in answers:
            label = turn.t(f"{form.name}.{question.key}_summary")
            lines.append(f"{label}: {answers[question.key]['display']}")
    for key in form.summary_keys:
        if key in answers:
            lines.append(f"{turn.t(f'{form.name}.{key}_summary')}: {answers[key]['display']}")
    return lines


def _show_summary(turn: Turn, form: Form) -> State:
    turn.data["question"] = None
    lines = [turn.t("form.summary_intro"), *_summary_lines(turn, form), "", turn.t("form.confirm")]
    options = [
        Option("send", turn.t("form.send")),
        Option("back", turn.t("form.back")),
        Option("cancel", turn.t("form.cancel")),
    ]
    turn.say("\n".join(lines), options)
    return State.CONFIRM


def reprompt(turn: Turn, form: Form, lead: str | None = None) -> State:
    """Ask the current question (or show the summary) again, after `lead` if given."""
    key = turn.data.get("question")
    if key is None:
        if lead:
            turn.say(lead)
        return _show_summary(turn, form)
    return _ask(turn, form, form.question(key), lead)


def go_back(turn: Turn, form: Form) -> State:
    """Return to the previous question, forgetting its answer; from the first, to the menu."""
    answers = _answers(turn)
    current = turn.data.get("question")
    asked = [q for q in form.questions if _applies(q, answers)]
    keys = [q.key for q in asked]
    position = keys.index(current) if current in keys else len(keys)
    for question in reversed(asked[:position]):
        if question.key in answers:
            del answers[question.key]
            return _ask(turn, form, question)
    turn.data.clear()
    return turn.show_menu()


def _read_answer(turn: Turn, form: Form, question: Question) -> Answer | str:
    """The answer in this event, or the catalog key of the reason it is not one."""
    event = turn.event
    if event.location is not None:
        if not question.accepts_location:
            return "media.location_not_needed"
        where = {"latitude": event.location.latitude, "longitude": event.location.longitude}
        return Answer({"location": where}, turn.t("answers.shared_location"))
    chosen = turn.chosen()
    if chosen == "use_known" and question.known is not None:
        known = question.known(turn)
        if known is not None:
            return known
    if chosen is not None and chosen in question.options:
        parsed = question.parse(chosen, turn) if question.parse and question.parse_options else None
        return parsed or Answer(chosen, _label(turn, form, question, chosen))
    if not turn.text:
        # A button from an older message is a choice, just not one of these.
        return "form.choose" if event.choice is not None else "input.empty"
    if len(turn.text) > question.max_length:
        return "input.too_long"
    if question.parse is not None:
        parsed = question.parse(turn.text, turn)
        if parsed is not None:
            return parsed
        invalid = f"{form.name}.{question.key}_invalid"
        return invalid if has(invalid, turn.lang) else "form.choose"
    if question.options:
        return "form.choose"
    return Answer(turn.text, turn.text)


async def answer_question(turn: Turn, form: Form, *, advised: bool = False) -> State:
    """Take the person's answer to the current question and move on.

    `advised` means an urgent-help message was already given this turn, so the form's own
    urgent advice is not repeated (the request is still marked urgent).
    """
    question = form.question(turn.data["question"])
    result = _read_answer(turn, form, question)
    if isinstance(result, str):
        limit = question.max_length
        return reprompt(
            turn,
            form,
            turn.t(result, limit=limit) if result == "input.too_long" else turn.t(result),
        )
    answers = _answers(turn)
    answers[question.key] = {"value": result.value, "display": result.display}
    if form.urgent_words is not None and form.urgent_words.search(turn.text.lower()):
        if not turn.data.get("urgent") and not advised:
            turn.say(turn.t(f"{form.name}.urgent"))
        turn.data["urgent"] = True
    remaining = [q for q in form.questions if q.key not in answers and _applies(q, answers)]
    if not remaining and form.complete is not None:
        return await form.complete(turn, form, answers)
    return _next(turn, form)


async def confirm(turn: Turn, form: Form) -> State:
    """Act on the summary: send the request, go back, or cancel."""
    chosen = turn.chosen()
    if chosen == "back":
        return go_back(turn, form)
    if chosen == "cancel":
        turn.data.clear()
        return turn.show_menu(turn.t("cancel.done"))
    if chosen != "send":
        return reprompt(turn, form, turn.t("form.choose"))
    answers = _answers(turn)
    details = {key: answer["value"] for key, answer in answers.items()}
    priority = form.priority(answers)
    if turn.data.get("urgent") and priority in (TicketPriority.NORMAL, TicketPriority.LOW):
        priority = TicketPriority.HIGH
    category = TicketCategory(turn.data.get("category", form.category.value))
    ticket = await do_create_ticket(
        session=turn.session,
        contact=turn.contact,
        identity=turn.identity,
        category=category,
        details=details,
        priority=priority,
        now=turn.now,
    )
    turn.data.clear()
    done = turn.t("form.done", ref=ticket.ref, next_steps=turn.t(f"{form.name}.next_steps"))
    turn.say(done, ticket=ticket)
    return turn.show_menu(turn.t("menu.again"))
