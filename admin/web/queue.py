"""The queue page: saved views, filters, search and cursor paging, and the urgent-ticket bell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response

from admin.web.auth import AgentPage, PagesDep, router
from bot.deps import SessionDep, reads_only
from handlers.actions.errors import InvalidError
from handlers.actions.paging import Page
from handlers.actions.retention import restricted_cutoff
from handlers.actions.ticket_queue import (
    DEFAULT_VIEW,
    SAVED_VIEWS,
    VIEWS_BY_KEY,
    find_queue_rows,
    list_new_urgent,
    narrowed,
)
from handlers.actions.ticket_rows import ListedTicket
from handlers.actions.ticket_search import TicketQuery, TicketSort, search_tickets
from handlers.actions.ticket_text_search import SEARCH_LIMIT
from handlers.conversation.languages import SUPPORTED_LANGUAGES
from models.base import utcnow
from models.enums import Channel, TicketCategory, TicketPriority, TicketStatus
from models.text import UTCTimestamp, check_clean

PAGE_SIZE = 50
E = TypeVar("E", bound=StrEnum)

__all__ = ["router"]


def _members(enum: type[E], values: list[str]) -> list[E]:
    # A select left at "any" sends an empty value; an unknown one is ignored, not an error.
    return [enum(v) for v in values if v in enum._value2member_map_]


@dataclass(frozen=True)
class Chosen:
    """What the person chose in the filter form, as the page shows it back to them."""

    view: str
    q: str
    status: str
    category: str
    priority: str
    channel: str
    language: str
    assignee: str
    sort: str

    def link(self, **changes: str) -> str:
        """The queue's address with these choices (and `changes`), leaving out empty ones."""
        values = {**self.__dict__, **changes}
        return "/staff/?" + urlencode({k: v for k, v in values.items() if v})


def _query(chosen: Chosen, staff_id: int, now: datetime, cursor: str | None) -> TicketQuery:
    view = VIEWS_BY_KEY.get(chosen.view, DEFAULT_VIEW)
    query = view.query(staff_id=staff_id, now=now)
    changes: dict[str, object] = {"cursor": cursor, "limit": PAGE_SIZE}
    if chosen.q:
        changes["words"] = chosen.q
    if statuses := _members(TicketStatus, [chosen.status]):
        changes["status"] = statuses
    if categories := _members(TicketCategory, [chosen.category]):
        changes["category"] = categories
    if priorities := _members(TicketPriority, [chosen.priority]):
        changes["priority"] = priorities
    if channels := _members(Channel, [chosen.channel]):
        changes["channel"] = channels
    if chosen.language in SUPPORTED_LANGUAGES:
        changes["language"] = [chosen.language]
    if chosen.assignee == "me":
        changes.update(assignee_id=staff_id, unassigned=False)
    elif chosen.assignee == "none":
        changes.update(assignee_id=None, unassigned=True)
    if sorts := _members(TicketSort, [chosen.sort]):
        changes["sort"] = sorts[0]
    return narrowed(query, **changes)


def _clean(value: str) -> str:
    try:
        return check_clean(value.strip())[:200]
    except ValueError:
        return ""


Choice = Annotated[str, Query(max_length=200)]


@router.get("/")
@reads_only
async def queue(
    request: Request,
    me: AgentPage,
    session: SessionDep,
    pages: PagesDep,
    view: Choice = DEFAULT_VIEW.key,
    q: Choice = "",
    status: Choice = "",
    category: Choice = "",
    priority: Choice = "",
    channel: Choice = "",
    language: Choice = "",
    assignee: Choice = "",
    sort: Choice = "",
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """The queue in a saved view, narrowed by the filter form, a page at a time."""
    now = utcnow()
    chosen = Chosen(
        view=view if view in VIEWS_BY_KEY else DEFAULT_VIEW.key,
        q=_clean(q),
        status=status,
        category=category,
        priority=priority,
        channel=channel,
        language=language,
        assignee=assignee,
        sort=sort,
    )
    query = narrowed(
        _query(chosen, me.staff.id or 0, now, cursor),
        words_hidden_before=restricted_cutoff(staff=me.staff, now=now),
    )
    stale_cursor = False
    try:
        page: Page[ListedTicket] = await search_tickets(session=session, query=query)
    except InvalidError:
        # A page link from another sort or an old version: start again at the first page.
        stale_cursor = True
        page = await search_tickets(session=session, query=narrowed(query, cursor=None))
    rows = await find_queue_rows(session=session, tickets=page.items, now=now)
    return pages.render(
        request,
        "queue.html",
        me=me,
        views=SAVED_VIEWS,
        chosen=chosen,
        query=query,
        rows=rows,
        next_link=chosen.link(cursor=page.next_cursor) if page.next_cursor else None,
        first_link=chosen.link() if cursor else None,
        stale_cursor=stale_cursor,
        search_limit=SEARCH_LIMIT,
        here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        since=now.isoformat(),
        options={
            "status": [v.value for v in TicketStatus],
            "category": [v.value for v in TicketCategory],
            "priority": [v.value for v in TicketPriority],
            "channel": [v.value for v in Channel],
            "language": list(SUPPORTED_LANGUAGES),
            "sort": list(TicketSort),
        },
    )


@router.get("/urgent")
@reads_only
async def new_urgent(
    request: Request,
    me: AgentPage,
    session: SessionDep,
    pages: PagesDep,
    since: Annotated[UTCTimestamp, Query()],
) -> Response:
    """The small fragment the queue polls: urgent tickets opened since the page was loaded."""
    tickets = await list_new_urgent(session=session, since=since)
    return pages.render(request, "_new_urgent.html", tickets=tickets, since=since.isoformat())
