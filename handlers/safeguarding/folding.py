"""Folding text so one rule reads every way a word is typed, in any script.

Casefold and NFKC first; Latin letters lose their accents ("zabiję" and "zabije" are one word to
a tired thumb), other scripts keep theirs, because a Bengali or Gurmukhi vowel sign is part of the
word. Arabic-script letters with several common shapes are unified, digits of every script become
ASCII, and punctuation and emoji become spaces, except a point or comma between digits ("2.1").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# An emergency is said in the first lines; past this we would only be slowing every reply.
MAX_CHARS: Final = 5000

# Letters that do not decompose under NFD but that people type without the stroke or dot.
_LATIN_EXTRA: Final = str.maketrans(
    {"ł": "l", "\u0131": "i", "ø": "o", "đ": "d", "ħ": "h", "ŀ": "l", "æ": "ae", "œ": "oe"}
)
# Arabic, Persian and Urdu keyboards give different code points for the same letter; a rule
# written with one must match the others.  Short vowels and the stretching tatweel are dropped.
# Each pair, in order: alif with hamza above, below, madda and wasla are alif; alif maqsura,
# Farsi yeh and yeh with hamza are yeh; Arabic kaf is keheh; ta marbuta, heh with yeh, heh goal
# and its ligature are heh; waw with hamza is waw.
_ARABIC: Final = str.maketrans(
    {
        "\u0623": "\u0627",
        "\u0625": "\u0627",
        "\u0622": "\u0627",
        "\u0671": "\u0627",
        "\u0649": "\u064a",
        "\u06cc": "\u064a",
        "\u0626": "\u064a",
        "\u0643": "\u06a9",
        "\u0629": "\u0647",
        "\u06c0": "\u0647",
        "\u06c1": "\u0647",
        "\u06c3": "\u0647",
        "\u0624": "\u0648",
        "\u0640": None,
        "\u200c": None,
        "\u200d": None,
        # The nukta of Gurmukhi, Bengali, Gujarati and Devanagari is often left out.
        "\u0a3c": None,
        "\u09bc": None,
        "\u0abc": None,
        "\u093c": None,
    }
)
_ARABIC_MARKS: Final = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
# Full stops of other scripts: Urdu, Arabic, and the danda of Bengali and Gurmukhi.
_CLAUSE_END: Final = re.compile(r"(?<!\d)[.,](?!\d)|[!?;:\n\u06d4\u061f\u060c\u061b\u0964\u0965]+")
_APOSTROPHES: Final = "'\u2018\u2019\u201b\u02bc\u2032`\u00b4"


def _is_latin(char: str) -> bool:
    return "LATIN" in unicodedata.name(char, "")


def _fold_char(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Nd":
        return str(unicodedata.digit(char, 0))
    if category[0] in "LNM":
        return char
    return " "


def fold(text: str) -> str:
    """The text casefolded and unified, letters of every script kept, everything else a space."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).casefold()
    # "can't", "cant" and "can t" (a lost curly quote) must all read the same to one rule.
    for mark in _APOSTROPHES:
        text = text.replace(mark, "")
    decomposed = unicodedata.normalize("NFD", text.translate(_LATIN_EXTRA))
    kept: list[str] = []
    previous_latin = False
    for char in decomposed:
        if unicodedata.combining(char):
            if not previous_latin:
                kept.append(char)
            continue
        previous_latin = _is_latin(char)
        kept.append(char)
    text = unicodedata.normalize("NFC", "".join(kept)).translate(_ARABIC)
    text = _ARABIC_MARKS.sub("", text)
    text = "".join(char if char in ".," else _fold_char(char) for char in text)
    # A point or comma stays only between digits: "sugar 2.1", "took 1,000".
    text = re.sub(r"(?<!\d)[.,]|[.,](?!\d)", " ", text)
    return " ".join(text.split())


def clauses(text: str) -> list[list[str]]:
    """The message cut at sentence and clause ends, each part folded into tokens."""
    parts = _CLAUSE_END.split(text[:MAX_CHARS])
    return [tokens for part in parts if (tokens := fold(part).split())]
