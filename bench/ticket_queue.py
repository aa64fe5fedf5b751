"""The ticket queue at a million tickets: every filter, sort and search, at page 1 and the last.

Loads 1,000,000 tickets, about 3,000,000 timeline events and 100,000 messages into a fresh
PostgreSQL database (made by the migrations, filled with generate_series, indexes rebuilt
after), then times each request through our code (`search_tickets`, as the API and the staff
page call it) and the same SQL sent straight through asyncpg, in the same run. It prints the
p95 of each and their ratio; the goals are under 20 ms and within 2x the raw SQL.

Ours is timed twice: with a session of its own per request, taken as the list routes take it
(the query with no transaction around it, see `bot.deps.reads_only`, on the connection the last
request's session kept, as a request arriving within `bot.db.PING_AFTER_IDLE` of another finds
it: the goal's figure), and inside a request's session that is already open, as after the
sign-in's read (the query alone, and the tickets built from its rows). The gap between the two
is what any request pays for its session, whatever it reads.

    .venv/bin/python -m bench.ticket_queue [--tickets 1000000] [--runs 30] [--keep]
        [--database NAME] [--only TEXT ...]

`--keep` leaves the loaded database in place and `--database NAME` measures one kept before,
without loading again; `--only` measures just the requests whose label holds TEXT (to rerun
rows a busy machine made noisy).

Needs PostgreSQL at HELPBOT_TEST_POSTGRES_URL (default: postgres@127.0.0.1:5432, as the tests).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.queue_data import chosen, load
from bot.db import create_engine, create_session_factory, reading
from bot.migrate import upgrade
from handlers.actions.paging import encode_cursor
from handlers.actions.ticket_queue import VIEWS_BY_KEY
from handlers.actions.ticket_search import (
    SORT_KEYS,
    TicketQuery,
    TicketSort,
    cursor_values,
    query_conditions,
    query_parameters,
    search_tickets,
)
from models import Ticket
from models.base import utcnow
from models.enums import Channel, TicketCategory, TicketPriority, TicketStatus

ADMIN_URL = os.environ.get(
    "HELPBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
GOAL_MS = 20.0
GOAL_RATIO = 2.0


def requests(staff_id: int, contact_id: int) -> dict[str, TicketQuery]:
    """Every filter with every sort, the staff page's views, and the searches people make."""
    now = utcnow()
    open_ = (TicketStatus.NEW, TicketStatus.IN_PROGRESS, TicketStatus.WAITING)
    filters: dict[str, dict[str, Any]] = {
        "(none)": {},
        "status=new": {"status": (TicketStatus.NEW,)},
        "status=closed": {"status": (TicketStatus.CLOSED,)},
        "status=open (3)": {"status": open_},
        "priority=urgent": {"priority": (TicketPriority.URGENT,)},
        "category=medicine": {"category": (TicketCategory.MEDICINE,)},
        "channel=sms": {"channel": (Channel.SMS,)},
        "assignee=me": {"assignee_id": staff_id},
        "assignee=none": {"unassigned": True},
        "contact_id": {"contact_id": contact_id},
        "created in a week": {
            "created_after": now - timedelta(days=400),
            "created_before": now - timedelta(days=393),
        },
    }
    found: dict[str, TicketQuery] = {}
    for name, values in filters.items():
        for sort in TicketSort:
            found[f"{name} sort={sort.value}"] = TicketQuery(sort=sort, **values)
    for key in ("urgent", "new", "mine", "waiting", "no_response", "overdue", "failed"):
        found[f"view {key}"] = VIEWS_BY_KEY[key].query(staff_id=staff_id, now=now)
    for words in (
        "LS6 2AB",
        "ls6 ",
        "Ruth K. Ellis",
        "ellis",
        "HH-000123",
        "insulin at risk",
        "pharmacy closed",
    ):
        found[f"q={words!r}"] = TicketQuery(words=words)
    found["q='ls6 ' status=open sort=priority"] = TicketQuery(
        words="ls6 ", status=open_, sort=TicketSort.PRIORITY
    )
    return found


def percentile95(samples: list[float]) -> float:
    """The 95th percentile of the samples, in milliseconds."""
    return statistics.quantiles(samples, n=20, method="inclusive")[-1] * 1000


async def timed(actions: list[Callable[[], Awaitable[Any]]], runs: int) -> list[list[float]]:
    """How long each action took, each of `runs` times, after two untimed warm-ups.

    The actions take turns within each run, so a burst of load from others sharing the
    machine falls on all of them alike rather than on whichever happened to be running.
    """
    for _ in range(2):
        for action in actions:
            await action()
    samples: list[list[float]] = [[] for _ in actions]
    for _ in range(runs):
        for action, taken in zip(actions, samples, strict=True):
            start = time.perf_counter()
            await action()
            taken.append(time.perf_counter() - start)
    return samples


def url_of(name: str) -> str:
    """The address of the database called `name` on the bench's server."""
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def chosen_requests(staff_id: int, contact_id: int, only: list[str]) -> dict[str, TicketQuery]:
    """The requests to measure: all, or those whose label holds one of `only`."""
    everything = requests(staff_id, contact_id)
    if not only:
        return everything
    return {label: q for label, q in everything.items() if any(o in label for o in only)}


async def main(tickets: int, runs: int, keep: bool, database: str | None, only: list[str]) -> None:
    if database is not None:
        url = url_of(database)
        staff_id, contact_id = await chosen(url)
        print(f"measuring the tickets already loaded into {database}")
        await measure(url, chosen_requests(staff_id, contact_id, only), runs)
        return
    name = f"helpbot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = url_of(name)
    try:
        await upgrade(url)
        started = time.perf_counter()
        staff_id, contact_id = await load(url, tickets)
        print(f"loaded {tickets:,} tickets in {time.perf_counter() - started:.0f} s into {name}")
        await measure(url, chosen_requests(staff_id, contact_id, only), runs)
    finally:
        if not keep:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def last_page(session: AsyncSession, query: TicketQuery) -> TicketQuery:
    """The query with a crafted cursor that leads to its last page: reading the order
    backwards, the row just before the last `limit` rows is the cursor's row."""
    keys = SORT_KEYS[query.sort]
    backwards = [k.expression.asc() if k.descending else k.expression.desc() for k in keys]
    statement = (
        select(Ticket)
        .where(*query_conditions(query))
        .order_by(*backwards)
        .offset(query.limit)
        .limit(1)
    )
    row = (await session.exec(statement, params=query_parameters(query))).first()
    if row is None:
        return query
    values = cursor_values(query.sort, row)
    return replace(query, cursor=encode_cursor(f"tickets{query.sort.value}", values))


async def measure(url: str, queries: dict[str, TicketQuery], runs: int) -> None:
    engine = create_engine(url)
    factory = create_session_factory(engine)
    # The list routes read through sessions that begin no transaction (`bot.deps.reads_only`).
    reads = reading(factory)
    raw = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    captured: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        # (connection, cursor, statement, parameters, context, executemany)
        captured.append((args[2], args[3]))

    def log(record: Any) -> None:
        captured.append((record.query, record.args))

    # The SQL our code sends, both ways it may go: through SQLAlchemy, and on asyncpg straight
    # to the driver (see `handlers.actions.direct_reads`), which asyncpg's query loggers see.
    # The loggers are on only while capturing: they cost every query they see.
    drivers: list[asyncpg.Connection] = []
    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    event.listen(
        engine.sync_engine, "connect", lambda dbapi, _: drivers.append(dbapi.driver_connection)
    )

    async def sent(action: Callable[[], Awaitable[Any]]) -> tuple[Any, list[tuple[str, Any]]]:
        """What `action` returns, and the SQL and values it sent."""
        await action()  # so that the connection it takes is open, and its logger on
        captured.clear()
        for driver in drivers:
            driver.add_query_logger(log)
        try:
            result = await action()
            await asyncio.sleep(0)  # asyncpg calls its loggers soon after, not at once
        finally:
            for driver in drivers:
                driver.remove_query_logger(log)
        return result, list(captured)

    rows: list[Row] = []
    # A request's session as the API and the staff page hold it when they list: begun by the
    # sign-in's own read, so only the listing's work is left to time.
    async with factory() as request_session:
        await (await request_session.connection()).execute(text("SELECT 1"))
        for label, query in queries.items():
            for page in ("first", "last"):
                async with factory() as session:
                    wanted = query if page == "first" else await last_page(session, query)

                async def ours(wanted: TicketQuery = wanted) -> Any:
                    async with reads() as session:
                        return await search_tickets(session=session, query=wanted)

                async def in_request(wanted: TicketQuery = wanted) -> None:
                    await search_tickets(session=request_session, query=wanted)
                    # Each request builds its own tickets; none come from an earlier one.
                    request_session.expunge_all()

                result, sql = await sent(ours)

                async def plain(sql: list[tuple[str, Any]] = sql) -> None:
                    for statement, parameters in sql:
                        await raw.fetch(statement, *(parameters or ()))

                samples = await timed([ours, in_request, plain], runs)
                ours_ms, in_request_ms, raw_ms = (percentile95(s) for s in samples)
                medians = tuple(statistics.median(s) * 1000 for s in samples)
                rows.append(
                    (label, page, len(result.items), ours_ms, in_request_ms, raw_ms, medians)
                )
                print(
                    f"  {label:<42} {page:<5} {ours_ms:7.2f} ms {in_request_ms:7.2f} ms "
                    f"{raw_ms:7.2f} ms",
                    flush=True,
                )
    await raw.close()
    await reads.release()
    await engine.dispose()
    report(rows)


Row = tuple[str, str, int, float, float, float, tuple[float, ...]]


def report(rows: list[Row]) -> None:
    """The table: p95 with a session of its own per request (the goal's figure), p95 within
    a request's open session, the raw SQL's p95, the two ratios, and the three medians."""
    print()
    print(
        "| request | page | rows | ours p95 ms | in a request's session p95 ms | "
        "raw SQL p95 ms | ratio | ratio in session | medians ms (ours / in session / raw) "
        "| goal |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for label, page, count, ours_ms, in_request_ms, raw_ms, medians in rows:
        ratio = ours_ms / raw_ms if raw_ms else float("inf")
        in_request_ratio = in_request_ms / raw_ms if raw_ms else float("inf")
        ok = ours_ms < GOAL_MS and ratio <= GOAL_RATIO
        print(
            f"| {label} | {page} | {count} | {ours_ms:.2f} | {in_request_ms:.2f} | "
            f"{raw_ms:.2f} | {ratio:.2f} | {in_request_ratio:.2f} | "
            f"{' / '.join(f'{m:.2f}' for m in medians)} | {'met' if ok else 'MISSED'} |"
        )
    worst = max(r[3] for r in rows)
    print(f"\nslowest p95 through our code: {worst:.2f} ms")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--database", help="measure a database kept by --keep; load nothing")
    parser.add_argument(
        "--only", action="append", default=[], help="only requests whose label holds this"
    )
    arguments = parser.parse_args()
    asyncio.run(
        main(arguments.tickets, arguments.runs, arguments.keep, arguments.database, arguments.only)
    )
