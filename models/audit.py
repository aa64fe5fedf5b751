"""The append-only record of what staff changed and whose records they read."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapper
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class AuditAction(StrEnum):
    """Everything staff do that is recorded."""

    CONTACT_READ = "contact.read"
    CONTACT_UPDATE = "contact.update"
    CONTACT_EXPORT = "contact.export"
    CONTACT_ERASE = "contact.erase"
    DATA_REQUEST_CREATE = "data_request.create"
    DATA_REQUEST_COMPLETE = "data_request.complete"
    CONTACT_IMPORT = "contact.import"
    CONTACT_INVITE = "contact.invite"
    CAMPAIGN_CREATE = "campaign.create"
    CAMPAIGN_UPDATE = "campaign.update"
    CAMPAIGN_RUN = "campaign.run"
    TICKET_READ = "ticket.read"
    TICKET_UPDATE = "ticket.update"
    TICKET_NOTE = "ticket.note"
    TICKET_REPLY = "ticket.reply"
    DIRECTORY_CREATE = "directory.create"
    DIRECTORY_UPDATE = "directory.update"
    DIRECTORY_DELETE = "directory.delete"
    STAFF_CREATE = "staff.create"
    STAFF_UPDATE = "staff.update"
    TOKEN_CREATE = "token.create"
    TOKEN_REVOKE = "token.revoke"


class AuditEntryBase(SQLModel):
    """Who did what to which object, and when."""

    staff_id: int = Field(foreign_key="staff.id", index=True)
    action: str = Field(max_length=40)
    object_type: str = Field(max_length=40)
    object_id: str = Field(max_length=40)
    contact_id: int | None = Field(default=None, foreign_key="contacts.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AuditEntry(AuditEntryBase, table=True):
    """One audit record. The ORM refuses to change or delete one once written."""

    __tablename__ = "audit_entries"

    id: int | None = Field(default=None, primary_key=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


class AuditEntryPublic(AuditEntryBase):
    """An audit record as supervisors see it."""

    id: int
    data: dict[str, Any]


def _refuse(mapper: Mapper[Any], connection: sa.Connection, target: AuditEntry) -> None:
    raise PermissionError("audit entries are append-only")


sa.event.listen(AuditEntry, "before_update", _refuse)
sa.event.listen(AuditEntry, "before_delete", _refuse)
