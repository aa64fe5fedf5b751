"""What staff do with a person's record: find it, read it, and change its flags and notes."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from admin.schemas.tickets import (
    ConsentPublic,
    ContactDetail,
    ContactFilters,
    ContactPublic,
    ContactsPublic,
    ContactUpdate,
    IdentityPublic,
)
from handlers.actions.audit import do_record_audit
from handlers.actions.errors import NotFoundError
from handlers.actions.paging import Key, after, decode_cursor, encode_cursor, order_by
from handlers.actions.ticket_work import ticket_public
from models import ChannelIdentity, Contact, Staff, Ticket
from models.audit import AuditAction

_CONTACT_KEYS = [Key(col(Contact.id), descending=True)]


async def access_contact(*, session: AsyncSession, contact_id: int) -> Contact:
    """The contact with this id; NotFoundError otherwise."""
    contact = await session.get(Contact, contact_id)
    if contact is None:
        raise NotFoundError(f"Contact {contact_id} was not found.")
    return contact


async def search_contacts(*, session: AsyncSession, filters: ContactFilters) -> ContactsPublic:
    """One page of contacts, newest first, optionally those whose name contains `q`."""
    statement = select(Contact)
    if filters.q is not None:
        name = func.lower(func.coalesce(col(Contact.display_name), ""))
        statement = statement.where(name.contains(filters.q.lower(), autoescape=True))
    if filters.cursor is not None:
        values = decode_cursor(filters.cursor, "contacts", _CONTACT_KEYS)
        statement = statement.where(after(_CONTACT_KEYS, values))
    statement = statement.order_by(*order_by(_CONTACT_KEYS)).limit(filters.limit + 1)
    rows = (await session.exec(statement)).all()
    items = [ContactPublic.model_validate(c, from_attributes=True) for c in rows[: filters.limit]]
    next_cursor = None
    if len(rows) > filters.limit:
        next_cursor = encode_cursor("contacts", [items[-1].id])
    return ContactsPublic(items=items, next_cursor=next_cursor)


async def contact_detail(*, session: AsyncSession, contact: Contact) -> ContactDetail:
    """A contact's whole record, without recording a read."""
    identities = (
        await session.exec(
            select(ChannelIdentity)
            .where(ChannelIdentity.contact_id == contact.id)
            .order_by(col(ChannelIdentity.id))
        )
    ).all()
    tickets = (
        await session.exec(
            select(Ticket).where(Ticket.contact_id == contact.id).order_by(col(Ticket.id).desc())
        )
    ).all()
    return ContactDetail(
        **ContactPublic.model_validate(contact, from_attributes=True).model_dump(),
        notes=contact.notes,
        consent=ConsentPublic(version=contact.consent_version, consented_at=contact.consented_at),
        identities=[IdentityPublic.model_validate(i, from_attributes=True) for i in identities],
        tickets=[ticket_public(t) for t in tickets],
    )


async def access_contact_detail(
    *, session: AsyncSession, staff: Staff, contact_id: int, now: datetime
) -> ContactDetail:
    """A contact's whole record; the read is recorded in the audit log."""
    contact = await access_contact(session=session, contact_id=contact_id)
    await do_record_audit(
        session=session,
        staff=staff,
        action=AuditAction.CONTACT_READ,
        object_type="contact",
        object_id=contact_id,
        contact_id=contact_id,
        now=now,
    )
    return await contact_detail(session=session, contact=contact)


async def do_update_contact(
    *, session: AsyncSession, staff: Staff, contact: Contact, changes: ContactUpdate, now: datetime
) -> Contact:
    """Change a contact's flags or notes; the audit entry names what changed."""
    given = changes.model_fields_set
    recorded: dict[str, object] = {}
    for flag in ("vulnerable", "telecare", "has_carer"):
        value = getattr(changes, flag)
        if flag in given and value is not None and value != getattr(contact, flag):
            recorded[flag] = {"from": getattr(contact, flag), "to": value}
            setattr(contact, flag, value)
    if "notes" in given:
        notes = changes.notes or None
        if notes != contact.notes:
            # The audit says the notes changed, not what they say: they may be sensitive.
            recorded["notes"] = "changed" if notes else "cleared"
            contact.notes = notes
    if recorded:
        contact.updated_at = now
        session.add(contact)
        await do_record_audit(
            session=session,
            staff=staff,
            action=AuditAction.CONTACT_UPDATE,
            object_type="contact",
            object_id=contact.id,  # type: ignore[arg-type]
            contact_id=contact.id,
            data=recorded,
            now=now,
        )
    await session.flush()
    return contact
