"""Outbound delivery to Telegram: what the outbox records when the Bot API accepts or refuses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest

from bot.channels.telegram import TelegramChannel
from bot.db import SessionFactory
from bot.outbound import InProcessDispatcher, OutboxDelivery
from models import Message
from models.base import utcnow
from models.enums import Channel, DeliveryStatus
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
from tests.support.servers import wait_until

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
def delivery(db: SessionFactory, channel: TelegramChannel) -> OutboxDelivery:
    return OutboxDelivery(db, {Channel.TELEGRAM: channel})


async def queue_greeting(db: SessionFactory) -> list[int]:
    """A first "hello" from a Telegram user: the greeting and privacy notice are queued."""
    chat = Chat(db, channel=Channel.TELEGRAM, external_id=str(CHAT_ID), now=utcnow())
    await chat.send("hello")
    return chat.last_outcome.outbound_ids


async def load(db: SessionFactory, message_id: int) -> Message:
    async with db() as session:
        message = await session.get(Message, message_id)
    assert message is not None
    return message


async def test_a_sent_message_records_telegrams_id_for_it(
    db: SessionFactory, delivery: OutboxDelivery, bot_api: TelegramApiDouble
) -> None:
    greeting, notice = await queue_greeting(db)

    assert await delivery.deliver(greeting) is DeliveryStatus.SENT
    assert await delivery.deliver(notice) is DeliveryStatus.SENT

    first, second = bot_api.sent(CHAT_ID)
    for message_id, call in ((greeting, first), (notice, second)):
        row = await load(db, message_id)
        assert row.status is DeliveryStatus.SENT
        assert row.provider_message_id == f"{CHAT_ID}:{call.result['message_id']}"
        assert row.error is None
        assert row.attempts == 1
        assert call.params["text"] == row.body
    keyboard = second.params["reply_markup"]["inline_keyboard"]
    assert [[b["callback_data"] for b in row] for row in keyboard] == [["agree"], ["decline"]]
    # Delivered once means never again.
    assert await delivery.deliver(greeting) is None
    assert len(bot_api.sent(CHAT_ID)) == 2


async def test_a_blocked_bot_fails_the_message_with_the_reason(
    db: SessionFactory, delivery: OutboxDelivery, bot_api: TelegramApiDouble
) -> None:
    greeting, _ = await queue_greeting(db)
    bot_api.fail_next("sendMessage", BLOCKED)

    assert await delivery.deliver(greeting) is DeliveryStatus.FAILED

    row = await load(db, greeting)
    assert row.status is DeliveryStatus.FAILED
    assert row.error is not None and "bot was blocked by the user" in row.error
    assert row.provider_message_id is None
    # A person who blocked the bot is not messaged again.
    assert greeting not in await delivery.due_ids(utcnow() + timedelta(hours=1))
    assert await delivery.deliver(greeting) is None
    assert len(bot_api.calls("sendMessage")) == 1


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        pytest.param(rate_limited(1), "rate limited", id="429-retry-after"),
        pytest.param(SERVER_ERROR, "Internal Server Error", id="500"),
    ],
)
async def test_a_passing_failure_is_retried_until_sent(
    db: SessionFactory,
    delivery: OutboxDelivery,
    bot_api: TelegramApiDouble,
    failure: Failure,
    reason: str,
) -> None:
    greeting, _ = await queue_greeting(db)
    bot_api.fail_next("sendMessage", failure)

    assert await delivery.deliver(greeting) is DeliveryStatus.QUEUED

    waiting = await load(db, greeting)
    assert waiting.status is DeliveryStatus.QUEUED
    assert waiting.error is not None and reason in waiting.error
    assert waiting.next_attempt_at is not None and waiting.next_attempt_at > utcnow()
    assert greeting not in await delivery.due_ids(utcnow())
    assert greeting in await delivery.due_ids(utcnow() + timedelta(minutes=1))

    assert await delivery.deliver(greeting) is DeliveryStatus.SENT

    sent = await load(db, greeting)
    assert sent.status is DeliveryStatus.SENT
    assert sent.error is None
    assert sent.attempts == 2
    [delivered] = bot_api.sent(CHAT_ID)
    assert sent.provider_message_id == f"{CHAT_ID}:{delivered.result['message_id']}"


async def test_flood_control_is_waited_out_before_trying_again(
    db: SessionFactory, delivery: OutboxDelivery, bot_api: TelegramApiDouble
) -> None:
    greeting, _ = await queue_greeting(db)
    bot_api.fail_next("sendMessage", rate_limited(40))
    before = utcnow()

    assert await delivery.deliver(greeting) is DeliveryStatus.QUEUED

    row = await load(db, greeting)
    assert row.next_attempt_at is not None
    assert row.next_attempt_at >= before + timedelta(seconds=40)
    # Our own backoff alone would retry long before Telegram allows it.
    assert greeting not in await delivery.due_ids(utcnow() + timedelta(seconds=30))


async def test_the_background_dispatcher_retries_a_server_error_until_sent(
    db: SessionFactory, delivery: OutboxDelivery, bot_api: TelegramApiDouble
) -> None:
    greeting, notice = await queue_greeting(db)
    bot_api.fail_next("sendMessage", SERVER_ERROR)
    dispatcher = InProcessDispatcher(delivery, poll_seconds=0.1)
    await dispatcher.start()
    try:
        dispatcher.notify([greeting, notice])

        async def both_sent() -> bool:
            rows = [await load(db, greeting), await load(db, notice)]
            return all(row.status is DeliveryStatus.SENT for row in rows)

        # The failed one waits out a short backoff (2 s) before its second attempt.
        await wait_until(both_sent, "both messages to be sent")
    finally:
        await dispatcher.stop()

    assert (await load(db, greeting)).attempts == 2
    assert len(bot_api.sent(CHAT_ID)) == 2
