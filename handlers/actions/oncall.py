"""Sending on-call pages: claiming a due page, what its result means, and repeating an alert
nobody has taken up. The sending itself is `bot.oncall`'s; the policy is `oncall_pages`'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.oncall_pages import current_oncall_policy, do_add_page, request_page
from handlers.actions.tickets import add_event
from handlers.conversation.catalog import messages
from handlers.safeguarding.alerts import AlertKind
from models import OncallPage, Ticket
from models.enums import (
    ActorType,
    Channel,
    EventKind,
    OncallDestination,
    PageStatus,
    TicketStatus,
)
from models.oncall import ERROR_LIMIT

# The kinds of emergency an alert names; anything else urgent is an urgent request.
ALERT_KINDS = frozenset(kind.value for kind in AlertKind)
# Pages are read by staff: their words are the staff page's (locales/staff/en.toml).
STAFF_CATALOG = "staff/en"


@dataclass(frozen=True)
class OncallAlert:
    """What a page may say: never the person's words, name or health, only where to look."""

    ref: str
    kind: str
    channel: Channel
    created_at: datetime
    step: int


@dataclass(frozen=True)
class PageWork:
    """A claimed page: where it goes, which attempt this is, and what it says."""

    page_id: int
    destination: OncallDestination
    attempt: int
    alert: OncallAlert


def page_text(alert: OncallAlert, url: str) -> str:
    """A page in staff words: the kind of emergency, the reference, the channel and the link."""
    words = messages(STAFF_CATALOG)
    return words["oncall.page" if alert.step == 0 else "oncall.repeat"].format(
        kind=words[f"oncall.kind.{alert.kind}"],
        ref=alert.ref,
        channel=words[f"channel.{alert.channel.value}"],
        url=url,
    )


def alert_kind(ticket: Ticket) -> str:
    """The kind of emergency a ticket was raised for (its alert's), else `request`."""
    kind = ticket.details.get("alert")
    return kind if isinstance(kind, str) and kind in ALERT_KINDS else "request"


async def do_claim_page(*, session: AsyncSession, page_id: int, now: datetime) -> PageWork | None:
    """The page if it is due and still wanted; a ticket taken up meanwhile cancels it."""
    page = (
        await session.exec(select(OncallPage).where(OncallPage.id == page_id).with_for_update())
    ).first()
    if page is None or page.status != PageStatus.PENDING or page.due_at > now:
        return None
    ticket = await session.get(Ticket, page.ticket_id)
    assert ticket is not None
    if ticket.status != TicketStatus.NEW:
        page.status = PageStatus.CANCELLED
        page.updated_at = now
        return None
    alert = OncallAlert(
        ticket.ref, alert_kind(ticket), ticket.channel, ticket.created_at, page.step
    )
    return PageWork(page.id, page.destination, page.attempts + 1, alert)  # type: ignore[arg-type]


async def _page_and_ticket(session: AsyncSession, page_id: int) -> tuple[OncallPage, Ticket]:
    page = (
        await session.exec(select(OncallPage).where(OncallPage.id == page_id).with_for_update())
    ).one()
    ticket = await session.get(Ticket, page.ticket_id)
    assert ticket is not None
    return page, ticket


async def do_record_page_sent(*, session: AsyncSession, page_id: int, now: datetime) -> None:
    """The destination took the page: mark it sent, on the ticket's timeline too."""
    page, ticket = await _page_and_ticket(session, page_id)
    page.attempts += 1
    page.status = PageStatus.SENT
    page.sent_at = page.updated_at = now
    await add_event(
        session=session,
        ticket=ticket,
        kind=EventKind.ONCALL_SENT,
        actor_type=ActorType.SYSTEM,
        now=now,
        data={"destination": page.destination.value, "attempt": page.attempts},
    )


async def do_record_page_failure(
    *, session: AsyncSession, page_id: int, reason: str, retryable: bool, now: datetime
) -> datetime | None:
    """One attempt failed, on the timeline. Returns when to try again; after the last attempt,
    the page has failed and the next destination is paged at once."""
    policy = current_oncall_policy()
    page, ticket = await _page_and_ticket(session, page_id)
    page.attempts += 1
    page.error = reason[:ERROR_LIMIT]
    page.updated_at = now
    final = not retryable or page.attempts >= policy.attempts
    await add_event(
        session=session,
        ticket=ticket,
        kind=EventKind.ONCALL_FAILED,
        actor_type=ActorType.SYSTEM,
        now=now,
        data={
            "destination": page.destination.value,
            "attempt": page.attempts,
            "reason": page.error,
            "final": final,
        },
    )
    if not final:
        page.due_at = now + policy.retry_after(page.attempts)
        await request_page(session=session, page=page, not_before=page.due_at)
        return page.due_at
    page.status = PageStatus.FAILED
    await do_add_page(session=session, ticket=ticket, step=page.step + 1, now=now)
    return None


async def do_repeat_unanswered(*, session: AsyncSession, now: datetime) -> list[int]:
    """Page the next destination for each ticket still `new` a `repeat` after its last page
    went out; returns the new pages' ids."""
    newer = aliased(OncallPage)
    statement = (
        select(OncallPage, Ticket)
        .join(Ticket, col(Ticket.id) == col(OncallPage.ticket_id))
        .where(
            OncallPage.status == PageStatus.SENT,
            col(OncallPage.sent_at) <= now - current_oncall_policy().repeat,
            Ticket.status == TicketStatus.NEW,
            ~exists().where(
                col(newer.ticket_id) == col(OncallPage.ticket_id),
                col(newer.step) > col(OncallPage.step),
            ),
        )
        .order_by(col(OncallPage.id))
    )
    made: list[int] = []
    for page, ticket in (await session.exec(statement)).all():
        added = await do_add_page(session=session, ticket=ticket, step=page.step + 1, now=now)
        if added is not None:
            made.append(added.id)  # type: ignore[arg-type]
    return made


async def list_due_pages(*, session: AsyncSession, due_by: datetime) -> list[int]:
    """Pending pages due by `due_by`, oldest first."""
    statement = (
        select(OncallPage.id)
        .where(OncallPage.status == PageStatus.PENDING, col(OncallPage.due_at) <= due_by)
        .order_by(col(OncallPage.due_at), col(OncallPage.id))
    )
    return [i for i in (await session.exec(statement)).all() if i is not None]


async def find_next_page_due(*, session: AsyncSession) -> datetime | None:
    """When the next pending page falls due, if any is pending."""
    statement = select(func.min(OncallPage.due_at)).where(OncallPage.status == PageStatus.PENDING)
    due: datetime | None = (await session.exec(statement)).one()
    return due
