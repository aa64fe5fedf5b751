"""The service with Telegram on against the fake Bot API, and a person to talk to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from bot.app import create_app
from bot.db import SessionFactory
from bot.job_rules import DELIVER, INBOUND
from tests.bot.telegram_webhook.person import SECRET, TOKEN, Person
from tests.doubles.telegram_api import TelegramApiDouble, serve
from tests.support.app import serving, settings_for
from tests.support.servers import ThreadedServer


@pytest.fixture(scope="module")
def bot_api() -> Iterator[TelegramApiDouble]:
    with serve(TOKEN) as double:
        yield double


@pytest.fixture(scope="module")
def app_url(database_url: str, bot_api: TelegramApiDouble) -> Iterator[str]:
    """The service, served over HTTP against the fake Bot API, once per database kind."""
    settings = settings_for(database_url, telegram=bot_api, telegram_webhook_secret=SECRET)
    with serving(settings) as url:
        yield url


@pytest.fixture
async def client(app_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=app_url, timeout=10.0) as client:
        yield client


@pytest.fixture
def person(db: SessionFactory, bot_api: TelegramApiDouble, client: httpx.AsyncClient) -> Person:
    bot_api.reset()
    return Person(client, bot_api, db)


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
