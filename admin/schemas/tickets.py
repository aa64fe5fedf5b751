"""What the staff API reads and writes: request and response shapes for each resource."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from sqlmodel import SQLModel

from models.enums import (
    Channel,
    ContactRole,
    DeliveryStatus,
    Direction,
    EventKind,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)
from models.staff import StaffPublic, StaffTokenPublic
from models.text import MAX_DB_ID, BodyId, DbId, LongText, SearchText, UTCTimestamp, check_clean

TICKET_EXAMPLE: dict[str, Any] = {
    "ref": "HH-000123",
    "id": 123,
    "category": "food",
    "status": "new",
    "priority": "normal",
    "channel": "telegram",
    "contact_id": 42,
    "assignee_id": None,
    "details": {"for_whom": "me", "people": "2", "postcode": "LS6 2AB"},
    "due_at": None,
    "created_at": "2026-11-23T09:00:00Z",
    "updated_at": "2026-11-23T09:00:00Z",
    "resolved_at": None,
}


def _reject_nulls(model: BaseModel, *names: str) -> None:
    """An update may leave these fields out, but may not set them to null."""
    for name in names:
        if name in model.model_fields_set and getattr(model, name) is None:
            raise ValueError(f"{name} may be left out but not set to null")


class ErrorPublic(BaseModel):
    """Every error the API returns."""

    detail: str = Field(examples=["Ticket HH-000999 was not found."])


# Timeline actors ------------------------------------------------------------------------------


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


# Tickets -------------------------------------------------------------------------------------


class MessagePublic(BaseModel):
    """A message in or out, with where its delivery stands."""

    id: int
    direction: Direction
    channel: Channel
    text: str
    status: DeliveryStatus
    error: str | None
    created_at: datetime
    updated_at: datetime


class TimelineEventPublic(BaseModel):
    """One entry of a ticket's timeline; `data` holds the change, `message` a message's text."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "kind": "status_changed",
                    "actor": {
                        "type": "staff",
                        "id": 3,
                        "email": "sam@example.org",
                        "name": "Sam Patel",
                    },
                    "created_at": "2026-11-23T10:15:00Z",
                    "data": {"from": "new", "to": "in_progress"},
                    "message": None,
                }
            ]
        }
    )

    id: int
    kind: EventKind
    actor: Actor
    created_at: datetime
    data: dict[str, Any]
    message: MessagePublic | None = None


class TicketPublic(BaseModel):
    """A ticket as lists show it."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [TICKET_EXAMPLE]}
    )

    ref: str
    id: int
    category: TicketCategory
    status: TicketStatus
    priority: TicketPriority
    channel: Channel
    contact_id: int
    assignee_id: int | None
    details: dict[str, Any]
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None


class ContactSummary(BaseModel):
    """Who a ticket is for, in brief."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    display_name: str | None
    role: ContactRole | None
    language: str
    vulnerable: bool
    telecare: bool
    has_carer: bool


class TicketDetail(TicketPublic):
    """A ticket with its contact and its whole timeline, oldest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **TICKET_EXAMPLE,
                    "status": "waiting",
                    "contact": {
                        "id": 42,
                        "display_name": "Margaret",
                        "role": "tenant",
                        "language": "en",
                        "vulnerable": False,
                        "telecare": True,
                        "has_carer": False,
                    },
                    "assignee": None,
                    "timeline": [
                        {
                            "id": 1,
                            "kind": "created",
                            "actor": {"type": "contact"},
                            "created_at": "2026-11-23T09:00:00Z",
                            "data": {"category": "food", "priority": "normal"},
                            "message": None,
                        },
                        {
                            "id": 2,
                            "kind": "message_out",
                            "actor": {
                                "type": "staff",
                                "id": 3,
                                "email": "sam@example.org",
                                "name": "Sam Patel",
                            },
                            "created_at": "2026-11-23T10:02:00Z",
                            "data": {},
                            "message": {
                                "id": 17,
                                "direction": "out",
                                "channel": "telegram",
                                "text": "HH-000123: A parcel can come on Friday. Is that OK?",
                                "status": "sent",
                                "error": None,
                                "created_at": "2026-11-23T10:02:00Z",
                                "updated_at": "2026-11-23T10:02:01Z",
                            },
                        },
                    ],
                }
            ]
        }
    )

    contact: ContactSummary
    assignee: StaffActor | None
    timeline: list[TimelineEventPublic]


class TicketsPublic(BaseModel):
    """One page of tickets; pass `next_cursor` back as `cursor` for the next."""

    items: list[TicketPublic]
    next_cursor: str | None


class TicketSort(StrEnum):
    NEWEST = "-created_at"
    PRIORITY = "priority"
    DUE = "due_at"


def _check_assignee(value: str) -> str:
    if value.isdigit() and int(value) > MAX_DB_ID:
        raise ValueError("is not a staff id")
    return value


AssigneeFilter = Annotated[
    str,
    StringConstraints(pattern=r"^(none|me|[1-9][0-9]{0,9})$"),
    AfterValidator(_check_assignee),
    Field(description="A staff id, `none` for unassigned, or `me`."),
]
Cursor = Annotated[
    str, StringConstraints(min_length=1, max_length=500, pattern=r"^[A-Za-z0-9_=-]+$")
]
Limit = Annotated[int, Field(ge=1, le=200)]


class TicketFilters(BaseModel):
    """What `GET /tickets` can narrow by; repeat a parameter to allow several values."""

    model_config = ConfigDict(extra="forbid")

    status: list[TicketStatus] = Field(default_factory=list)
    category: list[TicketCategory] = Field(default_factory=list)
    priority: list[TicketPriority] = Field(default_factory=list)
    channel: list[Channel] = Field(default_factory=list)
    assignee: AssigneeFilter | None = None
    contact_id: DbId | None = None
    q: SearchText | None = Field(
        default=None, description="Words in the details, the notes or the person's name."
    )
    created_after: UTCTimestamp | None = None
    created_before: UTCTimestamp | None = None
    sort: TicketSort = Field(
        default=TicketSort.NEWEST,
        description="`-created_at` newest first; `priority` urgent first, then oldest; "
        "`due_at` soonest first, undated last.",
    )
    cursor: Cursor | None = None
    limit: Limit = 50


class TicketUpdate(BaseModel):
    """Changes to a ticket; only the fields given change. `assignee_id: null` unassigns."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status": "in_progress", "assignee_id": 3}]},
    )

    status: TicketStatus | SkipJsonSchema[None] = None
    priority: TicketPriority | SkipJsonSchema[None] = None
    category: TicketCategory | SkipJsonSchema[None] = None
    assignee_id: BodyId | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        _reject_nulls(self, "status", "priority", "category")
        return self


class NoteCreate(BaseModel):
    """An internal note: staff see it, the person never does."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "Called the food bank; delivery on Friday."}]}
    )

    text: LongText


class ReplyCreate(BaseModel):
    """A message to the person; it goes out on the channel the ticket came from."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"text": "A food parcel will arrive on Friday morning. Is that OK?"}]
        }
    )

    text: LongText


# Contacts ------------------------------------------------------------------------------------


class IdentityPublic(BaseModel):
    """One channel the person reaches us from."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: Channel
    external_id: str
    phone: str | None
    opted_out: bool
    last_inbound_at: datetime | None
    created_at: datetime


class ConsentPublic(BaseModel):
    """Which privacy notice the person agreed to, and when (both null if not yet)."""

    version: str | None
    consented_at: datetime | None


class ContactPublic(ContactSummary):
    """A contact as lists show them."""

    created_at: datetime
    updated_at: datetime


class ContactDetail(ContactPublic):
    """A contact's whole record: identities, flags, notes, consent and tickets (newest first)."""

    notes: str | None
    consent: ConsentPublic
    identities: list[IdentityPublic]
    tickets: list[TicketPublic]


class ContactsPublic(BaseModel):
    """One page of contacts."""

    items: list[ContactPublic]
    next_cursor: str | None


ContactNotes = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=4000), AfterValidator(check_clean)
]


class ContactUpdate(BaseModel):
    """Changes to a contact's flags and notes; `notes: null` clears them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"vulnerable": True, "notes": "Prefers a call after 2pm."}]
        },
    )

    vulnerable: StrictBool | SkipJsonSchema[None] = None
    telecare: StrictBool | SkipJsonSchema[None] = None
    has_carer: StrictBool | SkipJsonSchema[None] = None
    notes: ContactNotes | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        _reject_nulls(self, "vulnerable", "telecare", "has_carer")
        return self


class ContactFilters(BaseModel):
    """What `GET /contacts` can narrow by."""

    model_config = ConfigDict(extra="forbid")

    q: SearchText | None = Field(default=None, description="Part of the person's name.")
    cursor: Cursor | None = None
    limit: Limit = 50


# Directory -----------------------------------------------------------------------------------

Area = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?$"
    ),
    Field(description="A postcode district, e.g. `LS6`.", examples=["LS6"]),
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
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False, strict=True)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False, strict=True)]


class DirectoryEntryBase(SQLModel):
    """A service carers can be pointed to."""

    name: EntryName
    area: Area
    phone: Phone | None = None
    website: Website | None = None
    description: Description = ""
    latitude: Latitude | None = None
    longitude: Longitude | None = None


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
        _reject_nulls(self, "name", "area", "description")
        return self


class DirectoryEntryPublic(DirectoryEntryBase):
    """A directory entry as the API shows it."""

    id: int
    is_sample: bool
    created_at: datetime
    updated_at: datetime


class DirectoryEntriesPublic(BaseModel):
    """One page of directory entries, by area then name."""

    items: list[DirectoryEntryPublic]
    next_cursor: str | None


class DirectoryFilters(BaseModel):
    """What `GET /directory` can narrow by."""

    model_config = ConfigDict(extra="forbid")

    area: Area | None = None
    cursor: Cursor | None = None
    limit: Limit = 50


# Audit, staff and sign-in --------------------------------------------------------------------


class AuditEntryView(BaseModel):
    """One audit record, with the staff member who made it."""

    id: int
    action: str
    object_type: str
    object_id: str
    contact_id: int | None
    staff: StaffActor
    data: dict[str, Any]
    created_at: datetime


class AuditEntriesPublic(BaseModel):
    """One page of audit records, newest first."""

    items: list[AuditEntryView]
    next_cursor: str | None


class PageFilters(BaseModel):
    """Just a cursor and a page size."""

    model_config = ConfigDict(extra="forbid")

    cursor: Cursor | None = None
    limit: Limit = 50


class StaffListPublic(BaseModel):
    """One page of staff accounts."""

    items: list[StaffPublic]
    next_cursor: str | None


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
