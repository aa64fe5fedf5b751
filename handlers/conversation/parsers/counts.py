"""Head counts: "3", "three", "3 people" or "just me"."""

from __future__ import annotations

import re
from typing import Final

from handlers.conversation.parsers.text import MAX_INPUT, normalise_free

NUMBER_WORDS: Final = {  # shared with option matching ("two" picks option 2)
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_COUNT_LEAD: Final = r"(?:(?:we are|there are|there is|theres|there will be|its|it is)\s+)?"
_ALONE_RE: Final = re.compile(
    rf"{_COUNT_LEAD}(?:just\s+|only\s+)?(?:me|myself|me alone|alone|me on my own|on my own"
    r"|me only|myself only)"
)
_COUNT_RE: Final = re.compile(
    rf"{_COUNT_LEAD}(?:just\s+|only\s+)?(?P<n>[0-9]{{1,3}}|{'|'.join(NUMBER_WORDS)})"
    r"\s*(?:people|persons|person|ppl|of us)?(?:\s+(?:in total|total|altogether))?"
)


def parse_count(text: str, maximum: int = 20) -> int | None:
    """A number of people from "3", "three", "3 people" or "just me", from 1 to `maximum`."""
    if len(text) > MAX_INPUT:
        return None
    typed = normalise_free(text)
    if _ALONE_RE.fullmatch(typed):
        count = 1
    else:
        found = _COUNT_RE.fullmatch(typed)
        if found is None:
            return None
        number = found["n"]
        count = NUMBER_WORDS[number] if number in NUMBER_WORDS else int(number)
    return count if 1 <= count <= maximum else None
