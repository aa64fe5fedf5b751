"""Input types shared by the API schemas: bounded, clean text, ids and timestamps."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

MAX_DB_ID = 2**31 - 1
"""Ids are 32-bit in PostgreSQL; a larger one can name nothing, so it is refused up front."""

TEXT_LIMIT = 4000


def check_clean(value: str) -> str:
    """Refuse what no database column can store: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:?\d{2})?$"
)


def iso_only(value: object) -> object:
    """Refuse the Unix timestamps pydantic would otherwise take for a date: only ISO 8601."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        return value
    raise ValueError("must be a date and time like 2026-11-23T09:00:00Z")


def to_utc(value: datetime) -> datetime:
    """A timestamp in UTC; one without a zone is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None


DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]
BodyId = Annotated[int, Field(ge=1, le=MAX_DB_ID, strict=True)]
"""An id in a JSON body: a real integer, not `true` or `1.0`."""
UTCTimestamp = Annotated[datetime, BeforeValidator(iso_only), AfterValidator(to_utc)]
LongText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_LIMIT),
    AfterValidator(check_clean),
]
"""A note or a message: 1 to 4000 characters after trimming."""
ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(check_clean),
]
SearchText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(check_clean),
]
LanguageCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z]{2,3}$")
]
"""A language as its BCP 47 primary tag: `en`, `cy`, `ar`."""
SavedReplyKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{0,39}$")]
"""The key of a saved staff reply: `phone_today`."""
