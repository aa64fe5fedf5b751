"""Staff signed in to the web page, and failed sign-ins counted towards a lock-out."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class StaffSession(SQLModel, table=True):
    """One browser signed in as a staff member. Only the SHA-256 of its cookie is stored."""

    __tablename__ = "staff_sessions"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SignInFailure(SQLModel, table=True):
    """A wrong password, counted against the account and against the address it came from.

    `key_hash` is the SHA-256 of `account:<email>` or `address:<ip>`, so the table holds no
    email addresses or IP addresses in the clear.
    """

    __tablename__ = "sign_in_failures"
    __table_args__ = (sa.Index("ix_sign_in_failures_key", "key_hash", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
