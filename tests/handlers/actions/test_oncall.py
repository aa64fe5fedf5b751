"""Which on-call page is due, and when paging stops, with plain tickets and a given clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.db import SessionFactory, transaction
from handlers.actions.oncall import (
    do_claim_page,
    do_record_page_failure,
    do_record_page_sent,
    do_repeat_unanswered,
    list_due_pages,
)
from handlers.actions.oncall_pages import (
    OncallPolicy,
    configure_oncall_policy,
    current_oncall_policy,
)
from handlers.actions.ticket_status import do_set_status
from models import OncallPage, Ticket
from models.base import utcnow
from models.enums import (
    ActorType,
    OncallDestination,
    PageStatus,
    TicketPriority,
    TicketStatus,
)
from tests.support.tickets import seed_ticket

CHAT, PHONE = OncallDestination.TELEGRAM, OncallDestination.SMS
REPEAT = timedelta(minutes=15)


@pytest.fixture(autouse=True)
def two_destinations() -> Iterator[None]:
    before = current_oncall_policy()
    configure_oncall_policy(OncallPolicy(destinations=(CHAT, PHONE), repeat=REPEAT))
    yield
    configure_oncall_policy(before)


async def _pages(db: SessionFactory) -> list[OncallPage]:
    async with db() as session:
        statement = select(OncallPage).order_by(col(OncallPage.step))
        return list((await session.exec(statement)).all())


async def _send(db: SessionFactory, page_id: int, now: datetime) -> None:
    async with transaction(db) as session:
        assert await do_claim_page(session=session, page_id=page_id, now=now) is not None
        await do_record_page_sent(session=session, page_id=page_id, now=now)


def test_destinations_take_turns_for_three_rounds_then_stop() -> None:
    policy = current_oncall_policy()
    assert [policy.destination(step) for step in range(7)] == [
        CHAT,
        PHONE,
        CHAT,
        PHONE,
        CHAT,
        PHONE,
        None,
    ]
    assert OncallPolicy().destination(0) is None


async def test_only_an_urgent_ticket_pages(db: SessionFactory) -> None:
    await seed_ticket(db, priority=TicketPriority.HIGH)
    assert await _pages(db) == []
    await seed_ticket(db, priority=TicketPriority.URGENT)
    [page] = await _pages(db)
    assert (page.step, page.destination, page.status) == (0, CHAT, PageStatus.PENDING)


async def test_the_next_destination_is_paged_once_after_the_repeat_time(
    db: SessionFactory,
) -> None:
    start = utcnow()
    await seed_ticket(db, priority=TicketPriority.URGENT, now=start)
    [first] = await _pages(db)
    await _send(db, first.id or 0, start)

    async with transaction(db) as session:
        early = await do_repeat_unanswered(session=session, now=start + REPEAT / 2)
    assert early == []
    for _ in range(2):
        # A second check (another worker, the next minute) makes no second page.
        async with transaction(db) as session:
            await do_repeat_unanswered(session=session, now=start + REPEAT)
    pages = await _pages(db)
    assert [(p.step, p.destination) for p in pages] == [(0, CHAT), (1, PHONE)]
    async with transaction(db) as session:
        assert await list_due_pages(session=session, due_by=start + REPEAT) == [pages[1].id]


async def test_a_ticket_taken_up_cancels_its_waiting_page_and_stops_repeats(
    db: SessionFactory,
) -> None:
    start = utcnow()
    seeded = await seed_ticket(db, priority=TicketPriority.URGENT, now=start)
    [first] = await _pages(db)
    await _send(db, first.id or 0, start)
    async with transaction(db) as session:
        [second] = await do_repeat_unanswered(session=session, now=start + REPEAT)

    async with transaction(db) as session:
        ticket = await session.get(Ticket, seeded.ticket.id)
        assert ticket is not None
        await do_set_status(
            session=session,
            ticket=ticket,
            status=TicketStatus.IN_PROGRESS,
            actor_type=ActorType.SYSTEM,
            actor_id=None,
            now=start + REPEAT,
        )
    async with transaction(db) as session:
        assert await do_claim_page(session=session, page_id=second, now=start + REPEAT) is None
        assert await do_repeat_unanswered(session=session, now=start + 3 * REPEAT) == []
    assert [p.status for p in await _pages(db)] == [PageStatus.SENT, PageStatus.CANCELLED]


async def test_a_destination_failing_every_attempt_hands_over_at_once(db: SessionFactory) -> None:
    start = utcnow()
    await seed_ticket(db, priority=TicketPriority.URGENT, now=start)
    [first] = await _pages(db)
    retries = []
    for attempt in range(3):
        async with transaction(db) as session:
            retries.append(
                await do_record_page_failure(
                    session=session,
                    page_id=first.id or 0,
                    reason="HTTP 503",
                    retryable=True,
                    now=start,
                )
            )
        assert len(await _pages(db)) == (1 if attempt < 2 else 2)
    assert retries == [start + timedelta(seconds=2), start + timedelta(seconds=8), None]
    failed, handed_over = await _pages(db)
    assert failed.status is PageStatus.FAILED and failed.attempts == 3
    assert (handed_over.destination, handed_over.due_at) == (PHONE, start)
