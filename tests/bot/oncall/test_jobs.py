"""On-call pages on the task engine (PostgreSQL): written with the ticket's transaction on
psycopg, deferred after the commit on asyncpg, and sent by the real worker either way."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.db import SessionFactory, transaction
from bot.services import running
from handlers.actions.identities import get_or_create_identity
from handlers.actions.tickets import do_create_ticket
from handlers.conversation.events import IncomingEvent
from models.base import utcnow
from models.enums import Channel, TicketCategory, TicketPriority
from tests.conftest import postgres_only
from tests.doubles.telegram_api import TelegramApiDouble, serve
from tests.support.app import ThreadedWorker, settings_for
from tests.support.servers import wait_until

TOKEN = "123456:ONCALL-jobs-token"
ONCALL_CHAT = -1009876543210


@pytest.fixture(scope="module")
def bot_api() -> Iterator[TelegramApiDouble]:
    with serve(TOKEN) as double:
        yield double


@pytest.fixture
def settings(database_url: str, bot_api: TelegramApiDouble) -> Settings:
    bot_api.reset()
    return settings_for(database_url, telegram=bot_api, oncall_telegram_chat_id=str(ONCALL_CHAT))


async def page_jobs(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        found = await connection.execute(
            text("SELECT count(*) FROM procrastinate_jobs WHERE lock LIKE 'oncall-page:%'")
        )
        return int(found.scalar_one())


async def urgent_ticket(factory: SessionFactory, chat_id: int, *, then_fail: bool) -> None:
    event = IncomingEvent(channel=Channel.TELEGRAM, external_id=str(chat_id))
    async with transaction(factory) as session:
        identity, contact = await get_or_create_identity(session=session, event=event, now=utcnow())
        await do_create_ticket(
            session=session,
            contact=contact,
            identity=identity,
            category=TicketCategory.WELFARE,
            priority=TicketPriority.URGENT,
            details={"alert": "emergency"},
            now=utcnow(),
        )
        if then_fail:
            raise LookupError("the rest of the change failed")


@postgres_only
async def test_a_page_job_is_written_only_with_its_ticket(
    db: SessionFactory, settings: Settings, engine: AsyncEngine
) -> None:
    async with running(settings) as services:
        before = await page_jobs(engine)
        with pytest.raises(LookupError):
            await urgent_ticket(services.session_factory, 8101, then_fail=True)
        assert await page_jobs(engine) == before
        await urgent_ticket(services.session_factory, 8102, then_fail=False)
        assert await page_jobs(engine) == before + 1


@postgres_only
async def test_asyncpg_sessions_defer_pages_after_commit_and_the_worker_sends_them(
    db: SessionFactory, settings: Settings, bot_api: TelegramApiDouble
) -> None:
    on_asyncpg = settings.model_copy(
        update={"database_url": settings.database_url.replace("+psycopg", "+asyncpg")}
    )
    worker = ThreadedWorker(on_asyncpg).start()
    try:
        async with running(on_asyncpg) as services:
            await urgent_ticket(services.session_factory, 8201, then_fail=False)

            async def paged() -> bool:
                return len(bot_api.sent(ONCALL_CHAT)) == 1

            await wait_until(paged, "the page to the on-call chat")
    finally:
        worker.stop()
    assert "emergency" in bot_api.sent(ONCALL_CHAT)[0].params["text"]
