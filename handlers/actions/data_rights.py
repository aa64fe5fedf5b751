"""A person's data rights: a copy of what we hold, erasure, and requests due within a month.

Staff exports and erasures are audited with a reason from a fixed list; the person can ask for
both in the chat (see `handlers.flows.my_data`), where a copy goes as a document or as a
single-use link that expires within a day.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.audit import do_record_audit
from handlers.actions.contacts import access_contact
from handlers.actions.erasure import do_scrub_person
from handlers.actions.errors import ConflictError, NotFoundError
from handlers.actions.identities import list_contact_identities
from models import (
    ChannelIdentity,
    Contact,
    DataRequest,
    Erasure,
    Message,
    Staff,
    Ticket,
    TicketEvent,
)
from models.audit import AuditAction
from models.enums import EventKind
from models.privacy import DataRequestKind, ErasedBy, PrivacyReason

log = logging.getLogger(__name__)


def add_month(moment: datetime) -> datetime:
    """One calendar month later; the 31st becomes the month's last day (ICO guidance)."""
    year = moment.year + moment.month // 12
    month = moment.month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def find_contact_export(
    *, session: AsyncSession, contact: Contact, now: datetime, for_person: bool = False
) -> dict[str, Any]:
    """Everything held about the person, as plain JSON.

    `for_person` leaves out what staff wrote about them (notes), which a copy sent straight to
    the chat, perhaps read by someone else in the home, must not carry: staff can send those
    after review.
    """
    identities = await list_contact_identities(session=session, contact_id=contact.id)
    tickets = (
        await session.exec(
            select(Ticket).where(Ticket.contact_id == contact.id).order_by(col(Ticket.id))
        )
    ).all()
    ticket_ids = [ticket.id for ticket in tickets]
    events = (
        await session.exec(
            select(TicketEvent)
            .where(col(TicketEvent.ticket_id).in_(ticket_ids))
            .order_by(col(TicketEvent.id))
        )
    ).all()
    messages = (
        await session.exec(
            select(Message).where(Message.contact_id == contact.id).order_by(col(Message.id))
        )
    ).all()
    requests = (
        await session.exec(
            select(DataRequest)
            .where(DataRequest.contact_id == contact.id)
            .order_by(col(DataRequest.id))
        )
    ).all()
    refs = {ticket.id: ticket.ref for ticket in tickets}
    timeline: dict[int, list[dict[str, Any]]] = {}
    for event in events:
        if for_person and event.kind == EventKind.NOTE:
            continue
        timeline.setdefault(event.ticket_id, []).append(
            {
                "kind": event.kind.value,
                "by": event.actor_type.value,
                "at": _when(event.created_at),
                "data": event.data,
                "message_id": event.message_id,
            }
        )
    person: dict[str, Any] = {
        "id": contact.id,
        "name": contact.display_name,
        "role": contact.role.value if contact.role else None,
        "language": contact.language,
        "vulnerable": contact.vulnerable,
        "telecare": contact.telecare,
        "has_carer": contact.has_carer,
        "created_at": _when(contact.created_at),
    }
    if not for_person:
        person["notes"] = contact.notes
    return {
        "exported_at": _when(now),
        "contact": person,
        "consent": {"version": contact.consent_version, "given_at": _when(contact.consented_at)},
        "identities": [
            {
                "channel": identity.channel.value,
                "address": identity.external_id,
                "phone": identity.phone,
                "profile": identity.profile,
                "opted_out": identity.opted_out,
                "last_message_at": _when(identity.last_inbound_at),
                "created_at": _when(identity.created_at),
            }
            for identity in identities
        ],
        "tickets": [
            {
                "ref": ticket.ref,
                "category": ticket.category.value,
                "status": ticket.status.value,
                "priority": ticket.priority.value,
                "details": ticket.details,
                "created_at": _when(ticket.created_at),
                "resolved_at": _when(ticket.resolved_at),
                "timeline": timeline.get(ticket.id or 0, []),
            }
            for ticket in tickets
        ],
        "messages": [
            {
                "id": message.id,
                "direction": message.direction.value,
                "channel": message.channel.value,
                "text": message.body,
                "status": message.status.value,
                "ticket": refs.get(message.ticket_id),
                "at": _when(message.created_at),
            }
            for message in messages
        ],
        "data_requests": [
            {
                "kind": request.kind.value,
                "received_at": _when(request.received_at),
                "due_at": _when(request.due_at),
                "completed_at": _when(request.completed_at),
            }
            for request in requests
        ],
    }


async def access_contact_export(
    *, session: AsyncSession, staff: Staff, contact_id: int, reason: PrivacyReason, now: datetime
) -> dict[str, Any]:
    """A contact's whole record as JSON for staff; the export and its reason are audited."""
    contact = await access_contact(session=session, contact_id=contact_id)
    await do_record_audit(
        session=session,
        staff=staff,
        action=AuditAction.CONTACT_EXPORT,
        object_type="contact",
        object_id=contact_id,
        contact_id=contact_id,
        data={"reason": reason.value},
        now=now,
    )
    return await find_contact_export(session=session, contact=contact, now=now)


async def do_erase_contact(
    *,
    session: AsyncSession,
    contact_id: int,
    reason: PrivacyReason,
    now: datetime,
    staff: Staff | None = None,
    keep_address_of: int | None = None,
    erased_by: ErasedBy | None = None,
) -> Erasure:
    """Erase a person (see `handlers.actions.erasure`); staff's erasures are audited.

    `keep_address_of` is for an erasure the person asked for in the chat: that identity keeps
    its address until the confirmation has gone (`do_finish_erasure`).
    """
    await access_contact(session=session, contact_id=contact_id)
    counts = await do_scrub_person(
        session=session, contact_id=contact_id, now=now, keep_address_of=keep_address_of
    )
    erasure = Erasure(
        contact_id=contact_id,
        erased_by=erased_by or (ErasedBy.STAFF if staff is not None else ErasedBy.CONTACT),
        staff_id=staff.id if staff is not None else None,
        reason=reason,
        tickets_kept=counts.tickets_kept,
        messages_cleared=counts.messages_cleared,
        provider_copies=[
            {**asdict(copy), "channel": copy.channel.value} for copy in counts.provider_copies
        ],
        created_at=now,
    )
    session.add(erasure)
    if staff is not None:
        await do_record_audit(
            session=session,
            staff=staff,
            action=AuditAction.CONTACT_ERASE,
            object_type="contact",
            object_id=contact_id,
            contact_id=contact_id,
            data={"reason": reason.value},
            now=now,
        )
    await session.flush()
    log.info(
        "contact %s erased (%s): %s tickets kept, %s messages cleared",
        contact_id,
        erasure.erased_by.value,
        counts.tickets_kept,
        counts.messages_cleared,
    )
    return erasure


async def do_finish_erasure(*, session: AsyncSession, identity_id: int, now: datetime) -> None:
    """Forget the last address of an erased person once their confirmation has gone."""
    identity = await session.get(ChannelIdentity, identity_id)
    if identity is not None:
        await do_scrub_person(session=session, contact_id=identity.contact_id, now=now)


async def do_record_data_request(
    *,
    session: AsyncSession,
    staff: Staff,
    contact_id: int,
    kind: DataRequestKind,
    received_at: datetime,
    now: datetime,
) -> DataRequest:
    """Record a request received (by phone, letter or in person); it is due a month later."""
    await access_contact(session=session, contact_id=contact_id)
    request = DataRequest(
        contact_id=contact_id,
        kind=kind,
        received_at=received_at,
        due_at=add_month(received_at),
        recorded_by=staff.id,  # type: ignore[arg-type]
    )
    session.add(request)
    await session.flush()
    await do_record_audit(
        session=session,
        staff=staff,
        action=AuditAction.DATA_REQUEST_CREATE,
        object_type="data_request",
        object_id=request.id,  # type: ignore[arg-type]
        contact_id=contact_id,
        data={"kind": kind.value},
        now=now,
    )
    return request


async def list_open_data_requests(*, session: AsyncSession) -> list[DataRequest]:
    """Requests not yet completed, soonest due first."""
    statement = (
        select(DataRequest)
        .where(col(DataRequest.completed_at).is_(None))
        .order_by(col(DataRequest.due_at), col(DataRequest.id))
    )
    return list((await session.exec(statement)).all())


async def access_data_request(*, session: AsyncSession, request_id: int) -> DataRequest:
    """The request with this id; NotFoundError otherwise."""
    request = await session.get(DataRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFoundError(f"Data request {request_id} was not found.")
    return request


async def do_complete_data_request(
    *, session: AsyncSession, staff: Staff, request: DataRequest, now: datetime
) -> dict[str, Any] | None:
    """Complete a request: an access request answers with the export, an erasure erases.

    Returns the export for an access request, None for an erasure.
    """
    if request.completed_at is not None:
        raise ConflictError(f"Data request {request.id} was completed already.")
    request.completed_at = now
    request.completed_by = staff.id
    export = None
    if request.kind is DataRequestKind.ACCESS:
        export = await access_contact_export(
            session=session,
            staff=staff,
            contact_id=request.contact_id,
            reason=PrivacyReason.SUBJECT_ACCESS,
            now=now,
        )
    else:
        await do_erase_contact(
            session=session,
            contact_id=request.contact_id,
            reason=PrivacyReason.ERASURE_REQUEST,
            staff=staff,
            now=now,
        )
    await do_record_audit(
        session=session,
        staff=staff,
        action=AuditAction.DATA_REQUEST_COMPLETE,
        object_type="data_request",
        object_id=request.id,  # type: ignore[arg-type]
        contact_id=request.contact_id,
        data={"kind": request.kind.value},
        now=now,
    )
    return export
