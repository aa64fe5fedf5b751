"""Finding tickets for the staff queue: filters, text search and stable paging."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select
from sqlalchemy.sql.util import ClauseAdapter
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.paging import (
    Key,
    Page,
    after,
    after_values,
    decode_cursor,
    order_by,
    page_of,
)
from handlers.actions.ticket_rows import (
    CHECKINS,
    LISTED_COLUMNS,
    MESSAGES,
    TICKETS,
    ListedTicket,
    StatementCache,
    among,
    read_listed,
)
from handlers.actions.ticket_text_search import SEARCH_LIMIT, search_candidates, search_values
from models import Ticket
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


_T = TICKETS.c
_DATED = _T.due_at.is_not(None)
_UNDATED = sa.case((_T.due_at.is_(None), 1), else_=0)

# Each order is matched to an index (see models.tickets): newest first reads
# (created_at, id) backwards, priority reads (priority_rank, created_at, id). The due order is
# read in two parts, dated tickets through the partial index on (due_at, id) and then the
# undated ones by id, so its cursor keeps the flag that says which part it is in.
SORT_KEYS: dict[TicketSort, list[Key]] = {
    TicketSort.NEWEST: [
        Key(_T.created_at, descending=True, kind="datetime"),
        Key(_T.id, descending=True),
    ],
    TicketSort.PRIORITY: [
        Key(_T.priority_rank),
        Key(_T.created_at, kind="datetime"),
        Key(_T.id),
    ],
    TicketSort.DUE: [
        Key(_UNDATED),
        Key(_T.due_at, kind="datetime"),
        Key(_T.id),
    ],
}


def cursor_values(sort: TicketSort, ticket: Ticket | ListedTicket) -> list[Any]:
    """The values a cursor after `ticket` holds, in the order `sort` reads."""
    if sort == TicketSort.NEWEST:
        return [ticket.created_at, ticket.id]
    if sort == TicketSort.PRIORITY:
        return [PRIORITY_RANK[ticket.priority], ticket.created_at, ticket.id]
    return [1 if ticket.due_at is None else 0, ticket.due_at, ticket.id]


@cache
def failed_delivery(postgres: bool = False) -> ColumnElement[bool]:
    """Tickets whose message to the person failed and no later message to them got through.

    Read from the failed messages, which are few, rather than from every ticket's messages.
    Built once for each kind of database: it holds no values of a request's own.
    """
    failed = MESSAGES.alias("failed").c
    later = MESSAGES.alias("later").c
    # The vocabularies are written into the SQL so that the partial indexes of the failed
    # and the reached messages serve even a plan reused for the prepared statement.
    got_through = (
        sa.select(later.id)
        .where(
            later.ticket_id == failed.ticket_id,
            _one_of(later.direction, [Direction.OUT]),
            later.id > failed.id,
            _one_of(later.status, REACHED),
        )
        .exists()
    )
    still_failed = sa.select(failed.ticket_id).where(
        _one_of(failed.status, [DeliveryStatus.FAILED]),
        _one_of(failed.direction, [Direction.OUT]),
        ~got_through,
    )
    return among(still_failed, postgres)


@cache
def checkin_silence(postgres: bool = False) -> ColumnElement[bool]:
    """Tickets a check-in opened because the person gave no answer at all.

    Read from the silent check-ins (through their status index), which are few beside the
    tickets. Built once for each kind of database, like `failed_delivery`.
    """
    silent = sa.select(CHECKINS.c.ticket_id).where(
        CHECKINS.c.status == CheckinStatus.NO_RESPONSE, CHECKINS.c.ticket_id.is_not(None)
    )
    return among(silent, postgres)


def _one_of(column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN (...)` with the values written into the SQL, not sent as parameters.

    They come from small fixed vocabularies, so this is safe, and it lets PostgreSQL see them
    when it plans: only then can it prove that `status IN ('new', 'waiting')` lies within the
    open tickets' partial indexes, even when it reuses a plan for a prepared statement.
    """
    plain = sorted({v.value if isinstance(v, StrEnum) else v for v in values})
    return column.in_(sa.bindparam(None, plain, expanding=True, literal_execute=True))


def query_conditions(query: TicketQuery, postgres: bool = False) -> list[ColumnElement[bool]]:
    """The WHERE conditions for the query's filters and words (not its cursor), to be executed
    with the values `query_parameters` gives.

    Only the filters' vocabularies (status, category, ...) are written into the SQL; every
    other value is a named parameter, so the conditions of one shape of query serve them all.
    """
    where = _filters(query, postgres)
    if query.words is not None:
        where.append(_among_candidates(parse_ref(query.words) is not None, postgres))
    return where


def _filters(query: TicketQuery, postgres: bool) -> list[ColumnElement[bool]]:
    """The conditions of `query_conditions` but the words': a search reads its candidates
    instead (see `_read`)."""
    where: list[ColumnElement[bool]] = []
    if query.status:
        where.append(_one_of(_T.status, query.status))
    if query.category:
        where.append(_one_of(_T.category, query.category))
    if query.priority:
        # The stored rank, so that the (priority_rank, created_at, id) index serves the filter.
        where.append(_one_of(_T.priority_rank, [PRIORITY_RANK[p] for p in query.priority]))
    if query.channel:
        where.append(_one_of(_T.channel, query.channel))
    if query.language:
        where.append(_one_of(_T.language, query.language))
    if query.unassigned:
        where.append(_T.assignee_id.is_(None))
    elif query.assignee_id is not None:
        where.append(_T.assignee_id == sa.bindparam("assignee_id"))
    if query.contact_id is not None:
        where.append(_T.contact_id == sa.bindparam("contact_id"))
    if query.created_after is not None:
        where.append(_T.created_at >= sa.bindparam("created_after"))
    if query.created_before is not None:
        where.append(_T.created_at < sa.bindparam("created_before"))
    if query.due_before is not None:
        where.append(_T.due_at < sa.bindparam("due_before"))
    if query.delivery_failed:
        where.append(failed_delivery(postgres))
    if query.checkin_silent:
        where.append(checkin_silence(postgres))
    if query.words is not None and query.words_hidden_before is not None:
        where.append(sa.not_(_CLOSED_SAFEGUARDING))
    return where


def query_parameters(query: TicketQuery) -> dict[str, Any]:
    """The values the conditions of `query_conditions` are executed with."""
    given = {
        "assignee_id": None if query.unassigned else query.assignee_id,
        "contact_id": query.contact_id,
        "created_after": query.created_after,
        "created_before": query.created_before,
        "due_before": query.due_before,
    }
    values = {name: value for name, value in given.items() if value is not None}
    if query.words is not None:
        values.update(search_values(query.words, query.search_limit))
        if query.words_hidden_before is not None:
            values["hidden_before"] = query.words_hidden_before
    return values


def _shape(query: TicketQuery, postgres: bool) -> Hashable:
    """What makes the query's conditions differ from another's: which filters it has and the
    vocabulary values it filters by, never a value sent as a parameter."""
    return (
        tuple(query.status),
        tuple(query.category),
        tuple(query.priority),
        tuple(query.channel),
        tuple(query.language),
        query.unassigned,
        query.assignee_id is not None,
        query.contact_id is not None,
        query.created_after is not None,
        query.created_before is not None,
        query.due_before is not None,
        query.delivery_failed,
        query.checkin_silent,
        None if query.words is None else parse_ref(query.words) is not None,
        query.words_hidden_before is not None,
        postgres,
    )


@cache
def _among_candidates(with_ref: bool, postgres: bool) -> ColumnElement[bool]:
    # One element per kind, reused: see `search_candidates`.
    return among(sa.select(search_candidates(with_ref, postgres).c.id), postgres)


# Urgent (safeguarding) tickets finished before the `hidden_before` parameter.
_CLOSED_SAFEGUARDING = sa.and_(
    _T.priority == TicketPriority.URGENT,
    _T.status.in_((TicketStatus.RESOLVED, TicketStatus.CLOSED)),
    sa.func.coalesce(_T.resolved_at, _T.updated_at) < sa.bindparam("hidden_before"),
)


@cache
def _ordering(sort: TicketSort, skip: int = 0) -> tuple[ColumnElement[Any], ...]:
    """The ORDER BY of `sort` from its `skip`th key on; built once, as it holds no values."""
    return tuple(order_by(SORT_KEYS[sort][skip:]))


_STATEMENTS = StatementCache()


def _of_tickets(element: Any) -> bool:
    return getattr(element, "table", None) is TICKETS


async def _read(
    session: AsyncSession,
    query: TicketQuery,
    postgres: bool,
    skip: int,
    cursor: Sequence[Any] | None,
    parameters: dict[str, Any],
    limit: int,
) -> list[ListedTicket]:
    """Up to `limit` tickets in the order of the sort's keys from the `skip`th on (the due
    order is read in two parts: 1 the dated tickets, 2 the undated), after `cursor`."""
    keys = SORT_KEYS[query.sort][skip:]
    values = {**parameters, "limit": limit}
    if cursor is not None:
        values.update(after_values(keys, cursor, "cursor"))

    def build() -> Select[Any]:
        where = _filters(query, postgres)
        if skip == 1:
            where.append(_DATED)
            if query.created_after is not None:
                # A ticket is due after it opened, so the due index can start at the window.
                where.append(_T.due_at >= sa.bindparam("created_after"))
        elif skip == 2:
            where.append(_T.due_at.is_(None))
        if cursor is not None:
            where.append(after(keys, cursor, "cursor"))
        statement = (
            sa.select(*LISTED_COLUMNS)
            .where(*where)
            .order_by(*_ordering(query.sort, skip))
            .limit(sa.bindparam("limit"))
        )
        if query.words is None:
            return statement
        # Read from the words' candidates, which carry the tickets' columns: the filters and
        # the order apply to them as they are, with no second read of each ticket by its id.
        # Only the tickets' own columns are adapted (by name, as the details are a cast): those
        # of the messages and check-ins in the views' conditions share names with them.
        found = search_candidates(parse_ref(query.words) is not None, postgres)
        adapter = ClauseAdapter(found, include_fn=_of_tickets, adapt_on_names=True)
        adapted: Select[Any] = adapter.traverse(statement)
        return adapted

    # A cursor whose value is None skips that key (see `after`): another statement.
    skipped = None if cursor is None else tuple(v is None for v in cursor)
    statement = _STATEMENTS.get((_shape(query, postgres), query.sort, skip, skipped), build)
    return await read_listed(session, statement, values)


async def search_tickets(*, session: AsyncSession, query: TicketQuery) -> Page[ListedTicket]:
    """One page of the tickets matching `query`, in the order it asks for."""
    keys = SORT_KEYS[query.sort]
    listing = f"tickets{query.sort.value}"
    wanted = query.limit + 1
    postgres = session.get_bind().dialect.name == "postgresql"
    parameters = query_parameters(query)
    position = decode_cursor(query.cursor, listing, keys) if query.cursor is not None else None
    if query.sort != TicketSort.DUE:
        rows = await _read(session, query, postgres, 0, position, parameters, wanted)
    else:
        rows = []
        if position is None or position[0] == 0:
            dated = None if position is None else position[1:]
            rows = await _read(session, query, postgres, 1, dated, parameters, wanted)
        if len(rows) < wanted:
            undated = position[2:] if position is not None and position[0] == 1 else None
            rows += await _read(
                session, query, postgres, 2, undated, parameters, wanted - len(rows)
            )
    return page_of(rows, query.limit, listing, lambda ticket: cursor_values(query.sort, ticket))
