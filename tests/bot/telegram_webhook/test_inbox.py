"""On PostgreSQL a webhook only keeps the update, committed with the job that will handle it, and
a worker handles it (`bot.inbox`): nothing is lost while no worker runs, a redelivery waiting is
kept once, a person's updates are handled in the order they came, and a step that fails leaves
its update for the next try."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from procrastinate.worker import Worker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.app import create_app
from bot.db import SessionFactory, transaction
from bot.inbox import dump_event, keep_event, load_event, take_event
from bot.job_rules import DELIVER, INBOUND, INBOX_SWEEP
from bot.logs import PrivateFormatter
from bot.services import running
from handlers.actions.outbox import queue_reply
from handlers.conversation.catalog import t
from handlers.conversation.events import IncomingEvent, Keyword, Location, Media, MediaKind, Reply
from models import ChannelIdentity, InboundEvent, Message, Ticket, TicketEvent
from models.base import utcnow
from models.enums import Channel, Direction, EventKind, TicketPriority, TicketStatus
from tests.bot.telegram_webhook.person import SECRET, Person
from tests.conftest import postgres_only
from tests.doubles.telegram_api import TelegramApiDouble
from tests.support.app import settings_for, working
from tests.support.refusals import allow_writes, refuse_writes
from tests.support.servers import (
    ThreadedServer,
    pending_outbound,
    wait_for_idle_outbox,
    wait_until,
)


@pytest.fixture
def web_only(database_url: str, bot_api: TelegramApiDouble) -> Iterator[tuple[str, Any]]:
    """The web process alone, no worker yet: (its URL, its settings)."""
    settings = settings_for(database_url, telegram=bot_api, telegram_webhook_secret=SECRET)
    server = ThreadedServer(create_app(settings)).start()
    try:
        yield server.url, settings
    finally:
        server.stop()


@pytest.fixture
async def someone(
    web_only: tuple[str, Any], db: SessionFactory, bot_api: TelegramApiDouble
) -> AsyncIterator[Person]:
    bot_api.reset()
    async with db() as session, session.begin():
        # The task engine's table is not emptied with ours between tests.
        await session.exec(  # type: ignore[call-overload]
            text("DELETE FROM procrastinate_jobs WHERE task_name IN (:inbound, :deliver)"),
            params={"inbound": INBOUND, "deliver": DELIVER},
        )
    async with httpx.AsyncClient(base_url=web_only[0], timeout=10.0) as client:
        yield Person(client, bot_api, db, chat_id=5550001)


async def _waiting(db: SessionFactory) -> list[InboundEvent]:
    async with db() as session:
        return list((await session.exec(select(InboundEvent).order_by(col(InboundEvent.id)))).all())


async def _inbound_jobs(db: SessionFactory) -> list[dict[str, Any]]:
    async with db() as session:
        rows = await session.exec(  # type: ignore[call-overload]
            text(
                "SELECT lock, args::text AS args, status, attempts FROM procrastinate_jobs"
                " WHERE task_name = :task ORDER BY id"
            ),
            params={"task": INBOUND},
        )
        return [dict(row._mapping) for row in rows]


async def _words_in(db: SessionFactory, chat_id: int) -> list[str]:
    """What the person wrote, in the order the conversation recorded it."""
    async with db() as session:
        statement = (
            select(Message.body)
            .join(ChannelIdentity, col(ChannelIdentity.id) == col(Message.identity_id))
            .where(
                col(Message.direction) == Direction.IN,
                col(ChannelIdentity.external_id) == str(chat_id),
            )
            .order_by(col(Message.id))
        )
        return list((await session.exec(statement)).all())


@postgres_only
async def test_an_update_is_kept_with_its_job_until_a_worker_handles_it_once(
    someone: Person, db: SessionFactory, web_only: tuple[str, Any]
) -> None:
    update = someone.message_update(text="Hello, my name is Margaret")
    assert await someone.post(update) == 200
    # Telegram sends it again (it thought the first try failed): kept once.
    assert await someone.post(update) == 200

    [kept] = await _waiting(db)
    assert kept.provider_id == f"update:{update['update_id']}"
    [job] = await _inbound_jobs(db)
    assert job["status"] == "todo"
    assert job["lock"] == f"sender:telegram:{someone.chat_id}"
    # The job names the event by id: no words of the person's reach the job table.
    assert "Margaret" not in job["args"]
    assert someone.seen() == []

    with working(web_only[1]):
        await wait_for_idle_outbox(db)
    assert await _waiting(db) == []
    assert await _words_in(db, someone.chat_id) == ["Hello, my name is Margaret"]
    # Answered once: the greeting, and the privacy notice with its button.
    greeting, notice = someone.seen()
    assert greeting.buttons == [] and notice.buttons


@postgres_only
async def test_a_persons_updates_are_handled_in_the_order_they_came(
    someone: Person, db: SessionFactory, web_only: tuple[str, Any]
) -> None:
    said = ["hello", "I need food", "menu", "help", "back", "menu", "cancel", "thank you"]
    for words in said:
        assert await someone.post(someone.message_update(text=words)) == 200
    other = Person(someone.client, someone.api, db, chat_id=5550002)
    assert await other.post(other.message_update(text="hello")) == 200
    locks = {job["lock"] for job in await _inbound_jobs(db)}
    assert locks == {"sender:telegram:5550001", "sender:telegram:5550002"}

    with working(web_only[1]):
        await wait_for_idle_outbox(db)
    recorded = await _words_in(db, someone.chat_id)
    assert [w for w in recorded if w in said] == said
    assert len(other.seen()) == 2


@postgres_only
async def test_a_step_that_fails_leaves_its_update_for_the_next_try(
    someone: Person, db: SessionFactory, web_only: tuple[str, Any]
) -> None:
    with working(web_only[1]):
        await someone.say("hello")
        await refuse_writes(db, "messages")
        try:
            before = len(someone.seen())
            assert await someone.post(someone.message_update(text="Yes I agree")) == 200

            async def failed_once() -> bool:
                jobs = await _inbound_jobs(db)
                tried = jobs[-1]["status"] == "todo" and jobs[-1]["attempts"] >= 1
                return tried and len(await _waiting(db)) == 1

            await wait_until(failed_once, "the step to fail and its job to wait for a retry")
        finally:
            await allow_writes(db)
        await wait_for_idle_outbox(db)
    assert await _waiting(db) == []
    assert "Yes I agree" in await _words_in(db, someone.chat_id)
    assert len(someone.seen()) > before


async def _failed_for_good(db: SessionFactory) -> bool:
    jobs = await _inbound_jobs(db)
    return bool(jobs) and jobs[-1]["status"] == "failed"


async def _tickets(db: SessionFactory) -> list[tuple[Ticket, ChannelIdentity, list[str]]]:
    async with db() as session:
        rows = await session.exec(
            select(Ticket, ChannelIdentity)
            .join(ChannelIdentity, col(ChannelIdentity.id) == col(Ticket.identity_id))
            .order_by(col(Ticket.id))
        )
        found = []
        for ticket, identity in rows.all():
            events = await session.exec(
                select(TicketEvent.kind)
                .where(TicketEvent.ticket_id == ticket.id)
                .order_by(col(TicketEvent.id))
            )
            found.append((ticket, identity, list(events.all())))
        return found


async def _sweep(settings: Any) -> None:
    """The inbox's periodic sweep, its task's own body, as a worker runs it each minute."""
    async with running(settings, worker=True) as services:
        assert services.jobs is not None
        await services.jobs.app.tasks[INBOX_SWEEP](timestamp=0)


@postgres_only
async def test_an_update_that_fails_every_try_goes_to_staff_as_an_urgent_ticket(
    someone: Person,
    db: SessionFactory,
    web_only: tuple[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    # One retry, 2 s after the first try, rather than ten over half an hour.
    settings = web_only[1].model_copy(update={"inbound_retries": 1})
    said = "My carer has not come today and I have no food in"
    assert await someone.post(someone.message_update(text=said)) == 200
    # The step's last write is where the person's conversation is kept: it fails on every try.
    await refuse_writes(db, "conversations")
    try:
        with working(settings):
            await wait_until(lambda: _failed_for_good(db), "the last try to fail")
        assert someone.seen() == []
        # The hand-over keeps no conversation: it works while the step's own write is refused.
        await _sweep(settings)
        # A second sweep finds nothing left to hand over, so nothing is said twice.
        await _sweep(settings)
    finally:
        await allow_writes(db)

    [(ticket, identity, events)] = await _tickets(db)
    assert (identity.channel, identity.external_id) == (Channel.TELEGRAM, str(someone.chat_id))
    assert ticket.priority == TicketPriority.URGENT
    assert ticket.status == TicketStatus.NEW
    assert ticket.details["message"] == said
    assert events == [EventKind.CREATED, EventKind.HANDLING_FAILED, EventKind.MESSAGE_OUT]
    assert await _waiting(db) == []
    # Every try was spent before the hand-over: the job failed for good after both.
    [job] = await _inbound_jobs(db)
    assert (job["status"], job["attempts"]) == ("failed", 2)
    assert await _words_in(db, someone.chat_id) == []

    # The person is told, once, that a person will reply: the hand-over queued it with the
    # ticket, and a worker delivers it as any reply.
    with working(settings):
        await wait_for_idle_outbox(db)
    [apology] = someone.seen()
    assert apology.text == t("error.handed_to_staff", "en", variant="telegram")
    assert apology.buttons == []

    # The task engine logs each failed try with its traceback, at INFO: neither the person's
    # words (the statement's values) nor the database's own message is written.
    tries = [r for r in caplog.records if r.name.startswith("procrastinate") and r.exc_info]
    assert len(tries) == 2
    assert not any(said in repr(r.exc_info) for r in tries)
    written = "\n".join(PrivateFormatter().format(r) for r in caplog.records)
    assert "(message withheld)" in written
    assert said not in written and "refused" not in written


@postgres_only
async def test_an_update_that_cannot_be_handed_to_staff_either_is_handed_over_by_the_sweep(
    someone: Person, db: SessionFactory, web_only: tuple[str, Any]
) -> None:
    settings = web_only[1].model_copy(update={"inbound_retries": 1})
    assert await someone.post(someone.message_update(text="hello")) == 200
    # Its job still waits for a worker: the sweep leaves it to that job.
    await _sweep(settings)
    assert len(await _waiting(db)) == 1
    await refuse_writes(db, "messages", "tickets")
    try:
        with working(settings):
            await wait_until(lambda: _failed_for_good(db), "the last try to fail")
        assert await _tickets(db) == []
        [kept] = await _waiting(db)
        assert kept.event["text"] == "hello"
        # Still refused (an outage longer than the tries): it stays for the next sweep.
        await _sweep(settings)
        assert len(await _waiting(db)) == 1
    finally:
        await allow_writes(db)

    await _sweep(settings)
    [(ticket, identity, events)] = await _tickets(db)
    assert identity.external_id == str(someone.chat_id)
    assert ticket.details["message"] == "hello"
    assert events == [EventKind.CREATED, EventKind.HANDLING_FAILED, EventKind.MESSAGE_OUT]
    assert await _waiting(db) == []


@postgres_only
async def test_readiness_tells_the_inbox_backlog_and_the_workers_alive(
    someone: Person, db: SessionFactory, web_only: tuple[str, Any]
) -> None:
    async def ready() -> dict[str, Any]:
        answer = await someone.client.get("/readyz")
        assert answer.status_code == 200
        body: dict[str, Any] = answer.json()
        return body

    async def no_worker() -> bool:
        return bool((await ready())["workers"] == 0)

    # A worker of an earlier test that stopped without saying so counts until it is stalled.
    await wait_until(no_worker, "no worker to be alive")
    assert (await ready())["inbox"] == {"waiting": 0, "oldest_seconds": None}

    assert await someone.post(someone.message_update(text="hello")) == 200
    assert await someone.post(someone.message_update(text="is anyone there")) == 200
    waiting = (await ready())["inbox"]
    assert waiting["waiting"] == 2
    assert 0 <= waiting["oldest_seconds"] < 10

    async def worker_alive_and_inbox_empty() -> bool:
        body = await ready()
        return bool(body["workers"] >= 1 and body["inbox"]["waiting"] == 0)

    with working(web_only[1]):
        await wait_until(worker_alive_and_inbox_empty, "a worker to empty the inbox")
        body = await ready()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["inbox"] == {"waiting": 0, "oldest_seconds": None}


@postgres_only
async def test_a_worker_sends_a_steps_replies_in_the_job_that_ran_it(
    someone: Person, db: SessionFactory, web_only: tuple[str, Any]
) -> None:
    assert await someone.post(someone.message_update(text="hello")) == 200
    async with running(web_only[1], worker=True) as services:
        assert services.jobs is not None
        # Every job there is, until none is left; finished ones stay in the table to be read.
        worker = Worker(
            app=services.jobs.app,
            wait=False,
            listen_notify=False,
            delete_jobs="never",
            install_signal_handlers=False,
        )
        await worker.run()  # type: ignore[no-untyped-call]
    async with db() as session:
        rows = await session.exec(  # type: ignore[call-overload]
            text(
                "SELECT task_name, status FROM procrastinate_jobs"
                " WHERE task_name IN (:inbound, :deliver) ORDER BY id"
            ),
            params={"inbound": INBOUND, "deliver": DELIVER},
        )
        jobs = [tuple(row) for row in rows]
    assert jobs == [(INBOUND, "succeeded")]
    assert len(someone.seen()) == 2
    assert await pending_outbound(db) == 0


def test_an_event_reads_back_as_it_was_kept() -> None:
    event = IncomingEvent(
        channel=Channel.SMS,
        external_id="+447700900123",
        provider_id="SM123",
        text="مرحبا 👋",
        location=Location(51.5, -0.12),
        media=(Media(MediaKind.PHOTO, "https://example.org/1", "image/jpeg"),),
        display_name="Amira",
        phone="+447700900123",
        profile={"first_name": "Amira"},
        keyword=Keyword.OPT_OUT,
        provider_confirms_opt_out=True,
        language="ar",
    )
    assert load_event(json.loads(dump_event(event))) == event
    plain = IncomingEvent(channel=Channel.TELEGRAM, external_id="1", choice="menu:food")
    assert load_event(json.loads(dump_event(plain))) == plain


@postgres_only
async def test_a_steps_replies_go_after_the_persons_earlier_message_waiting_its_retry(
    someone: Person, db: SessionFactory, web_only: tuple[str, Any]
) -> None:
    assert await someone.post(someone.message_update(text="hello")) == 200
    with working(web_only[1]):
        await wait_for_idle_outbox(db)
    assert len(someone.seen()) == 2
    # A message to them that failed is waiting for its retry, due in a few seconds.
    async with transaction(db) as session:
        [identity] = (await session.exec(select(ChannelIdentity))).all()
        earlier = await queue_reply(
            session=session,
            identity=identity,
            reply=Reply("Your parcel is on its way"),
            now=utcnow(),
        )
        earlier.attempts = 1
        earlier.next_attempt_at = utcnow() + timedelta(seconds=3)

    assert await someone.post(someone.message_update(text="hello")) == 200
    with working(web_only[1]):
        await wait_for_idle_outbox(db)
    # The step's replies waited for it: a person's messages arrive in the order they were queued.
    later = someone.seen()[2:]
    assert len(later) > 1
    assert later[0].text == "Your parcel is on its way"


@postgres_only
async def test_a_kept_event_is_taken_with_the_person_it_comes_from(
    someone: Person, db: SessionFactory, engine: AsyncEngine, web_only: tuple[str, Any]
) -> None:
    assert await someone.post(someone.message_update(text="hello")) == 200
    with working(web_only[1]):
        await wait_for_idle_outbox(db)
    for chat in (someone.chat_id, 5550009):
        event = IncomingEvent(Channel.TELEGRAM, str(chat), provider_id=f"update:{chat}", text="hi")
        assert await keep_event(engine, event, utcnow())
    first, stranger = await _waiting(db)

    async with transaction(db) as session:
        taken = await take_event(session, first.id or 0)
        assert taken is not None
        event, _, read = taken
        assert event.external_id == str(someone.chat_id)
        assert read.found is not None
        identity, contact = read.found
        assert identity.external_id == str(someone.chat_id)
        assert contact.id == identity.contact_id
        taken = await take_event(session, stranger.id or 0)
        assert taken is not None and taken[2].found is None
        # Taken means deleted: a second take finds nothing.
        assert await take_event(session, first.id or 0) is None
    assert await _waiting(db) == []
