"""Finding tickets for the staff queue: filters, text search and stable paging."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from admin.schemas.tickets import TicketFilters, TicketSort, TicketsPublic
from handlers.actions.paging import Key, after, decode_cursor, encode_cursor, order_by
from handlers.actions.ticket_work import ticket_public
from models import Contact, Staff, Ticket, TicketEvent
from models.enums import EventKind, TicketPriority
from models.tickets import parse_ref

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


def _filters(filters: TicketFilters, staff: Staff) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.status:
        where.append(col(Ticket.status).in_(filters.status))
    if filters.category:
        where.append(col(Ticket.category).in_(filters.category))
    if filters.priority:
        where.append(col(Ticket.priority).in_(filters.priority))
    if filters.channel:
        where.append(col(Ticket.channel).in_(filters.channel))
    if filters.assignee == "none":
        where.append(col(Ticket.assignee_id).is_(None))
    elif filters.assignee == "me":
        where.append(col(Ticket.assignee_id) == staff.id)
    elif filters.assignee is not None:
        where.append(col(Ticket.assignee_id) == int(filters.assignee))
    if filters.contact_id is not None:
        where.append(col(Ticket.contact_id) == filters.contact_id)
    if filters.created_after is not None:
        where.append(col(Ticket.created_at) >= filters.created_after)
    if filters.created_before is not None:
        where.append(col(Ticket.created_at) < filters.created_before)
    if filters.q is not None:
        where.append(_text_search(filters.q))
    return where


async def search_tickets(
    *, session: AsyncSession, staff: Staff, filters: TicketFilters
) -> TicketsPublic:
    """One page of the tickets matching `filters`, in the order they ask for."""
    keys = SORT_KEYS[filters.sort]
    listing = f"tickets{filters.sort.value}"
    statement = select(Ticket)
    if filters.q is not None:
        statement = statement.join(Contact, col(Contact.id) == Ticket.contact_id)
    conditions = _filters(filters, staff)
    if filters.cursor is not None:
        conditions.append(after(keys, decode_cursor(filters.cursor, listing, keys)))
    if conditions:
        statement = statement.where(*conditions)
    statement = statement.order_by(*order_by(keys)).limit(filters.limit + 1)
    rows = list((await session.exec(statement)).all())
    page = rows[: filters.limit]
    next_cursor = None
    if len(rows) > filters.limit:
        next_cursor = encode_cursor(listing, _sort_values(filters.sort, page[-1]))
    return TicketsPublic(items=[ticket_public(t) for t in page], next_cursor=next_cursor)
