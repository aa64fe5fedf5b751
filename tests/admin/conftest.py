"""The staff API served over real HTTP, against the fake Telegram Bot API, on each database."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.db import SessionFactory, transaction
from handlers.actions.staff import do_create_staff, do_issue_token
from models import Staff
from models.base import utcnow
from models.staff import StaffRole
from tests.doubles.telegram_api import TelegramApiDouble, serve
from tests.support.app import serving, settings_for

TELEGRAM_TOKEN = "123456:ADMIN-test-token"
BAD_TOKEN = "hbt_not-a-token-anyone-was-given"

_external_ids = itertools.count(500_000_001)


@pytest.fixture(scope="session")
def bot_api() -> Iterator[TelegramApiDouble]:
    with serve(TELEGRAM_TOKEN) as double:
        yield double


@pytest.fixture(scope="module")
def app_url(database_url: str, bot_api: TelegramApiDouble) -> Iterator[str]:
    """The whole service over HTTP, per module and database kind, with Telegram on (a double).

    Module scope, because a live app's delivery loop would otherwise pick up messages that
    later modules' own servers queued on the same test database.
    """
    with serving(settings_for(database_url, telegram=bot_api)) as url:
        yield url


@dataclass
class Account:
    """A staff member and a token they can use."""

    staff: Staff
    token: str

    @property
    def id(self) -> int:
        assert self.staff.id is not None
        return self.staff.id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def make_staff(
    db: SessionFactory, role: StaffRole, email: str | None = None, password: str | None = None
) -> Account:
    """A new staff account with a token."""
    email = email or f"{role.value}-{next(_external_ids)}@example.org"
    async with transaction(db) as session:
        staff, token = await do_create_staff(
            session=session,
            email=email,
            name=f"{role.value.title()} Person",
            role=role,
            password=password,
            now=utcnow(),
        )
    return Account(staff, token)


async def extra_token(db: SessionFactory, account: Account) -> str:
    """Another token for the same account."""
    async with transaction(db) as session:
        _, token = await do_issue_token(session=session, staff=account.staff, now=utcnow())
    return token


@dataclass
class Api:
    """An HTTP client for the staff API, and an account of each role."""

    client: httpx.AsyncClient
    db: SessionFactory
    agent: Account
    supervisor: Account
    admin: Account
    accounts: dict[StaffRole, Account] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.accounts = {
            StaffRole.AGENT: self.agent,
            StaffRole.SUPERVISOR: self.supervisor,
            StaffRole.ADMIN: self.admin,
        }

    async def call(
        self, method: str, path: str, as_: Account | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if as_ is not None:
            headers.update(as_.headers)
        return await self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    async def get(self, path: str, as_: Account | None = None, **kwargs: Any) -> httpx.Response:
        return await self.call("GET", path, as_ or self.agent, **kwargs)

    async def patch(self, path: str, json: Any, as_: Account | None = None) -> httpx.Response:
        return await self.call("PATCH", path, as_ or self.agent, json=json)

    async def post(self, path: str, json: Any, as_: Account | None = None) -> httpx.Response:
        return await self.call("POST", path, as_ or self.agent, json=json)

    async def all_pages(
        self, path: str, params: dict[str, Any], as_: Account | None = None
    ) -> list[dict[str, Any]]:
        """Every item of a listing, following `next_cursor` to the end."""
        items: list[dict[str, Any]] = []
        cursor = None
        for _ in range(1000):
            query = {**params, **({"cursor": cursor} if cursor else {})}
            response = await self.get(path, as_, params=query)
            assert response.status_code == 200, response.text
            page = response.json()
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items
        raise AssertionError("the listing never ended")


@pytest.fixture
async def api(db: SessionFactory, app_url: str) -> AsyncIterator[Api]:
    """An empty database, an account of each role, and a client for the served API."""
    agent = await make_staff(db, StaffRole.AGENT)
    supervisor = await make_staff(db, StaffRole.SUPERVISOR)
    admin = await make_staff(db, StaffRole.ADMIN)
    async with httpx.AsyncClient(base_url=app_url, timeout=30.0) as client:
        yield Api(client, db, agent, supervisor, admin)


def ago(**delta: float) -> datetime:
    """A moment in the past."""
    return utcnow() - timedelta(**delta)
