"""On-call alerts end to end: an emergency over the Telegram webhook pages a staff Telegram chat
(the fake Bot API) and then a landlord's webhook (a local receiver checking the signature), on
SQLite in the web process and on PostgreSQL on the real worker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from procrastinate.exceptions import AlreadyEnqueued
from sqlmodel import col, select

from bot.config import Settings
from bot.db import SessionFactory, transaction
from bot.job_rules import ONCALL_CHECK
from bot.jobs import create_job_app
from handlers.actions.staff import do_create_staff
from models import TicketEvent
from models.base import utcnow
from models.enums import EventKind
from models.staff import StaffRole
from tests.bot.telegram_webhook.person import SECRET, TOKEN, Person
from tests.doubles import oncall_webhook
from tests.doubles.oncall_webhook import AlertReceiver
from tests.doubles.telegram_api import Call, TelegramApiDouble, serve
from tests.support.app import serving, settings_for
from tests.support.tickets import all_tickets

ONCALL_CHAT = -1001234567890
WEBHOOK_SECRET = "landlord-shared-secret"
# Three seconds: long enough to see one page alone, short enough to wait out in a test.
REPEAT_MINUTES = 0.05
REPEAT_SECONDS = REPEAT_MINUTES * 60
EMERGENCY = "My husband Derek is having a heart attack, he has chest pain"
# Nothing the person said, nor their name, nor anything of their health, may reach a page.
PRIVATE_WORDS = ("Derek", "heart", "attack", "chest", "pain", "husband", "Margaret", "999 now")


@pytest.fixture(scope="module")
def bot_api() -> Iterator[TelegramApiDouble]:
    with serve(TOKEN) as double:
        yield double


@pytest.fixture(scope="module")
def receiver() -> Iterator[AlertReceiver]:
    with oncall_webhook.serve(WEBHOOK_SECRET) as double:
        yield double


@pytest.fixture(scope="module")
def settings(database_url: str, bot_api: TelegramApiDouble, receiver: AlertReceiver) -> Settings:
    return settings_for(
        database_url,
        telegram=bot_api,
        telegram_webhook_secret=SECRET,
        oncall_telegram_chat_id=str(ONCALL_CHAT),
        oncall_webhook_url=receiver.url,
        oncall_webhook_secret=WEBHOOK_SECRET,
        oncall_repeat_minutes=REPEAT_MINUTES,
    )


@pytest.fixture(scope="module")
def app_url(settings: Settings) -> Iterator[str]:
    with serving(settings) as url:
        yield url


@pytest.fixture
async def client(app_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=app_url, timeout=10.0) as client:
        yield client


@pytest.fixture
def person(
    db: SessionFactory,
    bot_api: TelegramApiDouble,
    receiver: AlertReceiver,
    client: httpx.AsyncClient,
) -> Person:
    bot_api.reset()
    receiver.reset()
    return Person(client, bot_api, db)


async def _eventually(check: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
    """Wait until `check()` holds; the repeat and retry times here are seconds long."""
    try:
        async with asyncio.timeout(seconds):
            while not check():  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"gave up after {seconds}s waiting for {what}") from None


async def _check_for_repeats(settings: Settings, db: SessionFactory) -> None:
    """What the worker's minutely check does, asked for now (PostgreSQL); SQLite's web process
    checks every few seconds by itself."""
    if settings.is_sqlite:
        return
    jobs = create_job_app(settings.libpq_url, db, None)
    async with jobs.app.open_async():
        with contextlib.suppress(AlreadyEnqueued):
            await jobs.app.configure_task(ONCALL_CHECK).defer_async(timestamp=0)


async def _checking_for(settings: Settings, db: SessionFactory, seconds: float) -> None:
    """Let `seconds` pass with the repeat check asked for every second."""
    for _ in range(int(seconds) + 1):
        await _check_for_repeats(settings, db)
        await asyncio.sleep(1.0)


async def _while_checking(
    settings: Settings, db: SessionFactory, check: Callable[[], bool], what: str
) -> None:
    """Wait for `check`, asking for the repeat check every second as a worker's clock would."""

    async def ticking() -> None:
        while True:
            await _check_for_repeats(settings, db)
            await asyncio.sleep(1.0)

    ticker = asyncio.create_task(ticking())
    try:
        await _eventually(check, what)
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker


async def _oncall_events(db: SessionFactory) -> list[TicketEvent]:
    async with db() as session:
        statement = (
            select(TicketEvent)
            .where(col(TicketEvent.kind).in_([EventKind.ONCALL_SENT, EventKind.ONCALL_FAILED]))
            .order_by(col(TicketEvent.id))
        )
        return list((await session.exec(statement)).all())


def _pages(bot_api: TelegramApiDouble) -> list[Call]:
    return bot_api.sent(ONCALL_CHAT)


def _assert_private(text: str) -> None:
    for word in PRIVATE_WORDS:
        assert word.lower() not in text.lower(), word


async def test_an_emergency_pages_the_chat_then_the_webhook_until_taken_up(
    person: Person,
    bot_api: TelegramApiDouble,
    receiver: AlertReceiver,
    settings: Settings,
    db: SessionFactory,
    client: httpx.AsyncClient,
) -> None:
    await person.onboard()
    await person.say(EMERGENCY)
    [ticket] = await all_tickets(db)

    await _eventually(lambda: len(_pages(bot_api)) == 1, "the page to the staff chat")
    [page] = _pages(bot_api)
    text = page.params["text"]
    assert ticket.ref in text
    assert f"/staff/tickets/{ticket.ref}" in text
    assert "emergency" in text and "Telegram" in text
    _assert_private(text)
    # Only the chat, for now: the next destination waits for the repeat time.
    await asyncio.sleep(REPEAT_SECONDS / 2)
    assert receiver.received() == []

    await _while_checking(settings, db, lambda: len(receiver.received()) == 1, "the webhook")
    [alert] = receiver.received()
    assert alert.signed and alert.status == 200
    assert alert.data["ref"] == ticket.ref
    assert alert.data["kind"] == "emergency"
    assert alert.data["channel"] == "telegram"
    assert alert.data["url"].endswith(f"/staff/tickets/{ticket.ref}")
    _assert_private(alert.body.decode())

    async with transaction(db) as session:
        _, token = await do_create_staff(
            session=session,
            email="duty@example.org",
            name="Sam Patel",
            role=StaffRole.AGENT,
            now=utcnow(),
        )
    taken = await client.patch(
        f"/api/v1/tickets/{ticket.ref}",
        json={"status": "in_progress"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert taken.status_code == 200, taken.text
    # Long past the next repeat, with checks running: nobody is paged again.
    await _checking_for(settings, db, REPEAT_SECONDS * 2.5)
    assert len(_pages(bot_api)) == 1
    assert len(receiver.received()) == 1

    sent = [(e.kind, e.data["destination"]) for e in await _oncall_events(db)]
    assert sent == [(EventKind.ONCALL_SENT, "telegram"), (EventKind.ONCALL_SENT, "webhook")]


async def test_a_failing_destination_is_retried_then_the_next_is_paged(
    person: Person,
    bot_api: TelegramApiDouble,
    receiver: AlertReceiver,
    settings: Settings,
    db: SessionFactory,
) -> None:
    receiver.fail_next(503, times=3)
    await person.onboard()
    await person.say(EMERGENCY)
    [ticket] = await all_tickets(db)
    await _eventually(lambda: len(_pages(bot_api)) == 1, "the first page")

    # The webhook's turn: three attempts, each refused, then the chat is paged again.
    await _while_checking(settings, db, lambda: len(_pages(bot_api)) == 2, "the next page")
    assert [r.status for r in receiver.received()] == [503, 503, 503]
    again = _pages(bot_api)[1].params["text"]
    assert ticket.ref in again and "STILL NOT TAKEN UP" in again
    _assert_private(again)

    events = [(e.kind, e.data["destination"], e.data["attempt"]) for e in await _oncall_events(db)]
    assert events[:4] == [
        (EventKind.ONCALL_SENT, "telegram", 1),
        (EventKind.ONCALL_FAILED, "webhook", 1),
        (EventKind.ONCALL_FAILED, "webhook", 2),
        (EventKind.ONCALL_FAILED, "webhook", 3),
    ]
    failures = [e for e in await _oncall_events(db) if e.kind == EventKind.ONCALL_FAILED]
    assert all("503" in e.data["reason"] for e in failures)
    assert [e.data["final"] for e in failures] == [False, False, True]
