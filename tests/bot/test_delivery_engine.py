"""The delivery engine as deployed: jobs on the task engine (PostgreSQL, a real worker) or the
web process's own runner (SQLite), against the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.channels.telegram import TelegramChannel
from bot.config import Settings
from bot.db import SessionFactory, transaction
from bot.embedded import EmbeddedDelivery
from bot.job_rules import BULK_COME_BACK, INBOUND, sender_lock
from bot.services import Services, running
from handlers.actions.identities import get_or_create_identity
from handlers.actions.outbox import DeliveryRequest, queue_reply
from handlers.conversation.events import IncomingEvent, Reply
from models import Message
from models.base import utcnow
from models.enums import Channel, DeliveryStatus, OutboundPriority
from tests.conftest import postgres_only
from tests.doubles.telegram_api import SERVER_ERROR, TelegramApiDouble, serve
from tests.support.app import ThreadedWorker, settings_for
from tests.support.outbox import deliverer, jobs_for, load
from tests.support.servers import wait_until

TOKEN = "123456:ENGINE-token"


@pytest.fixture(scope="module")
def bot_api() -> Iterator[TelegramApiDouble]:
    with serve(TOKEN) as double:
        yield double


@pytest.fixture
def settings(database_url: str, bot_api: TelegramApiDouble) -> Settings:
    bot_api.reset()
    return settings_for(database_url, telegram=bot_api)


@pytest.fixture
async def services(db: SessionFactory, settings: Settings) -> AsyncIterator[Services]:
    """The web process's services on an empty database (delivering itself on SQLite)."""
    async with running(settings) as services:
        yield services


def hello(chat_id: int) -> IncomingEvent:
    return IncomingEvent(
        channel=Channel.TELEGRAM,
        external_id=str(chat_id),
        text="hello",
        provider_id=f"update:{chat_id}",
    )


async def queue(
    factory: SessionFactory, chat_id: int, text: str, priority: OutboundPriority
) -> tuple[int, int]:
    """One message to a Telegram chat, queued as a flow would; returns (identity, message)."""
    event = IncomingEvent(channel=Channel.TELEGRAM, external_id=str(chat_id))
    async with transaction(factory) as session:
        identity, _ = await get_or_create_identity(session=session, event=event, now=utcnow())
        message = await queue_reply(
            session=session, identity=identity, reply=Reply(text), now=utcnow(), priority=priority
        )
    assert identity.id is not None and message.id is not None
    return identity.id, message.id


async def queue_overdue(
    factory: SessionFactory, chat_id: int, text: str, priority: OutboundPriority
) -> int:
    """`queue`, the message due two minutes ago (as one a sweep should find); the identity."""
    person, message_id = await queue(factory, chat_id, text, priority)
    async with transaction(factory) as session:
        message = await session.get(Message, message_id)
        assert message is not None
        message.next_attempt_at = utcnow() - timedelta(minutes=2)
    return person


async def all_sent(db: SessionFactory, count: int) -> bool:
    async with db() as session:
        rows = (await session.exec(select(Message.status).where(Message.direction == "out"))).all()
    return len(rows) == count and all(s is DeliveryStatus.SENT for s in rows)


def worker_for(settings: Settings, concurrency: int = 4) -> Any:
    """A real `helpbot worker` on PostgreSQL; nothing on SQLite, where the web process sends."""
    return None if settings.is_sqlite else ThreadedWorker(settings, concurrency).start()


async def test_a_retry_keeps_the_persons_order_and_is_sent(
    db: SessionFactory, services: Services, settings: Settings, bot_api: TelegramApiDouble
) -> None:
    bot_api.fail_next("sendMessage", SERVER_ERROR)
    worker = worker_for(settings)
    try:
        outcome = await services.receive(hello(7001))
        greeting, notice = outcome.outbound_ids

        async def both() -> bool:
            return await all_sent(db, 2)

        # The greeting waits out a short backoff (2 s); the notice waits behind it.
        await wait_until(both, "both messages to be sent")
    finally:
        if worker is not None:
            worker.stop()
    assert (await load(db, greeting)).attempts == 2
    texts = [c.params["text"] for c in bot_api.sent(7001)]
    assert texts == [(await load(db, greeting)).body, (await load(db, notice)).body]
    failed = [c for c in bot_api.calls("sendMessage") if not c.ok]
    assert len(failed) == 1 and failed[0].params["text"] == texts[0]


async def test_a_reply_goes_before_bulk_queued_earlier(
    db: SessionFactory, settings: Settings, bot_api: TelegramApiDouble
) -> None:
    bulk = 12

    async def queue_all(factory: SessionFactory) -> None:
        for n in range(bulk):
            await queue(factory, 8000 + n, f"How are you today? ({n})", OutboundPriority.BULK)
        await queue(factory, 8999, "Thank you, here is your answer", OutboundPriority.REPLY)

    if settings.is_sqlite:
        # The web process's runner, one person at a time, on messages already queued.
        channel = TelegramChannel(settings)
        await channel.start()
        try:
            await queue_all(db)
            await EmbeddedDelivery(deliverer(db, {Channel.TELEGRAM: channel}), 1).drain_all()
        finally:
            await channel.stop()
    else:
        async with running(settings) as services:
            await queue_all(services.session_factory)
        worker = ThreadedWorker(settings, concurrency=1).start()
        try:

            async def done() -> bool:
                return await all_sent(db, bulk + 1)

            await wait_until(done, "every message to be sent")
        finally:
            worker.stop()
    sent = bot_api.sent()
    assert len(sent) == bulk + 1
    assert sent[0].params["text"] == "Thank you, here is your answer"


@postgres_only
async def test_a_rolled_back_change_leaves_no_job_and_a_committed_one_leaves_one(
    db: SessionFactory, services: Services, engine: AsyncEngine
) -> None:
    event = IncomingEvent(channel=Channel.TELEGRAM, external_id="9100")
    async with transaction(services.session_factory) as session:
        identity, _ = await get_or_create_identity(session=session, event=event, now=utcnow())
    assert identity.id is not None

    with pytest.raises(RuntimeError):
        async with transaction(services.session_factory) as session:
            await queue_reply(session=session, identity=identity, reply=Reply("a"), now=utcnow())
            # The job is already written, in this transaction, before it ends.
            assert await jobs_for(engine, identity.id) == 0  # not visible outside it
            raise RuntimeError("the change fails after queueing")
    assert await jobs_for(engine, identity.id) == 0
    async with db() as session:
        assert (await session.exec(select(Message))).all() == []

    async with transaction(services.session_factory) as session:
        await queue_reply(session=session, identity=identity, reply=Reply("b"), now=utcnow())
    assert await jobs_for(engine, identity.id) == 1


@postgres_only
async def test_the_sweep_defers_a_job_for_an_overdue_message_that_has_none(
    db: SessionFactory, services: Services, engine: AsyncEngine
) -> None:
    # Queued by a session with no job hook: the row is committed, no job exists.
    person = await queue_overdue(db, 9200, "hello", OutboundPriority.REPLY)
    assert await jobs_for(engine, person) == 0
    assert services.jobs is not None

    assert await services.jobs.sweep() == [person]
    assert await jobs_for(engine, person) == 1
    assert await services.jobs.sweep() == []  # a job is waiting for them now


@postgres_only
async def test_the_sweep_leaves_replies_the_job_handling_their_update_is_sending(
    db: SessionFactory, services: Services, engine: AsyncEngine
) -> None:
    # A step's replies are timed at the update's arrival: minutes ago after a backlog.
    person = await queue_overdue(db, 9205, "Hello", OutboundPriority.REPLY)
    # The job that ran the step is still running: it sends them next (`bot.inbox`).
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, args, status)"
                " VALUES ('delivery', :task, :lock, '{}', 'todo')"
            ),
            {"task": INBOUND, "lock": sender_lock(Channel.TELEGRAM, "9205")},
        )
        await connection.execute(
            text("UPDATE procrastinate_jobs SET status = 'doing' WHERE task_name = :task"),
            {"task": INBOUND},
        )
    assert services.jobs is not None

    assert await services.jobs.sweep() == []
    assert await jobs_for(engine, person) == 0
    # Had it ended without sending them (a worker stopped in between), the sweep steps in.
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE procrastinate_jobs SET status = 'failed' WHERE task_name = :task"),
            {"task": INBOUND},
        )
    assert await services.jobs.sweep() == [person]
    assert await jobs_for(engine, person) == 1


@postgres_only
async def test_the_sweep_leaves_people_a_campaigns_bulk_run_will_reach(
    db: SessionFactory, services: Services, engine: AsyncEngine
) -> None:
    people = []
    for chat in (9210, 9211):
        people.append(await queue_overdue(db, chat, "check-in", OutboundPriority.BULK))
    assert services.jobs is not None
    # The first person is in a campaign's run that no worker has reached yet.
    async with transaction(services.session_factory) as session:
        await services.jobs.enqueue_many_in_transaction(
            session, [DeliveryRequest(people[0], OutboundPriority.BULK)]
        )

    assert await services.jobs.sweep() == [people[1]]
    assert await jobs_for(engine, people[0]) == 0


async def swept_jobs(engine: AsyncEngine, identity_id: int) -> list[tuple[str, int]]:
    """The person's waiting delivery jobs: (queue, priority)."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT queue_name, priority FROM procrastinate_jobs "
                "WHERE lock = :lock AND status = 'todo' ORDER BY id"
            ),
            {"lock": f"recipient:{identity_id}"},
        )
        return [(str(q), int(p)) for q, p in rows.all()]


@postgres_only
async def test_the_sweep_queues_an_overdue_answer_at_its_own_priority_not_behind_a_campaign(
    db: SessionFactory, services: Services, engine: AsyncEngine
) -> None:
    assert services.jobs is not None
    # Queued by sessions with no job hook, and overdue: only the sweep can find them.
    alone, _ = await queue(db, 9220, "Call 999 now", OutboundPriority.EMERGENCY)
    # Someone with a check-in in a campaign's run, and an emergency answer behind it.
    in_campaign, _ = await queue(db, 9221, "How are you?", OutboundPriority.BULK)
    await queue(db, 9221, "Call 999 now", OutboundPriority.EMERGENCY)
    # Someone whose campaign job waits for the campaign's hours, with a staff reply behind it.
    held, held_checkin = await queue(db, 9222, "How are you?", OutboundPriority.BULK)
    await queue(db, 9222, "Staff will ring you", OutboundPriority.STAFF)
    bulk_only, _ = await queue(db, 9223, "How are you?", OutboundPriority.BULK)
    async with transaction(db) as session:
        for message in (await session.exec(select(Message))).all():
            message.next_attempt_at = utcnow() - timedelta(minutes=2)
            if message.id == held_checkin:
                message.next_attempt_at = utcnow() + timedelta(hours=9)
    async with transaction(services.session_factory) as session:
        await services.jobs.enqueue_many_in_transaction(
            session, [DeliveryRequest(in_campaign, OutboundPriority.BULK)]
        )
    await services.jobs.defer_at(held, OutboundPriority.BULK, utcnow() + timedelta(hours=9))

    swept = await services.jobs.sweep()

    assert sorted(swept) == sorted([alone, in_campaign, held, bulk_only])
    assert await swept_jobs(engine, alone) == [("delivery", OutboundPriority.EMERGENCY)]
    assert await swept_jobs(engine, in_campaign) == [("delivery", OutboundPriority.EMERGENCY)]
    # A bulk message's come-back is still bulk, just ahead of a campaign's fresh runs.
    assert await swept_jobs(engine, held) == [
        ("delivery-bulk", BULK_COME_BACK),
        ("delivery", OutboundPriority.STAFF),
    ]
    assert await swept_jobs(engine, bulk_only) == [("delivery-bulk", BULK_COME_BACK)]
    assert await services.jobs.sweep() == []  # each has a job that will be picked in time


@postgres_only
async def test_asyncpg_sessions_defer_after_commit_and_deliver(
    db: SessionFactory, settings: Settings, bot_api: TelegramApiDouble
) -> None:
    on_asyncpg = settings.model_copy(
        update={"database_url": settings.database_url.replace("+psycopg", "+asyncpg")}
    )
    assert on_asyncpg.database_url.startswith("postgresql+asyncpg://")
    worker = ThreadedWorker(on_asyncpg).start()
    try:
        async with running(on_asyncpg) as services:
            await services.receive(hello(9300))

            async def both() -> bool:
                return await all_sent(db, 2)

            await wait_until(both, "both messages to be sent")
    finally:
        worker.stop()
    assert len(bot_api.sent(9300)) == 2


@postgres_only
async def test_the_messages_of_one_transaction_make_one_job(
    db: SessionFactory, services: Services, engine: AsyncEngine
) -> None:
    outcome = await services.receive(hello(9400))
    assert len(outcome.outbound_ids) == 2
    async with db() as session:
        person = (
            await session.exec(
                select(Message.identity_id).where(col(Message.id) == outcome.outbound_ids[0])
            )
        ).one()
    assert await jobs_for(engine, person) == 1
