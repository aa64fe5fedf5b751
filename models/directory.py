"""The directory of respite and carer-support services the respite flow reads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, StringConstraints
from pydantic import Field as PydanticField
from sqlmodel import AutoString, Field, SQLModel

from models.base import UTCDateTime, utcnow
from models.text import check_clean

Area = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?$"
    ),
    PydanticField(description="A postcode district, e.g. `LS6`.", examples=["LS6"]),
]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^\+?[0-9 ()-]{3,31}$")
]
Website = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=300, pattern=r"^https?://[^\s\x00]+$")
]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=1000), AfterValidator(check_clean)
]
EntryName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(check_clean),
]
Latitude = Annotated[float, PydanticField(ge=-90, le=90, allow_inf_nan=False, strict=True)]
Longitude = Annotated[float, PydanticField(ge=-180, le=180, allow_inf_nan=False, strict=True)]


class DirectoryEntryBase(SQLModel):
    """A service carers can be pointed to. `area` is a postcode district such as `LS6`."""

    name: EntryName = Field(max_length=200)
    # The column's length comes from sa_type: the pattern already keeps an area short.
    area: Area = Field(
        sa_type=AutoString(length=8), index=True, description="A postcode district, e.g. `LS6`."
    )
    phone: Phone | None = Field(default=None, max_length=32)
    website: Website | None = Field(default=None, max_length=300)
    description: Description = Field(default="", max_length=1000)
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class DirectoryEntry(DirectoryEntryBase, table=True):
    """One service in the directory; sample rows say so."""

    __tablename__ = "directory_entries"

    id: int | None = Field(default=None, primary_key=True)
    is_sample: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
