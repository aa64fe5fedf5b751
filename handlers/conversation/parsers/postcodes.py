"""UK postcodes and postcode districts, as people type them.

Postcodes are checked for shape, not existence: the six outward forms plus a 9AA inward code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from handlers.conversation.parsers.text import MAX_INPUT

_OUTWARD: Final = r"(?:[A-Z][0-9]{1,2}|[A-Z][0-9][A-Z]|[A-Z]{2}[0-9]{1,2}|[A-Z]{2}[0-9][A-Z])"
_POSTCODE_RE: Final = re.compile(rf"(?P<out>{_OUTWARD}) ?(?P<in>[0-9][A-Z]{{2}})|(?P<gir>GIR) ?0AA")
_DISTRICT_RE: Final = re.compile(_OUTWARD)
_EDGE_JUNK: Final = " \t\r\n.,;:!?\"'()[]"


@dataclass(frozen=True)
class Postcode:
    """A UK postcode split into its outward (district) and inward parts."""

    outward: str
    inward: str

    def __str__(self) -> str:
        return f"{self.outward} {self.inward}"


def _clean_code(text: str) -> str | None:
    if len(text) > MAX_INPUT:
        return None
    cleaned = unicodedata.normalize("NFKC", text).upper().strip(_EDGE_JUNK)
    return " ".join(cleaned.split())


def parse_postcode(text: str) -> Postcode | None:
    """A full UK postcode in any case, with or without the space, or None."""
    cleaned = _clean_code(text)
    if cleaned is None:
        return None
    found = _POSTCODE_RE.fullmatch(cleaned)
    if found is None:
        return None
    if found["gir"]:
        return Postcode("GIR", "0AA")
    return Postcode(found["out"], found["in"])


def parse_district(text: str) -> str | None:
    """A postcode district such as "LS6", or the district of a full postcode, uppercased."""
    full = parse_postcode(text)
    if full is not None:
        return full.outward
    cleaned = _clean_code(text)
    if cleaned is None or _DISTRICT_RE.fullmatch(cleaned) is None:
        return None
    return cleaned
