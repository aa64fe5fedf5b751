"""My data over WhatsApp and SMS: the copy comes as a link that works once, within a day."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import update

from bot.db import transaction
from models import DataLink
from models.base import utcnow
from tests.bot.twilio_webhook.texter import PUBLIC_BASE_URL, Texter, text_of
from tests.support.privacy import wait_until_forgotten

LINK = re.compile(re.escape(PUBLIC_BASE_URL) + r"(/my-data/[A-Za-z0-9_-]+)")


async def _copy_link(texter: Texter) -> str:
    await texter.onboard()
    summary = text_of(await texter.say("my data"))
    assert "how you talk to us: " in summary and "1. Send me a copy" in summary
    sent = text_of(await texter.say("1"))
    assert "Here is a copy of everything we keep about you" in sent
    found = LINK.search(sent)
    assert found is not None, sent
    return found.group(1)


async def test_a_whatsapp_copy_is_a_link_that_works_once(
    mariam: Texter, client: httpx.AsyncClient
) -> None:
    path = await _copy_link(mariam)
    # Opening the link (or a preview fetching it) shows a button and spends nothing.
    for _ in range(2):
        page = await client.get(path)
        assert page.status_code == 200
        assert "Download my data" in page.text
        assert page.headers["cache-control"] == "no-store"
    download = await client.post(path)
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment;")
    copy = download.json()
    assert copy["contact"]["name"] == "Mariam"
    assert [i["address"] for i in copy["identities"]] == ["+447700900789"]
    assert any(m["text"] == "my data" for m in copy["messages"])
    again = await client.post(path)
    assert again.status_code == 404
    assert "does not work any more" in again.text
    assert (await client.get(path)).status_code == 404
    assert (await client.get("/my-data/" + "x" * 43)).status_code == 404


async def test_an_sms_link_expires_within_a_day(bill: Texter, client: httpx.AsyncClient) -> None:
    path = await _copy_link(bill)
    async with transaction(bill.db) as session:
        await session.exec(update(DataLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert (await client.post(path)).status_code == 404


async def test_deleting_over_whatsapp_leaves_nothing_of_the_number(
    mariam: Texter, engine: AsyncEngine
) -> None:
    await mariam.onboard()
    explained = text_of(await mariam.say("delete my data"))
    assert "You can't undo this" in explained and "1. Yes, delete it" in explained
    confirmed = text_of(await mariam.say("1"))
    assert "We have deleted your data" in confirmed
    await wait_until_forgotten(engine, ("447700900789", "Mariam"))
