"""A ticket's page: its person, its whole timeline, and the work done on it.

Every change goes through the same domain actions as the API, so it lands in the timeline and
the audit log the same way. A change answers with a redirect back to the page (post, then
get), so reloading never sends anything twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError

from admin.web.auth import AgentPage, PagesDep, router
from admin.web.core import Pages, say
from bot.deps import SessionDep
from handlers.actions.changes import KEEP, Keep
from handlers.actions.due_dates import is_overdue
from handlers.actions.errors import ActionError, ConflictError, NotFoundError
from handlers.actions.reply_window import ReplyWindows, find_window_state
from handlers.actions.staff_replies import list_saved_replies
from handlers.actions.ticket_queue import list_active_staff
from handlers.actions.ticket_search import REACHED
from handlers.actions.ticket_timeline import (
    TicketRecord,
    TimelineEntry,
    access_ticket_record,
    list_timeline,
)
from handlers.actions.ticket_work import (
    TicketChanges,
    do_add_note,
    do_change_ticket,
    do_staff_reply,
)
from handlers.actions.tickets import access_ticket
from models import ChannelIdentity, Ticket
from models.base import utcnow
from models.enums import DeliveryStatus, Direction, TicketPriority, TicketStatus
from models.text import LongText

Ref = Annotated[str, Path(max_length=40)]
_TEXT = TypeAdapter(LongText)
PENDING = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
E = TypeVar("E", bound=StrEnum)

__all__ = ["router"]


def _windows(request: Request) -> ReplyWindows:
    windows: ReplyWindows = request.app.state.reply_windows
    return windows


def _pending(timeline: list[TimelineEntry]) -> bool:
    return any(e.message is not None and e.message.status in PENDING for e in timeline)


def _failed_messages(record: TicketRecord) -> list[TimelineEntry]:
    """Failed messages to the person that no later message got past: tasks for staff."""
    failed = []
    for entry in record.timeline:
        message = entry.message
        if message is None or message.direction != Direction.OUT:
            continue
        if message.status == DeliveryStatus.FAILED:
            failed.append(entry)
        elif message.status in REACHED:
            failed.clear()
    return failed


async def _page(
    request: Request,
    pages: Pages,
    me: AgentPage,
    session: SessionDep,
    ref: str,
    status_code: int = 200,
    **context: Any,
) -> Response:
    now = utcnow()
    try:
        record = await access_ticket_record(session=session, staff=me.staff, ref=ref, now=now)
    except NotFoundError:
        return pages.render(request, "not_found.html", 404, me=me)
    await session.commit()
    identity = None
    if record.ticket.identity_id is not None:
        identity = await session.get(ChannelIdentity, record.ticket.identity_id)
    window = _windows(request).for_channel(record.ticket.channel)
    window_state = None
    if window is not None:
        last = identity.last_inbound_at if identity is not None else None
        window_state = find_window_state(window=window, last_inbound_at=last, now=now)
    return pages.render(
        request,
        "ticket.html",
        status_code=status_code,
        me=me,
        record=record,
        ticket=record.ticket,
        identity=identity,
        window=window_state,
        failed=_failed_messages(record),
        staff=await list_active_staff(session=session),
        statuses=list(TicketStatus),
        priorities=list(TicketPriority),
        pending=_pending(record.timeline),
        overdue=is_overdue(record.ticket, now),
        suggested_replies=list_saved_replies(language=record.ticket.language),
        done=request.query_params.get("done"),
        **context,
    )


@router.get("/tickets/{ref}")
async def ticket_page(
    request: Request, ref: Ref, me: AgentPage, session: SessionDep, pages: PagesDep
) -> Response:
    """The ticket with its person, timeline and forms. The read is audited as from the API."""
    return await _page(request, pages, me, session, ref)


@router.get("/tickets/{ref}/timeline")
async def timeline_fragment(
    request: Request, ref: Ref, me: AgentPage, session: SessionDep, pages: PagesDep
) -> Response:
    """The timeline alone, which the page polls while a message is on its way."""
    try:
        ticket = await access_ticket(session=session, ref=ref)
    except NotFoundError:
        return Response(status_code=404)
    timeline = await list_timeline(session=session, ticket=ticket)
    return pages.render(
        request, "_timeline.html", ticket=ticket, timeline=timeline, pending=_pending(timeline)
    )


def _back(ref: str, done: str) -> Response:
    return RedirectResponse(f"/staff/tickets/{ref}?done={done}#work", status_code=303)


Act = Callable[[Ticket], Awaitable[object]]


async def _work(
    request: Request,
    pages: Pages,
    me: AgentPage,
    session: SessionDep,
    ref: str,
    act: Act,
    **typed: str,
) -> Response | Ticket:
    """Run `act` on the ticket, locked; the ticket once it is committed, or the page saying
    why not (the typed text kept in its box)."""
    try:
        ticket = await access_ticket(session=session, ref=ref, for_update=True)
    except NotFoundError:
        return pages.render(request, "not_found.html", 404, me=me)
    try:
        await act(ticket)
    except ActionError as exc:
        await session.rollback()
        code = 409 if isinstance(exc, ConflictError) else 422
        return await _page(request, pages, me, session, ref, code, refused=exc.detail, **typed)
    await session.commit()
    return ticket


@router.post("/tickets/{ref}/assign")
async def assign_to_me(
    request: Request,
    ref: Ref,
    me: AgentPage,
    session: SessionDep,
    pages: PagesDep,
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Give the ticket to the signed-in staff member, then go back where they were."""

    async def act(ticket: Ticket) -> object:
        changes = TicketChanges(assignee_id=me.staff.id)
        return await do_change_ticket(
            session=session, staff=me.staff, ticket=ticket, changes=changes, now=utcnow()
        )

    done = await _work(request, pages, me, session, ref, act)
    if not isinstance(done, Ticket):
        return done
    if back.startswith("/staff/") and not back.startswith("/staff//"):
        separator = "&" if "?" in back else "?"
        return RedirectResponse(f"{back}{separator}assigned={done.ref}", status_code=303)
    return _back(done.ref, "assigned")


def _member(enum: type[E], value: str) -> E | Keep:
    return enum(value) if value in enum._value2member_map_ else KEEP


@router.post("/tickets/{ref}/changes")
async def change(
    request: Request,
    ref: Ref,
    me: AgentPage,
    session: SessionDep,
    pages: PagesDep,
    status: Annotated[str, Form(max_length=20)] = "",
    priority: Annotated[str, Form(max_length=20)] = "",
    assignee: Annotated[str, Form(max_length=12)] = "",
    referred: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Change status, priority, assignee and the referral mark; each change joins the timeline."""
    changes = TicketChanges(
        status=_member(TicketStatus, status),
        priority=_member(TicketPriority, priority),
        assignee_id=int(assignee) if assignee.isdigit() and len(assignee) < 10 else None,
        referred=referred == "on",
    )

    async def act(ticket: Ticket) -> object:
        return await do_change_ticket(
            session=session, staff=me.staff, ticket=ticket, changes=changes, now=utcnow()
        )

    done = await _work(request, pages, me, session, ref, act)
    return done if not isinstance(done, Ticket) else _back(done.ref, "changed")


async def _written(
    request: Request,
    pages: Pages,
    me: AgentPage,
    session: SessionDep,
    ref: str,
    text: str,
    box: str,
    write: Callable[[Ticket, str], Awaitable[object]],
    done_key: str,
) -> Response:
    """A note or reply: checked first (1 to 4000 characters), then written by `write`."""
    try:
        clean = _TEXT.validate_python(text)
    except ValidationError:
        problem = {f"{box}_error": say("ticket.text_invalid"), box: text}
        return await _page(request, pages, me, session, ref, 422, **problem)

    async def act(ticket: Ticket) -> object:
        return await write(ticket, clean)

    done = await _work(request, pages, me, session, ref, act, **{box: text})
    return done if not isinstance(done, Ticket) else _back(done.ref, done_key)


Text = Annotated[str, Form(max_length=5000)]


@router.post("/tickets/{ref}/notes")
async def add_note(
    request: Request, ref: Ref, me: AgentPage, session: SessionDep, pages: PagesDep, text: Text = ""
) -> Response:
    """Add an internal note; the person never sees it."""

    async def write(ticket: Ticket, clean: str) -> object:
        return await do_add_note(
            session=session, staff=me.staff, ticket=ticket, text=clean, now=utcnow()
        )

    return await _written(request, pages, me, session, ref, text, "note", write, "noted")


@router.post("/tickets/{ref}/replies")
async def reply(
    request: Request, ref: Ref, me: AgentPage, session: SessionDep, pages: PagesDep, text: Text = ""
) -> Response:
    """Send the person a message on the ticket's channel; its delivery shows in the timeline."""

    async def write(ticket: Ticket, clean: str) -> object:
        return await do_staff_reply(
            session=session,
            staff=me.staff,
            ticket=ticket,
            text=clean,
            now=utcnow(),
            window=_windows(request).for_channel(ticket.channel),
        )

    return await _written(request, pages, me, session, ref, text, "reply", write, "replied")
