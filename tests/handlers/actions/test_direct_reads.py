"""Lists read straight from asyncpg find what SQLAlchemy finds: the same tickets, in the same
order, with the same cursors; and a lost connection fails as any database error does."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import (
    DATABASE_ERRORS,
    SessionFactory,
    create_engine,
    create_session_factory,
    reading,
    transaction,
)
from handlers.actions.paging import Page
from handlers.actions.ticket_queue import VIEWS_BY_KEY
from handlers.actions.ticket_rows import ListedTicket
from handlers.actions.ticket_search import TicketQuery, TicketSort, search_tickets
from models import Ticket
from models.base import utcnow
from models.enums import Channel, TicketCategory, TicketPriority, TicketStatus
from tests.conftest import postgres_only
from tests.support.tickets import Seeded, seed_ticket

pytestmark = postgres_only


@pytest.fixture
async def asyncpg_sessions(engine: AsyncEngine) -> AsyncIterator[SessionFactory]:
    """Sessions on the test database through asyncpg, whatever driver the tests use."""
    url = engine.url.set(drivername="postgresql+asyncpg")
    own = create_engine(url.render_as_string(hide_password=False))
    yield create_session_factory(own)
    await own.dispose()


async def _seed(db: SessionFactory) -> list[Seeded]:
    """Five people and 150 tickets of every kind, with ties in every sort key."""
    base = utcnow() - timedelta(days=2)
    who = [
        await seed_ticket(db, channel=channel, name=name, details={"postcode": "LS6 2AB"})
        for channel, name in zip(
            Channel,
            ["Ruth Ellis", "Zoë Ångström", "Dev Patel", "Ena Sharples", "Tom Ogden"],
            strict=True,
        )
    ]
    rng = random.Random(20261130)
    rows: list[dict[str, Any]] = []
    for n in range(150):
        person = rng.choice(who)
        created = base + timedelta(minutes=rng.randint(0, 40) * 30)
        rows.append(
            {
                "contact_id": person.contact.id,
                "identity_id": person.identity.id,
                "channel": person.identity.channel,
                "category": rng.choice(list(TicketCategory)),
                "status": rng.choice(list(TicketStatus)),
                "priority": rng.choice(list(TicketPriority)),
                "assignee_id": None,
                "details": {"need": rng.choice(["insulin", "rice", "nappies"]), "n": n},
                "due_at": rng.choice([None, created + timedelta(hours=rng.randint(1, 60))]),
                "created_at": created,
                "updated_at": created,
            }
        )
    async with transaction(db) as session:
        await (await session.connection()).execute(sa.insert(Ticket), rows)
    return who


def _queries(who: list[Seeded]) -> list[TicketQuery]:
    now = utcnow()
    open_ = (TicketStatus.NEW, TicketStatus.IN_PROGRESS, TicketStatus.WAITING)
    filters: list[dict[str, Any]] = [
        {},
        {"status": (TicketStatus.NEW,)},
        {"status": open_, "priority": (TicketPriority.URGENT, TicketPriority.HIGH)},
        {"category": (TicketCategory.MEDICINE,), "channel": (Channel.SMS, Channel.TELEGRAM)},
        {"unassigned": True},
        {"contact_id": who[1].contact.id},
        {"created_after": now - timedelta(days=2), "created_before": now - timedelta(days=1)},
        {"due_before": now},
        {"words": "insulin"},
        {"words": "ångström", "status": open_},
        {"words": who[2].ref},
        {"words": "rice", "words_hidden_before": now},
    ]
    queries = [TicketQuery(sort=sort, limit=7, **f) for f in filters for sort in TicketSort]
    views = [v.query(staff_id=1, now=now) for v in VIEWS_BY_KEY.values()]
    return queries + [replace(view, limit=7) for view in views]


async def _pages(factory: Any, query: TicketQuery) -> list[Page[ListedTicket]]:
    """Every page of the query, each read in a block of its own from `factory`."""
    pages: list[Page[ListedTicket]] = []
    cursor = None
    while True:
        async with factory() as session:
            page = await search_tickets(session=session, query=replace(query, cursor=cursor))
        pages.append(page)
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


async def test_lists_read_straight_from_asyncpg_find_what_sqlalchemy_finds(
    db: SessionFactory, asyncpg_sessions: SessionFactory
) -> None:
    who = await _seed(db)
    engine = asyncpg_sessions.kw["bind"].sync_engine
    through_sqlalchemy: list[str] = []

    def seen(*args: Any) -> None:
        through_sqlalchemy.append(args[2])

    event.listen(engine, "before_cursor_execute", seen)
    reads = reading(asyncpg_sessions)
    found = 0
    for query in _queries(who):
        direct = await _pages(reads, query)
        assert through_sqlalchemy == [], "the lists' reads did not go straight to asyncpg"
        # The same query through SQLAlchemy, on asyncpg and on the tests' own driver.
        assert await _pages(asyncpg_sessions, query) == direct, query
        assert await _pages(db, query) == direct, query
        through_sqlalchemy.clear()
        found += sum(len(page.items) for page in direct)
    assert found > 500  # the queries found tickets, over many pages
    await reads.release()


async def test_a_list_on_a_connection_the_server_ended_fails_as_a_database_error(
    db: SessionFactory, asyncpg_sessions: SessionFactory, engine: AsyncEngine
) -> None:
    await seed_ticket(db)
    reads = reading(asyncpg_sessions)
    with pytest.raises(DATABASE_ERRORS):
        async with reads() as session:
            connection = await session.connection()
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            async with engine.connect() as other:
                await other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
            await search_tickets(session=session, query=TicketQuery())
    # The next request is served on a connection that answers.
    async with reads() as session:
        assert len((await search_tickets(session=session, query=TicketQuery())).items) == 1
    await reads.release()
