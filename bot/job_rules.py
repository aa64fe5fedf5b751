"""What each background job is on the task engine (`bot.jobs`): its name, queue, priority and
lock, and the rule for trying it again.

procrastinate fetches the waiting job of highest priority, the oldest first among equals
(`ORDER BY priority DESC, id ASC`), passing over one whose lock another job holds: one running,
or one waiting with a higher priority or an equal one and an older id, even one not due yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import procrastinate
from procrastinate.jobs import Job
from procrastinate.retry import RetryDecision

from models.enums import OutboundPriority

DELIVER = "helpbot.deliver"
DELIVER_MANY = "helpbot.deliver_many"
# Bulk messages (check-ins) ask for one job per this many people rather than one each.
MANY_PER_JOB = 200
QUEUE = "delivery"
# Bulk runs have a queue of their own, so a worker can keep most of its slots for replies.
BULK_QUEUE = "delivery-bulk"
# A run coming back for someone whose bulk message had to wait (its retry, a send stalled by a
# worker that died, a job the sweep found missing) goes before a campaign's runs still waiting,
# as their turn has come already: at bulk priority it would be fetched after all of them, 500
# jobs for 100,000 people. Still below every answer, and in bulk's queue and share of slots.
BULK_COME_BACK = OutboundPriority.BULK + 1
# An overdue message is swept only after its own job has had this long to run.
SWEEP_GRACE = timedelta(seconds=30)
STALLED_AFTER_SECONDS = 30
KEEP_FINISHED_HOURS = 24
# Handling what a person wrote (`bot.inbox`): read before any answer waiting is sent, as only
# reading it finds an emergency; among emergency answers, first come first served.
INBOUND = "helpbot.handle_inbound"
INBOX_SWEEP = "helpbot.inbox_sweep"
INBOUND_PRIORITY = OutboundPriority.EMERGENCY

PAGE = "helpbot.page"
ONCALL_CHECK = "helpbot.oncall_check"
ONCALL_QUEUE = "oncall"
# Pages go before every delivery job waiting.
PAGE_PRIORITY = 1000
# Come-backs count too: a person's run may wait out several retries of several messages.
MAX_JOB_ATTEMPTS = 40


def page_lock(page_id: int) -> str:
    """The lock every job for one on-call page shares, so one page is never sent twice at once."""
    return f"oncall-page:{page_id}"


def sender_lock(channel: str, external_id: str) -> str:
    """The lock all jobs handling one person's incoming events share: one at a time, in order."""
    return f"sender:{channel}:{external_id}"


def recipient_lock(identity_id: int) -> str:
    """The lock all delivery jobs for one person share."""
    return f"recipient:{identity_id}"


def queue_for(priority: int) -> str:
    """The queue of a delivery job at `priority`: bulk's own, or the one for everything else."""
    return BULK_QUEUE if priority <= BULK_COME_BACK else QUEUE


def come_back_priority(priority: int) -> int:
    """The priority of a run coming back for a person whose most urgent message is at
    `priority`: a bulk one's goes before the campaign runs still waiting (`BULK_COME_BACK`)."""
    return max(priority, BULK_COME_BACK)


class ComeBack(Exception):
    """The person's next message falls due at `until`: run this job again then, at the
    come-back priority for their most urgent message waiting (`priority`)."""

    def __init__(self, until: datetime, priority: int) -> None:
        super().__init__(f"next message due at {until.isoformat()}")
        self.until = until
        self.priority = come_back_priority(priority)


class ComeBackOrBackOff(procrastinate.BaseRetryStrategy):
    """A `ComeBack` always, at its time and priority; any other failure (the database away; the
    messages wait in the outbox) with a doubling pause, a few times before the sweep takes over.

    A come-back takes the priority of what it waits for, not the job's own: a reply's run that
    waits only for a check-in held for its window would otherwise hold the person's lock at the
    reply's priority until the window opens, and their next answer, queued behind it at that
    priority, would wait the night with it."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, ComeBack):
            return RetryDecision(
                retry_at=exception.until,
                priority=exception.priority,
                queue=queue_for(exception.priority),
            )
        if job.attempts >= MAX_JOB_ATTEMPTS:
            return None
        return RetryDecision(retry_in={"seconds": min(2 ** (job.attempts + 1), 300)})
