"""SMS in a non-Latin script: sent as UCS-2, counted in UCS-2 segments, and kept short.

Uses the real Bengali catalog (handlers/locales/bn.toml): without it this fails, as it should.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel import col, select

from bot.channels.gsm import is_gsm7, segments
from bot.channels.twilio import SMS_MESSAGE_BUDGET
from bot.db import SessionFactory
from handlers.conversation.catalog import LOCALES, t
from models import Message, Ticket
from tests.bot.twilio_webhook.texter import Texter, text_of
from tests.doubles.twilio_api import TwilioApiDouble


@pytest.fixture
async def client(app_url: str, twilio_api: TwilioApiDouble) -> AsyncIterator[httpx.AsyncClient]:
    """The SMS client without the GSM-7 check the other tests keep: Bengali is UCS-2."""
    twilio_api.reset()
    async with httpx.AsyncClient(base_url=app_url, timeout=10.0) as client:
        yield client


async def test_a_bengali_food_request_by_sms_confirms_within_its_segment_budget(
    client: httpx.AsyncClient, twilio_api: TwilioApiDouble, db: SessionFactory
) -> None:
    assert (LOCALES / "bn.toml").is_file(), "the Bengali catalog is missing"
    rina = Texter(client, twilio_api, db, whatsapp=False, number="+447700900611", name="Rina")

    greeting = await rina.say("আমার খাবারের সাহায্য দরকার")
    assert t("consent.agree", "bn") in text_of(greeting)
    await rina.say("১")  # agree, in Bengali digits
    await rina.say("১")  # a tenant
    await rina.say(t("menu.food", "bn"))
    await rina.say("1")  # for me
    await rina.say("৩")  # three people
    await rina.say("1")  # no special diet
    await rina.say("2")  # tomorrow
    await rina.say("LS6 2AB")
    sent = await rina.say("1")  # send it

    async with db() as session:
        ticket = (await session.exec(select(Ticket))).one()
        confirmation = (
            await session.exec(
                select(Message).where(Message.ticket_id == ticket.id).order_by(col(Message.id))
            )
        ).all()[-1]
    assert ticket.language == "bn"
    assert ticket.details["people"] == 3
    parts = [s for s in sent if s.sid in confirmation.sent_parts]
    assert parts, "the confirmation was not sent"
    body = "\n".join(p.body for p in parts)
    assert ticket.ref in body and t("food.next_steps", "bn") in body
    assert not any(is_gsm7(p.body) for p in parts), "Bengali goes as UCS-2, never stripped"
    assert sum(segments(p.body) for p in parts) <= SMS_MESSAGE_BUDGET
