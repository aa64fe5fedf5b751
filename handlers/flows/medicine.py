"""Medicine: collecting a prescription — which pharmacy, when it is ready, who it is for."""

from __future__ import annotations

import re

from handlers.conversation.forms import Form, Question
from handlers.conversation.menu_flow import MenuFlow
from handlers.conversation.parsers import answers
from models.enums import TicketCategory

# Signs that waiting for a volunteer may be too slow; the person is pointed to 111 or 999.
_URGENT = re.compile(
    r"\b(urgent|urgently|emergency|asap|run out|ran out|running out|none left|no more left|"
    r"last (dose|tablet|pill)|insulin|inhaler|epipen|adrenaline|heart (pills|tablets|medication))\b"
)

MEDICINE = Form(
    name="medicine",
    category=TicketCategory.MEDICINE,
    urgent_words=_URGENT,
    questions=(
        Question("pharmacy", max_length=200),
        Question(
            "ready",
            options=("today", "tomorrow", "not_sure"),
            parse=answers.day,
            parse_options=True,
        ),
        Question("who_for", options=("me", "cared_for", "someone_else")),
    ),
)


# Ahead of transport: a prescription to pick up from the hospital is medicine.
FLOW = MenuFlow(
    item="medicine",
    intent=re.compile(
        r"\b(medicines?|medication|meds|prescriptions?|pharmacy|chemist|tablets|pills|"
        r"inhaler|insulin)\b"
    ),
    intent_rank=20,
    form=MEDICINE,
)
