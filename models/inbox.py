"""Incoming events accepted by a web process and waiting for a worker to handle them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_type, utcnow
from models.enums import Channel


class InboundEvent(SQLModel, table=True):
    """One person's message or button press, committed before its webhook is answered.

    A worker's job handles it and deletes it in the same transaction, so it is handled once; a
    provider's redelivery while it waits finds it here (its provider id is unique per channel).
    """

    __tablename__ = "inbound_events"
    __table_args__ = (
        sa.UniqueConstraint("channel", "provider_id", name="uq_inbound_event_provider_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: Channel = Field(sa_type=enum_type(Channel))
    provider_id: str | None = Field(default=None, max_length=100)
    event: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
