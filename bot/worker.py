"""`helpbot worker`: runs the background jobs (`bot.jobs`) on PostgreSQL until stopped.

A worker runs two loops of the task engine: one with a share of the slots that runs any job,
bulk delivery runs among them, and one for every other job (replies, staff and emergency
answers, the periodic work), so that however much bulk is waiting, a reply finds a free slot at
once. A loop that stops by itself
(the task engine stops one whose connection for new-job notices cannot be made, as when the
database is briefly away) is started again, so the process outlives a database restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable

from procrastinate import App
from procrastinate.app import WorkerOptions
from procrastinate.worker import Worker

from bot.config import Settings
from bot.job_rules import BULK_QUEUE
from bot.job_statistics import keep_statistics_current
from bot.services import running

log = logging.getLogger(__name__)

# The share of a worker's slots that bulk runs may take (at least one).
BULK_SHARE = 0.25
# After a loop stopped by itself: the first pause before starting it again, and the longest.
RESTART_FIRST = 1.0
RESTART_LONGEST = 30.0


def bulk_slots(concurrency: int) -> int:
    """How many of `concurrency` slots run bulk; 0 for a single slot, which runs everything in
    priority order."""
    if concurrency < 2:
        return 0
    return max(1, int(concurrency * BULK_SHARE))


def loop_options(app: App, concurrency: int) -> list[WorkerOptions]:
    """The worker loops for `concurrency` slots: bulk's share, and the rest for other queues."""
    common: WorkerOptions = {
        # Our own handlers stop every loop together (see `run_worker`).
        "install_signal_handlers": False,
        # The outbox keeps every message's story; finished jobs are only bookkeeping.
        "delete_jobs": "successful",
        "shutdown_graceful_timeout": 10.0,
        # New jobs arrive by LISTEN/NOTIFY; the poll finds retries whose time has come.
        "fetch_job_polling_interval": 1.0,
    }
    bulk = bulk_slots(concurrency)
    if not bulk:
        return [{**common, "concurrency": concurrency, "name": "worker"}]
    # Every queue a task is registered on, bar bulk's (tasks added later join on their own).
    others = sorted({task.queue for task in app.tasks.values()} - {BULK_QUEUE})
    return [
        {**common, "concurrency": concurrency - bulk, "queues": others, "name": "worker"},
        # Bulk's slots take any job, most urgent first: a reply may use them too. Not naming a
        # queue also keeps this loop's fetch on the priority index (first job first) where a
        # queue filter over thousands of bulk jobs would check each one before picking.
        # It looks each second rather than being told of each new job: every notice woke a
        # connection of the database and this loop for nothing while the other loop took the
        # reply, 4 % of the CPU for each update answered on bench (a); bulk waits a second.
        {**common, "concurrency": bulk, "name": "bulk-worker", "listen_notify": False},
    ]


async def _stop_when(stop: asyncio.Event, worker: Worker) -> None:
    await stop.wait()
    # Asked again until it ends: a worker still starting forgets a stop asked before it ran.
    while True:
        worker.stop()  # type: ignore[no-untyped-call]
        await asyncio.sleep(0.5)


async def _keep_running(app: App, options: WorkerOptions, stop: asyncio.Event) -> None:
    """Run one worker loop until `stop`, starting it again (after a growing pause) whenever it
    stops or fails first. A stop lets the loop finish its running jobs (up to the graceful
    timeout), so each one's outcome is recorded."""
    pause = RESTART_FIRST
    while not stop.is_set():
        worker = Worker(app=app, **options)
        stopper = asyncio.create_task(_stop_when(stop, worker))
        try:
            await worker.run()  # type: ignore[no-untyped-call]
        except Exception as exc:
            # Starting a loop needs the database: it may still be away.
            log.warning("the %s loop failed (%s)", options["name"], type(exc).__name__)
        finally:
            stopper.cancel()
        if stop.is_set():
            return
        log.warning("the %s loop stopped; starting it again in %.0f s", options["name"], pause)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=pause)
        pause = min(pause * 2, RESTART_LONGEST)


async def run_worker(
    settings: Settings,
    *,
    concurrency: int = 16,
    stop: asyncio.Event | None = None,
    install_signal_handlers: bool = True,
    started: Callable[[], object] | None = None,
) -> None:
    """Run jobs, `concurrency` at once, until a signal (or `stop`, when given) ends it;
    `started` is called once it is connected and its loops are starting.

    Most of a delivery run is waiting (on the provider, or for a rate-limit turn), so one
    process can run many at once; a job that is stopped midway is taken up again elsewhere.
    """
    stop = stop or asyncio.Event()
    if install_signal_handlers:
        event_loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            event_loop.add_signal_handler(number, stop.set)
    async with running(settings, worker=True) as services:
        assert services.jobs is not None
        app = services.jobs.app
        loops = loop_options(app, concurrency)
        log.info(
            "worker started: %s jobs at once (%s)",
            concurrency,
            ", ".join(f"{o['name']} {o['concurrency']}" for o in loops),
        )
        running_loops = asyncio.gather(
            *(_keep_running(app, options, stop) for options in loops),
            keep_statistics_current(app.connector, stop),
        )
        if started is not None:
            started()
        await running_loops
