"""Dates, times, numbers and lists as the person's language writes them (Babel's CLDR data).

Moments are shown on the UK's clock (Europe/London), whatever the server's zone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Final

from babel.dates import format_date, format_skeleton, format_time
from babel.lists import format_list
from babel.numbers import format_decimal

from handlers.conversation.parsers.dates import london_time
from handlers.conversation.parsers.text import fold_accents

# Babel's locale for each of our languages; British English, European Portuguese, Gurmukhi.
_LOCALES: Final = {"en": "en_GB", "pt": "pt_PT", "pa": "pa_Guru"}
# CLDR writes Welsh "and" as "a(c)", leaving the choice to the reader: "ac" before a vowel,
# "a'r" with the article ("a'r sgwrs hon"), else "a".
_WELSH_AND: Final = re.compile(r"(?<!\w)a\(c\) (\w+)")
_WELSH_VOWELS: Final = frozenset("aeiouwy")


def _locale(language: str) -> str:
    return _LOCALES.get(language, language)


def day_name(day: date, language: str, *, today: date) -> str:
    """A day with its weekday, "Tuesday 24 November"; the year only when it is not this one."""
    if day.year != today.year:
        return format_date(day, "full", locale=_locale(language))
    return format_skeleton("MMMMEEEEd", day, locale=_locale(language))


def short_day(moment: datetime, language: str) -> str:
    """The day of a moment, without weekday or year: "24 November"."""
    return format_skeleton("MMMMd", london_time(moment).date(), locale=_locale(language))


def clock(moment: time, language: str) -> str:
    """A time of day: English as plain English writes it ("10am", "2:30pm"), else as CLDR."""
    if language == "en":
        return moment.strftime("%-I:%M%p").lower().replace(":00", "")
    return format_time(moment, "short", locale=_locale(language))


def number(value: int, language: str) -> str:
    """A number with the language's grouping."""
    return format_decimal(value, locale=_locale(language))


def listing(items: Sequence[str], language: str) -> str:
    """Items joined as the language joins a list: "food, medicine and transport"."""
    joined = format_list(list(items), locale=_locale(language))
    if language == "cy":
        return _WELSH_AND.sub(_welsh_and, joined)
    return joined


def _welsh_and(found: re.Match[str]) -> str:
    word = found[1]
    if word.casefold() in ("y", "yr"):
        return "a'r"
    return f"{'ac' if fold_accents(word[0]).casefold() in _WELSH_VOWELS else 'a'} {word}"
