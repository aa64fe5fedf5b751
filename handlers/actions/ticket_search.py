"""Finding tickets for the staff queue: filters, text search and stable paging."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.paging import Key, Page, after, decode_cursor, order_by, page_of
from handlers.actions.ticket_text_search import SEARCH_LIMIT, matching
from models import Message, Ticket
from models.enums import (
    Channel,
    DeliveryStatus,
    Direction,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)
from models.tickets import PRIORITY_RANK

REACHED = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.READ)
"""Delivery states that mean a message got through to the person's device or provider."""


# The orders the queue can be read in (no docstring: it would become the API's description).
class TicketSort(StrEnum):
    NEWEST = "-created_at"
    PRIORITY = "priority"
    DUE = "due_at"


@dataclass(frozen=True)
class TicketQuery:
    """Which tickets to list: each given filter narrows; several values of one filter widen.

    `unassigned` asks for tickets nobody has; `words` are looked for in the details, the notes
    and the person's name, and a reference in them finds that ticket (see
    `ticket_text_search`). `due_before` finds tickets due before a moment (overdue, given now);
    `delivery_failed` those whose last message to the person did not get through.
    """

    status: Sequence[TicketStatus] = ()
    category: Sequence[TicketCategory] = ()
    priority: Sequence[TicketPriority] = ()
    channel: Sequence[Channel] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    contact_id: int | None = None
    words: str | None = None
    due_before: datetime | None = None
    delivery_failed: bool = False
    search_limit: int = SEARCH_LIMIT
    created_after: datetime | None = None
    created_before: datetime | None = None
    sort: TicketSort = TicketSort.NEWEST
    cursor: str | None = None
    limit: int = 50


_DATED = col(Ticket.due_at).is_not(None)
_UNDATED = sa.case((col(Ticket.due_at).is_(None), 1), else_=0)

# Each order is matched to an index (see models.tickets): newest first reads
# (created_at, id) backwards, priority reads (priority_rank, created_at, id). The due order is
# read in two parts, dated tickets through the partial index on (due_at, id) and then the
# undated ones by id, so its cursor keeps the flag that says which part it is in.
SORT_KEYS: dict[TicketSort, list[Key]] = {
    TicketSort.NEWEST: [
        Key(col(Ticket.created_at), descending=True, kind="datetime"),
        Key(col(Ticket.id), descending=True),
    ],
    TicketSort.PRIORITY: [
        Key(col(Ticket.priority_rank)),
        Key(col(Ticket.created_at), kind="datetime"),
        Key(col(Ticket.id)),
    ],
    TicketSort.DUE: [
        Key(_UNDATED),
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


def failed_delivery() -> ColumnElement[bool]:
    """Tickets whose message to the person failed and no later message to them got through."""
    failed = aliased(Message)
    later = aliased(Message)
    got_through = (
        select(later.id)
        .where(
            later.ticket_id == failed.ticket_id,
            later.direction == Direction.OUT,
            col(later.id) > failed.id,
            col(later.status).in_(REACHED),
        )
        .exists()
    )
    return (
        select(failed.id)
        .where(
            failed.ticket_id == Ticket.id,
            failed.direction == Direction.OUT,
            failed.status == DeliveryStatus.FAILED,
            ~got_through,
        )
        .exists()
    )


def _filters(query: TicketQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.status:
        where.append(col(Ticket.status).in_(query.status))
    if query.category:
        where.append(col(Ticket.category).in_(query.category))
    if query.priority:
        # The stored rank, so that the (priority_rank, created_at, id) index serves the filter.
        where.append(col(Ticket.priority_rank).in_([PRIORITY_RANK[p] for p in query.priority]))
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
    if query.due_before is not None:
        where.append(col(Ticket.due_at) < query.due_before)
    if query.delivery_failed:
        where.append(failed_delivery())
    if query.words is not None:
        where.append(matching(query.words, query.search_limit))
    return where


async def _read(
    session: AsyncSession, where: list[ColumnElement[bool]], keys: list[Key], limit: int
) -> list[Ticket]:
    statement = select(Ticket).where(*where).order_by(*order_by(keys)).limit(limit)
    return list((await session.exec(statement)).all())


async def search_tickets(*, session: AsyncSession, query: TicketQuery) -> Page[Ticket]:
    """One page of the tickets matching `query`, in the order it asks for."""
    keys = SORT_KEYS[query.sort]
    listing = f"tickets{query.sort.value}"
    wanted = query.limit + 1
    where = _filters(query)
    position = decode_cursor(query.cursor, listing, keys) if query.cursor is not None else None
    if query.sort != TicketSort.DUE:
        if position is not None:
            where.append(after(keys, position))
        rows = await _read(session, where, keys, wanted)
    else:
        dated_keys, undated_keys = keys[1:], keys[2:]
        rows = []
        if position is None or position[0] == 0:
            dated = [*where, _DATED]
            if position is not None:
                dated.append(after(dated_keys, position[1:]))
            rows = await _read(session, dated, dated_keys, wanted)
        if len(rows) < wanted:
            undated = [*where, col(Ticket.due_at).is_(None)]
            if position is not None and position[0] == 1:
                undated.append(after(undated_keys, position[2:]))
            rows += await _read(session, undated, undated_keys, wanted - len(rows))
    return page_of(rows, query.limit, listing, lambda ticket: _sort_values(query.sort, ticket))
