"""A person's record: their flags, the channels they use, their tickets and their check-ins."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import Response

from admin.web.auth import AgentPage, PagesDep, router
from bot.deps import SessionDep
from handlers.actions.checkin_results import list_contact_checkins
from handlers.actions.contacts import access_contact_record
from handlers.actions.errors import NotFoundError
from models.base import utcnow
from models.text import MAX_DB_ID

__all__ = ["router"]


@router.get("/contacts/{contact_id}")
async def contact_page(
    request: Request,
    contact_id: Annotated[int, Path(ge=1, le=MAX_DB_ID)],
    me: AgentPage,
    session: SessionDep,
    pages: PagesDep,
) -> Response:
    """The person's record. The read is audited as from the API."""
    try:
        record = await access_contact_record(
            session=session, staff=me.staff, contact_id=contact_id, now=utcnow()
        )
    except NotFoundError:
        return pages.render(request, "not_found.html", 404, me=me)
    checkins = await list_contact_checkins(session=session, contact_id=contact_id)
    await session.commit()
    return pages.render(request, "contact.html", me=me, record=record, checkins=checkins)
