"""The planner's figures for the job table, kept current by each worker.

A burst of jobs into a table last analysed nearly empty (a fresh database, a quiet night) is
planned as if the table held a handful: each fetch then sorts every waiting job, checking each
one's lock, where on current figures it reads the first in line and stops (0.4 ms against
7 ms with 3,000 waiting, and 250 ms before `ix_procrastinate_jobs_open_lock`). Autovacuum, when
it runs at all, analyses the table at its next round, up to a minute later; a worker looks
every few seconds and analyses it once it has changed by more than it held when last analysed.

Only a table that holds more than its figures say is analysed again, never one emptying: the
figures of a quiet moment between bursts planned the next burst as a handful, and with a hundred
jobs waiting each fetch took 2 to 8 ms of the database's time instead of 0.3. Figures from a
busier moment plan a quieter table just as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from procrastinate.connector import BaseConnector

log = logging.getLogger(__name__)

CHECK_EVERY = 2.0
# Rows written, changed or removed since the last analysis before a new one, at the least: the
# figures of a busy table move slowly, and a steady trickle needs none.
CHANGED_AT_LEAST = 500

_CHANGED = """SELECT s.n_mod_since_analyze AS changed, s.n_live_tup AS held, c.reltuples AS counted
FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid
WHERE s.relid = to_regclass('procrastinate_jobs')"""


async def analyze_jobs(connector: BaseConnector) -> None:
    """Let PostgreSQL plan job fetches on the job table as it is now."""
    await connector.execute_query_async("ANALYZE procrastinate_jobs")


async def refresh_if_stale(connector: BaseConnector) -> bool:
    """Analyse the job table if it changed by more than it held at its last analysis (and by
    `CHANGED_AT_LEAST`) and holds more now; whether it did."""
    row = await connector.execute_query_one_async(_CHANGED)
    if row["changed"] < max(CHANGED_AT_LEAST, row["counted"]) or row["held"] <= row["counted"]:
        return False
    await analyze_jobs(connector)
    return True


async def keep_statistics_current(
    connector: BaseConnector, stop: asyncio.Event, every: float = CHECK_EVERY
) -> None:
    """Check the job table's figures every `every` seconds until `stop` (`refresh_if_stale`);
    a check that fails (the database away) is tried again at the next."""
    failing = False
    while not stop.is_set():
        try:
            await refresh_if_stale(connector)
            failing = False
        except Exception as exc:
            if not failing:
                log.warning("the job table's figures could not be checked (%s)", type(exc).__name__)
            failing = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
