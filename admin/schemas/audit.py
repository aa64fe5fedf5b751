"""The audit log as supervisors read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel

from admin.schemas.common import StaffActor, staff_actor
from handlers.actions.audit import AuditRecord
from handlers.actions.paging import Page


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

    @classmethod
    def of(cls, page: Page[AuditRecord]) -> Self:
        """A page of audit records, each with the staff member who made it."""
        items = [
            AuditEntryView(
                id=record.entry.id or 0,
                action=record.entry.action,
                object_type=record.entry.object_type,
                object_id=record.entry.object_id,
                contact_id=record.entry.contact_id,
                staff=staff_actor(record.staff),
                data=record.entry.data,
                created_at=record.entry.created_at,
            )
            for record in page.items
        ]
        return cls(items=items, next_cursor=page.next_cursor)
