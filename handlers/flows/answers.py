"""Turning typed answers into stored values and the words shown back to the person."""

from __future__ import annotations

from handlers.forms import Answer
from handlers.turn import Turn
from handlers.validation import (
    parse_count,
    parse_date,
    parse_district,
    parse_postcode,
    parse_time,
    parse_uk_phone,
)


def display_phone(e164: str) -> str:
    """A UK number as people write it: +447700900123 becomes 07700 900123.

    Cities with a short code keep it apart, as printed: 0113 496 0000, 020 7946 0000.
    """
    national = "0" + e164.removeprefix("+44")
    if len(national) != 11:
        return national
    if national.startswith("02"):
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    if national.startswith(("011", "03", "08")) or (
        national.startswith("01") and national[3] == "1"
    ):
        return f"{national[:4]} {national[4:7]} {national[7:]}"
    if national.startswith(("07", "01")):
        return f"{national[:5]} {national[5:]}"
    return national


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
    found = parse_date(text, turn.now.date())
    if found is None:
        return None
    # The year is shown only when it is not this one, where it is the surprise.
    shown = "%A %-d %B" if found.year == turn.now.year else "%A %-d %B %Y"
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
