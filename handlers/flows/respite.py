"""Carer respite information: services near a postcode district, then an offer of a call back."""

from __future__ import annotations

import re
from typing import Any

from handlers.actions.directory import find_services_near
from handlers.conversation.events import Option
from handlers.conversation.forms import Form, Question, start_form
from handlers.conversation.menu_flow import MenuFlow
from handlers.conversation.parsers import answers
from handlers.conversation.turn import State, Turn
from handlers.flows.callback import CALLBACK
from models.enums import TicketCategory


def _offer_options(turn: Turn) -> list[Option]:
    return [
        Option("yes", turn.t("respite.callback_yes")),
        Option("no", turn.t("respite.callback_no")),
    ]


async def _show_services(turn: Turn, form: Form, given: dict[str, Any]) -> State:
    value = given["district"]["value"]
    if isinstance(value, dict):
        point = value["location"]
        found = await find_services_near(
            session=turn.session, latitude=point["latitude"], longitude=point["longitude"]
        )
        area = turn.t("respite.your_location")
    else:
        found = await find_services_near(session=turn.session, district=value)
        area = value
    if found:
        entries = []
        for entry in found:
            lines = [entry.name]
            if entry.phone:
                lines.append(turn.t("respite.phone", phone=entry.phone))
            if entry.website:
                lines.append(entry.website)
            if entry.description:
                lines.append(entry.description)
            entries.append("\n".join(lines))
        turn.say("\n\n".join([turn.t("respite.found", area=area), *entries]))
    else:
        turn.say(turn.t("respite.none", area=area))
    turn.data["question"] = None
    turn.say(turn.t("respite.offer_callback"), _offer_options(turn))
    return State.RESPITE_OFFER


RESPITE = Form(
    name="respite",
    category=TicketCategory.RESPITE,
    complete=_show_services,
    questions=(Question("district", parse=answers.district, accepts_location=True),),
)


FLOW = MenuFlow(
    item="respite",
    intent=re.compile(
        r"\b(respite|carers?|caring for|a break from caring|sitting service|short break|"
        r"day centre|day care|(need|needs|want|wants|could do with|get) a (short |little )?"
        r"break(?![- ]in))\b"
    ),
    intent_rank=30,
    form=RESPITE,
)


async def offer_callback(turn: Turn) -> State:
    """After the list: start a call-back request for carer support, or return to the menu."""
    chosen = turn.chosen()
    if chosen == "yes":
        district = turn.data.get("answers", {}).get("district")
        prefill = {"area": district} if district else None
        return start_form(turn, CALLBACK, prefill=prefill, category=TicketCategory.RESPITE)
    if chosen == "no":
        turn.data.clear()
        return turn.show_menu(turn.t("menu.again"))
    return reprompt_offer(turn)


def reprompt_offer(turn: Turn, lead: str | None = None) -> State:
    """Ask again whether the person wants a call back."""
    text = turn.t("respite.offer_callback")
    turn.say(f"{lead}\n\n{text}" if lead else text, _offer_options(turn))
    return State.RESPITE_OFFER
