"""A campaign's run coming back later for one person, on the real task engine and PostgreSQL:
the come-back is fetched as soon as that person's most urgent message needs, never after the
campaign's runs still waiting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from procrastinate.jobs import Job
from procrastinate.worker import Worker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.db import SessionFactory, transaction
from bot.job_rules import (
    BULK_QUEUE,
    DELIVER,
    DELIVER_MANY,
    MANY_PER_JOB,
    QUEUE,
    recipient_lock,
)
from bot.jobs import JobApp
from bot.services import running
from bot.worker import loop_options
from handlers.actions.delivery_due import STALE_SENDING
from handlers.actions.identities import get_or_create_identity
from handlers.actions.outbox import DeliveryRequest, queue_reply
from handlers.conversation.events import IncomingEvent, Reply
from models import Message
from models.base import utcnow
from models.enums import Channel, DeliveryStatus, OutboundPriority
from tests.conftest import postgres_only
from tests.support.app import settings_for
from tests.support.servers import wait_until

pytestmark = postgres_only

# A campaign's people who are not in the test: their runs only wait in line, never run here.
CAMPAIGN = range(10**9, 10**9 + 3 * MANY_PER_JOB)


@pytest.fixture
async def no_jobs(engine: AsyncEngine) -> AsyncIterator[None]:
    """An empty job table before the test (jobs earlier tests left would be fetched first), and
    after it (jobs fetched here, never finished, would be put back for a worker to run)."""

    async def empty() -> None:
        async with engine.begin() as connection:
            await connection.execute(text("DELETE FROM procrastinate_periodic_defers"))
            await connection.execute(text("DELETE FROM procrastinate_jobs"))

    await empty()
    yield
    await empty()


async def queue(
    db: SessionFactory, chat_id: int, body: str, priority: OutboundPriority
) -> tuple[int, int]:
    """One message to a Telegram chat, with no job of its own; returns (identity, message)."""
    event = IncomingEvent(channel=Channel.TELEGRAM, external_id=str(chat_id))
    async with transaction(db) as session:
        identity, _ = await get_or_create_identity(session=session, event=event, now=utcnow())
        message = await queue_reply(
            session=session, identity=identity, reply=Reply(body), now=utcnow(), priority=priority
        )
    assert identity.id is not None and message.id is not None
    return identity.id, message.id


async def waiting_campaign(jobs: JobApp) -> None:
    """A campaign's runs (`deliver_many`), queued as a check-in tick queues them."""
    async with transaction(jobs.session_factory) as session:
        await jobs.enqueue_many_in_transaction(
            session, [DeliveryRequest(i, OutboundPriority.BULK) for i in CAMPAIGN]
        )


async def come_back_due(engine: AsyncEngine, identity_id: int) -> None:
    """Wait until the person's waiting delivery job may be fetched."""

    async def due() -> bool:
        async with engine.connect() as connection:
            found = await connection.execute(
                text(
                    "SELECT count(*) FROM procrastinate_jobs WHERE lock = :lock "
                    "AND status = 'todo' AND scheduled_at <= now()"
                ),
                {"lock": recipient_lock(identity_id)},
            )
            return int(found.scalar_one()) > 0

    await wait_until(due, "the come-back's time")


class Loops:
    """Fetching jobs as a worker's two loops do (`bot.worker.loop_options`)."""

    def __init__(self, jobs: JobApp, worker_id: int) -> None:
        self.jobs = jobs
        self.worker_id = worker_id
        options = loop_options(jobs.app, concurrency=4)
        self.others = options[0].get("queues")
        assert self.others is not None and BULK_QUEUE not in self.others

    async def fetch(self, *, bulk: bool) -> tuple[str, object] | None:
        """The job the bulk loop (any queue) or the other loop would run next: (task, args)."""
        queues = None if bulk else self.others
        job: Job | None = await self.jobs.app.job_manager.fetch_job(queues, self.worker_id)
        if job is None:
            return None
        return job.task_name, job.task_kwargs.get("identity_id", "campaign")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


async def test_a_campaign_run_comes_back_for_an_emergency_answer_at_the_answers_priority(
    db: SessionFactory, settings: Settings, engine: AsyncEngine, no_jobs: None
) -> None:
    person, answer = await queue(db, 9501, "Call 999 now", OutboundPriority.EMERGENCY)
    async with running(settings, worker=True) as services:
        jobs = services.jobs
        assert jobs is not None
        # Once running: starting may take longer than the second (the first to load the
        # safeguarding model), and the answer would then be due at once.
        async with transaction(db) as session:
            message = await session.get(Message, answer)
            assert message is not None
            # Its send failed a moment ago (the campaign's run tried it): it goes again in a
            # second, and only that run's come-back is left to send it.
            message.attempts = 1
            message.next_attempt_at = utcnow() + timedelta(seconds=1)
        await waiting_campaign(jobs)
        await jobs.app.tasks[DELIVER_MANY](identity_ids=[person])
        loops = Loops(jobs, await jobs.app.job_manager.register_worker())
        await come_back_due(engine, person)

        # Not left to the sweep (half a minute late) nor to bulk's share of the slots: any
        # slot takes it at once, before the campaign.
        assert await loops.fetch(bulk=False) == (DELIVER, person)
        assert await loops.fetch(bulk=True) == (DELIVER_MANY, "campaign")


async def test_a_come_back_after_a_worker_died_mid_send_goes_before_the_campaigns_waiting_runs(
    db: SessionFactory, settings: Settings, engine: AsyncEngine, no_jobs: None
) -> None:
    person, checkin = await queue(db, 9502, "How are you today?", OutboundPriority.BULK)
    other, _ = await queue(db, 9503, "Here is your answer", OutboundPriority.REPLY)
    async with running(settings, worker=True) as services:
        jobs = services.jobs
        assert jobs is not None
        # Once running, as above: the send counts as stalled a second from now.
        async with transaction(db) as session:
            message = await session.get(Message, checkin)
            assert message is not None
            # Mid-send when its worker died: it is sent again once that send counts as stalled.
            message.status = DeliveryStatus.SENDING
            message.attempts = 1
            message.updated_at = utcnow() - STALE_SENDING + timedelta(seconds=1)
        await waiting_campaign(jobs)
        await jobs.defer_requests([DeliveryRequest(other, OutboundPriority.REPLY)])
        # The dead worker's campaign run, put back, reaches the person again.
        await jobs.app.tasks[DELIVER_MANY](identity_ids=[person])
        loops = Loops(jobs, await jobs.app.job_manager.register_worker())
        await come_back_due(engine, person)

        # An answer still goes first; the come-back stays within bulk's share of the slots,
        # and there it goes before the campaign's runs queued earlier, not after all of them.
        assert await loops.fetch(bulk=False) == (DELIVER, other)
        assert await loops.fetch(bulk=False) is None
        assert await loops.fetch(bulk=True) == (DELIVER, person)
        assert await loops.fetch(bulk=True) == (DELIVER_MANY, "campaign")


async def retry_in(db: SessionFactory, message_id: int, wait: timedelta) -> None:
    """The message's send failed a moment ago: it goes again after `wait`."""
    async with transaction(db) as session:
        message = await session.get(Message, message_id)
        assert message is not None
        message.attempts = 1
        message.next_attempt_at = utcnow() + wait


async def test_a_come_back_for_sooner_is_kept_when_one_for_later_waits(
    db: SessionFactory, settings: Settings, engine: AsyncEngine, no_jobs: None
) -> None:
    person, answer = await queue(db, 9504, "Here is your answer", OutboundPriority.REPLY)
    await retry_in(db, answer, timedelta(seconds=1))
    async with running(settings, worker=True) as services:
        jobs = services.jobs
        assert jobs is not None
        # A come-back already waits for them at the answer's priority, due in an hour.
        await jobs.defer_at(person, OutboundPriority.REPLY, utcnow() + timedelta(hours=1))
        await jobs.app.tasks[DELIVER_MANY](identity_ids=[person])
        loops = Loops(jobs, await jobs.app.job_manager.register_worker())
        await come_back_due(engine, person)

        # The answer's retry goes in a second, not in an hour nor at the sweep.
        assert await loops.fetch(bulk=False) == (DELIVER, person)


async def test_a_job_due_later_holds_back_no_come_back_due_sooner(
    db: SessionFactory, settings: Settings, engine: AsyncEngine, no_jobs: None
) -> None:
    person, answer = await queue(db, 9505, "Here is your answer", OutboundPriority.REPLY)
    await retry_in(db, answer, timedelta(seconds=1))
    async with running(settings, worker=True) as services:
        jobs = services.jobs
        assert jobs is not None
        # An older job of theirs at the same priority, due in an hour (a run's come-back).
        later = utcnow() + timedelta(hours=1)
        await jobs.defer_requests([DeliveryRequest(person, OutboundPriority.REPLY, later)])
        await jobs.app.tasks[DELIVER_MANY](identity_ids=[person])
        loops = Loops(jobs, await jobs.app.job_manager.register_worker())
        await come_back_due(engine, person)

        assert await loops.fetch(bulk=False) == (DELIVER, person)


async def test_a_run_waiting_for_a_check_ins_window_keeps_no_new_answer_waiting(
    db: SessionFactory, settings: Settings, engine: AsyncEngine, no_jobs: None
) -> None:
    person, checkin = await queue(db, 9506, "How are you today?", OutboundPriority.BULK)
    async with transaction(db) as session:
        message = await session.get(Message, checkin)
        assert message is not None
        # Held for its campaign's window, which opens in an hour.
        message.next_attempt_at = utcnow() + timedelta(hours=1)
    async with running(settings, worker=True) as services:
        jobs = services.jobs
        assert jobs is not None
        # A reply's run finds only the check-in left, and comes back when its window opens.
        await jobs.defer_requests([DeliveryRequest(person, OutboundPriority.REPLY)])
        worker = Worker(
            app=jobs.app,
            queues=[QUEUE],
            wait=False,
            listen_notify=False,
            install_signal_handlers=False,
        )
        await worker.run()  # type: ignore[no-untyped-call]
        async with engine.begin() as connection:
            # The periodic jobs its start queued are not this test's.
            await connection.execute(
                text("DELETE FROM procrastinate_jobs WHERE task_name <> :deliver"),
                {"deliver": DELIVER},
            )
        await queue(db, 9506, "Here is your next answer", OutboundPriority.REPLY)
        await jobs.defer_requests([DeliveryRequest(person, OutboundPriority.REPLY)])
        loops = Loops(jobs, await jobs.app.job_manager.register_worker())

        # The new answer may pass the check-in: its job is not held until the window opens.
        assert await loops.fetch(bulk=False) == (DELIVER, person)
