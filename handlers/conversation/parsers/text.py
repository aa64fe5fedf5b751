"""What every answer parser does first: refuse overlong text, and tidy what people type."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# Long enough for any honest answer; anything longer is not an answer to a short question.
MAX_INPUT: Final = 200


def normalise_free(text: str) -> str:
    """Casefold and tidy typed text while keeping the separators dates and times rely on."""
    cleaned = unicodedata.normalize("NFKC", text).casefold()
    cleaned = cleaned.replace("'", "").replace("\u2019", "")
    cleaned = re.sub(r"(?<![a-z])([ap])\.\s?m(?![a-z])\.?", r"\1m", cleaned)
    cleaned = cleaned.replace("@", " at ")
    cleaned = re.sub(r"[,;!?()\[\]\"]", " ", cleaned)
    # Full stops that end a sentence or abbreviation, not those inside "10.30" or "1.3.27".
    cleaned = re.sub(r"(?:(?<=\s)|^)\.+|\.+(?=\s|$)", " ", cleaned)
    return " ".join(cleaned.split())
