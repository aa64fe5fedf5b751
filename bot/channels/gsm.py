"""SMS text: the GSM-7 alphabet, segment counting, and splitting long texts into several SMS.

A text made only of GSM-7 characters costs one segment per 160 characters (153 once it needs
more than one, since each part carries a header); a single other character turns the whole
message into UCS-2 at 70 (67) characters a segment, and some older phones show it badly. So SMS
text is first made GSM-7 safe: typographic quotes and dashes become plain ones, accents that
GSM-7 lacks are dropped from their letters, and emoji are left out.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence

# GSM 03.38 basic character set (the escape character 0x1B left out: it is not text).
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each of these costs two septets (an escape, then the character).
EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

_REPLACEMENTS = {
    # Curly single quotes, the prime, the grave and acute accents used as apostrophes.
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4", "'"),
    # Curly double quotes, the double prime and guillemets.
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    # Hyphens, dashes and the minus sign.
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    # Spaces that are not a plain space, and the tab.
    **dict.fromkeys("\u00a0\u2007\u2009\u200a\u202f\t", " "),
    # Invisible joiners and marks.
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff", ""),
    "\u2026": "...",  # ellipsis
    "\u2022": "-",  # bullet
    "\u00b7": "-",  # middle dot
    "\u00d7": "x",  # multiplication sign
    "\u00f7": "/",  # division sign
    "\u2044": "/",  # fraction slash
}
_SPACES = re.compile(r" {2,}")


def _gsm_char(char: str) -> str:
    """The GSM-7 spelling of one character: itself, a plain stand-in, or nothing."""
    if char in BASIC or char in EXTENSION:
        return char
    if char in _REPLACEMENTS:
        return _REPLACEMENTS[char]
    # "ê" decomposes to "e" and a combining accent; keep the base letter, lose the accent.
    decomposed = unicodedata.normalize("NFKD", char)
    kept = "".join(
        c for c in decomposed if (c in BASIC or c in EXTENSION) and not unicodedata.combining(c)
    )
    # An emoji or a symbol with no plain spelling is left out rather than shown as "?".
    return kept


def to_gsm7(text: str) -> str:
    """`text` in GSM-7 characters only, tidied where something was left out."""
    converted = "".join(_gsm_char(char) for char in text)
    if converted == text:
        return text
    lines = [_SPACES.sub(" ", line).strip(" ") for line in converted.split("\n")]
    return "\n".join(lines).strip("\n")


def is_gsm7(text: str) -> bool:
    """Whether every character of `text` is in the GSM-7 alphabet."""
    return all(char in BASIC or char in EXTENSION for char in text)


def loses_letters(text: str) -> bool:
    """Whether making `text` GSM-7 would drop letters (a non-Latin script), not just symbols."""
    return sum(c.isalpha() for c in to_gsm7(text)) < sum(c.isalpha() for c in text)


def length(text: str) -> int:
    """How much of a segment `text` uses: septets for GSM-7, UTF-16 code units otherwise."""
    if is_gsm7(text):
        return sum(2 if char in EXTENSION else 1 for char in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """How many SMS segments `text` is billed and sent as (0 for no text)."""
    if not text:
        return 0
    single, multi = (GSM7_SINGLE, GSM7_MULTI) if is_gsm7(text) else (UCS2_SINGLE, UCS2_MULTI)
    used = length(text)
    return 1 if used <= single else math.ceil(used / multi)


def fits_segments(limit: int) -> Callable[[str], bool]:
    """A test for `split`: does a part fit in `limit` segments?"""
    return lambda part: segments(part) <= limit


# Paragraphs first, then lines, then words: a break never falls inside a word if it can help it.
_SEPARATORS = ("\n\n", "\n", " ")


def split(text: str, fits: Callable[[str], bool]) -> list[str]:
    """`text` in as few parts as `fits` allows, broken at paragraphs, then lines, then words.

    A paragraph (such as a block of numbered options) stays in one part whenever it fits in one.
    """
    text = text.strip()
    if not text:
        return []
    return _pack(text, _SEPARATORS, fits)


def _pack(text: str, separators: Sequence[str], fits: Callable[[str], bool]) -> list[str]:
    if fits(text):
        return [text]
    if not separators:
        return _cut(text, fits)
    separator, finer = separators[0], separators[1:]
    chunks: list[str] = []
    for piece in text.split(separator):
        if piece.strip():
            chunks.extend(_pack(piece.strip(" "), finer, fits))
    parts: list[str] = []
    for chunk in chunks:
        if parts and fits(parts[-1] + separator + chunk):
            parts[-1] += separator + chunk
        else:
            parts.append(chunk)
    return parts


def _cut(text: str, fits: Callable[[str], bool]) -> list[str]:
    """A single word too long for one part (a pasted link), cut where it must be."""
    parts: list[str] = []
    while text:
        # The longest prefix that fits, found by halving: fitting only grows with length.
        low, high = 1, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if fits(text[:middle]):
                low = middle
            else:
                high = middle - 1
        parts.append(text[:low])
        text = text[low:]
    return parts
