"""Finding tickets for the staff queue: filters, text search and stable paging."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.paging import Key, Page, after, decode_cursor, order_by, page_of
from models import Contact, Ticket, TicketEvent
from models.enums import Channel, EventKind, TicketCategory, TicketPriority, TicketStatus
from models.tickets import parse_ref


# The orders the queue can be read in (no docstring: it would become the API's description).
class TicketSort(StrEnum):
    NEWEST = "-created_at"
    PRIORITY = "priority"
    DUE = "due_at"


@dataclass(frozen=True)
class TicketQuery:
    """Which tickets to list: each given filter narrows; several values of one filter widen.

    `unassigned` asks for tickets nobody has; `words` are looked for in the details, the notes
    and the person's name, and a reference in them finds that ticket.
    """

    status: Sequence[TicketStatus] = ()
    category: Sequence[TicketCategory] = ()
    priority: Sequence[TicketPriority] = ()
    channel: Sequence[Channel] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    contact_id: int | None = None
    words: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    sort: TicketSort = TicketSort.NEWEST
    cursor: str | None = None
    limit: int = 50


PRIORITY_RANK = {
    TicketPriority.URGENT: 0,
    TicketPriority.HIGH: 1,
    TicketPriority.NORMAL: 2,
    TicketPriority.LOW: 3,
}

_rank = sa.case(*((col(Ticket.priority) == p, rank) for p, rank in PRIORITY_RANK.items()), else_=9)
_undated = sa.case((col(Ticket.due_at).is_(None), 1), else_=0)

SORT_KEYS: dict[TicketSort, list[Key]] = {
    TicketSort.NEWEST: [
        Key(col(Ticket.created_at), descending=True, kind="datetime"),
        Key(col(Ticket.id), descending=True),
    ],
    TicketSort.PRIORITY: [
        Key(_rank),
        Key(col(Ticket.created_at), kind="datetime"),
        Key(col(Ticket.id)),
    ],
    TicketSort.DUE: [
        Key(_undated),
        Key(col(Ticket.due_at), kind="datetime"),
        Key(col(Ticket.id)),
    ],
}


def _sort_values(sort: TicketSort, ticket: Ticket) -> list[Any]:
    if sort == TicketSort.NEWEST:
        return [ticket.created_at, ticket.id]
    if sort == TicketSort.PRIORITY:
        return [PRIORITY_RANK[ticket.priority], ticket.created_at, ticket.id]
    return [1 if ticket.due_at is None else 0, ticket.due_at, ticket.id]


def _contains(expression: ColumnElement[Any], words: str) -> ColumnElement[bool]:
    """Case-insensitive substring match, also against JSON's escaped spelling of the words.

    JSON columns are searched as their stored text, where non-ASCII letters and quotes are
    escaped (`café` is stored as `caf\\u00e9`), so both spellings are tried.
    """
    lowered = words.lower()
    spellings = {lowered, json.dumps(lowered)[1:-1]}
    text = func.lower(expression)
    return sa.or_(*(text.contains(s, autoescape=True) for s in spellings))


def _text_search(words: str) -> ColumnElement[bool]:
    in_notes = (
        select(TicketEvent.id)
        .where(
            TicketEvent.ticket_id == Ticket.id,
            TicketEvent.kind == EventKind.NOTE,
            _contains(sa.cast(col(TicketEvent.data), sa.Text), words),
        )
        .exists()
    )
    clauses = [
        _contains(sa.cast(col(Ticket.details), sa.Text), words),
        _contains(func.coalesce(col(Contact.display_name), ""), words),
        in_notes,
    ]
    ticket_id = parse_ref(words)
    if ticket_id is not None:
        clauses.append(col(Ticket.id) == ticket_id)
    return sa.or_(*clauses)


def _filters(query: TicketQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.status:
        where.append(col(Ticket.status).in_(query.status))
    if query.category:
        where.append(col(Ticket.category).in_(query.category))
    if query.priority:
        where.append(col(Ticket.priority).in_(query.priority))
    if query.channel:
        where.append(col(Ticket.channel).in_(query.channel))
    if query.unassigned:
        where.append(col(Ticket.assignee_id).is_(None))
    elif query.assignee_id is not None:
        where.append(col(Ticket.assignee_id) == query.assignee_id)
    if query.contact_id is not None:
        where.append(col(Ticket.contact_id) == query.contact_id)
    if query.created_after is not None:
        where.append(col(Ticket.created_at) >= query.created_after)
    if query.created_before is not None:
        where.append(col(Ticket.created_at) < query.created_before)
    if query.words is not None:
        where.append(_text_search(query.words))
    return where


async def search_tickets(*, session: AsyncSession, query: TicketQuery) -> Page[Ticket]:
    """One page of the tickets matching `query`, in the order it asks for."""
    keys = SORT_KEYS[query.sort]
    listing = f"tickets{query.sort.value}"
    statement = select(Ticket)
    if query.words is not None:
        statement = statement.join(Contact, col(Contact.id) == Ticket.contact_id)
    conditions = _filters(query)
    if query.cursor is not None:
        conditions.append(after(keys, decode_cursor(query.cursor, listing, keys)))
    if conditions:
        statement = statement.where(*conditions)
    statement = statement.order_by(*order_by(keys)).limit(query.limit + 1)
    rows = (await session.exec(statement)).all()
    return page_of(rows, query.limit, listing, lambda ticket: _sort_values(query.sort, ticket))
