"""Data rights as the staff API shows them: exports, erasures and requests due in a month."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field

from handlers.actions.retention import RetentionReport
from models.enums import Channel
from models.privacy import DataRequest, DataRequestKind, ErasedBy, Erasure, PrivacyReason
from models.text import BodyId, UTCTimestamp


class ReasonBody(BaseModel):
    """Why staff export or erase a record: one of a fixed list, so the audit holds no words."""

    model_config = ConfigDict(extra="forbid")

    reason: PrivacyReason = Field(examples=["subject_access"])


class ProviderCopyPublic(BaseModel):
    """A message a provider still holds: ask them to delete it (Twilio keeps bodies and media)."""

    channel: Channel
    provider_message_id: str | None
    media: bool


class ErasurePublic(BaseModel):
    """What an erasure did: tickets kept as anonymous rows, messages cleared, copies elsewhere."""

    contact_id: int
    erased_by: ErasedBy
    staff_id: int | None
    reason: PrivacyReason
    tickets_kept: int
    messages_cleared: int
    provider_copies: list[ProviderCopyPublic]
    created_at: datetime

    @classmethod
    def of(cls, erasure: Erasure) -> Self:
        return cls.model_validate(erasure, from_attributes=True)


class ExportPublic(BaseModel):
    """Everything held about a person: contact, consent, identities, tickets with their
    timelines, messages, and data requests."""

    exported_at: str
    contact: dict[str, Any]
    consent: dict[str, Any]
    identities: list[dict[str, Any]]
    tickets: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    data_requests: list[dict[str, Any]]


class DataRequestCreate(BaseModel):
    """A request received from a person, by phone, letter or in person."""

    model_config = ConfigDict(extra="forbid")

    contact_id: BodyId
    kind: DataRequestKind = DataRequestKind.ACCESS
    received_at: UTCTimestamp | None = Field(
        default=None, description="When it was received; now if left out."
    )


class DataRequestPublic(BaseModel):
    """A request and when it is due: one calendar month after it was received."""

    id: int
    contact_id: int
    kind: DataRequestKind
    received_at: datetime
    due_at: datetime
    completed_at: datetime | None
    overdue: bool

    @classmethod
    def of(cls, request: DataRequest, now: datetime) -> Self:
        return cls(
            id=request.id or 0,
            contact_id=request.contact_id,
            kind=request.kind,
            received_at=request.received_at,
            due_at=request.due_at,
            completed_at=request.completed_at,
            overdue=request.completed_at is None and request.due_at < now,
        )


class DataRequestsPublic(BaseModel):
    """Open requests, soonest due first."""

    items: list[DataRequestPublic]
    next_cursor: str | None = None


class DataRequestDone(BaseModel):
    """A completed request; an access request carries the export to send the person."""

    request: DataRequestPublic
    export: ExportPublic | None


class ExpiredTicketPublic(BaseModel):
    """A ticket whose words the next retention run removes."""

    ref: str
    category: str
    priority: str
    closed_at: datetime
    safeguarding: bool


class RetentionPublic(BaseModel):
    """What the next retention run would do: counts, and the first tickets by reference."""

    finished_before: datetime
    safeguarding_finished_before: datetime
    tickets: int
    safeguarding_tickets: int
    messages: int
    people: int
    unhandled_updates: int
    items: list[ExpiredTicketPublic]

    @classmethod
    def of(cls, report: RetentionReport) -> Self:
        return cls(
            finished_before=report.cutoffs.ordinary,
            safeguarding_finished_before=report.cutoffs.safeguarding,
            tickets=report.tickets,
            safeguarding_tickets=report.safeguarding_tickets,
            messages=report.messages,
            people=report.people,
            unhandled_updates=report.unhandled_updates,
            items=[
                ExpiredTicketPublic.model_validate(item, from_attributes=True)
                for item in report.listed
            ],
        )
