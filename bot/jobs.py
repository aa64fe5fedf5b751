"""Background jobs on the task engine, procrastinate over PostgreSQL. Each task is thin: it names
the domain work it runs; its queue, priority, lock and rule for trying again are `bot.job_rules`.

- `deliver` runs `Deliverer.drain` for one person. Its `lock` is the person, so no two runs for
  one person ever overlap, and each run sends the person's oldest due message first; order per
  person comes from the outbox rows, not from which job runs first. A job's priority is its
  message's (`OutboundPriority`), so replies and emergency answers are picked before bulk; bulk
  jobs have their own queue, so a worker can keep slots for everything else (`bot.worker`).
  When the person's next message must wait, the run raises `ComeBack` and the same job is run
  again then, keeping its place in line and the person's lock, at the priority of what it
  waits for. Coming back, like deferring one to come back (`defer_at`), first brings forward
  any job of theirs waiting for later that would hold it back (`bot.job_queries`).
- `deliver_many` runs `Deliverer.drain` for each of a campaign's people in turn, holding no
  lock. For someone whose next message must wait it defers a job to come back then
  (`come_back`), at their most urgent message's priority; a bulk one's just above the
  campaign's runs still waiting (`bot.job_rules.BULK_COME_BACK`), not behind all of them.
- `handle_inbound` (`bot.inbox`) runs the conversation's step for one kept Telegram update; its
  lock is the sender, so a person's updates are handled one at a time, in the order they came.
- `sweep` (every minute) finds people with a message overdue and no job waiting or running for
  them (the job handling their incoming update counts: it sends its step's replies), and defers
  one: the outbox row is the record of truth, a job only a reminder.
- `retry_stalled` (every minute) puts back the jobs of a worker that stopped sending heartbeats.
- `remove_old_jobs` (hourly) deletes finished jobs after a day.
- `page` sends one on-call page (`Pager.page`); a failed attempt asks for the next one itself.
  `oncall_check` (every minute) pages the next destination of alerts nobody has taken up, and
  defers a job for any page overdue without one.

With psycopg, a delivery job is written through the session's own connection, in the same
transaction as its message (`enqueue_in_transaction`). With asyncpg it is deferred right after
the commit (`defer_requests`), and the sweep catches any that a crash in between lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime

import procrastinate
from procrastinate.builtin_tasks import remove_old_jobs
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.job_context import JobContext
from procrastinate.jobs import JobDeferrer
from procrastinate.types import JSONValue
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import SessionFactory, job_pool, transaction
from bot.job_queries import (
    covered_by_jobs,
    defer_delivery,
    in_bulk_runs,
    locks_with_jobs,
    pull_forward,
)
from bot.job_rules import (
    DELIVER,
    DELIVER_MANY,
    KEEP_FINISHED_HOURS,
    MANY_PER_JOB,
    ONCALL_CHECK,
    ONCALL_QUEUE,
    PAGE,
    PAGE_PRIORITY,
    QUEUE,
    STALLED_AFTER_SECONDS,
    SWEEP_GRACE,
    ComeBack,
    ComeBackOrBackOff,
    come_back_priority,
    page_lock,
    queue_for,
    recipient_lock,
    sender_lock,
)
from bot.job_statistics import analyze_jobs
from bot.oncall import Pager
from bot.outbound import Deliverer
from handlers.actions.delivery_due import DueRecipient, list_due
from handlers.actions.oncall import list_due_pages
from handlers.actions.oncall_pages import PageRequest
from handlers.actions.outbox import DeliveryRequest
from models import ChannelIdentity
from models.base import utcnow
from models.enums import OutboundPriority

log = logging.getLogger(__name__)


def _ids(values: Sequence[int]) -> JSONValue:
    """Job arguments are JSON: a list of people's ids."""
    return list(values)


def create_job_app(
    database_url: str,
    session_factory: SessionFactory,
    deliverer: Deliverer | None,
    pool_size: int = 4,
    pager: Pager | None = None,
) -> JobApp:
    """The task engine for this process; `deliverer` is None where jobs are only deferred."""
    connector = procrastinate.PsycopgConnector(
        conninfo=database_url, min_size=1, max_size=pool_size, pool_factory=job_pool
    )
    return JobApp(procrastinate.App(connector=connector), session_factory, deliverer, pager)


class JobApp:
    """The procrastinate app with our tasks registered, and the ways we defer them."""

    def __init__(
        self,
        app: procrastinate.App,
        session_factory: SessionFactory,
        deliverer: Deliverer | None,
        pager: Pager | None = None,
    ) -> None:
        self.app = app
        self.session_factory = session_factory
        self.deliverer = deliverer
        self.pager = pager
        self._opened = False
        self._opening = asyncio.Lock()
        self._register()

    def _register(self) -> None:
        app = self.app

        @app.task(
            name=DELIVER,
            queue=QUEUE,
            retry=ComeBackOrBackOff(),
        )
        async def deliver(identity_id: int) -> None:
            """Send the person's due messages (`Deliverer.drain`); the same job comes back when
            the next one falls due, keeping its place in line and the person's lock."""
            assert self.deliverer is not None
            until = await self.deliverer.drain(identity_id)
            if until is None:
                return
            priority = come_back_priority(await self._waiting_priority(identity_id, until))
            # Another job of theirs waiting at that priority or above now comes by then: one
            # more would only wait behind it.
            if not await self._pull_forward(identity_id, priority, until):
                raise ComeBack(until, priority)

        @app.task(
            name=DELIVER_MANY,
            queue=QUEUE,
            retry=procrastinate.RetryStrategy(max_attempts=10, exponential_wait=2),
        )
        async def deliver_many(identity_ids: list[int]) -> None:
            """Send each person's due messages in turn (bulk check-ins); the claim on each
            message keeps a person's sends single and in order, as `deliver` does."""
            assert self.deliverer is not None
            for identity_id in identity_ids:
                until = await self.deliverer.drain(identity_id)
                if until is not None:
                    await self.come_back(identity_id, until)

        @app.periodic(cron="* * * * *")
        @app.task(name="helpbot.sweep", queue=QUEUE, queueing_lock="helpbot.sweep")
        async def sweep(timestamp: int) -> None:
            """Defer a job for each person whose overdue message has none."""
            await self.sweep()

        @app.periodic(cron="* * * * *")
        @app.task(name="helpbot.retry_stalled", queueing_lock="helpbot.retry_stalled")
        async def retry_stalled(timestamp: int) -> None:
            """Put back the jobs of workers that stopped sending heartbeats."""
            manager = self.app.job_manager
            stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS)
            for job in stalled:
                log.warning("job %s of a stalled worker is tried again", job.id)
                await manager.retry_job(job)

        @app.periodic(cron="7 * * * *")
        @app.task(name="helpbot.remove_old_jobs", pass_context=True, queueing_lock="cleanup")
        async def remove_old(context: JobContext, timestamp: int) -> None:
            """Delete finished jobs: the outbox keeps the record of every message."""
            await remove_old_jobs(
                context, max_hours=KEEP_FINISHED_HOURS, remove_failed=True, remove_cancelled=True
            )

        @app.task(
            name=PAGE,
            queue=ONCALL_QUEUE,
            # Only a database away fails the job; the page's own retries are in its row.
            retry=procrastinate.RetryStrategy(max_attempts=10, exponential_wait=2),
        )
        async def page(page_id: int) -> None:
            """Send one on-call page (`Pager.page`)."""
            assert self.pager is not None
            await self.pager.page(page_id)

        @app.periodic(cron="* * * * *")
        @app.task(name=ONCALL_CHECK, queue=ONCALL_QUEUE, queueing_lock=ONCALL_CHECK)
        async def oncall_check(timestamp: int) -> None:
            """Repeat alerts nobody has taken up; defer jobs for pages overdue without one."""
            await self.oncall_check()

    # --- deferring ----------------------------------------------------------------------------

    def _deliver(self, request: DeliveryRequest, connection: object = None) -> JobDeferrer:
        return self.app.configure_task(
            DELIVER,
            lock=recipient_lock(request.identity_id),
            queue=queue_for(request.priority),
            priority=request.priority,
            schedule_at=request.not_before,
            connection=connection,
        )

    async def enqueue_in_transaction(self, session: AsyncSession, request: DeliveryRequest) -> None:
        """Write the job through the session's own psycopg connection: one transaction."""
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        assert raw.driver_connection is not None, "a session's connection is open"
        await defer_delivery(raw.driver_connection, request)

    def _page(self, request: PageRequest, connection: object = None) -> JobDeferrer:
        return self.app.configure_task(
            PAGE,
            lock=page_lock(request.page_id),
            priority=PAGE_PRIORITY,
            schedule_at=request.not_before,
            connection=connection,
        )

    async def enqueue_page_in_transaction(
        self, session: AsyncSession, request: PageRequest
    ) -> None:
        """Write the page's job through the session's own psycopg connection: one transaction."""
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        await self._page(request, raw.driver_connection).defer_async(page_id=request.page_id)

    async def defer_pages(self, requests: Iterable[PageRequest]) -> None:
        """Defer page jobs after their transaction committed (asyncpg sessions)."""
        await self._open()
        for request in requests:
            await self._page(request).defer_async(page_id=request.page_id)

    async def oncall_check(self) -> list[int]:
        """Page the next destination of alerts nobody took up; defer a job for each page
        overdue without one. Returns the pages deferred here."""
        assert self.pager is not None
        await self._open()
        await self.pager.repeat()
        async with transaction(self.session_factory) as session:
            overdue = await list_due_pages(session=session, due_by=utcnow() - SWEEP_GRACE)
        locks = [page_lock(i) for i in overdue]
        covered = await locks_with_jobs(self.app.connector, locks) if overdue else set()
        missing = [i for i in overdue if page_lock(i) not in covered]
        for page_id in missing:
            log.warning("on-call page %s was overdue with no job", page_id)
            await self._page(PageRequest(page_id)).defer_async(page_id=page_id)
        return missing

    async def enqueue_many_in_transaction(
        self, session: AsyncSession, requests: Sequence[DeliveryRequest]
    ) -> None:
        """Write jobs for many people (bulk messages) in the session's own transaction: one
        job per MANY_PER_JOB people, so 100,000 check-ins ask for 500 jobs, not 100,000."""
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        people = sorted({r.identity_id for r in requests})
        priority = min((r.priority for r in requests), default=0)
        deferrer = self.app.configure_task(
            DELIVER_MANY,
            queue=queue_for(priority),
            priority=priority,
            connection=raw.driver_connection,
        )
        jobs = [
            deferrer.make_new_job(identity_ids=_ids(people[i : i + MANY_PER_JOB]))
            for i in range(0, len(people), MANY_PER_JOB)
        ]
        await self.app.job_manager.batch_defer_jobs_async(
            jobs=jobs, connection=raw.driver_connection
        )

    async def _open(self) -> None:
        """Open the pool on first use, where the process did not open it at start."""
        async with self._opening:
            if not self._opened and not self.app.connector._async_pool:  # type: ignore[attr-defined]
                await self.app.open_async()
                self._opened = True

    async def close(self) -> None:
        """Close the pool if `_open` opened it."""
        if self._opened:
            await self.app.close_async()
            self._opened = False

    async def defer_requests(self, requests: Iterable[DeliveryRequest]) -> None:
        """Defer jobs after the messages' transaction committed (asyncpg sessions)."""
        await self._open()
        for request in requests:
            await self._deliver(request).defer_async(identity_id=request.identity_id)

    async def come_back(self, identity_id: int, until: datetime) -> None:
        """Come back for the person at `until`, when their next message falls due, at the
        priority of their most urgent one, as the sweep would: an answer being retried is not
        left behind the campaign whose run tried it."""
        priority = await self._waiting_priority(identity_id, until)
        await self.defer_at(identity_id, priority, until)

    async def _waiting_priority(self, identity_id: int, until: datetime) -> int:
        """The priority of the person's most urgent message, as the sweep finds it."""
        async with transaction(self.session_factory) as session:
            due = await list_due(session=session, due_by=until, people=[identity_id])
        # None due: sent meanwhile by another run; coming back finds nothing, or what is new.
        return due[0].priority if due else OutboundPriority.BULK

    async def defer_at(self, identity_id: int, priority: int, until: datetime | None) -> None:
        """Come back for the person (most urgent message at `priority`) at `until`; one such
        waiting job per person is enough."""
        await self._open()
        priority = come_back_priority(priority)
        if await self._pull_forward(identity_id, priority, until):
            return
        try:
            await self.app.configure_task(
                DELIVER,
                lock=recipient_lock(identity_id),
                # Per priority: a campaign's job waiting for its hours keeps no answer waiting.
                queueing_lock=f"waiting:{identity_id}:{priority}",
                queue=queue_for(priority),
                priority=priority,
                schedule_at=until,
            ).defer_async(identity_id=identity_id)
        except AlreadyEnqueued:
            # Deferred meanwhile, perhaps for later than `until`.
            await self._pull_forward(identity_id, priority, until)

    async def _pull_forward(self, identity_id: int, priority: int, until: datetime | None) -> bool:
        """Bring the person's jobs waiting at `priority` or above to run by `until` (None: now);
        whether there were any (see `bot.job_queries.pull_forward`)."""
        return await pull_forward(self.app.connector, identity_id, priority, until)

    async def refresh_statistics(self) -> None:
        """Let PostgreSQL plan job fetches on current figures at once: run after queueing
        thousands of jobs at once (a campaign), before the workers' next look
        (`bot.job_statistics`)."""
        await self._open()
        await analyze_jobs(self.app.connector)

    # --- the safety net -----------------------------------------------------------------------

    async def sweep(self) -> list[int]:
        """Defer a job for each person with a message overdue and no job that would be picked
        as soon as it, at their most urgent message's priority; returns who."""
        await self._open()
        due_by = utcnow() - SWEEP_GRACE
        async with transaction(self.session_factory) as session:
            overdue = await list_due(session=session, due_by=due_by)
        if not overdue:
            return []
        covered = await covered_by_jobs(self.app.connector, overdue)
        # A campaign's people wait their turn in its `deliver_many` runs, which hold no lock:
        # a job each for them would be hundreds of jobs a minute doing those runs' work. An
        # answer never waits there for the campaign.
        bulk = [d.identity_id for d in overdue if d.priority <= OutboundPriority.BULK]
        covered |= await in_bulk_runs(self.app.connector, bulk)
        missing = await self._not_being_answered(
            [d for d in overdue if d.identity_id not in covered]
        )
        if missing:
            # Read again now that no job was seen: a job that ended since the first read sent
            # their messages, and is no sign of one lost.
            async with transaction(self.session_factory) as session:
                people = [d.identity_id for d in missing]
                missing = await list_due(session=session, due_by=due_by, people=people)
        for due in missing:
            log.warning("person %s had an overdue message and no delivery job", due.identity_id)
            await self.defer_at(due.identity_id, due.priority, None)
        return [d.identity_id for d in missing]

    async def _not_being_answered(self, due: list[DueRecipient]) -> list[DueRecipient]:
        """Those of `due` with no incoming update being handled: that job sends the replies its
        step queued itself (`bot.inbox`), and they look overdue, their time the update's arrival,
        which a backlog makes minutes old."""
        if not due:
            return due
        async with self.session_factory() as session:
            statement = select(
                ChannelIdentity.id, ChannelIdentity.channel, ChannelIdentity.external_id
            ).where(col(ChannelIdentity.id).in_([d.identity_id for d in due]))
            locks = {i: sender_lock(c, e) for i, c, e in (await session.exec(statement)).all()}
        answering = await locks_with_jobs(
            self.app.connector, list(locks.values()), running_only=True
        )
        return [d for d in due if locks.get(d.identity_id) not in answering]
