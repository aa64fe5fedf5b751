"""What every answer parser does first: refuse overlong text, and tidy what people type."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# Long enough for any honest answer; anything longer is not an answer to a short question.
MAX_INPUT: Final = 200

# Emoji presentation selectors and the keycap mark would otherwise cling to letters and digits.
_EMOJI_MARKS: Final = frozenset({"\u20e3", *map(chr, range(0xFE00, 0xFE10))})
_APOSTROPHES: Final = frozenset("'\u2019`")
# Latin letters end here; accents on them are folded away, while the vowel signs of Bengali,
# Gurmukhi or Arabic are part of the word and stay.
_LATIN_END: Final = 0x024F


def ascii_digits(text: str) -> str:
    """Digits of any script as ASCII: "٣" (Arabic-Indic), "۳" (Urdu), "৩" (Bengali) read "3"."""
    return "".join(
        str(unicodedata.digit(ch)) if not ch.isascii() and unicodedata.category(ch) == "Nd" else ch
        for ch in text
    )


def normalise(text: str) -> str:
    """NFKC, casefold, ASCII digits, drop emoji and punctuation, and collapse whitespace."""
    kept: list[str] = []
    after_character = False
    for ch in ascii_digits(unicodedata.normalize("NFKC", text).casefold()):
        if ch in _APOSTROPHES:
            continue  # "don't" and "dont" should read the same
        category = unicodedata.category(ch)
        if category[0] in "LN":
            kept.append(ch)
            after_character = True
        elif category[0] == "M" and after_character and ch not in _EMOJI_MARKS:
            kept.append(ch)  # accents and vowel signs belong to the letter before them
        else:
            kept.append(" ")
            after_character = False
    return " ".join("".join(kept).split())


def fold_accents(text: str) -> str:
    """Casefolded, with accents taken off Latin letters ("Mañana" reads "manana")."""
    kept: list[str] = []
    for ch in unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold()):
        if unicodedata.combining(ch) and kept and ord(kept[-1]) <= _LATIN_END:
            continue
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def fold(text: str) -> str:
    """Text as typed words are compared: `normalise`, then accents off Latin letters."""
    return fold_accents(normalise(text))


def normalise_free(text: str) -> str:
    """Casefold and tidy typed text while keeping the separators dates and times rely on."""
    cleaned = ascii_digits(unicodedata.normalize("NFKC", text).casefold())
    cleaned = cleaned.replace("'", "").replace("\u2019", "")
    cleaned = re.sub(r"(?<![a-z])([ap])\.\s?m(?![a-z])\.?", r"\1m", cleaned)
    cleaned = cleaned.replace("@", " at ")
    cleaned = re.sub(r"[,;!?()\[\]\"]", " ", cleaned)
    # Full stops that end a sentence or abbreviation, not those inside "10.30" or "1.3.27".
    cleaned = re.sub(r"(?:(?<=\s)|^)\.+|\.+(?=\s|$)", " ", cleaned)
    return " ".join(cleaned.split())
