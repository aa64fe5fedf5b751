"""Form answers: each parser's value to keep, with the words shown back to the person."""

from __future__ import annotations

from handlers.conversation.forms import Answer
from handlers.conversation.parsers.counts import parse_count
from handlers.conversation.parsers.dates import london_time, parse_date, parse_time
from handlers.conversation.parsers.phones import display_phone, parse_uk_phone
from handlers.conversation.parsers.postcodes import parse_district, parse_postcode
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


def day(text: str, turn: Turn) -> Answer | None:
    today = london_time(turn.now).date()
    found = parse_date(text, today)
    if found is None:
        return None
    # The year is shown only when it is not this one, where it is the surprise.
    shown = "%A %-d %B" if found.year == today.year else "%A %-d %B %Y"
    return Answer(found.isoformat(), found.strftime(shown))


def clock_time(text: str, turn: Turn) -> Answer | None:
    found = parse_time(text)
    if found is None:
        return None
    shown = found.strftime("%-I:%M%p").lower().replace(":00", "")
    return Answer(found.strftime("%H:%M"), shown)


def people(text: str, turn: Turn) -> Answer | None:
    found = parse_count(text)
    return Answer(found, str(found)) if found else None


def words(text: str, turn: Turn) -> Answer | None:
    """Free words, for questions whose options are only suggestions."""
    return Answer(text, text) if text else None
