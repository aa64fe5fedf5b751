"""Check-ins in the background: a tick that starts due runs, queues due check-ins, reminds and
escalates. On PostgreSQL it is a periodic procrastinate task (every minute, one at a time across
all workers); on SQLite the web process runs the same tick on a clock.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import procrastinate

from bot.background import Clock
from bot.db import SessionFactory, transaction
from handlers.actions.campaigns import do_start_planned_runs
from handlers.actions.checkin_followup import FOLLOW_UP_CHUNK, do_follow_up
from handlers.actions.checkins import QUEUE_CHUNK, do_fill_started_runs, do_queue_due_checkins
from handlers.checkins.scripts import CheckinConfig
from models.base import utcnow

log = logging.getLogger(__name__)

TICK = "helpbot.checkins_tick"
CLOCK_SECONDS = 30.0
# A tick does at most this many chunks of each step, so one slow tick never runs for ever;
# the next tick carries on.
MAX_ROUNDS = 200
# A tick that handled this many check-ins wrote their delivery jobs at once: the job fetch is
# planned on the job table's figures, which nobody refreshes until autovacuum's next round, up
# to a minute later (see `JobApp.refresh_statistics`).
REFRESH_AFTER = 1000


@dataclass
class TickReport:
    """What one tick did."""

    runs_started: int = 0
    runs_filled: int = 0
    queued: int = 0
    followed_up: int = 0


class CheckinTicker:
    """One pass over everything check-ins owe now; each step is its own short transaction."""

    def __init__(self, session_factory: SessionFactory, config: CheckinConfig) -> None:
        self.session_factory = session_factory
        self.config = config

    async def tick(self, now: datetime | None = None) -> TickReport:
        """Start due runs, fill them, queue due check-ins, then remind and escalate."""
        now = now or utcnow()
        report = TickReport()
        async with transaction(self.session_factory) as session:
            report.runs_started = len(await do_start_planned_runs(session=session, now=now))
        async with transaction(self.session_factory) as session:
            report.runs_filled = await do_fill_started_runs(session=session, now=now)
        for _ in range(MAX_ROUNDS):
            async with transaction(self.session_factory) as session:
                done = await do_queue_due_checkins(session=session, now=now, config=self.config)
            report.queued += done
            if done < QUEUE_CHUNK:
                break
        for _ in range(MAX_ROUNDS):
            async with transaction(self.session_factory) as session:
                moved = await do_follow_up(session=session, now=now, config=self.config)
            report.followed_up += moved
            if moved < FOLLOW_UP_CHUNK:
                break
        if report.queued or report.followed_up or report.runs_started:
            log.info(
                "check-ins: %s runs started, %s due, %s followed up",
                report.runs_started,
                report.queued,
                report.followed_up,
            )
        return report


def register_checkin_tasks(
    app: procrastinate.App,
    ticker: CheckinTicker,
    after_bulk: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """The periodic tick on the task engine: every minute, never two at once. `after_bulk` runs
    after a tick that queued REFRESH_AFTER check-ins or more."""

    @app.periodic(cron="* * * * *")
    @app.task(name=TICK, queue="checkins", queueing_lock=TICK, lock=TICK)
    async def checkins_tick(timestamp: int) -> None:
        """Run the check-in tick (`CheckinTicker.tick`), then `after_bulk` if it was big."""
        report = await ticker.tick()
        if after_bulk is not None and report.queued + report.followed_up >= REFRESH_AFTER:
            await after_bulk()


class CheckinClock(Clock):
    """The tick in the web process (SQLite), every CLOCK_SECONDS."""

    def __init__(self, ticker: CheckinTicker, seconds: float = CLOCK_SECONDS) -> None:
        super().__init__("check-in tick", ticker.tick, seconds)
        self.ticker = ticker
