"""Background jobs on the task engine, procrastinate over PostgreSQL. Each task is thin: it names
the domain work it runs and the rule for trying it again.

- `deliver` runs `Deliverer.drain` for one person. Its `lock` is the person, so no two runs for
  one person ever overlap, and each run sends the person's oldest due message first; order per
  person comes from the outbox rows, not from which job runs first. A job's priority is its
  message's (`OutboundPriority`), so replies and emergency answers are picked before bulk.
- `sweep` (every minute) finds people with a message overdue and no job waiting or running for
  them, and defers one: the outbox row is the record of truth, a job only a reminder.
- `retry_stalled` (every minute) puts back the jobs of a worker that stopped sending heartbeats.
- `remove_old_jobs` (hourly) deletes finished jobs after a day.

With psycopg, a delivery job is written through the session's own connection, in the same
transaction as its message (`enqueue_in_transaction`). With asyncpg it is deferred right after
the commit (`defer_requests`), and the sweep catches any that a crash in between lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta

import procrastinate
from procrastinate.builtin_tasks import remove_old_jobs
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.job_context import JobContext
from procrastinate.jobs import JobDeferrer
from procrastinate.types import JSONValue
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import SessionFactory, transaction
from bot.outbound import Deliverer
from handlers.actions.delivery import list_due_recipients
from handlers.actions.outbox import DeliveryRequest
from models.base import utcnow

log = logging.getLogger(__name__)

DELIVER = "helpbot.deliver"
DELIVER_MANY = "helpbot.deliver_many"
# Bulk messages (check-ins) ask for one job per this many people rather than one each.
MANY_PER_JOB = 200
QUEUE = "delivery"
# An overdue message is swept only after its own job has had this long to run.
SWEEP_GRACE = timedelta(seconds=30)
STALLED_AFTER_SECONDS = 30
KEEP_FINISHED_HOURS = 24


def _ids(values: Sequence[int]) -> JSONValue:
    """Job arguments are JSON: a list of people's ids."""
    return list(values)


def recipient_lock(identity_id: int) -> str:
    """The lock all delivery jobs for one person share."""
    return f"recipient:{identity_id}"


def create_job_app(
    database_url: str,
    session_factory: SessionFactory,
    deliverer: Deliverer | None,
    pool_size: int = 4,
) -> JobApp:
    """The task engine for this process; `deliverer` is None where jobs are only deferred."""
    connector = procrastinate.PsycopgConnector(
        conninfo=database_url, min_size=1, max_size=pool_size
    )
    return JobApp(procrastinate.App(connector=connector), session_factory, deliverer)


class JobApp:
    """The procrastinate app with our tasks registered, and the ways we defer them."""

    def __init__(
        self, app: procrastinate.App, session_factory: SessionFactory, deliverer: Deliverer | None
    ) -> None:
        self.app = app
        self.session_factory = session_factory
        self.deliverer = deliverer
        self._opened = False
        self._opening = asyncio.Lock()
        self._register()

    def _register(self) -> None:
        app = self.app

        @app.task(
            name=DELIVER,
            queue=QUEUE,
            pass_context=True,
            # A run fails only when the database is away; the messages wait in the outbox.
            retry=procrastinate.RetryStrategy(max_attempts=10, exponential_wait=2),
        )
        async def deliver(context: JobContext, identity_id: int) -> None:
            """Send the person's due messages (`Deliverer.drain`)."""
            assert self.deliverer is not None
            until = await self.deliverer.drain(identity_id)
            if until is not None:
                job = context.job
                await self.defer_at(identity_id, job.priority if job else 0, until)

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
                    await self.defer_at(identity_id, 0, until)

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

    # --- deferring ----------------------------------------------------------------------------

    def _deliver(self, request: DeliveryRequest, connection: object = None) -> JobDeferrer:
        return self.app.configure_task(
            DELIVER,
            lock=recipient_lock(request.identity_id),
            priority=request.priority,
            schedule_at=request.not_before,
            connection=connection,
        )

    async def enqueue_in_transaction(self, session: AsyncSession, request: DeliveryRequest) -> None:
        """Write the job through the session's own psycopg connection: one transaction."""
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        deferrer = self._deliver(request, raw.driver_connection)
        await deferrer.defer_async(identity_id=request.identity_id)

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
            DELIVER_MANY, priority=priority, connection=raw.driver_connection
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

    async def defer_at(self, identity_id: int, priority: int, until: object) -> None:
        """Come back for the person at `until`; one such waiting job per person is enough."""
        await self._open()
        with contextlib.suppress(AlreadyEnqueued):
            await self.app.configure_task(
                DELIVER,
                lock=recipient_lock(identity_id),
                queueing_lock=f"waiting:{identity_id}",
                priority=priority,
                schedule_at=until,
            ).defer_async(identity_id=identity_id)

    # --- the safety net -----------------------------------------------------------------------

    async def sweep(self) -> list[int]:
        """Defer a job for each person with a message overdue and no job; returns who."""
        await self._open()
        async with transaction(self.session_factory) as session:
            overdue = await list_due_recipients(session=session, due_by=utcnow() - SWEEP_GRACE)
        if not overdue:
            return []
        covered = await self._with_jobs([recipient_lock(i) for i in overdue])
        missing = [i for i in overdue if recipient_lock(i) not in covered]
        for identity_id in missing:
            log.warning("person %s had an overdue message and no delivery job", identity_id)
            await self.defer_at(identity_id, 0, None)
        return missing

    async def _with_jobs(self, locks: Sequence[str]) -> set[str]:
        rows = await self.app.connector.execute_query_all_async(
            "SELECT DISTINCT lock FROM procrastinate_jobs "
            "WHERE lock = ANY(%(locks)s) AND status IN ('todo', 'doing')",
            locks=list(locks),
        )
        return {row["lock"] for row in rows}
