"""Requests for help, and the timeline of everything that happens to each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_type, utcnow
from models.enums import (
    ActorType,
    Channel,
    EventKind,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)

REF_PREFIX = "HH-"


def format_ref(ticket_id: int) -> str:
    """The reference a person quotes on the phone, e.g. `HH-000123`."""
    return f"{REF_PREFIX}{ticket_id:06d}"


def parse_ref(ref: str) -> int | None:
    """The ticket id behind a reference, or None when it is not one of ours."""
    text = ref.strip().upper()
    if not text.startswith(REF_PREFIX) or not text[len(REF_PREFIX) :].isdigit():
        return None
    return int(text[len(REF_PREFIX) :])


class Ticket(SQLModel, table=True):
    """One request for help; `details` holds the answers the person gave, as structured data."""

    __tablename__ = "tickets"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", index=True)
    identity_id: int | None = Field(default=None, foreign_key="channel_identities.id")
    channel: Channel = Field(sa_type=enum_type(Channel))
    category: TicketCategory = Field(sa_type=enum_type(TicketCategory), index=True)
    status: TicketStatus = Field(
        default=TicketStatus.NEW, sa_type=enum_type(TicketStatus), index=True
    )
    priority: TicketPriority = Field(
        default=TicketPriority.NORMAL, sa_type=enum_type(TicketPriority)
    )
    assignee_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def ref(self) -> str:
        if self.id is None:
            raise ValueError("a ticket has no reference until it is stored")
        return format_ref(self.id)


class TicketEvent(SQLModel, table=True):
    """One entry in a ticket's timeline. Rows are only ever added, never changed."""

    __tablename__ = "ticket_events"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    kind: EventKind = Field(sa_type=enum_type(EventKind))
    actor_type: ActorType = Field(sa_type=enum_type(ActorType))
    actor_id: int | None = None
    message_id: int | None = Field(default=None, foreign_key="messages.id")
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
