"""Records of people's data rights: erasures done, requests received, and download links."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_type, utcnow


class PrivacyReason(StrEnum):
    """Why staff exported or erased a record: a fixed list, so the audit log holds no words
    about the person."""

    SUBJECT_ACCESS = "subject_access"
    ERASURE_REQUEST = "erasure_request"
    LEGAL_OBLIGATION = "legal_obligation"
    SAFEGUARDING = "safeguarding"
    DATA_CORRECTION = "data_correction"
    DUPLICATE_RECORD = "duplicate_record"
    RETENTION_PERIOD = "retention_period"


class ErasedBy(StrEnum):
    STAFF = "staff"
    CONTACT = "contact"
    RETENTION = "retention"


class DataRequestKind(StrEnum):
    ACCESS = "access"
    ERASURE = "erasure"


class Erasure(SQLModel, table=True):
    """That a person's record was erased, by whom and why; it holds no personal data.

    `provider_copies` lists what providers still hold (Twilio message ids, whether media was
    attached) so staff can ask them to delete their copies too.
    """

    __tablename__ = "erasures"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", index=True)
    erased_by: ErasedBy = Field(sa_type=enum_type(ErasedBy))
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    reason: PrivacyReason = Field(sa_type=enum_type(PrivacyReason))
    tickets_kept: int = 0
    messages_cleared: int = 0
    provider_copies: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DataRequest(SQLModel, table=True):
    """A request from a person to see (or erase) their data, due within a calendar month."""

    __tablename__ = "data_requests"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", index=True)
    kind: DataRequestKind = Field(sa_type=enum_type(DataRequestKind))
    received_at: datetime = Field(sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    recorded_by: int = Field(foreign_key="staff.id")
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_by: int | None = Field(default=None, foreign_key="staff.id")


class DataLink(SQLModel, table=True):
    """A single-use link to a copy of a person's data; only the SHA-256 of its token is kept."""

    __tablename__ = "data_links"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AnonymisedTicket(SQLModel, table=True):
    """A ticket whose words were removed when its retention period ended."""

    __tablename__ = "anonymised_tickets"

    ticket_id: int = Field(foreign_key="tickets.id", primary_key=True)
    anonymised_at: datetime = Field(sa_type=UTCDateTime)
