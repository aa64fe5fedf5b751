"""On-call pages: each announcement of an urgent ticket to one destination for staff on duty."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_type, utcnow
from models.enums import OncallDestination, PageStatus

ERROR_LIMIT = 300


class OncallPage(SQLModel, table=True):
    """The `step`th announcement of a ticket (0 first, one more per repeat) to `destination`.

    A page is `pending` until it is sent, or has failed every attempt; `due_at` is when it is
    next tried. One row per (ticket, step), so two processes repeating an alert at once make
    one page, not two.
    """

    __tablename__ = "oncall_pages"
    __table_args__ = (
        sa.UniqueConstraint("ticket_id", "step", name="uq_oncall_pages_ticket_step"),
        sa.Index("ix_oncall_pages_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    step: int = 0
    destination: OncallDestination = Field(sa_type=enum_type(OncallDestination))
    status: PageStatus = Field(default=PageStatus.PENDING, sa_type=enum_type(PageStatus))
    attempts: int = 0
    due_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=ERROR_LIMIT)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
