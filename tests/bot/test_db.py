"""The database engines (ours and the task engine's): a pooled connection the server has ended
is replaced before it is used."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import procrastinate
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import select

import bot.db
from bot.db import (
    SessionFactory,
    create_engine,
    create_session_factory,
    job_pool,
    reading,
    transaction,
)
from bot.services import running
from models import Staff
from models.staff import StaffRole
from tests.conftest import postgres_only
from tests.support.app import settings_for


@pytest.fixture
async def own_pool(engine: AsyncEngine, db: SessionFactory) -> AsyncIterator[SessionFactory]:
    """Sessions from an engine of the test's own, so its pool holds one connection, on an
    empty database (`db` empties it)."""
    own = create_engine(engine.url.render_as_string(hide_password=False))
    yield create_session_factory(own)
    await own.dispose()


async def _backend(db: SessionFactory) -> int:
    async with db() as session:
        connection = await session.connection()
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


@postgres_only
async def test_a_connection_the_server_ended_is_replaced_before_a_request_uses_it(
    engine: AsyncEngine, own_pool: SessionFactory
) -> None:
    first = await _backend(own_pool)
    # Ended from outside, as a server restart or an idle-connection timeout would end it; the
    # call waits until the server has ended it (it closes the socket as the process exits).
    other = create_async_engine(
        engine.url.render_as_string(hide_password=False), poolclass=NullPool
    )
    try:
        async with other.connect() as connection:
            await connection.execute(
                text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": first}
            )
    finally:
        await other.dispose()

    second = await _backend(own_pool)

    assert second != first
    assert await _backend(own_pool) == second  # the new connection is kept in the pool


async def _state(engine: AsyncEngine, pid: int) -> str:
    async with engine.connect() as connection:
        query = text("SELECT state FROM pg_stat_activity WHERE pid = :pid")
        return str((await connection.execute(query, {"pid": pid})).scalar_one())


@postgres_only
async def test_a_reading_session_holds_no_transaction_open_between_its_reads(
    engine: AsyncEngine, own_pool: SessionFactory
) -> None:
    reads = reading(own_pool)
    async with reads() as session:
        connection = await session.connection()
        pid = int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())
        # Nothing to end afterwards, and nothing holding back vacuum while the request goes on.
        assert await _state(engine, pid) == "idle"
    # Nor while its connection is kept for the next block.
    assert await _state(engine, pid) == "idle"
    await reads.release()
    async with own_pool() as session:  # an ordinary session, for contrast
        connection = await session.connection()
        pid = int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())
        assert await _state(engine, pid) == "idle in transaction"


@postgres_only
async def test_a_task_engine_connection_the_server_ended_is_replaced_before_a_job_uses_it(
    engine: AsyncEngine,
) -> None:
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    connector = procrastinate.PsycopgConnector(
        conninfo=url, min_size=1, max_size=1, pool_factory=job_pool
    )
    await connector.open_async()
    try:
        query = "SELECT pg_backend_pid() AS pid"
        first = (await connector.execute_query_one_async(query))["pid"]
        async with engine.connect() as connection:
            await connection.execute(
                text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": first}
            )
        # Given back a moment ago, so only its socket tells that the server ended it.
        second = (await connector.execute_query_one_async(query))["pid"]
        assert second != first
        assert (await connector.execute_query_one_async(query))["pid"] == second
    finally:
        await connector.close_async()


async def test_a_reading_session_handed_out_again_keeps_nothing_of_the_request_before(
    engine: AsyncEngine, db: SessionFactory
) -> None:
    async with transaction(db) as session:
        session.add(Staff(email="a@example.org", name="Asha", role=StaffRole.AGENT))
    info: dict[str, object] = {"hook": "the factory's"}
    reads = reading(create_session_factory(engine, info=info))
    async with reads() as first:
        staff = (await first.exec(select(Staff))).one()
        first.info["pending"] = ["a message queued by this request"]
        info["added later"] = "at start-up"

    async with reads() as second:
        assert second is first  # kept, not built again
        # Nothing of the last request: its queued work and its loaded staff member are gone.
        assert second.info == {"hook": "the factory's", "added later": "at start-up"}
        assert staff not in second
        assert (await second.exec(select(Staff))).one().name == "Asha"
    await reads.release()


async def test_a_reading_session_whose_block_raised_is_not_handed_out_again(
    engine: AsyncEngine, db: SessionFactory
) -> None:
    reads = reading(db)
    with pytest.raises(RuntimeError):
        async with reads() as failed:
            failed.info["pending"] = ["work of a request that failed"]
            raise RuntimeError("the request failed")
    async with reads() as after:
        assert after is not failed
        assert "pending" not in after.info
    await reads.release()


async def test_a_reading_session_takes_a_connection_that_sat_idle_and_was_checked(
    own_pool: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.db, "PING_AFTER_IDLE", 0.05)
    async with transaction(own_pool) as session:
        session.add(Staff(email="a@example.org", name="Asha", role=StaffRole.AGENT))
    await asyncio.sleep(0.1)  # so the pool asks the connection whether it answers
    reads = reading(own_pool)
    async with reads() as session:
        assert (await session.exec(select(Staff))).one().name == "Asha"
    await reads.release()


def _checked_out(factory: SessionFactory) -> int:
    pool = factory.kw["bind"].sync_engine.pool
    return int(pool.checkedout())


async def test_a_reading_session_keeps_its_connection_a_moment_then_gives_it_back(
    own_pool: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.db, "PING_AFTER_IDLE", 0.2)
    reads = reading(own_pool)
    async with reads() as first:
        await first.exec(select(Staff))
    # Kept for the next block, which finds it ready.
    assert _checked_out(own_pool) == 1
    async with reads() as second:
        assert second is first
        await second.exec(select(Staff))
    # Back in the pool once it has sat unused as long as the pool trusts one unchecked.
    await asyncio.sleep(0.5)
    assert _checked_out(own_pool) == 0
    async with reads() as third:
        await third.exec(select(Staff))
    await reads.release()
    assert _checked_out(own_pool) == 0


async def test_two_reading_sessions_at_once_each_have_a_connection_and_one_is_kept(
    own_pool: SessionFactory,
) -> None:
    reads = reading(own_pool)
    async with reads() as first, reads() as second:
        assert first is not second
        await first.exec(select(Staff))
        await second.exec(select(Staff))
        assert _checked_out(own_pool) == 2
    assert _checked_out(own_pool) == 1
    await reads.release()
    assert _checked_out(own_pool) == 0


@postgres_only
async def test_a_kept_read_connection_the_server_ended_is_replaced_before_the_next_block(
    engine: AsyncEngine, own_pool: SessionFactory
) -> None:
    reads = reading(own_pool)
    async with reads() as session:
        connection = await session.connection()
        first = int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())
    async with engine.connect() as other:
        await other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": first})
    async with reads() as session:
        connection = await session.connection()
        second = int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())
    assert second != first
    await reads.release()


async def test_a_transaction_that_stages_rows_first_waits_its_turn_to_write(
    own_pool: SessionFactory,
) -> None:
    """An import stages its rows in a temporary table, reads, then writes the real tables; a
    write committed by someone else meanwhile must make it wait, never fail (SQLite)."""
    async with transaction(own_pool) as session:
        session.add(Staff(email="a@example.org", name="Asha", role=StaffRole.AGENT))
    staged = asyncio.Event()

    async def stage_then_write() -> None:
        async with transaction(own_pool) as session:
            await session.exec(text("CREATE TEMPORARY TABLE IF NOT EXISTS staged (n integer)"))  # type: ignore[call-overload]
            await session.exec(text("INSERT INTO staged VALUES (1)"))  # type: ignore[call-overload]
            assert (await session.exec(select(Staff))).one().name == "Asha"
            staged.set()
            await asyncio.sleep(0.3)  # the other writer has long committed, unless it waits
            await session.exec(
                text("UPDATE staff SET name = 'Asha K.' WHERE email = 'a@example.org'")
            )  # type: ignore[call-overload]

    async def write_meanwhile() -> None:
        await staged.wait()
        async with transaction(own_pool) as session:
            session.add(Staff(email="b@example.org", name="Ben", role=StaffRole.AGENT))

    await asyncio.gather(stage_then_write(), write_meanwhile())
    async with own_pool() as session:
        names = sorted(s.name for s in (await session.exec(select(Staff))).all())
    assert names == ["Asha K.", "Ben"]


async def _server_process(sessions: SessionFactory) -> int:
    async with sessions() as session:
        connection = await session.connection()
        found = await connection.execute(text("SELECT pg_backend_pid(), pg_sleep(0.05)"))
        return int(found.scalar_one())


@postgres_only
async def test_an_engine_given_its_connections_answers_a_burst_on_those_alone(
    engine: AsyncEngine,
) -> None:
    # A web process's burst of webhooks waits its turn for a kept connection: opening one more,
    # a new server process, costs the database most when it is busiest
    # (`WEB_DATABASE_CONNECTIONS`).
    fixed = create_engine(engine.url.render_as_string(hide_password=False), connections=2)
    try:
        sessions = create_session_factory(fixed)
        answered_by = await asyncio.gather(*(_server_process(sessions) for _ in range(6)))
    finally:
        await fixed.dispose()
    assert len(answered_by) == 6
    assert len(set(answered_by)) == 2


@postgres_only
async def test_the_web_process_keeps_as_many_connections_as_it_is_told(database_url: str) -> None:
    async with running(settings_for(database_url)) as services:
        assert services.engine.pool.size() == 20  # type: ignore[attr-defined]
    told = settings_for(database_url).model_copy(update={"web_database_connections": 7})
    async with running(told) as services:
        assert services.engine.pool.size() == 7  # type: ignore[attr-defined]
