"""People's records: find, read (audited), change flags and notes, and the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from admin.deps import AgentDep, SessionDep, SupervisorDep
from admin.errors import AUTH_ERRORS, BAD_BODY, NOT_FOUND
from admin.schemas.audit import AuditEntriesPublic
from admin.schemas.common import PageFilters
from admin.schemas.contacts import ContactDetail, ContactFilters, ContactsPublic, ContactUpdate
from handlers.actions.audit import list_contact_audit
from handlers.actions.contacts import (
    access_contact,
    access_contact_record,
    do_update_contact,
    find_contact_record,
    search_contacts,
)
from models.base import utcnow
from models.text import MAX_DB_ID

router = APIRouter(prefix="/contacts", tags=["contacts"], responses={**AUTH_ERRORS})

ContactId = Annotated[int, Path(ge=1, le=MAX_DB_ID, examples=[42])]


@router.get("", response_model=ContactsPublic)
async def list_contacts(
    filters: Annotated[ContactFilters, Query()], staff: AgentDep, session: SessionDep
) -> ContactsPublic:
    """Contacts, newest first; `q` narrows to names containing it."""
    page = await search_contacts(
        session=session, name=filters.q, cursor=filters.cursor, limit=filters.limit
    )
    return ContactsPublic.of(page)


@router.get("/{contact_id}", response_model=ContactDetail, responses={**NOT_FOUND})
async def get_contact(contact_id: ContactId, staff: AgentDep, session: SessionDep) -> ContactDetail:
    """A person's whole record and their tickets. The read is audited."""
    record = await access_contact_record(
        session=session, staff=staff, contact_id=contact_id, now=utcnow()
    )
    await session.commit()
    return ContactDetail.of_record(record)


@router.patch("/{contact_id}", response_model=ContactDetail, responses={**NOT_FOUND, **BAD_BODY})
async def change_contact(
    contact_id: ContactId, changes: ContactUpdate, staff: AgentDep, session: SessionDep
) -> ContactDetail:
    """Change the flags (vulnerable, telecare, has_carer) or the staff notes."""
    contact = await access_contact(session=session, contact_id=contact_id)
    await do_update_contact(
        session=session, staff=staff, contact=contact, changes=changes.changes(), now=utcnow()
    )
    await session.commit()
    return ContactDetail.of_record(await find_contact_record(session=session, contact=contact))


@router.get("/{contact_id}/audit", response_model=AuditEntriesPublic, responses={**NOT_FOUND})
async def contact_audit(
    contact_id: ContactId,
    page: Annotated[PageFilters, Query()],
    staff: SupervisorDep,
    session: SessionDep,
) -> AuditEntriesPublic:
    """Who read or changed this person's record, newest first. Supervisors and admins only."""
    await access_contact(session=session, contact_id=contact_id)
    records = await list_contact_audit(
        session=session, contact_id=contact_id, cursor=page.cursor, limit=page.limit
    )
    return AuditEntriesPublic.of(records)
