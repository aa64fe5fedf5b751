"""The directory of services carers are pointed to.

The respite flow finds services near the person (`find_services_near`); supervisors keep the
directory (`list_directory_entries`, `access_directory_entry` and the `do_*` changes).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.audit import do_record_audit
from handlers.actions.changes import KEEP, Keep
from handlers.actions.errors import NotFoundError
from handlers.actions.paging import Key, Page, after, decode_cursor, order_by, page_of
from models import DirectoryEntry, Staff
from models.audit import AuditAction
from models.directory import DirectoryEntryBase

_DISTRICT = re.compile(r"^([A-Z]{1,2})(\d{1,2})([A-Z]?)$")
_EARTH_KM = 6371.0
_NEARBY_KM = 40.0


def _district_distance(wanted: str, area: str) -> float | None:
    """How far apart two postcode districts are by their codes, or None if unrelated.

    Without a table of district centres this can only say that LS6 is closer to LS7 than to
    LS27: the same postcode area, ranked by district number. It is a stand-in for distance.
    """
    a, b = _DISTRICT.match(wanted), _DISTRICT.match(area.upper())
    if a is None or b is None or a.group(1) != b.group(1):
        return None
    if wanted == area.upper():
        return 0.0
    return 1.0 + abs(int(a.group(2)) - int(b.group(2)))


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(math.sqrt(h))


async def find_services_near(
    *,
    session: AsyncSession,
    district: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    limit: int = 3,
) -> list[DirectoryEntry]:
    """For the respite flow: services near a postcode district or a point, nearest first."""
    entries = list((await session.exec(select(DirectoryEntry))).all())
    ranked: list[tuple[float, int, DirectoryEntry]] = []
    for entry in entries:
        distance: float | None = None
        if latitude is not None and longitude is not None:
            if entry.latitude is not None and entry.longitude is not None:
                km = _km(latitude, longitude, entry.latitude, entry.longitude)
                distance = km if km <= _NEARBY_KM else None
        elif district is not None:
            distance = _district_distance(district.upper(), entry.area)
        if distance is not None:
            ranked.append((distance, entry.id or 0, entry))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [entry for _, _, entry in ranked[:limit]]


# For supervisors ------------------------------------------------------------------------------

_KEYS = [Key(col(DirectoryEntry.area), kind="str"), Key(col(DirectoryEntry.id))]


@dataclass(frozen=True)
class DirectoryEntryChanges:
    """Changes to an entry; a field left as KEEP stays, and None clears the optional ones."""

    name: str | Keep = KEEP
    area: str | Keep = KEEP
    phone: str | Keep | None = KEEP
    website: str | Keep | None = KEEP
    description: str | Keep = KEEP
    latitude: float | Keep | None = KEEP
    longitude: float | Keep | None = KEEP


async def list_directory_entries(
    *, session: AsyncSession, area: str | None, cursor: str | None, limit: int
) -> Page[DirectoryEntry]:
    """One page of entries by area, optionally only one area's."""
    statement = select(DirectoryEntry)
    if area is not None:
        statement = statement.where(DirectoryEntry.area == area)
    if cursor is not None:
        statement = statement.where(after(_KEYS, decode_cursor(cursor, "directory", _KEYS)))
    statement = statement.order_by(*order_by(_KEYS)).limit(limit + 1)
    rows = (await session.exec(statement)).all()
    return page_of(rows, limit, "directory", lambda entry: [entry.area, entry.id])


async def access_directory_entry(*, session: AsyncSession, entry_id: int) -> DirectoryEntry:
    """The entry with this id; NotFoundError otherwise."""
    entry = await session.get(DirectoryEntry, entry_id)
    if entry is None:
        raise NotFoundError(f"Directory entry {entry_id} was not found.")
    return entry


async def do_create_directory_entry(
    *, session: AsyncSession, staff: Staff, entry: DirectoryEntryBase, now: datetime
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
    changes: DirectoryEntryChanges,
    now: datetime,
) -> DirectoryEntry:
    """Change the given fields of an entry."""
    given = {
        field.name: getattr(changes, field.name)
        for field in fields(changes)
        if getattr(changes, field.name) is not KEEP
    }
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
