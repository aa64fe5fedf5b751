"""Delivery jobs on the real worker and PostgreSQL: a retry keeps its place in line, and bulk
runs never take every slot from replies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.db import SessionFactory, transaction
from bot.services import running
from handlers.actions.identities import get_or_create_identity
from handlers.actions.outbox import DeliveryRequest, queue_reply
from handlers.conversation.events import IncomingEvent, Reply
from models.base import utcnow
from models.enums import Channel, DeliveryStatus, OutboundPriority
from tests.conftest import postgres_only
from tests.doubles.telegram_api import SERVER_ERROR, TelegramApiDouble, rate_limited, serve
from tests.support.app import ThreadedWorker, settings_for
from tests.support.outbox import load
from tests.support.servers import wait_until

TOKEN = "123456:JOBS-token"

pytestmark = postgres_only


@pytest.fixture(scope="module")
def bot_api() -> Iterator[TelegramApiDouble]:
    with serve(TOKEN) as double:
        yield double


async def queue_to(
    settings: Settings, chat_id: int, texts: list[str], priority: OutboundPriority
) -> tuple[int, list[int]]:
    """Messages to a Telegram chat, queued as a flow would (their job in the same transaction);
    returns (identity, message ids)."""
    event = IncomingEvent(channel=Channel.TELEGRAM, external_id=str(chat_id))
    async with running(settings) as services, transaction(services.session_factory) as session:
        identity, _ = await get_or_create_identity(session=session, event=event, now=utcnow())
        ids = []
        for body in texts:
            message = await queue_reply(
                session=session,
                identity=identity,
                reply=Reply(body),
                now=utcnow(),
                priority=priority,
            )
            ids.append(message.id)
    assert identity.id is not None
    return identity.id, [i for i in ids if i is not None]


async def jobs_of(engine: AsyncEngine, identity_id: int) -> list[tuple[int, str]]:
    """The person's delivery jobs: (id, status)."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT id, status FROM procrastinate_jobs WHERE lock = :lock ORDER BY id"),
            {"lock": f"recipient:{identity_id}"},
        )
        return [(int(i), str(s)) for i, s in rows.all()]


async def test_a_message_paused_by_flood_control_keeps_its_place_ahead_of_later_bulk(
    db: SessionFactory, database_url: str, bot_api: TelegramApiDouble
) -> None:
    bot_api.reset()
    settings = settings_for(database_url, telegram=bot_api)
    await queue_to(settings, 5001, ["Check-in for 5001"], OutboundPriority.BULK)
    for chat in (5002, 5003):
        await queue_to(settings, chat, [f"Check-in for {chat}"], OutboundPriority.BULK)
    bot_api.fail_next("sendMessage", rate_limited(1))

    worker = ThreadedWorker(settings, concurrency=1).start()
    try:

        async def all_three() -> bool:
            return len(bot_api.sent()) == 3

        await wait_until(all_three, "the three check-ins to be sent")
    finally:
        worker.stop()
    calls = bot_api.calls("sendMessage")
    assert [c.params["chat_id"] for c in calls if not c.ok] == [5001]
    # The first in line waited out the pause and still went first.
    assert [c.params["chat_id"] for c in bot_api.sent()] == [5001, 5002, 5003]


async def test_a_retry_is_the_same_job_coming_back_not_a_new_one_at_the_back(
    db: SessionFactory, database_url: str, engine: AsyncEngine, bot_api: TelegramApiDouble
) -> None:
    bot_api.reset()
    settings = settings_for(database_url, telegram=bot_api)
    person, (message_id,) = await queue_to(
        settings, 5101, ["How are you today?"], OutboundPriority.BULK
    )
    ((job_id, _),) = await jobs_of(engine, person)
    bot_api.fail_next("sendMessage", SERVER_ERROR)

    worker = ThreadedWorker(settings, concurrency=2).start()
    try:

        async def waiting_to_come_back() -> bool:
            message = await load(db, message_id)
            return message.attempts == 1 and await jobs_of(engine, person) == [(job_id, "todo")]

        # Between the failure and the retry (2 s later), the one job waits with its place.
        await wait_until(waiting_to_come_back, "the job to wait for the retry")
        waiting = await load(db, message_id)
        assert waiting.status is DeliveryStatus.QUEUED

        async def sent() -> bool:
            return (await load(db, message_id)).status is DeliveryStatus.SENT

        await wait_until(sent, "the retry to be sent")
    finally:
        worker.stop()
    assert [c.ok for c in bot_api.calls("sendMessage")] == [False, True]
    assert await jobs_of(engine, person) == []  # done, and no stray job left behind


async def test_bulk_runs_never_take_every_slot_from_a_reply(
    db: SessionFactory, database_url: str, bot_api: TelegramApiDouble
) -> None:
    bot_api.reset()
    # Each bulk run takes seconds: five messages to one chat at Telegram's per-chat pace.
    settings = settings_for(database_url, telegram=bot_api, telegram_max_per_chat_per_second=1)
    bulk_chats = list(range(5201, 5207))
    for chat in bulk_chats:
        await queue_to(settings, chat, [f"Part {n}" for n in range(5)], OutboundPriority.BULK)

    worker = ThreadedWorker(settings, concurrency=4).start()
    try:

        async def bulk_started() -> bool:
            return len(bot_api.sent()) > 0

        await wait_until(bulk_started, "the bulk to start")
        await queue_to(settings, 5299, ["Here is your answer"], OutboundPriority.REPLY)

        async def answered() -> bool:
            return len(bot_api.sent(5299)) == 1

        await wait_until(answered, "the reply to be sent")
    finally:
        worker.stop()
    sent = [c.params["chat_id"] for c in bot_api.sent()]
    before_reply = sent[: sent.index(5299)]
    # One bulk run at a time with four slots: the reply went while the first was still going,
    # not after four people's runs had each taken a slot.
    assert len(set(before_reply)) == 1
    assert len(before_reply) <= 5


async def test_refreshing_the_statistics_lets_the_planner_count_the_waiting_jobs(
    db: SessionFactory, database_url: str, engine: AsyncEngine, bot_api: TelegramApiDouble
) -> None:
    settings = settings_for(database_url, telegram=bot_api)
    for chat in range(5301, 5341):
        await queue_to(settings, chat, ["How are you today?"], OutboundPriority.BULK)

    async with running(settings) as services:
        assert services.jobs is not None
        await services.jobs.refresh_statistics()

    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = 'procrastinate_jobs'")
        )
        # The planner counts the 40 waiting jobs, where a fresh table says -1 (never counted).
        assert rows.scalar_one() >= 40


async def test_a_replys_job_written_with_its_message_is_the_one_procrastinate_defers(
    db: SessionFactory, database_url: str, engine: AsyncEngine, bot_api: TelegramApiDouble
) -> None:
    settings = settings_for(database_url, telegram=bot_api)
    later = utcnow() + timedelta(hours=1)
    requests = [
        DeliveryRequest(5301, OutboundPriority.REPLY),
        DeliveryRequest(5302, OutboundPriority.BULK, later),
    ]
    async with running(settings) as services:
        assert services.jobs is not None
        for request in requests:
            async with transaction(services.session_factory) as session:
                await services.jobs.enqueue_in_transaction(session, request)
            await services.jobs.defer_requests([request])

    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT queue_name, task_name, priority, lock, queueing_lock, args,"
                    " scheduled_at, status FROM procrastinate_jobs"
                    " WHERE lock IN ('recipient:5301', 'recipient:5302') ORDER BY id"
                )
            )
        ).all()
    written, deferred = rows[0::2], rows[1::2]
    assert written == deferred
    assert [(r.queue_name, r.priority, r.scheduled_at) for r in written] == [
        ("delivery", OutboundPriority.REPLY, None),
        ("delivery-bulk", OutboundPriority.BULK, later),
    ]
