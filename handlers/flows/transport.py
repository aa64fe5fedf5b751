"""Transport: what the trip is for, when, from where to where, and help getting about."""

from __future__ import annotations

import re

from handlers.conversation.forms import Form, Question
from handlers.conversation.menu_flow import MenuFlow
from handlers.conversation.parsers import answers
from models.enums import TicketCategory

TRANSPORT = Form(
    name="transport",
    category=TicketCategory.TRANSPORT,
    questions=(
        Question("purpose", options=("gp", "hospital", "vaccination", "other")),
        Question(
            "purpose_detail",
            ask_if=lambda given: given.get("purpose", {}).get("value") == "other",
            max_length=200,
        ),
        Question("date", options=("today", "tomorrow"), parse=answers.day, parse_options=True),
        Question("time", parse=answers.clock_time),
        Question("pickup", options=("home",), parse=answers.words, accepts_location=True),
        Question("destination", max_length=200),
        Question(
            "mobility",
            options=("none", "wheelchair", "walking_aid", "companion"),
            parse=answers.words,
        ),
    ),
)


FLOW = MenuFlow(
    item="transport",
    intent=re.compile(
        r"\b(lift|ride|transport|taxi|drive me|driver|get to (the )?(hospital|gp|doctors?|"
        r"surgery|clinic|appointment)|hospital appointment|gp appointment|vaccination|"
        r"jab|booster|appointment)\b"
    ),
    intent_rank=40,
    form=TRANSPORT,
)
