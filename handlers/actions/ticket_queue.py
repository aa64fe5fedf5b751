"""The staff queue as people work it: saved views, and each row with what it needs to show.

A saved view is declared data: which statuses, priorities and flags it shows and in what
order. Adding one is adding a line to `SAVED_VIEWS` and its label to the staff catalog.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.due_dates import is_overdue
from handlers.actions.ticket_rows import CONTACTS, STAFF, TICKETS, ListedTicket
from handlers.actions.ticket_search import TicketQuery, TicketSort, failed_delivery
from models import Staff, Ticket
from models.enums import OPEN_STATUSES, TicketPriority, TicketStatus
from models.tickets import PRIORITY_RANK


@dataclass(frozen=True)
class SavedView:
    """A named way of looking at the queue; `key` appears in the page's address."""

    key: str
    status: Sequence[TicketStatus] = ()
    priority: Sequence[TicketPriority] = ()
    mine: bool = False
    overdue: bool = False
    delivery_failed: bool = False
    checkin_silent: bool = False
    sort: TicketSort = TicketSort.DUE

    def query(self, *, staff_id: int, now: datetime) -> TicketQuery:
        """The view as a queue query for the staff member looking at it, at `now`."""
        return TicketQuery(
            status=self.status,
            priority=self.priority,
            assignee_id=staff_id if self.mine else None,
            due_before=now if self.overdue else None,
            delivery_failed=self.delivery_failed,
            checkin_silent=self.checkin_silent,
            sort=self.sort,
        )


SAVED_VIEWS: tuple[SavedView, ...] = (
    SavedView("urgent", status=OPEN_STATUSES, priority=(TicketPriority.URGENT,)),
    SavedView("new", status=(TicketStatus.NEW,), sort=TicketSort.PRIORITY),
    SavedView("mine", status=OPEN_STATUSES, mine=True),
    SavedView("waiting", status=(TicketStatus.WAITING,)),
    # Welfare tickets a check-in raised because the person did not answer: people to phone.
    SavedView("no_response", status=OPEN_STATUSES, checkin_silent=True),
    SavedView("overdue", status=OPEN_STATUSES, overdue=True),
    SavedView("failed", status=OPEN_STATUSES, delivery_failed=True, sort=TicketSort.NEWEST),
    SavedView("open", status=OPEN_STATUSES),
    SavedView("all", sort=TicketSort.NEWEST),
)
VIEWS_BY_KEY = {view.key: view for view in SAVED_VIEWS}
DEFAULT_VIEW = VIEWS_BY_KEY["urgent"]


def narrowed(query: TicketQuery, **changes: object) -> TicketQuery:
    """The query with some fields replaced (the filters someone chose on top of a view)."""
    return replace(query, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class QueueRow:
    """One ticket as the queue lists it: who it is for, who has it, and what needs doing."""

    ticket: Ticket | ListedTicket
    contact_name: str | None
    assignee_name: str | None
    delivery_failed: bool
    overdue: bool


async def _names(
    session: AsyncSession, table: sa.Table, name: str, ids: Iterable[int | None]
) -> dict[int, str | None]:
    """The `name` column of the rows of `table` with these ids, by id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    statement = sa.select(table.c.id, table.c[name]).where(table.c.id.in_(wanted))
    rows = await (await session.connection()).execute(statement)
    return {row[0]: row[1] for row in rows}


async def find_queue_rows(
    *, session: AsyncSession, tickets: Sequence[Ticket | ListedTicket], now: datetime
) -> list[QueueRow]:
    """The rows for a page of tickets, read in three small queries whatever the page's size."""
    contacts = await _names(session, CONTACTS, "display_name", (t.contact_id for t in tickets))
    staff = await _names(session, STAFF, "name", (t.assignee_id for t in tickets))
    failed: set[int] = set()
    ids = [t.id for t in tickets if t.id is not None]
    if ids:
        statement = sa.select(TICKETS.c.id).where(TICKETS.c.id.in_(ids), failed_delivery())
        failed = set((await (await session.connection()).execute(statement)).scalars().all())
    return [
        QueueRow(
            ticket=t,
            contact_name=contacts.get(t.contact_id),
            assignee_name=staff.get(t.assignee_id) if t.assignee_id else None,
            delivery_failed=t.id in failed,
            overdue=is_overdue(t, now),
        )
        for t in tickets
    ]


async def list_new_urgent(
    *, session: AsyncSession, since: datetime, limit: int = 5
) -> list[Ticket]:
    """Open urgent tickets opened after `since`, newest first: what the queue announces."""
    statement = (
        select(Ticket)
        .where(
            col(Ticket.priority_rank) == PRIORITY_RANK[TicketPriority.URGENT],
            col(Ticket.created_at) > since,
            col(Ticket.status).in_(OPEN_STATUSES),
        )
        .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def list_active_staff(*, session: AsyncSession) -> list[Staff]:
    """Everyone a ticket can be given to, by name."""
    statement = select(Staff).where(col(Staff.is_active)).order_by(col(Staff.name), col(Staff.id))
    return list((await session.exec(statement)).all())
