"""The audit log: what staff changed and whose records they read. Entries are only added."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from admin.schemas.tickets import AuditEntriesPublic, AuditEntryView, StaffActor
from handlers.actions.paging import Key, after, decode_cursor, encode_cursor, order_by
from models import AuditEntry, Staff
from models.audit import AuditAction


async def do_record_audit(
    *,
    session: AsyncSession,
    staff: Staff,
    action: AuditAction,
    object_type: str,
    object_id: str | int,
    now: datetime,
    contact_id: int | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit entry in the caller's transaction."""
    entry = AuditEntry(
        staff_id=staff.id,  # type: ignore[arg-type]
        action=action.value,
        object_type=object_type,
        object_id=str(object_id),
        contact_id=contact_id,
        data=dict(data or {}),
        created_at=now,
    )
    session.add(entry)
    await session.flush()
    return entry


_AUDIT_KEYS = [Key(col(AuditEntry.id), descending=True)]


async def list_contact_audit(
    *, session: AsyncSession, contact_id: int, cursor: str | None, limit: int
) -> AuditEntriesPublic:
    """Everything staff did to or read of one person's record, newest first."""
    listing = f"audit:{contact_id}"
    statement = (
        select(AuditEntry, Staff)
        .join(Staff, col(Staff.id) == AuditEntry.staff_id)
        .where(AuditEntry.contact_id == contact_id)
    )
    if cursor is not None:
        statement = statement.where(after(_AUDIT_KEYS, decode_cursor(cursor, listing, _AUDIT_KEYS)))
    rows = (await session.exec(statement.order_by(*order_by(_AUDIT_KEYS)).limit(limit + 1))).all()
    items = [
        AuditEntryView(
            id=entry.id,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            contact_id=entry.contact_id,
            staff=StaffActor(id=staff.id, email=staff.email, name=staff.name),
            data=entry.data,
            created_at=entry.created_at,
        )
        for entry, staff in rows[:limit]
    ]
    next_cursor = encode_cursor(listing, [items[-1].id]) if len(rows) > limit else None
    return AuditEntriesPublic(items=items, next_cursor=next_cursor)
