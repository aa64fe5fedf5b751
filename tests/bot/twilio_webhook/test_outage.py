"""Twilio while the database is down: Twilio never sends a webhook twice, so what it sends is
kept in the local spool, acknowledged, and applied exactly once when the database is back."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from sqlmodel import col

from bot.db import SessionFactory
from bot.routes.twilio import EMPTY_TWIML
from bot.spool import Spool, Spooled
from models import Message
from models.base import utcnow
from models.enums import DeliveryStatus, Direction
from tests.bot.twilio_webhook.texter import (
    Texter,
    count,
    message_by_sid,
    post_status,
    text_of,
    texting_settings,
)
from tests.doubles.twilio_api import TwilioApiDouble
from tests.support.app import serving
from tests.support.outage import OutageDatabase
from tests.support.servers import wait_for_idle_outbox, wait_until

GREETING = "Hello! This is the help line"
ROLE_QUESTION = "Are you a tenant, or do you look after someone"


async def wait_for_empty_spool(directory: Path) -> None:
    async def empty() -> bool:
        return not Spool(directory).waiting()

    await wait_until(empty, "the spool to be replayed")


def spooled_lines(directory: Path) -> list[bytes]:
    """Every line waiting, whether still being appended to or already taken for replay."""
    return [line for path in directory.glob("*.jsonl") for line in path.read_bytes().splitlines()]


async def inbound_count(db: SessionFactory) -> int:
    return await count(db, Message, col(Message.direction) == Direction.IN)


@asynccontextmanager
async def texting(
    database_url: str, db: SessionFactory, api: TwilioApiDouble, spool_dir: Path
) -> AsyncIterator[Texter]:
    """The service on `database_url`, spooling into `spool_dir`, and Bill texting it by SMS."""
    with serving(texting_settings(database_url, api, inbound_spool_dir=spool_dir)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10.0) as client:
            yield Texter(client, api, db, whatsapp=False, number="+447700900456", name="Bill")


async def test_messages_sent_during_an_outage_are_answered_once_in_order(
    outage: OutageDatabase, direct: SessionFactory, twilio_api: TwilioApiDouble, tmp_path: Path
) -> None:
    twilio_api.reset()
    spool_dir = tmp_path / "spool"
    async with texting(outage.url, direct, twilio_api, spool_dir) as bill:
        outage.cut()
        answers = [await bill.post(bill.form(Body=text)) for text in ("Hello", "1")]
        spooled = spooled_lines(spool_dir)
        modes = {stat.S_IMODE(p.stat().st_mode) for p in spool_dir.iterdir()}
        directory_mode = stat.S_IMODE(spool_dir.stat().st_mode)
        stored_during = await count(direct, Message)
        outage.restore()

        await wait_for_empty_spool(spool_dir)
        await wait_for_idle_outbox(direct)

    assert [a.status_code for a in answers] == [200, 200]
    assert all(a.text == EMPTY_TWIML for a in answers)
    assert len(spooled) == 2
    assert (directory_mode, modes) == (0o700, {0o600})  # it holds what people wrote
    assert stored_during == 0
    said = text_of(bill.seen())
    assert said.count(GREETING) == 1
    assert said.count(ROLE_QUESTION) == 1
    assert said.index(GREETING) < said.index(ROLE_QUESTION)
    assert await inbound_count(direct) == 2
    assert list(spool_dir.glob("batch-*")) == []


async def test_a_status_callback_during_an_outage_is_applied_when_it_is_back(
    outage: OutageDatabase, direct: SessionFactory, twilio_api: TwilioApiDouble, tmp_path: Path
) -> None:
    twilio_api.reset()
    spool_dir = tmp_path / "spool"
    async with texting(outage.url, direct, twilio_api, spool_dir) as bill:
        sid = (await bill.say("Hello"))[-1].sid
        outage.cut()
        response = await post_status(bill, sid, "delivered")
        outage.restore()
        await wait_for_empty_spool(spool_dir)

    assert response.status_code == 200
    assert (await message_by_sid(direct, sid)).status is DeliveryStatus.DELIVERED


async def test_when_neither_database_nor_spool_can_take_a_message_twilio_gets_503(
    outage: OutageDatabase, direct: SessionFactory, twilio_api: TwilioApiDouble, tmp_path: Path
) -> None:
    twilio_api.reset()
    not_a_directory = tmp_path / "spool"
    not_a_directory.write_text("")
    async with texting(outage.url, direct, twilio_api, not_a_directory) as bill:
        outage.cut()
        response = await bill.post(bill.form(Body="Hello"))
        outage.restore()

    assert response.status_code == 503
    assert response.json() == {"detail": "The service cannot take messages now."}


async def test_a_spooled_message_already_committed_is_not_applied_again(
    database_url: str, db: SessionFactory, twilio_api: TwilioApiDouble, tmp_path: Path
) -> None:
    twilio_api.reset()
    spool_dir = tmp_path / "spool"
    async with texting(database_url, db, twilio_api, spool_dir) as bill:
        form = bill.form(Body="Hello")
        first = await bill.send(form)
    # As after a commit that outlived Twilio's patience: the same form is also in the spool.
    Spool(spool_dir).append(Spooled("message", form, utcnow()))

    async with texting(database_url, db, twilio_api, spool_dir) as bill:
        # A restart replays the spool at once.
        await wait_for_empty_spool(spool_dir)
        await wait_for_idle_outbox(db)
        agreed = await bill.say("1")

    assert GREETING in text_of(first)
    assert bill.seen() == first + agreed
    assert ROLE_QUESTION in text_of(agreed)
    assert await inbound_count(db) == 2
