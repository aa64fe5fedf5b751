"""`helpbot worker`: runs the background jobs (`bot.jobs`) on PostgreSQL until stopped."""

from __future__ import annotations

import asyncio
import logging

from bot.config import Settings
from bot.services import running

log = logging.getLogger(__name__)

RESTART_PAUSE = 1.0


async def run_worker(
    settings: Settings,
    *,
    concurrency: int = 16,
    stop: asyncio.Event | None = None,
    install_signal_handlers: bool = True,
) -> None:
    """Run jobs, `concurrency` at once, until a signal (or `stop`, when given) ends it; with
    `stop`, a task engine that stops by itself (the database away) is started again.

    Most of a delivery run is waiting (on the provider, or for a rate-limit turn), so one
    process can run many at once; a job that is stopped midway is taken up again elsewhere.
    """
    async with running(settings, worker=True) as services:
        assert services.jobs is not None
        log.info("worker started: %s jobs at once", concurrency)
        while True:
            work = asyncio.create_task(
                services.jobs.app.run_worker_async(
                    concurrency=concurrency,
                    install_signal_handlers=install_signal_handlers,
                    # The outbox keeps every message's story; finished jobs are only bookkeeping.
                    delete_jobs="successful",
                    shutdown_graceful_timeout=10.0,
                    # New jobs arrive by LISTEN/NOTIFY; the poll finds retries whose time has come.
                    fetch_job_polling_interval=1.0,
                )
            )
            if stop is None:
                await work
                return
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({work, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if stop.is_set():
                if not work.done():
                    work.cancel()
                await asyncio.gather(work, stopping, return_exceptions=True)
                return
            # The task engine stopped by itself: procrastinate ends a worker whose periodic
            # deferrer or listener lost the database. Until asked to stop, start it again.
            stopping.cancel()
            await asyncio.gather(work, stopping, return_exceptions=True)
            log.warning("the task engine stopped (the database went away?); starting it again")
            await asyncio.sleep(RESTART_PAUSE)
