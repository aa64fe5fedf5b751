"""Food: who it is for, how many people, diet, how soon, and where to deliver."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from handlers.conversation.forms import Form, Question
from handlers.conversation.menu_flow import MenuFlow
from handlers.conversation.parsers import answers
from models.enums import TicketCategory, TicketPriority


def _priority(given: Mapping[str, Any]) -> TicketPriority:
    # Someone with no food today is seen before someone planning for the week.
    when = given.get("when", {}).get("value")
    return TicketPriority.HIGH if when == "today" else TicketPriority.NORMAL


FOOD = Form(
    name="food",
    category=TicketCategory.FOOD,
    priority=_priority,
    questions=(
        Question("who_for", options=("me", "cared_for", "someone_else")),
        Question(
            "people",
            options=("1", "2", "3", "4", "5plus"),
            parse=answers.people,
            parse_options=True,
        ),
        Question(
            "diet",
            options=("none", "vegetarian", "halal", "kosher", "gluten_free", "diabetic"),
            parse=answers.words,
        ),
        Question("when", options=("today", "tomorrow", "this_week")),
        Question("postcode", parse=answers.postcode, accepts_location=True),
    ),
)


FLOW = MenuFlow(
    item="food",
    intent=re.compile(
        r"\b(food|hungry|groceries|grocery|shopping|meals?|food ?bank|nothing to eat|"
        r"bread|milk|eat)\b"
    ),
    intent_rank=50,
    form=FOOD,
)
