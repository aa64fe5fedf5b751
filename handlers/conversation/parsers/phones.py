"""UK phone numbers: reading what people type, and showing a number as they write it.

Numbers must be UK numbers starting 01, 02, 03 or 07 nationally: eleven digits, or ten for the
few 01 areas that still use them.  "+44 (0)..." is understood.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from handlers.conversation.parsers.text import MAX_INPUT

_PHONE_RE: Final = re.compile(r"\+?[0-9 ()\-.]+")


def parse_uk_phone(text: str) -> str | None:
    """A UK landline or mobile number as people type it, in E.164 form ("+447700900123")."""
    if len(text) > MAX_INPUT:
        return None
    typed = unicodedata.normalize("NFKC", text).strip().rstrip(".")
    if _PHONE_RE.fullmatch(typed) is None:
        return None
    digits = re.sub(r"[^0-9]", "", typed)
    if typed.startswith("+") or digits.startswith("00"):
        international = digits if typed.startswith("+") else digits[2:]
        if not international.startswith("44"):
            return None
        national_rest = international[2:]
        # "+44 (0)7700 900123" keeps the trunk 0 people are used to writing.
        if national_rest.startswith("0"):
            national_rest = national_rest[1:]
    elif digits.startswith("0"):
        national_rest = digits[1:]
    else:
        return None
    national = "0" + national_rest
    if national[:2] not in {"01", "02", "03", "07"}:
        return None
    allowed_lengths = {10, 11} if national.startswith("01") else {11}
    if len(national) not in allowed_lengths:
        return None
    return "+44" + national_rest


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
