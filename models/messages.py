"""Every message in and out, with its delivery status; outbound rows are the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_type, utcnow
from models.enums import Channel, DeliveryStatus, Direction, OutboundPriority

BODY_LIMIT = 4000
"""Longer bodies are cut before storing: enough for any real answer, bounded for abuse."""


_REACHED_SQL = "direction = 'out' AND status IN ('sent', 'delivered', 'read')"
FAILED_SQL = "direction = 'out' AND status = 'failed'"


class Message(SQLModel, table=True):
    """One message. A provider id is unique per channel, which makes redelivery harmless."""

    __tablename__ = "messages"
    __table_args__ = (
        sa.UniqueConstraint("channel", "provider_message_id", name="uq_message_provider_id"),
        sa.Index("ix_messages_outbox", "status", "next_attempt_at"),
        # Whether a later message got through after one failed: the Delivery failed view.
        sa.Index(
            "ix_messages_reached",
            "ticket_id",
            "id",
            postgresql_where=sa.text(_REACHED_SQL),
            sqlite_where=sa.text(_REACHED_SQL),
        ),
        sa.Index("ix_messages_recipient", "identity_id", "status"),
        # The failed messages to people, read whole from the index: the Delivery failed view.
        sa.Index(
            "ix_messages_failed",
            "ticket_id",
            "id",
            postgresql_where=sa.text(FAILED_SQL),
            sqlite_where=sa.text(FAILED_SQL),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", index=True)
    identity_id: int = Field(foreign_key="channel_identities.id")
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id", index=True)
    channel: Channel = Field(sa_type=enum_type(Channel))
    direction: Direction = Field(sa_type=enum_type(Direction))
    body: str = Field(default="", sa_type=sa.Text)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    provider_message_id: str | None = Field(default=None, max_length=100)
    status: DeliveryStatus = Field(sa_type=enum_type(DeliveryStatus))
    error: str | None = Field(default=None, max_length=500)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Outbound only: who goes first among people (see OutboundPriority).
    priority: int = OutboundPriority.REPLY
    # Outbound only: the provider ids of the parts already accepted (a long SMS goes as several),
    # so a retry carries on after them and never sends a part twice.
    sent_parts: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    # An attempt ended without knowing whether the provider took the message, and it was sent
    # again: the person may have it twice. Shown to staff.
    maybe_duplicate: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PendingDeliveryReport(SQLModel, table=True):
    """A provider's delivery report about a message whose provider id is not saved yet.

    The provider can report on a message before our record of sending it commits; the report
    waits here and is applied when the send is recorded, or expires unmatched.
    """

    __tablename__ = "pending_delivery_reports"

    id: int | None = Field(default=None, primary_key=True)
    provider_message_id: str = Field(max_length=100, index=True)
    status: DeliveryStatus = Field(sa_type=enum_type(DeliveryStatus))
    reason: str | None = Field(default=None, max_length=500)
    opted_out: bool = False
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
