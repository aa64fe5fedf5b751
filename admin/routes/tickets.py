"""The ticket queue: list, read, change, note and reply."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from admin.deps import AgentDep, ReplyWindowsDep, SessionDep, reads_only
from admin.errors import AUTH_ERRORS, BAD_BODY, CONFLICT, NOT_FOUND, error_response
from admin.schemas.replies import ReplyCreate, SavedRepliesPublic
from admin.schemas.tickets import (
    NoteCreate,
    TicketDetail,
    TicketFilters,
    TicketPublic,
    TicketsPublic,
    TicketUpdate,
    TimelineEventPublic,
)
from handlers.actions.retention import is_restricted, restricted_cutoff
from handlers.actions.staff_replies import check_saved_reply, list_saved_replies
from handlers.actions.ticket_queue import narrowed
from handlers.actions.ticket_search import search_tickets
from handlers.actions.ticket_timeline import access_ticket_record, access_timeline_entry
from handlers.actions.ticket_work import do_add_note, do_change_ticket, do_staff_reply
from handlers.actions.tickets import access_ticket
from models.base import utcnow

router = APIRouter(prefix="/tickets", tags=["tickets"], responses={**AUTH_ERRORS})

Ref = Annotated[
    str,
    Path(
        max_length=40,
        description="The ticket's reference, as the person was told it.",
        examples=["HH-000123"],
    ),
]


@router.get("", response_model=TicketsPublic)
@reads_only
async def list_tickets(
    filters: Annotated[TicketFilters, Query()], staff: AgentDep, session: SessionDep
) -> TicketsPublic:
    """Tickets matching the filters, a page at a time; newest first unless `sort` says otherwise."""
    now = utcnow()
    query = narrowed(
        filters.query(staff_id=staff.id or 0),
        words_hidden_before=restricted_cutoff(staff=staff, now=now),
    )
    page = await search_tickets(session=session, query=query)
    shown = TicketsPublic.of(page)
    for item, ticket in zip(shown.items, page.items, strict=True):
        if is_restricted(ticket=ticket, staff=staff, now=now):
            item.details = {}  # a safeguarding record past the ordinary period: supervisors only
    return shown


@router.get("/{ref}", response_model=TicketDetail, responses={**NOT_FOUND})
async def get_ticket(ref: Ref, staff: AgentDep, session: SessionDep) -> TicketDetail:
    """A ticket with its contact and whole timeline, oldest first. The read is audited."""
    record = await access_ticket_record(session=session, staff=staff, ref=ref, now=utcnow())
    await session.commit()
    return TicketDetail.of_record(record)


@router.patch(
    "/{ref}",
    response_model=TicketPublic,
    responses={
        **NOT_FOUND,
        **BAD_BODY,
        409: error_response("A status move that is not allowed, or a closed ticket."),
    },
)
async def change_ticket(
    ref: Ref, changes: TicketUpdate, staff: AgentDep, session: SessionDep
) -> TicketPublic:
    """Change status, priority, category or assignee; each change joins the timeline.

    Status moves: new → in_progress, waiting, resolved or closed; in_progress → waiting,
    resolved or closed; waiting → in_progress, resolved or closed; resolved → in_progress
    (reopen) or closed; closed is final. Resolving sends the person a message saying how to
    reopen.
    """
    ticket = await access_ticket(session=session, ref=ref, for_update=True)
    await do_change_ticket(
        session=session, staff=staff, ticket=ticket, changes=changes.changes(), now=utcnow()
    )
    await session.commit()
    return TicketPublic.of(ticket)


@router.post(
    "/{ref}/notes",
    response_model=TimelineEventPublic,
    status_code=status.HTTP_201_CREATED,
    responses={**NOT_FOUND, **BAD_BODY},
)
async def add_note(
    ref: Ref, note: NoteCreate, staff: AgentDep, session: SessionDep
) -> TimelineEventPublic:
    """Add an internal note to the timeline. It is never sent to the person."""
    ticket = await access_ticket(session=session, ref=ref, for_update=True)
    event = await do_add_note(
        session=session, staff=staff, ticket=ticket, text=note.text, now=utcnow()
    )
    await session.commit()
    entry = await access_timeline_entry(session=session, ticket=ticket, event=event)
    return TimelineEventPublic.of(entry)


@router.post(
    "/{ref}/replies",
    response_model=TimelineEventPublic,
    status_code=status.HTTP_201_CREATED,
    responses={**NOT_FOUND, **CONFLICT, **BAD_BODY},
)
async def reply(
    ref: Ref, reply: ReplyCreate, staff: AgentDep, session: SessionDep, windows: ReplyWindowsDep
) -> TimelineEventPublic:
    """Send the person a message on the ticket's channel, headed with the reference.

    `text` goes as written; a `saved_reply` goes in the ticket's language. The answer is the
    `message_out` timeline event; the message's delivery status shows there as it changes. A
    new or in-progress ticket moves to `waiting`.
    """
    ticket = await access_ticket(session=session, ref=ref, for_update=True)
    text = reply.text
    if text is None:
        assert reply.saved_reply is not None  # the shape allows one or the other
        text = check_saved_reply(key=reply.saved_reply, language=ticket.language)
    event = await do_staff_reply(
        session=session,
        staff=staff,
        ticket=ticket,
        text=text,
        now=utcnow(),
        window=windows.for_channel(ticket.channel),
    )
    await session.commit()
    entry = await access_timeline_entry(session=session, ticket=ticket, event=event)
    return TimelineEventPublic.of(entry)


@router.get("/{ref}/saved-replies", response_model=SavedRepliesPublic, responses={**NOT_FOUND})
async def saved_replies(ref: Ref, staff: AgentDep, session: SessionDep) -> SavedRepliesPublic:
    """The replies staff can send by key, in the ticket's language (English where missing)."""
    ticket = await access_ticket(session=session, ref=ref)
    return SavedRepliesPublic.of(ticket.language, list_saved_replies(language=ticket.language))
