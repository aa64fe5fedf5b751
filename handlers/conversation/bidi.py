"""Keeping references, phone numbers and postcodes in order inside right-to-left text.

In Arabic or Urdu text, a run such as "116 123" or "HH-000123" is laid out by the Unicode
bidirectional algorithm among right-to-left words: the space between two groups of digits takes
the paragraph's direction, so "116 123" shows as "123 116", and a reference's hyphen can move.
Wrapping each run in a left-to-right isolate (LRI … PDI) keeps it whole and in order, on every
app that follows Unicode, whatever the words around it.
"""

from __future__ import annotations

import re
from typing import Final

from handlers.conversation.languages import RIGHT_TO_LEFT

LRI: Final = "\u2066"
PDI: Final = "\u2069"

_LTR_RUNS: Final = re.compile(
    r"(?<![\w\u2066])(?:"
    r"[A-Z]{2}-\d{3,}"  # a reference, HH-000123
    r"|[A-Z]{1,2}\d[A-Z\d]?(?: \d[A-Z]{2})?"  # a postcode or its first half, LS6 2AB, LS6
    r"|\+?\d+(?:[ \-]\d+)+"  # a phone number in groups, 0800 111 999, +44 7700 900123
    r")(?![\w\u2069])",
    re.ASCII,
)


def isolate_runs(text: str, language: str) -> str:
    """`text` with its references, numbers and postcodes isolated when `language` is RTL."""
    if language not in RIGHT_TO_LEFT:
        return text
    return _LTR_RUNS.sub(lambda found: f"{LRI}{found[0]}{PDI}", text)
