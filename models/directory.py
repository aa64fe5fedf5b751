"""The directory of respite and carer-support services the respite flow reads."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class DirectoryEntry(SQLModel, table=True):
    """One service. `area` is a postcode district such as `LS6`; sample rows say so."""

    __tablename__ = "directory_entries"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    area: str = Field(max_length=8, index=True)
    phone: str | None = Field(default=None, max_length=32)
    website: str | None = Field(default=None, max_length=300)
    description: str = Field(default="", max_length=1000)
    latitude: float | None = None
    longitude: float | None = None
    is_sample: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
