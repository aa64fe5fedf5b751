"""Running retention: daily on the task engine (PostgreSQL), on a daily clock in the web process
(SQLite), and by hand with `helpbot retention [--dry-run]`.

The decisions are `handlers.actions.retention`'s; here each batch gets its own transaction and
runs are repeated until nothing is left to do.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

import procrastinate

from bot.background import Clock
from bot.db import SessionFactory, transaction
from handlers.actions.retention import (
    RetentionReport,
    RetentionRules,
    do_apply_retention_batch,
    find_retention_report,
)
from models.base import utcnow

log = logging.getLogger(__name__)

RETENTION_TASK = "helpbot.retention"
# Once a day, at a quiet hour (UTC).
RETENTION_CRON = "17 3 * * *"
DAY_SECONDS = 24 * 60 * 60.0
# The web process's first run waits this long after start-up, then runs daily.
FIRST_RUN_SECONDS = 60 * 60.0


async def run_retention(
    session_factory: SessionFactory, rules: RetentionRules, now: datetime | None = None
) -> RetentionReport:
    """Anonymise and erase everything past its period, one batch per transaction."""
    now = now or utcnow()
    total: RetentionReport | None = None
    while True:
        async with transaction(session_factory) as session:
            done = await do_apply_retention_batch(session=session, now=now, rules=rules)
        if total is None:
            total = done
        else:
            total.tickets += done.tickets
            total.safeguarding_tickets += done.safeguarding_tickets
            total.messages += done.messages
            total.people += done.people
            total.unhandled_updates += done.unhandled_updates
        if not (done.tickets or done.messages or done.people):
            break
    log.info(
        "retention: %s tickets (%s safeguarding) and %s messages anonymised, %s people erased,"
        " %s unhandled incoming updates deleted",
        total.tickets,
        total.safeguarding_tickets,
        total.messages,
        total.people,
        total.unhandled_updates,
    )
    return total


async def dry_run(
    session_factory: SessionFactory, rules: RetentionRules, now: datetime | None = None
) -> RetentionReport:
    """What a run now would do, changing nothing."""
    async with session_factory() as session:
        return await find_retention_report(session=session, now=now or utcnow(), rules=rules)


def describe(report: RetentionReport, *, done: bool) -> list[str]:
    """The report as lines for the terminal."""
    verb = "were" if done else "would be"
    lines = [
        f"Tickets finished before {report.cutoffs.ordinary:%Y-%m-%d} "
        f"(safeguarding: before {report.cutoffs.safeguarding:%Y-%m-%d}):",
        f"  {report.tickets} tickets {verb} anonymised, "
        f"{report.safeguarding_tickets} of them safeguarding",
        f"  {report.messages} messages {verb} emptied",
        f"  {report.people} people with nothing left {verb} erased",
        f"  {report.unhandled_updates} incoming updates never handled, kept over a day, "
        f"{verb} deleted",
    ]
    lines += [
        f"  {item.ref} {item.category} {item.priority} finished {item.closed_at:%Y-%m-%d}"
        for item in report.listed
    ]
    return lines


def register_retention(
    app: procrastinate.App, session_factory: SessionFactory, rules: RetentionRules
) -> None:
    """The daily retention task, for `helpbot worker`."""

    @app.periodic(cron=RETENTION_CRON)
    @app.task(name=RETENTION_TASK, queueing_lock=RETENTION_TASK)
    async def retention(timestamp: int) -> None:
        """Anonymise tickets and erase people past their retention period."""
        await run_retention(session_factory, rules)


class RetentionClock(Clock):
    """Retention in the web process (SQLite): an hour after start, then once a day; a failed
    batch changed nothing, and tomorrow's run tries again."""

    def __init__(self, session_factory: SessionFactory, rules: RetentionRules) -> None:
        super().__init__(
            "retention run",
            partial(run_retention, session_factory, rules),
            DAY_SECONDS,
            first_after=FIRST_RUN_SECONDS,
        )
