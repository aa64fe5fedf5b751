"""On PostgreSQL a webhook only keeps the update, committed with the job that will handle it, and
a worker handles it (`bot.inbox`): nothing is lost while no worker runs, a redelivery waiting is
kept once, a person's updates are handled in the order they came, and a step that fails leaves
its update for the next try."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from procrastinate.worker import Worker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.db import SessionFactory, transaction
from bot.inbox import dump_event, keep_event, load_event, take_event
from bot.job_rules import DELIVER, INBOUND
from bot.services import running
from handlers.actions.outbox import queue_reply
from handlers.conversation.events import IncomingEvent, Keyword, Location, Media, MediaKind, Reply
from models import ChannelIdentity
from models.base import utcnow
from models.enums import Channel
from tests.bot.telegram_webhook.inbox_reads import heard, inbound_jobs, waiting, words_in
from tests.bot.telegram_webhook.person import Person
from tests.conftest import postgres_only
from tests.support.app import working
from tests.support.refusals import allow_writes, refuse_writes
from tests.support.servers import (
    pending_outbound,
    wait_for_idle_outbox,
    wait_until,
)


@postgres_only
async def test_an_update_is_kept_with_its_job_until_a_worker_handles_it_once(
    someone: Person, db: SessionFactory, web_only: tuple[str, Any]
) -> None:
    update = someone.message_update(text="Hello, my name is Margaret")
    assert await someone.post(update) == 200
    # Telegram sends it again (it thought the first try failed): kept once.
    assert await someone.post(update) == 200

    [kept] = await waiting(db)
    assert kept.provider_id == f"update:{update['update_id']}"
    [job] = await inbound_jobs(db)
    assert job["status"] == "todo"
    assert job["lock"] == f"sender:telegram:{someone.chat_id}"
    # The job names the event by id: no words of the person's reach the job table.
    assert "Margaret" not in job["args"]
    assert someone.seen() == []

    with working(web_only[1]):
        await wait_for_idle_outbox(db)
    assert await waiting(db) == []
    assert await words_in(db, someone.chat_id) == ["Hello, my name is Margaret"]
    # Answered once: the greeting, and the privacy notice with its button.
    greeting, notice = someone.seen()
    assert greeting.buttons == [] and notice.buttons


@postgres_only
async def test_a_returning_persons_last_message_is_marked_as_it_is_handled(
    someone: Person, db: SessionFactory, web_only: tuple[str, Any]
) -> None:
    # Staff's "last heard" and WhatsApp's 24-hour window are reckoned from it.
    for words in ("hello", "menu"):
        assert await someone.post(someone.message_update(text=words)) == 200
        with working(web_only[1]):
            await wait_for_idle_outbox(db)
        last_heard, last_message = await heard(db, someone.chat_id)
        assert last_heard is not None and last_heard == last_message
    first, _ = await heard(db, someone.chat_id)
    assert await someone.post(someone.message_update(text="back")) == 200
    with working(web_only[1]):
        await wait_for_idle_outbox(db)
    assert (await heard(db, someone.chat_id))[0] > first


@postgres_only
async def test_a_persons_updates_are_handled_in_the_order_they_came(
    someone: Person, db: SessionFactory, web_only: tuple[str, Any]
) -> None:
    said = ["hello", "I need food", "menu", "help", "back", "menu", "cancel", "thank you"]
    for words in said:
        assert await someone.post(someone.message_update(text=words)) == 200
    other = Person(someone.client, someone.api, db, chat_id=5550002)
    assert await other.post(other.message_update(text="hello")) == 200
    locks = {job["lock"] for job in await inbound_jobs(db)}
    assert locks == {"sender:telegram:5550001", "sender:telegram:5550002"}

    with working(web_only[1]):
        await wait_for_idle_outbox(db)
    recorded = await words_in(db, someone.chat_id)
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
                jobs = await inbound_jobs(db)
                tried = jobs[-1]["status"] == "todo" and jobs[-1]["attempts"] >= 1
                return tried and len(await waiting(db)) == 1

            await wait_until(failed_once, "the step to fail and its job to wait for a retry")
        finally:
            await allow_writes(db)
        await wait_for_idle_outbox(db)
    assert await waiting(db) == []
    assert "Yes I agree" in await words_in(db, someone.chat_id)
    assert len(someone.seen()) > before


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
    first, stranger = await waiting(db)

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
    assert await waiting(db) == []
