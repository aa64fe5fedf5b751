"""Finding tickets for the staff queue: filters, text search and stable paging."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.paging import Key, Page, after, decode_cursor, order_by, page_of
from handlers.actions.ticket_text_search import SEARCH_LIMIT, search_candidates, search_values
from models import Checkin, Message, Ticket
from models.checkins import CheckinStatus
from models.enums import (
    Channel,
    DeliveryStatus,
    Direction,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)
from models.tickets import PRIORITY_RANK, parse_ref

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
    `delivery_failed` those whose last message to the person did not get through;
    `checkin_silent` those a welfare check-in raised because the person never answered.
    `words_hidden_before` keeps the words of safeguarding tickets closed before that moment
    out of reach (they are supervisors' only; see `retention.restricted_cutoff`).
    """

    status: Sequence[TicketStatus] = ()
    category: Sequence[TicketCategory] = ()
    priority: Sequence[TicketPriority] = ()
    channel: Sequence[Channel] = ()
    language: Sequence[str] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    contact_id: int | None = None
    words: str | None = None
    words_hidden_before: datetime | None = None
    due_before: datetime | None = None
    delivery_failed: bool = False
    checkin_silent: bool = False
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


def cursor_values(sort: TicketSort, ticket: Ticket) -> list[Any]:
    """The values a cursor after `ticket` holds, in the order `sort` reads."""
    if sort == TicketSort.NEWEST:
        return [ticket.created_at, ticket.id]
    if sort == TicketSort.PRIORITY:
        return [PRIORITY_RANK[ticket.priority], ticket.created_at, ticket.id]
    return [1 if ticket.due_at is None else 0, ticket.due_at, ticket.id]


def among(ids: Select[Any], postgres: bool) -> ColumnElement[bool]:
    """Tickets whose id the (small) query `ids` gives.

    On PostgreSQL as `id = ANY(ARRAY(...))`: the ids are gathered once and the tickets read
    through their primary key, where `IN` may tempt the planner to read every open ticket and
    join. SQLite has no arrays, and its `IN` does just that anyway.
    """
    if postgres:
        return col(Ticket.id) == sa.any_(sa.func.array(ids.scalar_subquery()))
    return col(Ticket.id).in_(ids)


@cache
def failed_delivery(postgres: bool = False) -> ColumnElement[bool]:
    """Tickets whose message to the person failed and no later message to them got through.

    Read from the failed messages, which are few, rather than from every ticket's messages.
    Built once for each kind of database: it holds no values of a request's own.
    """
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
    still_failed = select(failed.ticket_id).where(
        failed.status == DeliveryStatus.FAILED,
        failed.direction == Direction.OUT,
        ~got_through,
    )
    return among(still_failed, postgres)


@cache
def checkin_silence(postgres: bool = False) -> ColumnElement[bool]:
    """Tickets a check-in opened because the person gave no answer at all.

    Read from the silent check-ins (through their status index), which are few beside the
    tickets. Built once for each kind of database, like `failed_delivery`.
    """
    silent = select(Checkin.ticket_id).where(
        Checkin.status == CheckinStatus.NO_RESPONSE, col(Checkin.ticket_id).is_not(None)
    )
    return among(silent, postgres)


def _one_of(column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN (...)` with the values written into the SQL, not sent as parameters.

    They come from small fixed vocabularies, so this is safe, and it lets PostgreSQL see them
    when it plans: only then can it prove that `status IN ('new', 'waiting')` lies within the
    open tickets' partial indexes, even when it reuses a plan for a prepared statement.
    """
    plain = sorted({v.value if isinstance(v, StrEnum) else v for v in values})
    return col(column).in_(sa.bindparam(None, plain, expanding=True, literal_execute=True))


def query_conditions(query: TicketQuery, postgres: bool = False) -> list[ColumnElement[bool]]:
    """The WHERE conditions for the query's filters and words (not its cursor), to be executed
    with the values `query_parameters` gives."""
    where: list[ColumnElement[bool]] = []
    if query.status:
        where.append(_one_of(Ticket.status, query.status))
    if query.category:
        where.append(_one_of(Ticket.category, query.category))
    if query.priority:
        # The stored rank, so that the (priority_rank, created_at, id) index serves the filter.
        where.append(_one_of(Ticket.priority_rank, [PRIORITY_RANK[p] for p in query.priority]))
    if query.channel:
        where.append(_one_of(Ticket.channel, query.channel))
    if query.language:
        where.append(_one_of(Ticket.language, query.language))
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
        where.append(failed_delivery(postgres))
    if query.checkin_silent:
        where.append(checkin_silence(postgres))
    if query.words is not None:
        where.append(_among_candidates(parse_ref(query.words) is not None, postgres))
        if query.words_hidden_before is not None:
            where.append(sa.not_(closed_safeguarding_before(query.words_hidden_before)))
    return where


def query_parameters(query: TicketQuery) -> dict[str, Any]:
    """The values the conditions of `query_conditions` are executed with (the words')."""
    if query.words is None:
        return {}
    return search_values(query.words, query.search_limit)


@cache
def _among_candidates(with_ref: bool, postgres: bool) -> ColumnElement[bool]:
    # One element per kind, reused: see `search_candidates`.
    return among(search_candidates(with_ref), postgres)


def closed_safeguarding_before(cutoff: datetime) -> ColumnElement[bool]:
    """Urgent (safeguarding) tickets finished before `cutoff`."""
    closed_at = sa.func.coalesce(col(Ticket.resolved_at), col(Ticket.updated_at))
    return sa.and_(
        col(Ticket.priority) == TicketPriority.URGENT,
        col(Ticket.status).in_((TicketStatus.RESOLVED, TicketStatus.CLOSED)),
        closed_at < cutoff,
    )


@cache
def _ordering(sort: TicketSort, skip: int = 0) -> tuple[ColumnElement[Any], ...]:
    """The ORDER BY of `sort` from its `skip`th key on; built once, as it holds no values."""
    return tuple(order_by(SORT_KEYS[sort][skip:]))


async def _read(
    session: AsyncSession,
    where: list[ColumnElement[bool]],
    ordering: tuple[ColumnElement[Any], ...],
    limit: int,
    parameters: dict[str, Any],
) -> list[Ticket]:
    statement = select(Ticket).where(*where).order_by(*ordering).limit(limit)
    return list((await session.exec(statement, params=parameters)).all())


async def search_tickets(*, session: AsyncSession, query: TicketQuery) -> Page[Ticket]:
    """One page of the tickets matching `query`, in the order it asks for."""
    keys = SORT_KEYS[query.sort]
    listing = f"tickets{query.sort.value}"
    wanted = query.limit + 1
    postgres = session.get_bind().dialect.name == "postgresql"
    where = query_conditions(query, postgres)
    parameters = query_parameters(query)
    position = decode_cursor(query.cursor, listing, keys) if query.cursor is not None else None
    if query.sort != TicketSort.DUE:
        if position is not None:
            where.append(after(keys, position))
        rows = await _read(session, where, _ordering(query.sort), wanted, parameters)
    else:
        dated_keys, undated_keys = keys[1:], keys[2:]
        rows = []
        if position is None or position[0] == 0:
            dated = [*where, _DATED]
            if query.created_after is not None:
                # A ticket is due after it opened, so the due index can start at the window.
                dated.append(col(Ticket.due_at) >= query.created_after)
            if position is not None:
                dated.append(after(dated_keys, position[1:]))
            rows = await _read(session, dated, _ordering(query.sort, 1), wanted, parameters)
        if len(rows) < wanted:
            undated = [*where, col(Ticket.due_at).is_(None)]
            if position is not None and position[0] == 1:
                undated.append(after(undated_keys, position[2:]))
            rows += await _read(
                session, undated, _ordering(query.sort, 2), wanted - len(rows), parameters
            )
    return page_of(rows, query.limit, listing, lambda ticket: cursor_values(query.sort, ticket))
