"""Staff accounts and the API tokens they sign in with."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, StringConstraints
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_type, utcnow
from models.text import check_clean


class StaffRole(StrEnum):
    """What a staff member may do; each role can do everything the ones before it can."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(StaffRole).index(self)


EMAIL_PATTERN = r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+$"


def _check_email(value: str) -> str:
    if not re.match(EMAIL_PATTERN, value):
        raise ValueError("must be an email address, like sam@example.org")
    return check_clean(value)


Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=254),
    AfterValidator(_check_email),
    PydanticField(json_schema_extra={"pattern": EMAIL_PATTERN}, examples=["sam@example.org"]),
]
StaffName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
    AfterValidator(check_clean),
]
Password = Annotated[
    str, StringConstraints(min_length=12, max_length=200), AfterValidator(check_clean)
]


class StaffBase(SQLModel):
    """What every view of a staff member shares."""

    email: Email = Field(max_length=254, unique=True)
    name: StaffName = Field(max_length=200)
    role: StaffRole = Field(sa_type=enum_type(StaffRole))


class Staff(StaffBase, table=True):
    """A staff member. Deactivating one locks out every token they hold."""

    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StaffToken(SQLModel, table=True):
    """One API token. Only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "staff_tokens"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    label: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
