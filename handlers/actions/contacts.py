"""What staff do with a person's record: find it, read it, and change its flags and notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.audit import do_record_audit
from handlers.actions.changes import KEEP, Keep
from handlers.actions.errors import InvalidError, NotFoundError
from handlers.actions.identities import list_contact_identities
from handlers.actions.paging import Key, Page, after, decode_cursor, order_by, page_of
from handlers.conversation.languages import SUPPORTED_LANGUAGES
from models import ChannelIdentity, Contact, Staff, Ticket
from models.audit import AuditAction
from models.enums import LanguageSource

_CONTACT_KEYS = [Key(col(Contact.id), descending=True)]


@dataclass(frozen=True)
class ContactRecord:
    """A person's whole record: the contact, the channels they use, and their tickets."""

    contact: Contact
    identities: list[ChannelIdentity]
    tickets: list[Ticket]


@dataclass(frozen=True)
class ContactChanges:
    """Changes to a person's flags and notes; a field left as KEEP stays, and empty notes clear."""

    vulnerable: bool | Keep = KEEP
    telecare: bool | Keep = KEEP
    has_carer: bool | Keep = KEEP
    notes: str | Keep | None = KEEP
    language: str | Keep = KEEP


async def access_contact(*, session: AsyncSession, contact_id: int) -> Contact:
    """The contact with this id; NotFoundError otherwise."""
    contact = await session.get(Contact, contact_id)
    if contact is None:
        raise NotFoundError(f"Contact {contact_id} was not found.")
    return contact


async def search_contacts(
    *, session: AsyncSession, name: str | None, cursor: str | None, limit: int
) -> Page[Contact]:
    """One page of contacts, newest first, optionally those whose name contains `name`."""
    statement = select(Contact)
    if name is not None:
        lowered = func.lower(func.coalesce(col(Contact.display_name), ""))
        statement = statement.where(lowered.contains(name.lower(), autoescape=True))
    if cursor is not None:
        values = decode_cursor(cursor, "contacts", _CONTACT_KEYS)
        statement = statement.where(after(_CONTACT_KEYS, values))
    statement = statement.order_by(*order_by(_CONTACT_KEYS)).limit(limit + 1)
    rows = (await session.exec(statement)).all()
    return page_of(rows, limit, "contacts", lambda contact: [contact.id])


async def find_contact_record(*, session: AsyncSession, contact: Contact) -> ContactRecord:
    """A contact's whole record, without recording a read."""
    identities = await list_contact_identities(session=session, contact_id=contact.id)
    tickets = (
        await session.exec(
            select(Ticket).where(Ticket.contact_id == contact.id).order_by(col(Ticket.id).desc())
        )
    ).all()
    return ContactRecord(contact=contact, identities=list(identities), tickets=list(tickets))


async def access_contact_record(
    *, session: AsyncSession, staff: Staff, contact_id: int, now: datetime
) -> ContactRecord:
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
    return await find_contact_record(session=session, contact=contact)


async def do_update_contact(
    *, session: AsyncSession, staff: Staff, contact: Contact, changes: ContactChanges, now: datetime
) -> Contact:
    """Change a contact's flags, notes or language; the audit entry names what changed.

    A language set here is the person's record: nothing guesses it again, though the person
    may still choose another. InvalidError for a language the bot does not speak.
    """
    recorded: dict[str, object] = {}
    if changes.language is not KEEP:
        if changes.language not in SUPPORTED_LANGUAGES:
            raise InvalidError(
                f"The bot does not speak {changes.language!r}; it speaks "
                f"{', '.join(SUPPORTED_LANGUAGES)}.",
                loc=("body", "language"),
            )
        if changes.language != contact.language:
            recorded["language"] = {"from": contact.language, "to": changes.language}
            contact.language = changes.language
        contact.language_source = LanguageSource.RECORD
    for flag in ("vulnerable", "telecare", "has_carer"):
        value = getattr(changes, flag)
        if value is not KEEP and value != getattr(contact, flag):
            recorded[flag] = {"from": getattr(contact, flag), "to": value}
            setattr(contact, flag, value)
    if changes.notes is not KEEP:
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
