"""Form answers: each parser's value to keep, with the words shown back to the person."""

from __future__ import annotations

import re

from handlers.conversation.catalog import DEFAULT_LANGUAGE
from handlers.conversation.formats import clock, day_name, number
from handlers.conversation.forms import Answer
from handlers.conversation.parsers.counts import parse_count
from handlers.conversation.parsers.dates import london_time, parse_date, parse_time
from handlers.conversation.parsers.phones import display_phone, parse_uk_phone
from handlers.conversation.parsers.postcodes import parse_district, parse_postcode
from handlers.conversation.parsers.text import fold_accents
from handlers.conversation.turn import Turn


def postcode(text: str, turn: Turn) -> Answer | None:
    found = parse_postcode(text)
    return Answer(str(found), str(found)) if found else None


def district(text: str, turn: Turn) -> Answer | None:
    found = parse_district(text)
    return Answer(found, found) if found else None


def phone(text: str, turn: Turn) -> Answer | None:
    found = parse_uk_phone(text)
    return Answer(found, display_phone(found)) if found else None


def known_phone(turn: Turn) -> Answer | None:
    """The number the person is messaging from, when the channel tells us (SMS, WhatsApp)."""
    found = parse_uk_phone(turn.identity.phone) if turn.identity.phone else None
    return Answer(found, display_phone(found)) if found else None


def _relative_days_in_english(text: str, turn: Turn) -> str:
    """The person's words for "today" and "tomorrow" ("yfory", "jutro") put in English."""
    if turn.lang == DEFAULT_LANGUAGE:
        return text
    folded = fold_accents(text)
    for key, listed in turn.words(("tomorrow", "today")).items():
        for word in listed:
            folded = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", key, folded)
    return folded


def day(text: str, turn: Turn) -> Answer | None:
    today = london_time(turn.now).date()
    found = parse_date(_relative_days_in_english(text, turn), today)
    if found is None:
        return None
    return Answer(found.isoformat(), day_name(found, turn.lang, today=today))


def clock_time(text: str, turn: Turn) -> Answer | None:
    found = parse_time(text)
    if found is None:
        return None
    return Answer(found.strftime("%H:%M"), clock(found, turn.lang))


def people(text: str, turn: Turn) -> Answer | None:
    found = parse_count(text)
    return Answer(found, number(found, turn.lang)) if found else None


def words(text: str, turn: Turn) -> Answer | None:
    """Free words, for questions whose options are only suggestions."""
    return Answer(text, text) if text else None
