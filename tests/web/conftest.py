"""The staff web page in headless Chromium (Debian's), against the whole service served over
HTTP with the Telegram Bot API double. One browser for the session; one app per module.

The browser tests run on PostgreSQL only: the pages are the same on both databases, and the
domain actions under them are tested on both already, so a second run would buy little time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import SessionFactory, create_engine, create_session_factory
from models.staff import StaffRole
from tests.admin.conftest import Account, make_staff
from tests.conftest import empty_tables, postgres_database
from tests.doubles.telegram_api import TelegramApiDouble, serve
from tests.support.app import serving, settings_for

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"
TELEGRAM_TOKEN = "123456:WEB-test-token"


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():  # noqa: ASYNC240 - once per session, before any browser
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium (.ci/run does)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest.fixture(scope="session")
async def web_database_url() -> AsyncIterator[str]:
    """One PostgreSQL database for every browser test."""
    async with postgres_database("helpbot_web") as url:
        yield url


@pytest.fixture(scope="session")
async def web_engine(web_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(web_database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def web_db(web_engine: AsyncEngine) -> SessionFactory:
    """A session factory on the emptied browser-test database."""
    await empty_tables(web_engine)
    return create_session_factory(web_engine)


@pytest.fixture(scope="session")
def web_bot_api() -> Iterator[TelegramApiDouble]:
    with serve(TELEGRAM_TOKEN) as double:
        yield double


@pytest.fixture(scope="module")
def web_url(web_database_url: str, web_bot_api: TelegramApiDouble) -> Iterator[str]:
    """The whole service, polling fast so tests need not wait ten seconds for news."""
    settings = settings_for(web_database_url, telegram=web_bot_api, staff_page_poll_seconds=1)
    with serving(settings) as url:
        yield url


@dataclass
class Staffed:
    """The served app, the database behind it, and an account of each role with a password."""

    url: str
    db: SessionFactory
    agent: Account
    supervisor: Account


@pytest.fixture
async def site(web_db: SessionFactory, web_url: str) -> Staffed:
    agent = await make_staff(web_db, StaffRole.AGENT, password=PASSWORD)
    supervisor = await make_staff(web_db, StaffRole.SUPERVISOR, password=PASSWORD)
    return Staffed(web_url, web_db, agent, supervisor)


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh browser context (no cookies) and page; an old laptop's screen size."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    tab = await context.new_page()
    yield tab
    await context.close()


async def sign_in(page: Page, site: Staffed, account: Account, password: str = PASSWORD) -> None:
    """Sign in through the form, as a person would."""
    await page.goto(f"{site.url}/staff/sign-in")
    await page.get_by_label("Email address").fill(account.staff.email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
