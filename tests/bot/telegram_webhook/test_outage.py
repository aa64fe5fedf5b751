"""Telegram while the database is down: the update is refused with 503, so Telegram keeps it and
delivers it again, and the redelivery is answered once the database is back."""

from __future__ import annotations

import httpx

from bot.db import SessionFactory
from models import Message
from models.enums import Direction
from tests.bot.telegram_webhook.person import SECRET, Person, count, text_of
from tests.doubles.telegram_api import TelegramApiDouble
from tests.support.app import serving, settings_for
from tests.support.outage import OutageDatabase


async def test_an_update_refused_during_an_outage_is_answered_when_redelivered(
    outage: OutageDatabase, direct: SessionFactory, bot_api: TelegramApiDouble
) -> None:
    bot_api.reset()
    settings = settings_for(outage.url, telegram=bot_api, telegram_webhook_secret=SECRET)
    with serving(settings) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10.0) as client:
            person = Person(client, bot_api, direct)
            update = person.message_update(text="Hello")

            outage.cut()
            refused = await client.post(
                "/webhooks/telegram",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            ready = await client.get("/readyz")
            outage.restore()

            assert refused.status_code == 503
            assert refused.json() == {"detail": "The database is unavailable. Please try again."}
            assert ready.status_code == 503
            assert ready.json()["database"] == "unreachable"
            assert await count(direct, Message) == 0

            # Telegram sends the same update again until it gets a 2xx.
            replies = await person.send(update)
            again = await person.send(update)

    assert "Hello, Margaret! This is the help line" in text_of(replies)
    assert again == []
    assert await count(direct, Message, Message.direction == Direction.IN) == 1
