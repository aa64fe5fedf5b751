"""Staff replies on WhatsApp respect the 24-hour window: free text inside it, a template after."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.config import Settings
from bot.db import SessionFactory, transaction
from models import ChannelIdentity, Message
from models.base import utcnow
from models.enums import Channel, Direction
from models.staff import StaffRole
from tests.admin.conftest import make_staff
from tests.doubles.twilio_api import TwilioApiDouble, serve
from tests.support.app import serving, settings_for
from tests.support.servers import wait_until
from tests.support.tickets import Seeded, seed_ticket

ACCOUNT_SID = "AC" + "7a1d" * 8
AUTH_TOKEN = "3e5c7d9f1b3a5c7e9c1b7e0d4a2f46b8"
TEMPLATE_SID = "HX" + "b4d2" * 8
NUMBER = "+447700900555"


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[TwilioApiDouble]:
    with serve(ACCOUNT_SID, AUTH_TOKEN) as double:
        yield double


def _settings(database_url: str, twilio_api: TwilioApiDouble, template: str | None) -> Settings:
    return settings_for(
        database_url,
        twilio=twilio_api,
        twilio_whatsapp_from="whatsapp:+447700900100",
        twilio_template_reply_sid=template,
    )


@pytest.fixture(scope="module")
def servers(database_url: str, twilio_api: TwilioApiDouble) -> Iterator[dict[str, str]]:
    """One service with a reply template configured and one without, on the same database."""
    with (
        serving(_settings(database_url, twilio_api, TEMPLATE_SID)) as with_template,
        serving(_settings(database_url, twilio_api, None)) as without,
    ):
        yield {"template": with_template, "none": without}


async def _whatsapp_ticket(db: SessionFactory, last_heard_hours_ago: float) -> Seeded:
    seeded = await seed_ticket(db, channel=Channel.WHATSAPP, external_id=NUMBER)
    async with transaction(db) as session:
        identity = await session.get(ChannelIdentity, seeded.identity.id)
        assert identity is not None
        identity.last_inbound_at = utcnow() - timedelta(hours=last_heard_hours_ago)
    return seeded


async def _reply(db: SessionFactory, url: str, ref: str, text: str) -> httpx.Response:
    agent = await make_staff(db, StaffRole.AGENT)
    async with httpx.AsyncClient(base_url=url, timeout=10.0) as client:
        return await client.post(
            f"/api/v1/tickets/{ref}/replies", json={"text": text}, headers=agent.headers
        )


async def _outbound_count(db: SessionFactory) -> int:
    async with db() as session:
        statement = (
            select(func.count()).select_from(Message).where(Message.direction == Direction.OUT)
        )
        return int((await session.exec(statement)).one())


async def test_inside_the_window_the_words_are_sent(
    db: SessionFactory, servers: dict[str, str], twilio_api: TwilioApiDouble
) -> None:
    twilio_api.reset()
    seeded = await _whatsapp_ticket(db, last_heard_hours_ago=3)

    response = await _reply(db, servers["none"], seeded.ref, "We can bring it on Friday.")

    assert response.status_code == 201
    await wait_until(lambda: _has_sent(twilio_api), "the reply to reach Twilio")
    [sent] = twilio_api.sent()
    assert sent.to == f"whatsapp:{NUMBER}"
    assert sent.body == f"{seeded.ref}: We can bring it on Friday."
    assert "ContentSid" not in sent.params


async def test_after_the_window_with_no_template_the_reply_is_refused_and_says_why(
    db: SessionFactory, servers: dict[str, str], twilio_api: TwilioApiDouble
) -> None:
    twilio_api.reset()
    seeded = await _whatsapp_ticket(db, last_heard_hours_ago=30)

    response = await _reply(db, servers["none"], seeded.ref, "Are you still there?")

    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "24 hours" in detail and "template" in detail and "TWILIO_TEMPLATE_REPLY_SID" in detail
    assert await _outbound_count(db) == 0
    assert twilio_api.sent() == []


async def test_after_the_window_the_approved_template_carries_the_reference(
    db: SessionFactory, servers: dict[str, str], twilio_api: TwilioApiDouble
) -> None:
    twilio_api.reset()
    seeded = await _whatsapp_ticket(db, last_heard_hours_ago=30)

    response = await _reply(db, servers["template"], seeded.ref, "Are you still there?")

    assert response.status_code == 201
    assert response.json()["message"]["text"] == f"{seeded.ref}: Are you still there?"
    await wait_until(lambda: _has_sent(twilio_api), "the template to reach Twilio")
    [sent] = twilio_api.sent()
    assert sent.params["ContentSid"] == TEMPLATE_SID
    assert json.loads(sent.params["ContentVariables"]) == {"1": seeded.ref}
    assert "Body" not in sent.params


async def test_someone_never_heard_from_on_whatsapp_is_outside_the_window(
    db: SessionFactory, servers: dict[str, str]
) -> None:
    seeded = await seed_ticket(db, channel=Channel.WHATSAPP, external_id="+447700900556")
    async with transaction(db) as session:
        identity = await session.get(ChannelIdentity, seeded.identity.id)
        assert identity is not None
        identity.last_inbound_at = None

    response = await _reply(db, servers["none"], seeded.ref, "Hello")

    assert response.status_code == 409


async def _has_sent(twilio_api: TwilioApiDouble) -> bool:
    return bool(twilio_api.sent())
