"""Paging staff on duty: which destination an urgent ticket is announced to, and when.

A new urgent ticket gets its first page at once, to the first destination set (a staff Telegram
chat, then an on-call phone by SMS, then the landlord's webhook). While the ticket stays `new`
(nobody has taken it up), every `repeat` after a page went out the next destination in that
order is paged, round again from the first, for at most `rounds` rounds. A destination that
fails every attempt hands over to the next at once. Pages are rows (`OncallPage`), written in
the transaction of the change that caused them; whoever owns the session is asked to send them
(`request_page`), as with the outbox.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from models import OncallPage, Ticket
from models.enums import OncallDestination, TicketStatus

_REQUESTS = "oncall.page_requests"
PAGE_HOOK = "oncall.enqueue"


@dataclass(frozen=True)
class OncallPolicy:
    """Where and how often this deployment pages; no destinations, no pages."""

    destinations: tuple[OncallDestination, ...] = ()
    repeat: timedelta = timedelta(minutes=15)
    attempts: int = 3
    rounds: int = 3

    def destination(self, step: int) -> OncallDestination | None:
        """The destination of the `step`th page, or None once every round is done."""
        if not self.destinations or step >= len(self.destinations) * self.rounds:
            return None
        return self.destinations[step % len(self.destinations)]

    def retry_after(self, attempts: int) -> timedelta:
        """How long after its `attempts`th failure a page is tried again: 2 s, then 8 s. An
        emergency cannot wait long on one destination: the next is paged after the last."""
        return timedelta(seconds=2 * 4 ** (attempts - 1))


_policy = OncallPolicy()


def configure_oncall_policy(policy: OncallPolicy) -> None:
    """Set the process's on-call destinations and timings, from its settings, at start-up."""
    global _policy
    _policy = policy


def current_oncall_policy() -> OncallPolicy:
    """The on-call policy this process runs with."""
    return _policy


@dataclass(frozen=True)
class PageRequest:
    """Page `page_id` is due at `not_before` (None: now)."""

    page_id: int
    not_before: datetime | None = None


EnqueuePage = Callable[[AsyncSession, PageRequest], Awaitable[None]]
"""A hook the service puts in a session's `info` under PAGE_HOOK: it writes the page's job in
the session's own transaction."""


def page_requests(info: dict[Any, Any]) -> list[PageRequest]:
    """Take the page requests made on a session (from its `info`) since last taken."""
    requests: list[PageRequest] = info.pop(_REQUESTS, [])
    return requests


async def request_page(
    *, session: AsyncSession, page: OncallPage, not_before: datetime | None = None
) -> None:
    """Ask for `page` to be sent (at `not_before`), in the caller's transaction."""
    request = PageRequest(page.id, not_before)  # type: ignore[arg-type]
    session.info.setdefault(_REQUESTS, []).append(request)
    hook: EnqueuePage | None = session.info.get(PAGE_HOOK)
    if hook is not None:
        await hook(session, request)


async def do_add_page(
    *, session: AsyncSession, ticket: Ticket, step: int, now: datetime
) -> OncallPage | None:
    """Page the ticket's `step`th destination now; None when the policy has no more, or when
    another process made that page first."""
    destination = _policy.destination(step)
    if destination is None or ticket.status != TicketStatus.NEW:
        return None
    page = OncallPage(
        ticket_id=ticket.id,  # type: ignore[arg-type]
        step=step,
        destination=destination,
        due_at=now,
        created_at=now,
        updated_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(page)
            await session.flush()
    except IntegrityError:
        return None
    await request_page(session=session, page=page)
    return page


async def do_page_oncall(*, session: AsyncSession, ticket: Ticket, now: datetime) -> None:
    """Announce a new urgent ticket to the first on-call destination, if any is set."""
    await do_add_page(session=session, ticket=ticket, step=0, now=now)
