"""Where each person is in a conversation, kept in the database so restarts lose nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class Conversation(SQLModel, table=True):
    """The stored state of one identity's conversation: a state name and the answers so far."""

    __tablename__ = "conversations"

    id: int | None = Field(default=None, primary_key=True)
    identity_id: int = Field(foreign_key="channel_identities.id", unique=True)
    state: str = Field(max_length=40)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
