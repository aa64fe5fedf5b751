"""Staff accounts, their tokens and signing in, as the staff API reads and writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictBool, StringConstraints
from sqlmodel import SQLModel

from handlers.actions.paging import Page
from handlers.actions.staff import StaffChanges
from models import Staff, StaffToken
from models.staff import Password, StaffBase, StaffName, StaffRole
from models.text import check_clean


class StaffCreate(StaffBase):
    """A new account; without a password it signs in only with the token it is given."""

    password: Password | None = None

    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_extra={
            "examples": [{"email": "sam@example.org", "name": "Sam Patel", "role": "agent"}]
        }
    )


class StaffUpdate(SQLModel):
    """Changes an admin may make to an account; only the fields given change."""

    name: StaffName | None = None
    role: StaffRole | None = None
    is_active: StrictBool | None = None
    password: Password | None = None

    def changes(self) -> StaffChanges:
        """The domain's changes; a field left out or null stays as it is."""
        return StaffChanges(**self.model_dump())


class StaffPublic(StaffBase):
    """A staff member as the API shows them (never their password or tokens)."""

    id: int
    is_active: bool
    created_at: datetime

    @classmethod
    def of(cls, staff: Staff) -> Self:
        """A staff member as the API shows them."""
        return cls.model_validate(staff, from_attributes=True)


class StaffTokenPublic(SQLModel):
    """A token's record, without the token."""

    id: int
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: StaffToken) -> Self:
        """A token's record as the API shows it."""
        return cls.model_validate(token, from_attributes=True)


class StaffListPublic(BaseModel):
    """One page of staff accounts."""

    items: list[StaffPublic]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[Staff]) -> Self:
        """A page of accounts as the API shows it."""
        return cls(items=[StaffPublic.of(s) for s in page.items], next_cursor=page.next_cursor)


class StaffCreated(BaseModel):
    """A new account and its first API token, shown this once."""

    staff: StaffPublic
    token: str


class TokenCreate(BaseModel):
    """A new API token for a staff member."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"label": "laptop"}]})

    label: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=100), AfterValidator(check_clean)
    ] = ""


class TokenCreated(BaseModel):
    """A new API token, shown this once, and its record."""

    token: str
    record: StaffTokenPublic


class StaffTokensPublic(BaseModel):
    """A staff member's tokens, newest first, without the tokens themselves."""

    items: list[StaffTokenPublic]
    next_cursor: str | None = None


class AccessToken(BaseModel):
    """The OAuth2 answer to a password sign-in."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "hbt_3q2-7wEXAMPLEonly",
                    "token_type": "bearer",
                    "expires_at": "2026-11-23T21:00:00Z",
                }
            ]
        }
    )

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime | None
