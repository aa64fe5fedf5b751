"""What every part of the staff API shares: errors, actors, paging and partial updates."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from models import Staff


def reject_nulls(model: BaseModel, *names: str) -> None:
    """An update may leave these fields out, but may not set them to null."""
    for name in names:
        if name in model.model_fields_set and getattr(model, name) is None:
            raise ValueError(f"{name} may be left out but not set to null")


class ErrorPublic(BaseModel):
    """Every error the API returns."""

    detail: str = Field(examples=["Ticket HH-000999 was not found."])


# Actors -------------------------------------------------------------------------------------------


class StaffActor(BaseModel):
    """A staff member who did something."""

    type: Literal["staff"] = "staff"
    id: int
    email: str
    name: str


class ContactActor(BaseModel):
    """The person the ticket is about."""

    type: Literal["contact"] = "contact"


class SystemActor(BaseModel):
    """The bot itself."""

    type: Literal["system"] = "system"


Actor = Annotated[StaffActor | ContactActor | SystemActor, Field(discriminator="type")]


def staff_actor(staff: Staff) -> StaffActor:
    """How a staff member appears as an actor."""
    return StaffActor(id=staff.id or 0, email=staff.email, name=staff.name)


# Paging -------------------------------------------------------------------------------------------

Cursor = Annotated[
    str, StringConstraints(min_length=1, max_length=500, pattern=r"^[A-Za-z0-9_=-]+$")
]
Limit = Annotated[int, Field(ge=1, le=200)]


class PageFilters(BaseModel):
    """Just a cursor and a page size."""

    model_config = ConfigDict(extra="forbid")

    cursor: Cursor | None = None
    limit: Limit = 50
