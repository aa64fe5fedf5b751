"""The staff API served over real HTTP, against the fake Telegram Bot API, on each database."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.app import create_app
from bot.config import Settings
from bot.db import SessionFactory, transaction
from handlers.actions.identities import get_or_create_identity
from handlers.actions.staff import do_create_staff, do_issue_token
from handlers.actions.tickets import do_create_ticket
from handlers.conversation.events import IncomingEvent
from models import ChannelIdentity, Contact, Staff, Ticket
from models.base import utcnow
from models.enums import Channel, TicketCategory, TicketPriority
from models.staff import StaffRole
from tests.doubles.telegram_api import TelegramApiDouble, serve
from tests.support.servers import ThreadedServer

TELEGRAM_TOKEN = "123456:ADMIN-test-token"
TELEGRAM_SECRET = "admin-test-secret"
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
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        telegram_bot_token=TELEGRAM_TOKEN,
        telegram_webhook_secret=TELEGRAM_SECRET,
        telegram_api_base_url=bot_api.base_url,
    )
    server = ThreadedServer(create_app(settings)).start()
    try:
        yield server.url
    finally:
        server.stop()


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
class Seeded:
    """A person and one of their tickets."""

    contact: Contact
    identity: ChannelIdentity
    ticket: Ticket

    @property
    def ref(self) -> str:
        return self.ticket.ref


async def seed_ticket(
    db: SessionFactory,
    *,
    channel: Channel = Channel.CONSOLE,
    external_id: str | None = None,
    name: str | None = "Margaret Jones",
    category: TicketCategory = TicketCategory.FOOD,
    priority: TicketPriority = TicketPriority.NORMAL,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Seeded:
    """A person (new, unless `external_id` names one) with a new ticket, made as the flows do."""
    now = now or utcnow()
    event = IncomingEvent(
        channel=channel,
        external_id=external_id or str(next(_external_ids)),
        display_name=name,
    )
    async with transaction(db) as session:
        identity, contact = await get_or_create_identity(session=session, event=event, now=now)
        identity.last_inbound_at = now  # the person's message that opened the ticket
        contact.consent_version = "2026-11"
        contact.consented_at = now
        ticket = await do_create_ticket(
            session=session,
            contact=contact,
            identity=identity,
            category=category,
            details=details or {"people": "2", "postcode": "LS6 2AB"},
            priority=priority,
            now=now,
        )
    return Seeded(contact, identity, ticket)


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
