"""The directory of services as the staff API reads and writes it."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.json_schema import SkipJsonSchema
from sqlmodel import SQLModel

from admin.schemas.common import Cursor, Limit, reject_nulls
from handlers.actions.directory import DirectoryEntryChanges
from handlers.actions.paging import Page
from models import DirectoryEntry
from models.directory import (
    Area,
    Description,
    DirectoryEntryBase,
    EntryName,
    Latitude,
    Longitude,
    Phone,
    Website,
)


class DirectoryEntryCreate(DirectoryEntryBase):
    """A new directory entry."""

    model_config = ConfigDict(  # type: ignore[assignment]
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Headingley Carers Café",
                    "area": "LS6",
                    "phone": "0113 496 0101",
                    "website": "https://example.org/carers-cafe",
                    "description": "A weekly drop-in for unpaid carers.",
                    "latitude": 53.82,
                    "longitude": -1.576,
                }
            ]
        },
    )


class DirectoryEntryUpdate(SQLModel):
    """Changes to an entry; only the fields given change."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    name: EntryName | SkipJsonSchema[None] = None
    area: Area | SkipJsonSchema[None] = None
    phone: Phone | None = None
    website: Website | None = None
    description: Description | SkipJsonSchema[None] = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        reject_nulls(self, "name", "area", "description")
        return self

    def changes(self) -> DirectoryEntryChanges:
        """The domain's changes: only the fields the request gave."""
        return DirectoryEntryChanges(**self.model_dump(exclude_unset=True))


class DirectoryEntryPublic(DirectoryEntryBase):
    """A directory entry as the API shows it."""

    id: int
    is_sample: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, entry: DirectoryEntry) -> Self:
        """A directory entry as the API shows it."""
        return cls.model_validate(entry, from_attributes=True)


class DirectoryEntriesPublic(BaseModel):
    """One page of directory entries, by area then name."""

    items: list[DirectoryEntryPublic]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[DirectoryEntry]) -> Self:
        """A page of entries as the API shows it."""
        items = [DirectoryEntryPublic.of(e) for e in page.items]
        return cls(items=items, next_cursor=page.next_cursor)


class DirectoryFilters(BaseModel):
    """What `GET /directory` can narrow by."""

    model_config = ConfigDict(extra="forbid")

    area: Area | None = None
    cursor: Cursor | None = None
    limit: Limit = 50
