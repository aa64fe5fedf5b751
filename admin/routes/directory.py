"""The directory of services carers are pointed to. Supervisors and admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from admin.deps import SessionDep, SupervisorDep
from admin.errors import AUTH_ERRORS, BAD_BODY, NOT_FOUND
from admin.schemas.directory import (
    DirectoryEntriesPublic,
    DirectoryEntryCreate,
    DirectoryEntryPublic,
    DirectoryEntryUpdate,
    DirectoryFilters,
)
from handlers.actions.directory import (
    access_directory_entry,
    do_create_directory_entry,
    do_delete_directory_entry,
    do_update_directory_entry,
    list_directory_entries,
)
from models.base import utcnow
from models.text import MAX_DB_ID

router = APIRouter(prefix="/directory", tags=["directory"], responses={**AUTH_ERRORS})

EntryId = Annotated[int, Path(ge=1, le=MAX_DB_ID, examples=[1])]


@router.get("", response_model=DirectoryEntriesPublic)
async def list_entries(
    filters: Annotated[DirectoryFilters, Query()], staff: SupervisorDep, session: SessionDep
) -> DirectoryEntriesPublic:
    """Entries by area; `area` narrows to one postcode district."""
    page = await list_directory_entries(
        session=session, area=filters.area, cursor=filters.cursor, limit=filters.limit
    )
    return DirectoryEntriesPublic.of(page)


@router.post(
    "",
    response_model=DirectoryEntryPublic,
    status_code=status.HTTP_201_CREATED,
    responses={**BAD_BODY},
)
async def create_entry(
    entry: DirectoryEntryCreate, staff: SupervisorDep, session: SessionDep
) -> DirectoryEntryPublic:
    """Add a service."""
    row = await do_create_directory_entry(session=session, staff=staff, entry=entry, now=utcnow())
    await session.commit()
    return DirectoryEntryPublic.of(row)


@router.get("/{entry_id}", response_model=DirectoryEntryPublic, responses={**NOT_FOUND})
async def get_entry(
    entry_id: EntryId, staff: SupervisorDep, session: SessionDep
) -> DirectoryEntryPublic:
    """One entry."""
    return DirectoryEntryPublic.of(await access_directory_entry(session=session, entry_id=entry_id))


@router.patch(
    "/{entry_id}", response_model=DirectoryEntryPublic, responses={**NOT_FOUND, **BAD_BODY}
)
async def change_entry(
    entry_id: EntryId, changes: DirectoryEntryUpdate, staff: SupervisorDep, session: SessionDep
) -> DirectoryEntryPublic:
    """Change the fields given."""
    entry = await access_directory_entry(session=session, entry_id=entry_id)
    await do_update_directory_entry(
        session=session, staff=staff, entry=entry, changes=changes.changes(), now=utcnow()
    )
    await session.commit()
    return DirectoryEntryPublic.of(entry)


@router.delete("/{entry_id}", status_code=status.HTTP_204_NO_CONTENT, responses={**NOT_FOUND})
async def delete_entry(entry_id: EntryId, staff: SupervisorDep, session: SessionDep) -> None:
    """Remove a service from the directory."""
    entry = await access_directory_entry(session=session, entry_id=entry_id)
    await do_delete_directory_entry(session=session, staff=staff, entry=entry, now=utcnow())
    await session.commit()
