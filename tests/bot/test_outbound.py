"""Outbound delivery to Telegram: what the outbox records when the Bot API accepts or refuses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from sqlmodel import col, update

from bot.channels.telegram import TelegramChannel
from bot.db import SessionFactory, transaction
from bot.outbound import Deliverer
from handlers.actions.delivery import RetryRule
from handlers.actions.outbox import queue_reply
from handlers.conversation.events import Reply
from models import ChannelIdentity, Message, Ticket
from models.base import utcnow
from models.enums import (
    ActorType,
    Channel,
    DeliveryStatus,
    EventKind,
    OutboundPriority,
    TicketStatus,
)
from tests.doubles.telegram_api import (
    BLOCKED,
    SERVER_ERROR,
    Failure,
    TelegramApiDouble,
    rate_limited,
    serve,
)
from tests.support.app import settings_for
from tests.support.chat import Chat
from tests.support.outbox import deliverer, due_people, load, make_due
from tests.support.tickets import events_of, seed_ticket

TOKEN = "123456:TEST-token"
CHAT_ID = 387654321


@pytest.fixture(scope="module")
def bot_api() -> Iterator[TelegramApiDouble]:
    with serve(TOKEN) as double:
        yield double


@pytest.fixture
async def channel(database_url: str, bot_api: TelegramApiDouble) -> AsyncIterator[TelegramChannel]:
    bot_api.reset()
    channel = TelegramChannel(settings_for(database_url, telegram=bot_api))
    await channel.start()
    yield channel
    await channel.stop()


@pytest.fixture
def delivery(db: SessionFactory, channel: TelegramChannel) -> Deliverer:
    return deliverer(db, {Channel.TELEGRAM: channel})


async def queue_greeting(db: SessionFactory) -> tuple[int, list[int]]:
    """A first "hello" from a Telegram user: the greeting and privacy notice are queued.
    Returns the person's identity id and the two messages' ids."""
    chat = Chat(db, channel=Channel.TELEGRAM, external_id=str(CHAT_ID), now=utcnow())
    await chat.send("hello")
    ids = chat.last_outcome.outbound_ids
    return (await load(db, ids[0])).identity_id, ids


async def test_a_sent_message_records_telegrams_id_for_it(
    db: SessionFactory, delivery: Deliverer, bot_api: TelegramApiDouble
) -> None:
    person, (greeting, notice) = await queue_greeting(db)

    assert await delivery.drain(person) is None

    first, second = bot_api.sent(CHAT_ID)
    for message_id, call in ((greeting, first), (notice, second)):
        row = await load(db, message_id)
        assert row.status is DeliveryStatus.SENT
        assert row.provider_message_id == f"{CHAT_ID}:{call.result['message_id']}"
        assert row.error is None
        assert row.attempts == 1
        assert not row.maybe_duplicate
        assert call.params["text"] == row.body
    keyboard = second.params["reply_markup"]["inline_keyboard"]
    assert [[b["callback_data"] for b in row] for row in keyboard] == [["agree"], ["decline"]]
    # Delivered once means never again.
    assert await delivery.drain(person) is None
    assert len(bot_api.sent(CHAT_ID)) == 2


async def test_a_blocked_bot_fails_the_message_and_opts_the_person_out(
    db: SessionFactory, delivery: Deliverer, bot_api: TelegramApiDouble
) -> None:
    person, (greeting, notice) = await queue_greeting(db)
    bot_api.fail_next("sendMessage", BLOCKED)

    await delivery.drain(person)

    row = await load(db, greeting)
    assert row.status is DeliveryStatus.FAILED
    assert row.error is not None and "bot was blocked by the user" in row.error
    assert row.provider_message_id is None
    async with db() as session:
        identity = await session.get(ChannelIdentity, person)
    assert identity is not None and identity.opted_out
    # A person who blocked the bot is not messaged again: the next message is not even tried.
    assert (await load(db, notice)).error == "the person has opted out (STOP)"
    assert person not in await due_people(db, after=timedelta(hours=1))
    assert await delivery.drain(person) is None
    assert len(bot_api.calls("sendMessage")) == 1


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        # Flood control longer than a send waits out in place (see the test below).
        pytest.param(rate_limited(6), "rate limited", id="429-retry-after"),
        pytest.param(SERVER_ERROR, "Internal Server Error", id="500"),
    ],
)
async def test_a_passing_failure_is_retried_until_sent(
    db: SessionFactory,
    delivery: Deliverer,
    bot_api: TelegramApiDouble,
    failure: Failure,
    reason: str,
) -> None:
    person, (greeting, notice) = await queue_greeting(db)
    bot_api.fail_next("sendMessage", failure)

    until = await delivery.drain(person)

    waiting = await load(db, greeting)
    assert waiting.status is DeliveryStatus.QUEUED
    assert waiting.error is not None and reason in waiting.error
    assert waiting.next_attempt_at is not None and waiting.next_attempt_at > utcnow()
    assert until == waiting.next_attempt_at
    # The notice waits behind the greeting's retry: it is never sent first.
    assert (await load(db, notice)).status is DeliveryStatus.QUEUED
    assert bot_api.sent(CHAT_ID) == []
    assert person not in await due_people(db)
    assert person in await due_people(db, after=timedelta(minutes=1))

    await make_due(db, greeting)
    assert await delivery.drain(person) is None

    sent = await load(db, greeting)
    assert sent.status is DeliveryStatus.SENT
    assert sent.error is None
    assert sent.attempts == 2
    delivered, then = bot_api.sent(CHAT_ID)
    assert sent.provider_message_id == f"{CHAT_ID}:{delivered.result['message_id']}"
    notice_sent = await load(db, notice)
    assert then.params["text"] == notice_sent.body
    # Claimed with the greeting but never tried while it waited: one attempt, not two.
    assert notice_sent.attempts == 1


async def test_a_short_flood_pause_is_waited_out_in_place_and_the_order_kept(
    db: SessionFactory, delivery: Deliverer, bot_api: TelegramApiDouble
) -> None:
    person, (greeting, notice) = await queue_greeting(db)
    bot_api.fail_next("sendMessage", rate_limited(1))

    assert await delivery.drain(person) is None

    refused, *delivered = bot_api.calls("sendMessage")
    assert not refused.ok
    first, then = delivered
    assert first.ok and then.ok
    assert first.params["text"] == refused.params["text"] == (await load(db, greeting)).body
    assert then.params["text"] == (await load(db, notice)).body
    # Telegram's pause is honoured before the message goes again, in the same run.
    assert first.at - refused.at >= 1.0
    sent = await load(db, greeting)
    assert sent.status is DeliveryStatus.SENT
    assert sent.attempts == 1  # a pause the provider asked for is not the message's failure


async def test_flood_control_is_waited_out_before_trying_again(
    db: SessionFactory, delivery: Deliverer, bot_api: TelegramApiDouble
) -> None:
    person, (greeting, _) = await queue_greeting(db)
    bot_api.fail_next("sendMessage", rate_limited(40))
    before = utcnow()

    await delivery.drain(person)

    row = await load(db, greeting)
    assert row.next_attempt_at is not None
    assert row.next_attempt_at >= before + timedelta(seconds=40)
    # Our own backoff alone would retry long before Telegram allows it.
    assert person not in await due_people(db, after=timedelta(seconds=30))


async def test_a_timeout_after_sending_sends_again_and_says_it_may_be_twice(
    db: SessionFactory, delivery: Deliverer, bot_api: TelegramApiDouble, channel: TelegramChannel
) -> None:
    person, (greeting, _) = await queue_greeting(db)
    channel.read_timeout = 0.3
    bot_api.delay_next("sendMessage", 1.0)

    await delivery.drain(person)

    waiting = await load(db, greeting)
    assert waiting.status is DeliveryStatus.QUEUED
    assert waiting.maybe_duplicate
    await make_due(db, greeting)
    await delivery.drain(person)

    sent = await load(db, greeting)
    assert sent.status is DeliveryStatus.SENT
    assert sent.maybe_duplicate  # staff see that the person may have it twice
    # The policy: a possible duplicate rather than a possible loss.
    texts = [c.params["text"] for c in bot_api.sent(CHAT_ID)]
    assert texts.count(sent.body) == 2


async def test_a_send_recorded_under_a_taken_provider_id_is_still_sent_once(
    db: SessionFactory, delivery: Deliverer, bot_api: TelegramApiDouble
) -> None:
    person, (greeting, notice) = await queue_greeting(db)
    other_chat = Chat(db, channel=Channel.TELEGRAM, external_id=str(CHAT_ID + 1), now=utcnow())
    await other_chat.send("hello")
    other = other_chat.last_outcome.outbound_ids[0]
    # Another row already holds the id the double will give the greeting's send.
    upcoming = f"{CHAT_ID}:{bot_api.peek_message_id()}"
    async with transaction(db) as session:
        await session.exec(
            update(Message).where(col(Message.id) == other).values(provider_message_id=upcoming)
        )

    await delivery.drain(person)

    first = await load(db, greeting)
    assert first.status is DeliveryStatus.SENT
    assert first.provider_message_id is None
    assert first.error is not None and "already recorded" in first.error
    # The clash stayed that message's: the next one went out too, each exactly once.
    second = await load(db, notice)
    assert second.status is DeliveryStatus.SENT
    assert (
        second.provider_message_id == f"{CHAT_ID}:{bot_api.sent(CHAT_ID)[1].result['message_id']}"
    )
    assert len(bot_api.sent(CHAT_ID)) == 2


async def test_a_message_queued_while_a_run_sends_goes_next_in_that_run(
    db: SessionFactory, delivery: Deliverer, bot_api: TelegramApiDouble
) -> None:
    """A run that claimed all of a person's messages still looks for one queued while it sent
    them (a staff reply), rather than leaving it for the sweep."""
    person, (greeting, notice) = await queue_greeting(db)
    bot_api.delay_next("sendMessage", 0.5)
    run = asyncio.create_task(delivery.drain(person))
    await bot_api.wait_for_calls("sendMessage", 1)
    async with transaction(db) as session:
        identity = await session.get(ChannelIdentity, person)
        assert identity is not None
        staff = await queue_reply(
            session=session,
            identity=identity,
            reply=Reply("A volunteer will ring you at 3pm."),
            now=utcnow(),
            actor_type=ActorType.STAFF,
            priority=OutboundPriority.STAFF,
        )

    assert await run is None

    texts = [call.params["text"] for call in bot_api.sent(CHAT_ID)]
    assert texts[2] == "A volunteer will ring you at 3pm."
    assert len(texts) == 3
    for message_id in (greeting, notice, staff.id):
        assert message_id is not None
        assert (await load(db, message_id)).status is DeliveryStatus.SENT


async def test_a_staff_reply_that_keeps_failing_is_put_before_staff_on_the_ticket(
    db: SessionFactory, channel: TelegramChannel, bot_api: TelegramApiDouble
) -> None:
    seeded = await seed_ticket(db, channel=Channel.TELEGRAM, external_id=str(CHAT_ID))
    async with transaction(db) as session:
        ticket = await session.get(Ticket, seeded.ticket.id)
        identity = await session.get(ChannelIdentity, seeded.identity.id)
        assert ticket is not None and identity is not None
        ticket.status = TicketStatus.WAITING  # as after a staff reply
        message = await queue_reply(
            session=session,
            identity=identity,
            reply=Reply(f"{ticket.ref}: is Friday OK?"),
            now=utcnow(),
            ticket=ticket,
            actor_type=ActorType.STAFF,
            priority=OutboundPriority.STAFF,
        )
    assert message.id is not None
    delivery = deliverer(db, {Channel.TELEGRAM: channel}, RetryRule(max_attempts=2))
    bot_api.fail_next("sendMessage", SERVER_ERROR, times=2)

    await delivery.drain(seeded.identity.id or 0)
    assert (await load(db, message.id)).status is DeliveryStatus.QUEUED
    await make_due(db, message.id)
    await delivery.drain(seeded.identity.id or 0)

    failed = await load(db, message.id)
    assert failed.status is DeliveryStatus.FAILED
    assert failed.error is not None and "Internal Server Error" in failed.error
    events = await events_of(db, seeded.ticket)
    [event] = [e for e in events if e.kind is EventKind.DELIVERY_FAILED]
    assert event.message_id == message.id
    assert "Internal Server Error" in event.data["reason"]
    # The ticket was waiting for an answer to a message that never arrived: back to staff.
    assert events[-1].kind is EventKind.STATUS_CHANGED
    assert events[-1].data == {"from": "waiting", "to": "in_progress"}
    assert len(bot_api.calls("sendMessage")) == 2
