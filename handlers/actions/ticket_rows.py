"""Tickets as lists show them: the columns a list needs, read as plain rows, not ORM objects.

A page of the queue is read and thrown away within one request. Loading it through the ORM
(its execution path, then an identity-mapped, instrumented object per row) cost more than the
query itself on the queue's cheapest reads, so lists read Core statements over the tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from enum import Enum
from typing import Any, get_type_hints

import sqlalchemy as sa
from asyncpg.connection import Connection as AsyncpgConnection
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.direct_reads import (
    DRIVER_ERRORS,
    DriverStatements,
    direct_driver,
    held_connection,
)
from models import Checkin, Contact, Message, Staff, Ticket, TicketEvent
from models.enums import Channel, TicketCategory, TicketPriority, TicketStatus
from models.tickets import format_ref

# The tables themselves: a statement over them carries no ORM entity, so it runs on the
# connection as it is, with no ORM compile or loading step.
TICKETS: sa.Table = Ticket.__table__  # type: ignore[attr-defined]
CONTACTS: sa.Table = Contact.__table__  # type: ignore[attr-defined]
EVENTS: sa.Table = TicketEvent.__table__  # type: ignore[attr-defined]
MESSAGES: sa.Table = Message.__table__  # type: ignore[attr-defined]
CHECKINS: sa.Table = Checkin.__table__  # type: ignore[attr-defined]
STAFF: sa.Table = Staff.__table__  # type: ignore[attr-defined]


# Not frozen: a frozen dataclass sets each field through object.__setattr__, six times the
# cost of building a page's fifty rows.
@dataclass(slots=True)
class ListedTicket:
    """A ticket as the queue and the API's list show it (the fields of `TicketPublic`)."""

    id: int
    contact_id: int
    channel: Channel
    category: TicketCategory
    language: str
    status: TicketStatus
    priority: TicketPriority
    assignee_id: int | None
    details_json: str
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    referred_at: datetime | None

    @property
    def ref(self) -> str:
        """The reference a person quotes, e.g. `HH-000123`."""
        return format_ref(self.id)

    @property
    def details(self) -> dict[str, Any]:
        """The answers the person gave, read from their JSON only when asked for: the staff
        page never shows them, and decoding fifty costs as much as the page's query."""
        details: dict[str, Any] = json.loads(self.details_json)
        return details


LISTED_COLUMNS: tuple[sa.ColumnElement[Any], ...] = tuple(
    sa.cast(TICKETS.c.details, sa.Text) if field.name == "details_json" else TICKETS.c[field.name]
    for field in fields(ListedTicket)
)
"""The columns a listed ticket is read from, in the order of its fields (the details as the
text of their JSON, which no driver decodes)."""


async def read_listed(
    session: AsyncSession, statement: Select[Any], parameters: dict[str, Any]
) -> list[ListedTicket]:
    """The tickets a statement selecting `LISTED_COLUMNS` finds, run with `parameters`.

    On asyncpg the statement goes straight to the driver when nothing need be begun for it (see
    `direct_driver`): its SQL is compiled once per statement and asyncpg prepares it once per
    connection, and the tickets are built from asyncpg's records. SQLAlchemy's execution and
    rows cost as much as the queue's cheapest queries take to run, twice over with the session
    around them. Elsewhere (SQLite, psycopg) the statement runs through SQLAlchemy, with the
    same SQL and the same tickets.
    """

    def read(sync_session: Session) -> list[ListedTicket] | AsyncpgConnection:
        driver = direct_driver(sync_session.connection())
        if driver is not None:
            return driver
        return _through_sqlalchemy(sync_session, statement, parameters)

    # The connection the session already holds needs no hop into its synchronous side to find;
    # else one hop, where taking the connection and executing on it were two.
    held = held_connection(session.sync_session)
    driver = None if held is None else direct_driver(held)
    found = driver if driver is not None else await session.run_sync(read)
    if isinstance(found, list):
        return found
    sql, arguments = _DRIVER_STATEMENTS.bound(statement, session.get_bind().dialect, parameters)
    try:
        records = await found.fetch(sql, *arguments)
    except DRIVER_ERRORS:
        # Run again through SQLAlchemy, which raises the error as it raises any other (and
        # replaces a connection that was lost).
        return await session.run_sync(lambda s: _through_sqlalchemy(s, statement, parameters))
    return [_listed(record) for record in records]


_DRIVER_STATEMENTS = DriverStatements()

# The fields asyncpg reads as text that a listed ticket holds as members of an enum, by
# position; every other value it reads as the ticket holds it (timestamps aware, in UTC).
_ENUM_FIELDS = tuple(
    (position, hint._value2member_map_.__getitem__)
    for position, (name, hint) in enumerate(get_type_hints(ListedTicket).items())
    if isinstance(hint, type) and issubclass(hint, Enum)
)


def _listed(record: Sequence[Any]) -> ListedTicket:
    values = list(record)
    for position, member in _ENUM_FIELDS:
        values[position] = member(values[position])
    return ListedTicket(*values)


def _through_sqlalchemy(
    sync_session: Session, statement: Select[Any], parameters: dict[str, Any]
) -> list[ListedTicket]:
    result = sync_session.connection().execute(statement, parameters)
    return [ListedTicket(*row) for row in result]


def among(ids: Select[Any], postgres: bool) -> ColumnElement[bool]:
    """Tickets whose id the (small) query `ids` gives.

    On PostgreSQL as `id = ANY(ARRAY(...))`: the ids are gathered once and the tickets read
    through their primary key, where `IN` may tempt the planner to read every open ticket and
    join. SQLite has no arrays, and its `IN` does just that anyway.
    """
    if postgres:
        return TICKETS.c.id == sa.any_(sa.func.array(ids.scalar_subquery()))
    return TICKETS.c.id.in_(ids)


class StatementCache:
    """Statements built once per shape (which filters, which sort) and reused with new values.

    A reused statement object keeps its compiled-cache key, so a request neither builds nor
    keys its statement again: both cost more than the queue's cheapest queries take to run.
    Bounded: past `size` shapes it starts afresh (shapes come from a few vocabularies).
    """

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._built: dict[Hashable, Select[Any]] = {}

    def get(self, shape: Hashable, build: Callable[[], Select[Any]]) -> Select[Any]:
        """The statement for `shape`, built by `build` the first time it is asked for."""
        statement = self._built.get(shape)
        if statement is None:
            if len(self._built) >= self._size:
                self._built.clear()
            statement = self._built[shape] = build()
        return statement
