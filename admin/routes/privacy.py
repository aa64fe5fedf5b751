"""People's data rights for supervisors: export, erase, and requests due within a month.

Each export and erasure is audited with its reason; agents get 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from admin.deps import SessionDep, SupervisorDep
from admin.errors import AUTH_ERRORS, BAD_BODY, CONFLICT, NOT_FOUND
from admin.schemas.privacy import (
    DataRequestCreate,
    DataRequestDone,
    DataRequestPublic,
    DataRequestsPublic,
    ErasurePublic,
    ExportPublic,
    ReasonBody,
    RetentionPublic,
)
from handlers.actions.data_rights import (
    access_contact_export,
    access_data_request,
    do_complete_data_request,
    do_erase_contact,
    do_record_data_request,
    list_open_data_requests,
)
from handlers.actions.retention import find_retention_report
from models.base import utcnow
from models.privacy import PrivacyReason
from models.text import MAX_DB_ID

router = APIRouter(tags=["privacy"], responses={**AUTH_ERRORS})

ContactId = Annotated[int, Path(ge=1, le=MAX_DB_ID, examples=[42])]
RequestId = Annotated[int, Path(ge=1, le=MAX_DB_ID, examples=[7])]


@router.get("/contacts/{contact_id}/export", response_model=ExportPublic, responses={**NOT_FOUND})
async def export_contact(
    contact_id: ContactId,
    reason: Annotated[PrivacyReason, Query()],
    staff: SupervisorDep,
    session: SessionDep,
) -> ExportPublic:
    """Everything held about the person, as JSON. Audited with the reason."""
    export = await access_contact_export(
        session=session, staff=staff, contact_id=contact_id, reason=reason, now=utcnow()
    )
    await session.commit()
    return ExportPublic.model_validate(export)


@router.post(
    "/contacts/{contact_id}/erasure",
    response_model=ErasurePublic,
    responses={**NOT_FOUND, **BAD_BODY},
)
async def erase_contact(
    contact_id: ContactId, body: ReasonBody, staff: SupervisorDep, session: SessionDep
) -> ErasurePublic:
    """Erase the person: name, numbers, identities, messages and ticket details. Their tickets
    stay as anonymous rows; `provider_copies` lists what Twilio still holds."""
    erasure = await do_erase_contact(
        session=session, contact_id=contact_id, reason=body.reason, staff=staff, now=utcnow()
    )
    await session.commit()
    return ErasurePublic.of(erasure)


@router.post(
    "/data-requests",
    response_model=DataRequestPublic,
    status_code=status.HTTP_201_CREATED,
    responses={**NOT_FOUND, **BAD_BODY},
)
async def create_data_request(
    body: DataRequestCreate, staff: SupervisorDep, session: SessionDep
) -> DataRequestPublic:
    """Record a request to see (or erase) a person's data; it is due a calendar month later."""
    now = utcnow()
    request = await do_record_data_request(
        session=session,
        staff=staff,
        contact_id=body.contact_id,
        kind=body.kind,
        received_at=body.received_at or now,
        now=now,
    )
    await session.commit()
    return DataRequestPublic.of(request, now)


@router.get("/data-requests", response_model=DataRequestsPublic)
async def list_data_requests(staff: SupervisorDep, session: SessionDep) -> DataRequestsPublic:
    """Requests not yet completed, soonest due first, each marked when overdue."""
    now = utcnow()
    requests = await list_open_data_requests(session=session)
    return DataRequestsPublic(items=[DataRequestPublic.of(r, now) for r in requests])


@router.post(
    "/data-requests/{request_id}/complete",
    response_model=DataRequestDone,
    responses={**NOT_FOUND, **CONFLICT},
)
async def complete_data_request(
    request_id: RequestId, staff: SupervisorDep, session: SessionDep
) -> DataRequestDone:
    """Complete a request: an access request answers with the export to send; an erasure
    request erases the person."""
    now = utcnow()
    request = await access_data_request(session=session, request_id=request_id)
    export = await do_complete_data_request(session=session, staff=staff, request=request, now=now)
    await session.commit()
    return DataRequestDone(
        request=DataRequestPublic.of(request, now),
        export=ExportPublic.model_validate(export) if export is not None else None,
    )


@router.get("/retention", response_model=RetentionPublic)
async def retention_report(staff: SupervisorDep, session: SessionDep) -> RetentionPublic:
    """What the next retention run would anonymise and erase (a dry run; nothing changes)."""
    report = await find_retention_report(session=session, now=utcnow())
    return RetentionPublic.of(report)
