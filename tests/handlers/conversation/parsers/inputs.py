"""What people type that every parser must survive, and the day the date tests are set on."""

from __future__ import annotations

from datetime import date, datetime


def wide(text: str) -> str:
    """The full-width form some phone keyboards type, which NFKC folds back to ASCII."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


# A Wednesday; every date below is worked out from it, never from the clock.
TODAY = date(2027, 3, 10)
NOON = datetime(2027, 3, 10, 12, 0)

HOSTILE = [
    "",
    "   ",
    "مرحبا",
    "🙂",
    "🍞🍞🍞",
    "\u200b",
    "\x00",
    "a" * 50_000,
    "1" * 50_000,
    "12/3 " * 10_000,
    "9" * 5_000,
]
