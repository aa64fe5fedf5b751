"""The audit log: what staff changed and whose records they read. Entries are only added."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.paging import Key, Page, after, decode_cursor, order_by, page_of
from models import AuditEntry, Staff
from models.audit import AuditAction


@dataclass(frozen=True)
class AuditRecord:
    """One audit entry and the staff member who made it."""

    entry: AuditEntry
    staff: Staff


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
) -> Page[AuditRecord]:
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
    records = [AuditRecord(entry, staff) for entry, staff in rows]
    return page_of(records, limit, listing, lambda record: [record.entry.id])
