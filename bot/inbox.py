"""The inbox on PostgreSQL: an incoming event is committed together with the job that will
handle it, and its webhook is answered as soon as both are (accepted means committed).

The web process only keeps the event, one statement; a worker's job runs the conversation's
step (`handle_event`) and deletes the event in that step's transaction, so each event is handled
once, and a job tried again after a crash finds it handled. A person's events share a lock, so
they are handled in the order they were accepted, one at a time. A provider's redelivery while
the event waits is recognised here, and after it by the messages table, as before.

The worker sends the replies a step queued as soon as the step is committed, in the job that
ran it, rather than through a delivery job of their own: that job's writing, notice, fetch and
finish were a third of the task engine's work for each message answered. They are claimed in
the step's own transaction, and sent once it commits. A reply due later still gets its job in
the step's transaction; one left unsent by a worker that died in between is the sweep's
(`bot.jobs`), as any overdue message is: a claimed one once its claim is stale, marked as a
possible duplicate, as after a death mid-send.

A step that fails is tried again, the pauses doubling. An event no job will handle any more
(its last try failed, or its job is gone) is found by a sweep each minute and handed to staff, in
a transaction of its own, as an urgent ticket holding what the person sent (`hand_to_staff`);
should that fail (the database still away), the next sweep tries again.

On SQLite (`make run`) the web process handles each event at once instead (`Services.accept`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import procrastinate
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import SessionFactory, autocommit, transaction
from bot.in_flight import InFlightLimit
from bot.job_rules import (
    INBOUND,
    INBOUND_PRIORITY,
    INBOX_SWEEP,
    QUEUE,
    STALLED_AFTER_SECONDS,
    sender_lock,
)
from bot.jobs import JobApp
from bot.outbound import Deliverer
from bot.outbound_work import Claim
from handlers.actions.delivery_at_queue import CLAIM_AT_QUEUE, claimed_ids
from handlers.actions.identities import ReadAhead
from handlers.actions.outbox import ENQUEUE_HOOK, DeliveryRequest, Enqueue
from handlers.actions.unhandled import do_hand_to_staff
from handlers.conversation.engine import Outcome, handle_event
from handlers.conversation.events import (
    IncomingEvent,
    Keyword,
    Location,
    Media,
    MediaKind,
)
from models import ChannelIdentity, Contact, InboundEvent
from models.base import utcnow
from models.enums import Channel

log = logging.getLogger(__name__)

# The event and its job in one statement (in autocommit, one round trip): the job is the one
# procrastinate's own defer function writes, its only argument the event's id, so no message
# text reaches the job table or the task engine's logs. A redelivery still waiting adds nothing.
_KEEP = sa.text(
    """WITH kept AS (
    INSERT INTO inbound_events (channel, provider_id, event, received_at)
    VALUES (:channel, :provider_id, CAST(:event AS json), CAST(:received_at AS timestamptz))
    ON CONFLICT (channel, provider_id) DO NOTHING
    RETURNING id
)
SELECT unnest(procrastinate_defer_jobs_v1(ARRAY(
    SELECT ROW(
        CAST(:queue AS varchar), CAST(:task AS varchar), CAST(:priority AS integer),
        CAST(:lock AS text), NULL, jsonb_build_object('event_id', kept.id), NULL
    )::procrastinate_job_to_defer_v1
    FROM kept
))) AS job_id
"""
)
_INBOX: sa.Table = InboundEvent.__table__  # type: ignore[attr-defined]
# The event deleted, with the person it comes from (if known yet) in the same round trip:
# `handle_event` would read them next, in a statement of its own.
_TAKEN = (
    sa.delete(_INBOX)
    .where(_INBOX.c.id == sa.bindparam("event_id"))
    .returning(_INBOX.c.event, _INBOX.c.received_at, _INBOX.c.channel)
    .cte("taken")
)
_IDENTITIES: sa.Table = ChannelIdentity.__table__  # type: ignore[attr-defined]
_FROM_PERSON = sa.and_(
    _IDENTITIES.c.channel == _TAKEN.c.channel,
    _IDENTITIES.c.external_id == _TAKEN.c.event["external_id"].as_string(),
)
# A returning person's last message is this one, marked in the same statement too: the session
# flushed it as an UPDATE of its own. Never moved back, should an older event come late.
_HEARD = (
    sa.update(_IDENTITIES)
    .where(_FROM_PERSON)
    .values(
        last_inbound_at=sa.func.greatest(
            sa.func.coalesce(_IDENTITIES.c.last_inbound_at, _TAKEN.c.received_at),
            _TAKEN.c.received_at,
        )
    )
    .cte("heard")
)
_TAKE_WITH_PERSON = (
    select(_TAKEN.c.event, _TAKEN.c.received_at, ChannelIdentity, Contact)
    .select_from(_TAKEN)
    .outerjoin(ChannelIdentity, _FROM_PERSON)
    .outerjoin(Contact, col(Contact.id) == col(ChannelIdentity.contact_id))
    .add_cte(_HEARD)
)


def dump_event(event: IncomingEvent) -> str:
    """The event as JSON text (enums by their value)."""
    return json.dumps(dataclasses.asdict(event))


def load_event(data: dict[str, Any]) -> IncomingEvent:
    """The event `dump_event` wrote, as read back from the database."""
    location = data.get("location")
    keyword = data.get("keyword")
    return IncomingEvent(
        channel=Channel(data["channel"]),
        external_id=data["external_id"],
        provider_id=data.get("provider_id"),
        text=data.get("text"),
        choice=data.get("choice"),
        location=Location(**location) if location else None,
        media=tuple(
            Media(MediaKind(m["kind"]), m.get("url"), m.get("content_type"))
            for m in data.get("media") or ()
        ),
        display_name=data.get("display_name"),
        phone=data.get("phone"),
        profile=dict(data.get("profile") or {}),
        keyword=Keyword(keyword) if keyword else None,
        provider_confirms_opt_out=bool(data.get("provider_confirms_opt_out")),
        language=data.get("language"),
        replies_inline=bool(data.get("replies_inline")),
    )


async def keep_event(engine: AsyncEngine, event: IncomingEvent, received_at: datetime) -> bool:
    """Write the event and its job, committed, in one round trip (a statement in autocommit
    is its own transaction); False for a redelivery of one still waiting."""
    async with autocommit(engine) as connection:
        result = await connection.execute(_KEEP, _keep_values(event, received_at))
        return result.first() is not None


def _keep_values(event: IncomingEvent, received_at: datetime) -> dict[str, Any]:
    return {
        "channel": event.channel.value,
        "provider_id": event.provider_id,
        "event": dump_event(event),
        "received_at": received_at,
        "queue": QUEUE,
        "task": INBOUND,
        "priority": int(INBOUND_PRIORITY),
        "lock": sender_lock(event.channel, event.external_id),
    }


async def take_event(
    session: AsyncSession, event_id: int
) -> tuple[IncomingEvent, datetime, ReadAhead] | None:
    """Delete the kept event in the session's transaction and return it with when it came and
    its person as stored so far, in one statement; None when it was handled before."""
    row = (await session.exec(_TAKE_WITH_PERSON, params={"event_id": event_id})).first()
    if row is None:
        return None
    data, received_at, identity, contact = row
    if identity is None or contact is None:
        return load_event(data), received_at, ReadAhead(None)
    # The row as read is the one from before the statement's own update.
    heard = max(identity.last_inbound_at or received_at, received_at)
    set_committed_value(identity, "last_inbound_at", heard)
    return load_event(data), received_at, ReadAhead((identity, contact), heard_at=heard)


class Inbox:
    """Handles kept events in a worker and sends the replies each step queued."""

    def __init__(
        self,
        session_factory: SessionFactory,
        deliverer: Deliverer,
        jobs: JobApp,
        idle_after: timedelta,
    ) -> None:
        self.session_factory = session_factory
        self.deliverer = deliverer
        self.jobs = jobs
        self.idle_after = idle_after
        # Few steps at once, each quickly done; a slow provider's waits do not count.
        self.in_flight = InFlightLimit()

    async def handle(self, event_id: int) -> Outcome | None:
        """Handle a kept event in the transaction that deletes it, then send what it queued,
        a few events at once in this process (`bot.in_flight`); None if it was handled before."""
        async with self.in_flight.place():
            return await self._handle(event_id)

    async def _handle(self, event_id: int) -> Outcome | None:
        held: list[DeliveryRequest] = []
        claims: dict[int, Claim] = {}
        committed: dict[int, Claim] | None = None
        info: dict[Any, Any] = {}
        try:
            async with transaction(self.session_factory) as session:
                info = session.info
                later: Enqueue | None = session.info.get(ENQUEUE_HOOK)
                # Replies are sent as soon as this commits: they may be written claimed.
                session.info[CLAIM_AT_QUEUE] = self.deliverer.clock()

                async def hold(session: AsyncSession, request: DeliveryRequest) -> None:
                    if request.not_before is not None and later is not None:
                        await later(session, request)
                    else:
                        held.append(request)

                session.info[ENQUEUE_HOOK] = hold
                taken = await take_event(session, event_id)
                if taken is None:
                    return None
                event, received_at, read = taken
                outcome = await handle_event(
                    session=session,
                    event=event,
                    now=received_at,
                    idle_after=self.idle_after,
                    read=read,
                )
                # The replies claimed in the step's own transaction: a transaction of their
                # own cost two more round trips for each message answered.
                for request in held:
                    if request.not_before is None and request.identity_id not in claims:
                        claim = await self.deliverer.claim(session, request.identity_id)
                        claims[request.identity_id] = claim
            committed = claims
            return outcome
        finally:
            if committed is None:
                # Also after a step that failed late: what it committed early (an emergency's
                # answer) goes now, given back first if it was written claimed; a request
                # whose message was rolled back finds nothing due.
                try:
                    await self.deliverer.give_back(claimed_ids(info))
                except Exception as exc:
                    # Left claimed, they go when the claim is taken for abandoned.
                    log.warning(
                        "replies written claimed were not given back (%s)", type(exc).__name__
                    )
            await self._send(held, committed or {})

    async def _send(self, held: list[DeliveryRequest], claims: dict[int, Claim]) -> None:
        for request in held:
            try:
                if request.not_before is not None:
                    # asyncpg: no job was written in the transaction (see `bot.jobs`).
                    await self.jobs.defer_requests([request])
                    continue
                claim = claims.pop(request.identity_id, None)
                until = await self.deliverer.drain(request.identity_id, claim)
                if until is not None:
                    await self.jobs.come_back(request.identity_id, until)
            except Exception as exc:
                log.warning(
                    "replies to person %s are left for the sweep (%s)",
                    request.identity_id,
                    type(exc).__name__,
                )


async def hand_to_staff(session_factory: SessionFactory, event_id: int) -> None:
    """Take a kept event no job will handle and open an urgent ticket with what the person
    sent, in a transaction of its own. If that fails, the event stays for the next sweep
    (retention deletes it a day on)."""
    try:
        async with transaction(session_factory) as session:
            taken = await take_event(session, event_id)
            if taken is None:
                return
            event, received_at, _ = taken
            ticket = await do_hand_to_staff(
                session=session, event=event, received_at=received_at, now=utcnow()
            )
    except Exception as exc:
        log.error(
            "update %s was not handled and could not be handed to staff (%s): it stays in the"
            " inbox",
            event_id,
            type(exc).__name__,
        )
        return
    log.error("update %s was not handled: ticket %s is open for staff", event_id, ticket.ref)


# Kept events no job will handle any more: their last try failed and so did their hand-over
# (an outage longer than the tries, say), or their job is gone. Few, if any; but during a
# backlog thousands wait with their jobs, so the live jobs' events are read once, as a hashed
# set (NOT IN), where a correlated NOT EXISTS may be planned as a loop over both.
_STRANDED = sa.text(
    """SELECT e.id FROM inbound_events AS e
WHERE e.id NOT IN (
    SELECT CAST(j.args ->> 'event_id' AS integer) FROM procrastinate_jobs AS j
    WHERE j.task_name = :task AND j.status IN ('todo', 'doing')
        AND j.args ->> 'event_id' IS NOT NULL
)
ORDER BY e.id
LIMIT 100
"""
)


async def hand_over_stranded(session_factory: SessionFactory) -> None:
    """Hand to staff each kept event no job will handle any more (see `_STRANDED`)."""
    async with session_factory() as session:
        found = await session.exec(_STRANDED, params={"task": INBOUND})  # type: ignore[call-overload]
        stranded = [int(row[0]) for row in found]
    for event_id in stranded:
        await hand_to_staff(session_factory, event_id)


def register_inbox(
    app: procrastinate.App,
    handle: Callable[[int], Awaitable[object]],
    retries: int,
    sweep: Callable[[], Awaitable[object]],
) -> None:
    """Register the task that handles a kept event (`handle`, given its id), tried `retries`
    more times when it fails, and the sweep each minute that hands over events left without a
    job (`sweep`)."""

    @app.periodic(cron="* * * * *")
    @app.task(name=INBOX_SWEEP, queue=QUEUE, queueing_lock=INBOX_SWEEP)
    async def inbox_sweep(timestamp: int) -> None:
        """Hand to staff the kept updates that no job will handle any more."""
        await sweep()

    # Only a database away or a fault fails it; the event waits in the inbox meanwhile.
    retry = procrastinate.RetryStrategy(max_attempts=retries, exponential_wait=2)

    @app.task(name=INBOUND, queue=QUEUE, retry=retry)
    async def handle_inbound(event_id: int) -> None:
        """Handle one person's kept message or button press: the conversation's step."""
        await handle(event_id)


# The inbox's backlog and the workers alive, for `/readyz`: one statement, each part on an index
# (the oldest event by its id, the workers by their heartbeat).
_BACKLOG = sa.text(
    """SELECT
    (SELECT count(*) FROM inbound_events) AS waiting,
    (SELECT CAST(extract(epoch FROM now() - received_at) AS double precision)
        FROM inbound_events ORDER BY id LIMIT 1) AS oldest_seconds,
    (SELECT count(*) FROM procrastinate_workers
        WHERE last_heartbeat > now() - make_interval(secs => :stalled)) AS workers
"""
)


@dataclasses.dataclass(frozen=True)
class Backlog:
    """Events waiting for a worker, how long the oldest has waited, and workers that sent a
    heartbeat lately (each `helpbot worker` runs one or two task-engine workers)."""

    waiting: int
    oldest_seconds: float | None
    workers: int


async def read_backlog(engine: AsyncEngine) -> Backlog:
    """The inbox's backlog and the live workers, now (PostgreSQL)."""
    async with autocommit(engine) as connection:
        row = (await connection.execute(_BACKLOG, {"stalled": STALLED_AFTER_SECONDS})).one()
    oldest = None if row.oldest_seconds is None else round(max(row.oldest_seconds, 0.0), 1)
    return Backlog(waiting=row.waiting, oldest_seconds=oldest, workers=row.workers)
