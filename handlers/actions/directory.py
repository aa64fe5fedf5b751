"""What supervisors do with the directory of services the respite flow offers."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from admin.schemas.tickets import (
    DirectoryEntriesPublic,
    DirectoryEntryCreate,
    DirectoryEntryPublic,
    DirectoryEntryUpdate,
    DirectoryFilters,
)
from handlers.actions.audit import do_record_audit
from handlers.actions.errors import NotFoundError
from handlers.actions.paging import Key, after, decode_cursor, encode_cursor, order_by
from models import DirectoryEntry, Staff
from models.audit import AuditAction

_KEYS = [Key(col(DirectoryEntry.area), kind="str"), Key(col(DirectoryEntry.id))]


def entry_public(entry: DirectoryEntry) -> DirectoryEntryPublic:
    """A directory entry as the API shows it."""
    return DirectoryEntryPublic.model_validate(entry, from_attributes=True)


async def list_directory(
    *, session: AsyncSession, filters: DirectoryFilters
) -> DirectoryEntriesPublic:
    """One page of entries by area, optionally only one area's."""
    statement = select(DirectoryEntry)
    if filters.area is not None:
        statement = statement.where(DirectoryEntry.area == filters.area)
    if filters.cursor is not None:
        statement = statement.where(after(_KEYS, decode_cursor(filters.cursor, "directory", _KEYS)))
    statement = statement.order_by(*order_by(_KEYS)).limit(filters.limit + 1)
    rows = (await session.exec(statement)).all()
    page = rows[: filters.limit]
    next_cursor = None
    if len(rows) > filters.limit:
        next_cursor = encode_cursor("directory", [page[-1].area, page[-1].id])
    return DirectoryEntriesPublic(items=[entry_public(e) for e in page], next_cursor=next_cursor)


async def access_directory_entry(*, session: AsyncSession, entry_id: int) -> DirectoryEntry:
    """The entry with this id; NotFoundError otherwise."""
    entry = await session.get(DirectoryEntry, entry_id)
    if entry is None:
        raise NotFoundError(f"Directory entry {entry_id} was not found.")
    return entry


async def do_create_directory_entry(
    *, session: AsyncSession, staff: Staff, entry: DirectoryEntryCreate, now: datetime
) -> DirectoryEntry:
    """Add a service to the directory."""
    row = DirectoryEntry(**entry.model_dump(), created_at=now, updated_at=now)
    session.add(row)
    await session.flush()
    await do_record_audit(
        session=session,
        staff=staff,
        action=AuditAction.DIRECTORY_CREATE,
        object_type="directory_entry",
        object_id=row.id,  # type: ignore[arg-type]
        data={"name": row.name, "area": row.area},
        now=now,
    )
    return row


async def do_update_directory_entry(
    *,
    session: AsyncSession,
    staff: Staff,
    entry: DirectoryEntry,
    changes: DirectoryEntryUpdate,
    now: datetime,
) -> DirectoryEntry:
    """Change the given fields of an entry."""
    given = changes.model_dump(exclude_unset=True)
    changed = sorted(name for name, value in given.items() if getattr(entry, name) != value)
    if changed:
        for name in changed:
            setattr(entry, name, given[name])
        entry.updated_at = now
        session.add(entry)
        await do_record_audit(
            session=session,
            staff=staff,
            action=AuditAction.DIRECTORY_UPDATE,
            object_type="directory_entry",
            object_id=entry.id,  # type: ignore[arg-type]
            data={"fields": changed},
            now=now,
        )
    await session.flush()
    return entry


async def do_delete_directory_entry(
    *, session: AsyncSession, staff: Staff, entry: DirectoryEntry, now: datetime
) -> None:
    """Remove an entry from the directory."""
    await do_record_audit(
        session=session,
        staff=staff,
        action=AuditAction.DIRECTORY_DELETE,
        object_type="directory_entry",
        object_id=entry.id,  # type: ignore[arg-type]
        data={"name": entry.name, "area": entry.area},
        now=now,
    )
    await session.delete(entry)
    await session.flush()
