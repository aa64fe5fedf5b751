"""Call me back: the best time, and the number (offering the one we already know)."""

from __future__ import annotations

from handlers.conversation.forms import Form, Question, register
from handlers.conversation.parsers import answers
from models.enums import TicketCategory

CALLBACK = register(
    Form(
        name="callback",
        category=TicketCategory.CALLBACK,
        summary_keys=("area",),
        questions=(
            Question("best_time", options=("morning", "afternoon", "evening", "any")),
            Question("phone", parse=answers.phone, known=answers.known_phone),
        ),
    )
)
