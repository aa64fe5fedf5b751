"""Contacts in bulk and welfare records: the CSV import, Telegram invitations, and each
person's check-in history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, status
from starlette.datastructures import UploadFile

from admin.deps import AgentDep, SessionDep, SupervisorDep
from admin.errors import AUTH_ERRORS, BAD_BODY, CONFLICT, NOT_FOUND, error_response
from admin.schemas.campaigns import CheckinPublic, ImportResultPublic, InvitationPublic
from handlers.actions.audit import do_record_audit
from handlers.actions.checkin_results import list_contact_checkins
from handlers.actions.contact_import import ImportFileError, do_import_contacts
from handlers.actions.contacts import access_contact
from handlers.actions.errors import ConflictError
from handlers.actions.invitations import check_invitable, do_create_invitation, invitation_url
from models.audit import AuditAction
from models.base import utcnow
from models.text import MAX_DB_ID

router = APIRouter(prefix="/contacts", tags=["contacts"], responses={**AUTH_ERRORS})

ContactId = Annotated[int, Path(ge=1, le=MAX_DB_ID, examples=[42])]
MAX_FILE = 30_000_000
CSV_BODY = {
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    },
    "required": True,
}


def _bad(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=detail)


async def _csv_text(request: Request) -> str:
    """The CSV in the body (text/csv) or in the multipart field `file`, as text."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise _bad("Send the CSV in a multipart field named file.")
        raw = await upload.read(MAX_FILE + 1)
    elif kind in ("text/csv", "text/plain", "application/csv"):
        raw = b""
        async for part in request.stream():
            raw += part
            if len(raw) > MAX_FILE:
                break
    else:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail="Send the file as text/csv, or as multipart/form-data in a field named file.",
        )
    if len(raw) > MAX_FILE:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, detail="The file is larger than 30 MB."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, detail="The file is not UTF-8 text."
        ) from None


@router.post(
    "/import",
    response_model=ImportResultPublic,
    openapi_extra={"requestBody": CSV_BODY},
    responses={
        **BAD_BODY,
        413: error_response("The file is larger than 30 MB."),
        415: error_response("The body is neither text/csv nor multipart/form-data."),
        422: error_response("The file has no usable header row, or cannot be read as CSV."),
    },
)
async def import_contacts(
    request: Request, staff: SupervisorDep, session: SessionDep
) -> ImportResultPublic:
    """Create or update people from a CSV file, matched by `tenant_ref`, else by phone. Rows
    that cannot be used are listed with their line and reason; the others are imported."""
    text = await _csv_text(request)
    now = utcnow()
    try:
        result = await do_import_contacts(session=session, text=text, now=now)
    except ImportFileError as exc:
        raise _bad(str(exc)) from None
    await do_record_audit(
        session=session,
        staff=staff,
        action=AuditAction.CONTACT_IMPORT,
        object_type="contacts",
        object_id="import",
        data={"created": result.created, "updated": result.updated},
        now=now,
    )
    await session.commit()
    return ImportResultPublic.of(result)


@router.post(
    "/{contact_id}/invitation",
    response_model=InvitationPublic,
    responses={**NOT_FOUND, **CONFLICT},
)
async def invite_contact(
    contact_id: ContactId, request: Request, staff: SupervisorDep, session: SessionDep
) -> InvitationPublic:
    """A single-use link that joins the person's Telegram chat to this record."""
    contact = await access_contact(session=session, contact_id=contact_id)
    check_invitable(contact)
    username = _bot_username(request)
    if username is None:
        raise ConflictError("Telegram is not on, so there is no bot to invite people to.")
    now = utcnow()
    invitation, token = await do_create_invitation(session=session, contact=contact, now=now)
    await do_record_audit(
        session=session,
        staff=staff,
        action=AuditAction.CONTACT_INVITE,
        object_type="contact",
        object_id=contact_id,
        contact_id=contact_id,
        now=now,
    )
    await session.commit()
    return InvitationPublic(url=invitation_url(username, token), expires_at=invitation.expires_at)


def _bot_username(request: Request) -> str | None:
    services = getattr(request.app.state, "services", None)
    if services is None:
        return None
    configured: str | None = services.settings.telegram_bot_username
    if configured:
        return configured
    telegram = services.telegram
    if telegram is None:
        return None
    try:
        name: str = telegram.application.bot.username
    except RuntimeError:
        return None  # the Bot API has not been reached yet
    return name


@router.get("/{contact_id}/checkins", response_model=list[CheckinPublic], responses={**NOT_FOUND})
async def contact_checkins(
    contact_id: ContactId, staff: AgentDep, session: SessionDep
) -> list[CheckinPublic]:
    """The person's check-ins and alarm-test reminders, newest first."""
    await access_contact(session=session, contact_id=contact_id)
    rows = await list_contact_checkins(session=session, contact_id=contact_id)
    return [CheckinPublic.of(row.checkin, row.campaign) for row in rows]
