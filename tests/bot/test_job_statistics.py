"""Each worker keeps the planner's figures for the job table current (`bot.job_statistics`), so
that a burst of jobs into a table last analysed nearly empty is not planned as a handful."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import procrastinate
import pytest

from bot.config import Settings
from bot.job_statistics import CHANGED_AT_LEAST, analyze_jobs, refresh_if_stale
from tests.conftest import postgres_only
from tests.support.app import ThreadedWorker, settings_for
from tests.support.servers import WAIT_LIMIT

# Jobs of a task nobody runs, due in a year: no worker fetches them while the test looks. A busy
# connection reports its changes within a second; an idle one, as this is after it, within ten,
# unless told to report them at once.
_QUEUE = "statistics-test"
_DEFER = """SELECT procrastinate_defer_jobs_v1(ARRAY(
    SELECT ROW(%(queue)s, 'statistics.nothing', 0, NULL, NULL, jsonb_build_object('n', n),
        now() + interval '1 year')::procrastinate_job_to_defer_v1
    FROM generate_series(1, %(count)s::integer) AS n
)), pg_stat_force_next_flush()"""
_COUNTED = "SELECT reltuples FROM pg_class WHERE oid = to_regclass('procrastinate_jobs')"
# The burst's jobs done and gone, as finished jobs are.
_DONE = """WITH gone AS (DELETE FROM procrastinate_jobs WHERE queue_name = %(queue)s RETURNING id)
SELECT count(*) AS gone, pg_stat_force_next_flush() FROM gone"""
_CHANGED = """SELECT n_mod_since_analyze AS changed FROM pg_stat_user_tables
WHERE relid = to_regclass('procrastinate_jobs')"""


@pytest.fixture
async def connector(database_url: str) -> AsyncIterator[procrastinate.PsycopgConnector]:
    connector = procrastinate.PsycopgConnector(
        conninfo=Settings(database_url=database_url).libpq_url
    )
    await connector.open_async()
    try:
        yield connector
    finally:
        await connector.execute_query_async(
            "DELETE FROM procrastinate_jobs WHERE queue_name = %(queue)s", queue=_QUEUE
        )
        await connector.close_async()


async def _poll(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """`tests.support.servers.wait_until` without cancelling a query midway: the task engine's
    pool (psycopg_pool 3.3.3) at times loses the cancellation of a wait for a connection, and
    the test then waits for ever."""
    deadline = time.monotonic() + WAIT_LIMIT
    while not await check():
        assert time.monotonic() < deadline, f"gave up after {WAIT_LIMIT}s waiting for {what}"
        await asyncio.sleep(0.05)


async def _counted(connector: procrastinate.PsycopgConnector) -> float:
    return float((await connector.execute_query_one_async(_COUNTED))["reltuples"])


async def _burst(connector: procrastinate.PsycopgConnector) -> int:
    """Analyse the table as it is (as autovacuum leaves it after a quiet night), then queue more
    jobs than it held and than `CHANGED_AT_LEAST`; how many. Other tests' jobs may come and go
    meanwhile: a count of at least this many is only seen once the burst was analysed."""
    await analyze_jobs(connector)
    count = int(max(CHANGED_AT_LEAST, await _counted(connector))) + 100
    await connector.execute_query_async(_DEFER, queue=_QUEUE, count=count)
    return count


@postgres_only
async def test_a_burst_into_a_table_analysed_before_it_is_analysed_again(
    connector: procrastinate.PsycopgConnector,
) -> None:
    await analyze_jobs(connector)
    assert not await refresh_if_stale(connector), "nothing changed since it was analysed"
    count = await _burst(connector)

    async def analysed() -> bool:
        return await refresh_if_stale(connector)

    await _poll(analysed, "the burst to be analysed")
    assert await _counted(connector) >= count
    assert not await refresh_if_stale(connector), "analysed once, not at every look"


@postgres_only
async def test_a_table_emptying_after_a_burst_keeps_the_bursts_figures(
    connector: procrastinate.PsycopgConnector,
) -> None:
    # Analysed between bursts, the table would plan the next one as a handful.
    count = await _burst(connector)
    await analyze_jobs(connector)
    busy = await _counted(connector)
    assert busy >= count
    # Done twice over, so the table has changed by more than it held when analysed.
    gone = (await connector.execute_query_one_async(_DONE, queue=_QUEUE))["gone"]
    await connector.execute_query_async(_DEFER, queue=_QUEUE, count=count)
    gone += (await connector.execute_query_one_async(_DONE, queue=_QUEUE))["gone"]
    assert gone == 2 * count

    async def seen() -> bool:
        changed = (await connector.execute_query_one_async(_CHANGED))["changed"]
        return bool(changed >= max(CHANGED_AT_LEAST, busy))

    await _poll(seen, "the burst's end to be counted")
    assert not await refresh_if_stale(connector), "a table emptying is not analysed"
    assert await _counted(connector) == busy


@postgres_only
async def test_a_running_worker_analyses_a_burst_by_itself(
    database_url: str, connector: procrastinate.PsycopgConnector
) -> None:
    worker = ThreadedWorker(settings_for(database_url)).start()
    try:
        count = await _burst(connector)

        async def analysed() -> bool:
            return await _counted(connector) >= count

        await _poll(analysed, "the worker to analyse the burst")
    finally:
        worker.stop()
