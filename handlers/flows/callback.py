"""Call me back: the best time, and the number (offering the one we already know)."""

from __future__ import annotations

import re

from handlers.conversation.forms import Form, Question
from handlers.conversation.menu_flow import MenuFlow
from handlers.conversation.parsers import answers
from models.enums import TicketCategory

CALLBACK = Form(
    name="callback",
    category=TicketCategory.CALLBACK,
    summary_keys=("area",),
    questions=(
        Question("best_time", options=("morning", "afternoon", "evening", "any")),
        Question("phone", parse=answers.phone, known=answers.known_phone),
    ),
)


FLOW = MenuFlow(
    item="callback",
    intent=re.compile(
        r"\b(call me|ring me|phone me|call back|callback|ring back|talk to (a|some)one|"
        r"speak to (a|some)one|speak to a person)\b"
    ),
    intent_rank=60,
    form=CALLBACK,
)
