"""Recognising a need named in free text at the menu ("I need a lift to the hospital")."""

from __future__ import annotations

import re

# Checked in order: a prescription to pick up from the hospital is medicine, not transport.
_INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("my_requests", re.compile(r"\b(my requests?|my tickets?|hh-?\d+|reference|status of)\b")),
    (
        "medicine",
        re.compile(
            r"\b(medicines?|medication|meds|prescriptions?|pharmacy|chemist|tablets|pills|"
            r"inhaler|insulin)\b"
        ),
    ),
    (
        "respite",
        re.compile(
            r"\b(respite|carers?|caring for|a break from caring|sitting service|short break|"
            r"day centre|day care|(need|needs|want|wants|could do with|get) a (short |little )?"
            r"break(?![- ]in))\b"
        ),
    ),
    (
        "transport",
        re.compile(
            r"\b(lift|ride|transport|taxi|drive me|driver|get to (the )?(hospital|gp|doctors?|"
            r"surgery|clinic|appointment)|hospital appointment|gp appointment|vaccination|"
            r"jab|booster|appointment)\b"
        ),
    ),
    (
        "food",
        re.compile(
            r"\b(food|hungry|groceries|grocery|shopping|meals?|food ?bank|nothing to eat|"
            r"bread|milk|eat)\b"
        ),
    ),
    (
        "callback",
        re.compile(
            r"\b(call me|ring me|phone me|call back|callback|ring back|talk to (a|some)one|"
            r"speak to (a|some)one|speak to a person)\b"
        ),
    ),
)


def detect_intent(text: str) -> str | None:
    """The menu item the text asks for, or None when it names no need we know."""
    lowered = text.casefold()
    for item, pattern in _INTENTS:
        if pattern.search(lowered):
            return item
    return None
