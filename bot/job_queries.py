"""What delivery asks of the task engine's job table beyond procrastinate's own calls: which
people a waiting or running job covers, bringing a person's waiting jobs forward, and writing a
reply's delivery job in its message's transaction.

procrastinate passes over a job while another holding its lock waits at a higher priority, or an
equal one and an older id, however late that one is due (`bot.job_rules`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from procrastinate.connector import BaseConnector
from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from bot.job_rules import DELIVER, DELIVER_MANY, queue_for, recipient_lock
from handlers.actions.delivery_due import DueRecipient
from handlers.actions.outbox import DeliveryRequest

# procrastinate's own function for deferring, which its `defer` calls with an array of the same
# type; the job is given as plain values, where procrastinate's adapter for the composite type
# took more of the web's CPU than the rest of the round trip.
_DEFER_DELIVERY = """
SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[
    ROW(%s, %s, %s, %s, NULL, %s, %s)::procrastinate_job_to_defer_v1
])) AS id
"""
_PULL_FORWARD = """
UPDATE procrastinate_jobs SET scheduled_at = CASE
    WHEN scheduled_at > coalesce(%(until)s::timestamptz, now()) THEN %(until)s::timestamptz
    ELSE scheduled_at END
WHERE lock = %(lock)s AND status = 'todo' AND priority >= %(priority)s
RETURNING id
"""
_COVERED = """
SELECT lock, bool_or(status = 'doing') AS running,
    max(priority) FILTER (WHERE status = 'todo' AND coalesce(scheduled_at <= now(), true))
        AS waiting
FROM procrastinate_jobs
WHERE lock = ANY(%(locks)s) AND status IN ('todo', 'doing') GROUP BY lock
"""
_IN_BULK_RUNS = """
SELECT DISTINCT person::bigint AS identity_id
FROM procrastinate_jobs, jsonb_array_elements_text(args -> 'identity_ids') AS person
WHERE task_name = %(task)s AND status IN ('todo', 'doing') AND person::bigint = ANY(%(people)s)
"""
_WITH_JOBS = """
SELECT DISTINCT lock FROM procrastinate_jobs
WHERE lock = ANY(%(locks)s) AND status = ANY(CAST(%(statuses)s AS procrastinate_job_status[]))
"""


async def pull_forward(
    connector: BaseConnector, identity_id: int, priority: int, until: datetime | None
) -> bool:
    """Bring the person's delivery jobs waiting at `priority` or above to run by `until` (None:
    now); whether there were any. Such a job holds back one for them at `priority`: a come-back
    for later kept one for sooner waiting, and a second come-back at one priority was refused
    by its queueing lock. Any run sends whatever of theirs is due, so the one waiting will do."""
    rows = await connector.execute_query_all_async(
        _PULL_FORWARD, lock=recipient_lock(identity_id), priority=priority, until=until
    )
    return bool(rows)


async def covered_by_jobs(connector: BaseConnector, due: Sequence[DueRecipient]) -> set[int]:
    """Those of `due` with a delivery job running, or waiting and due now at their priority or
    above (a campaign's job waiting would keep an emergency answer behind the campaign; one due
    later only holds their lock until then)."""
    rows = await connector.execute_query_all_async(
        _COVERED, locks=[recipient_lock(d.identity_id) for d in due]
    )
    jobs = {row["lock"]: row for row in rows}
    return {
        d.identity_id
        for d in due
        if (job := jobs.get(recipient_lock(d.identity_id))) is not None
        and (job["running"] or (job["waiting"] is not None and job["waiting"] >= d.priority))
    }


async def in_bulk_runs(connector: BaseConnector, people: Sequence[int]) -> set[int]:
    """Those of `people` named by a `deliver_many` job waiting or running."""
    rows = await connector.execute_query_all_async(
        _IN_BULK_RUNS, task=DELIVER_MANY, people=list(people)
    )
    return {int(row["identity_id"]) for row in rows}


async def locks_with_jobs(
    connector: BaseConnector, locks: Sequence[str], *, running_only: bool = False
) -> set[str]:
    """Those of `locks` held by a job waiting or running (only running, if so asked)."""
    statuses = ["doing"] if running_only else ["todo", "doing"]
    rows = await connector.execute_query_all_async(_WITH_JOBS, locks=list(locks), statuses=statuses)
    return {row["lock"] for row in rows}


async def defer_delivery(connection: AsyncConnection[Any], request: DeliveryRequest) -> None:
    """Defer a `deliver` job for the request through `connection`, in its transaction: the
    job procrastinate's `defer` would write for it (`bot.jobs.JobApp._deliver`)."""
    priority = int(request.priority)
    arguments = (queue_for(priority), DELIVER, priority, recipient_lock(request.identity_id))
    job = (*arguments, Jsonb({"identity_id": request.identity_id}), request.not_before)
    await connection.execute(_DEFER_DELIVERY, job)
