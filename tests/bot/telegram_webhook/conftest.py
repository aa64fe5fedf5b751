"""The service with Telegram on against the fake Bot API, and a person to talk to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from bot.db import SessionFactory
from tests.bot.telegram_webhook.person import SECRET, TOKEN, Person
from tests.doubles.telegram_api import TelegramApiDouble, serve
from tests.support.app import serving, settings_for


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
