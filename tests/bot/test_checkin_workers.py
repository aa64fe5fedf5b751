"""Check-ins on the task engine as deployed: the periodic tick on real workers (PostgreSQL),
sending through the fake Twilio; exactly one check-in per person however many workers run."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Iterator

import pytest
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import text

from bot.checkins import REFRESH_AFTER, TICK, CheckinTicker
from bot.config import Settings
from bot.db import SessionFactory
from bot.services import running
from handlers.checkins.scripts import CheckinConfig
from models.base import utcnow
from tests.conftest import postgres_only
from tests.doubles.twilio_api import TwilioApiDouble, serve
from tests.support.app import ThreadedWorker, settings_for
from tests.support.checkins import campaign, checkins, import_people, person, run_now
from tests.support.servers import wait_until

ACCOUNT_SID = "AC" + "7" * 32
AUTH_TOKEN = "checkin-workers-auth-token"
SMS_FROM = "+447700900000"
PEOPLE = 60

pytestmark = postgres_only


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[TwilioApiDouble]:
    with serve(ACCOUNT_SID, AUTH_TOKEN) as double:
        yield double


def _phone(n: int) -> str:
    return f"+4477009{n:05d}"


async def _all_day_run(db: SessionFactory, count: int) -> int:
    """`count` people and a run that may send now, whatever the day or hour."""
    now = utcnow()
    rows = [person(f"W{n}", "0" + _phone(n)[3:]) for n in range(count)]
    await import_people(db, rows, now)
    made = await campaign(
        db, now, window_start="00:00", window_end="24:00", skip_bank_holidays=False
    )
    run = await run_now(db, made.id or 0, now)
    return run.id or 0


async def test_two_workers_and_a_restart_send_each_person_exactly_one_check_in(
    db: SessionFactory, database_url: str, twilio_api: TwilioApiDouble
) -> None:
    twilio_api.reset()
    await _all_day_run(db, PEOPLE)
    settings = settings_for(
        database_url, twilio=twilio_api, twilio_sms_from=SMS_FROM, twilio_max_per_second=0
    )
    first = ThreadedWorker(settings, concurrency=4).start()
    try:
        # The tick as the periodic task defers it each minute (a test cannot wait for the
        # minute): the first worker runs it, is stopped once sending has begun, and two more
        # take over whatever is left.
        await _defer_tick(settings)
        await wait_until(lambda: _sent_at_least(twilio_api, 1), "the first check-in")
    finally:
        first.stop()
    workers = [ThreadedWorker(settings, concurrency=4).start() for _ in range(2)]
    try:
        await twilio_api.wait_for(PEOPLE)
        await asyncio.sleep(1.0)  # time for any duplicate to show itself
    finally:
        for worker in workers:
            worker.stop()
    found = await checkins(db)
    assert len(found) == PEOPLE
    assert len({c.contact_id for c in found}) == PEOPLE
    per_number = Counter(s.to for s in twilio_api.requests())
    assert sorted(per_number) == sorted(_phone(n) for n in range(PEOPLE))
    assert set(per_number.values()) == {1}


async def _analyses(db: SessionFactory) -> int:
    """How many times the job table's figures were refreshed by an ANALYZE asked for."""
    async with db() as session:
        found = await session.exec(  # type: ignore[call-overload]
            text(
                "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'procrastinate_jobs'"
            )
        )
        return int(found.scalar_one())


async def test_a_tick_that_queues_a_big_campaign_refreshes_the_job_tables_figures(
    db: SessionFactory, database_url: str, twilio_api: TwilioApiDouble
) -> None:
    await _all_day_run(db, REFRESH_AFTER)
    settings = settings_for(database_url, twilio=twilio_api, twilio_sms_from=SMS_FROM)
    before = await _analyses(db)
    async with running(settings, worker=True) as services:
        assert services.jobs is not None
        # The periodic task's own body, as a worker runs it each minute.
        await services.jobs.app.tasks[TICK](timestamp=0)
    assert len(await checkins(db)) == REFRESH_AFTER

    async def refreshed() -> bool:
        return await _analyses(db) > before

    # Without it the job fetch is planned on figures from before the campaign's jobs existed.
    await wait_until(refreshed, "the job table's figures to be refreshed")


async def _defer_tick(settings: Settings) -> None:
    async with running(settings) as services:
        assert services.jobs is not None
        async with services.jobs.app.open_async():
            with contextlib.suppress(AlreadyEnqueued):  # one is waiting already: that will do
                await services.jobs.app.configure_task(TICK).defer_async(timestamp=0)


async def _sent_at_least(double: TwilioApiDouble, count: int) -> bool:
    return len(double.requests()) >= count


async def test_ticks_racing_on_two_connections_make_one_check_in_and_one_message_each(
    db: SessionFactory,
) -> None:
    await _all_day_run(db, 300)
    tickers = [CheckinTicker(db, CheckinConfig()) for _ in range(3)]
    now = utcnow()
    await asyncio.gather(*(t.tick(now) for t in tickers))
    await asyncio.gather(*(t.tick(now) for t in tickers))
    found = await checkins(db)
    assert len(found) == 300 and len({c.contact_id for c in found}) == 300
    assert len({c.message_id for c in found}) == 300
    async with db() as session:
        counted = await session.exec(  # type: ignore[call-overload]
            text(
                "SELECT count(*), count(DISTINCT identity_id) FROM messages WHERE direction = 'out'"
            )
        )
        assert tuple(counted.one()) == (300, 300)
