"""People's records as the staff API shows them, and the changes staff may make."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

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

from admin.schemas.common import Cursor, Limit, reject_nulls
from admin.schemas.tickets import ContactSummary, TicketPublic
from handlers.actions.contacts import ContactChanges, ContactRecord
from handlers.actions.paging import Page
from models import Contact
from models.enums import Channel
from models.text import LanguageCode, SearchText, check_clean


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

    @classmethod
    def of(cls, contact: Contact) -> Self:
        """A contact as lists show them."""
        return cls.model_validate(contact, from_attributes=True)


class ContactDetail(ContactPublic):
    """A contact's whole record: identities, flags, notes, consent and tickets (newest first)."""

    notes: str | None
    consent: ConsentPublic
    identities: list[IdentityPublic]
    tickets: list[TicketPublic]

    @classmethod
    def of_record(cls, record: ContactRecord) -> Self:
        """A person's whole record as the API shows it."""
        contact = record.contact
        return cls(
            **ContactPublic.of(contact).model_dump(),
            notes=contact.notes,
            consent=ConsentPublic(
                version=contact.consent_version, consented_at=contact.consented_at
            ),
            identities=[
                IdentityPublic.model_validate(i, from_attributes=True) for i in record.identities
            ],
            tickets=[TicketPublic.of(t) for t in record.tickets],
        )


class ContactsPublic(BaseModel):
    """One page of contacts."""

    items: list[ContactPublic]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[Contact]) -> Self:
        """A page of contacts as the API shows it."""
        return cls(items=[ContactPublic.of(c) for c in page.items], next_cursor=page.next_cursor)


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
    language: LanguageCode | SkipJsonSchema[None] = Field(
        default=None, description="The language the bot speaks to them, e.g. `cy`."
    )

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        reject_nulls(self, "vulnerable", "telecare", "has_carer", "language")
        return self

    def changes(self) -> ContactChanges:
        """The domain's changes: only the fields the request gave."""
        return ContactChanges(**self.model_dump(exclude_unset=True))


class ContactFilters(BaseModel):
    """What `GET /contacts` can narrow by."""

    model_config = ConfigDict(extra="forbid")

    q: SearchText | None = Field(default=None, description="Part of the person's name.")
    cursor: Cursor | None = None
    limit: Limit = 50
