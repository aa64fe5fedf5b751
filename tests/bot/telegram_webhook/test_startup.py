"""Telegram when the Bot API will not have us at start-up: the channel keeps trying in the
background, says "starting" meanwhile, refuses updates with 503 so Telegram keeps them, and
comes up without a restart."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import httpx
import pytest
from sqlmodel import select

from bot.channels.base import DeliveryError, OutboundMessage
from bot.channels.telegram import NOT_UP_RETRY_AFTER, TelegramChannel
from bot.db import SessionFactory
from bot.services import running
from handlers.conversation.events import IncomingEvent
from models import Message, RateSlot
from models.enums import Channel, DeliveryStatus, Direction
from tests.bot.telegram_webhook.person import SECRET, SECRET_HEADER, Person, count, text_of
from tests.doubles.telegram_api import SERVER_ERROR, TelegramApiDouble
from tests.support.app import ThreadedWorker, serving, settings_for
from tests.support.outage import Relay
from tests.support.outbox import load
from tests.support.servers import wait_until


@asynccontextmanager
async def served(
    database_url: str, bot_api: TelegramApiDouble, api_base_url: str, db: SessionFactory
) -> AsyncIterator[Person]:
    """The service with Telegram configured against `api_base_url`, and a person to talk to it."""
    settings = settings_for(
        database_url,
        telegram=bot_api,
        telegram_webhook_secret=SECRET,
        telegram_api_base_url=api_base_url,
    )
    with serving(settings) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10.0) as client:
            yield Person(client, bot_api, db)


async def channels(person: Person) -> dict[str, str]:
    ready = await person.client.get("/readyz")
    assert ready.status_code == 200  # only the database decides readiness
    states: dict[str, str] = ready.json()["channels"]
    return states


async def wait_until_up(person: Person) -> None:
    async def up() -> bool:
        return (await channels(person))["telegram"] == "up"

    await wait_until(up, "Telegram to come up")


async def test_telegram_comes_up_after_the_bot_api_refused_getme(
    database_url: str,
    db: SessionFactory,
    bot_api: TelegramApiDouble,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.startup")
    bot_api.reset()
    bot_api.fail_next("getMe", SERVER_ERROR, times=1000)
    async with served(database_url, bot_api, bot_api.base_url, db) as person:
        update = person.message_update(text="Hello")
        starting = await channels(person)
        refused = await person.post(update)
        wrong_secret = await person.post(update, secret="wrong")
        await bot_api.wait_for_calls("getMe", 3)  # tried again, more than once

        bot_api.reset()  # the Bot API accepts us from now on
        await wait_until_up(person)
        replies = await person.send(update)  # Telegram's redelivery of the refused update

    assert starting == {"telegram": "starting", "whatsapp": "off", "sms": "off", "voice": "off"}
    assert refused == 503
    assert wrong_secret == 403
    assert "Hello, Margaret!" in text_of(replies)
    assert await count(db, Message, Message.direction == Direction.IN) == 1
    said: dict[str, list[str]] = {}
    for record in caplog.records:
        if record.name == "bot.startup":
            said.setdefault(record.threadName or "", []).append(record.getMessage())
    # Each process (the web process, and on PostgreSQL its worker, each in a thread of its own
    # here) says one line when it could not start and one when it did: none per try.
    assert len(said) == (1 if database_url.startswith("sqlite") else 2), said
    for lines in said.values():
        assert len(lines) == 2, lines
        assert lines[0].startswith("Telegram is starting: the Bot API cannot be reached")
        assert lines[1].startswith("Telegram is on, after")
        assert bot_api.token not in "\n".join(lines)


async def test_telegram_comes_up_once_the_bot_api_can_be_reached(
    database_url: str, db: SessionFactory, bot_api: TelegramApiDouble
) -> None:
    bot_api.reset()
    target = urlsplit(bot_api.base_url)
    relay = Relay(target.hostname or "127.0.0.1", target.port or 80).start()
    relay.cut()  # no Bot API at that address yet
    try:
        async with served(database_url, bot_api, f"http://127.0.0.1:{relay.port}", db) as person:
            starting = await channels(person)
            relay.restore()
            await wait_until_up(person)
            replies = await person.say("Hello")
    finally:
        relay.stop()

    assert starting["telegram"] == "starting"
    assert "Hello, Margaret!" in text_of(replies)


async def test_a_channel_without_credentials_is_off(database_url: str, db: SessionFactory) -> None:
    with serving(settings_for(database_url)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10.0) as client:
            ready = await client.get("/readyz")
            webhook = await client.post(
                "/webhooks/telegram", json={"update_id": 1}, headers={SECRET_HEADER: SECRET}
            )

    assert ready.json()["channels"] == {
        "telegram": "off",
        "whatsapp": "off",
        "sms": "off",
        "voice": "off",
    }
    assert webhook.status_code == 404


async def test_a_message_to_send_before_telegram_is_up_waits_for_it(
    bot_api: TelegramApiDouble,
) -> None:
    bot_api.reset()
    channel = TelegramChannel(settings_for(telegram=bot_api))
    message = OutboundMessage(message_id=1, channel=Channel.TELEGRAM, external_id="1", text="Hi")

    with pytest.raises(DeliveryError) as raised:
        await channel.send(message)
    await channel.stop()

    assert raised.value.retryable
    assert raised.value.retry_after == NOT_UP_RETRY_AFTER
    assert bot_api.calls("sendMessage") == []


async def test_messages_queued_while_telegram_is_starting_go_soon_after_it_is_up(
    database_url: str, db: SessionFactory, bot_api: TelegramApiDouble
) -> None:
    bot_api.reset()
    bot_api.fail_next("getMe", SERVER_ERROR, times=1000)
    settings = settings_for(database_url, telegram=bot_api)
    # On PostgreSQL a worker sends, with a channel of its own that is starting too.
    worker = None if settings.is_sqlite else ThreadedWorker(settings).start()
    try:
        async with running(settings) as services:
            hello = IncomingEvent(
                channel=Channel.TELEGRAM, external_id="4242", text="hello", provider_id="update:1"
            )
            queued = (await services.receive(hello)).outbound_ids

            async def waiting() -> bool:
                return (await load(db, queued[0])).error == "Telegram is not up yet"

            await wait_until(waiting, "a message to wait for Telegram")
            bot_api.reset()  # the Bot API accepts us from now on

            async def sent() -> bool:
                return all([(await load(db, i)).status is DeliveryStatus.SENT for i in queued])

            # Well before NOT_UP_RETRY_AFTER: just after the channel's next start-up try.
            await wait_until(sent, "the messages to go once Telegram is up")
    finally:
        if worker is not None:
            worker.stop()

    messages = [await load(db, i) for i in queued]
    assert [c.params["text"] for c in bot_api.sent(4242)] == [m.body for m in messages]
    # Waiting for the channel spent no attempt, and held no one else's sends.
    assert [m.attempts for m in messages] == [1] * len(messages)
    async with db() as session:
        slots = (await session.exec(select(RateSlot))).all()
    assert all(slot.next_free < time.time() + 5 for slot in slots)
