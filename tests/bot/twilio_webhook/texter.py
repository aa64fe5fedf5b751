"""A person texting over WhatsApp or SMS: signed forms out, the replies read back."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import col, select
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bot.config import Settings
from bot.db import SessionFactory
from bot.routes.twilio import EMPTY_TWIML
from models import ChannelIdentity, Message
from models.enums import Channel, Direction
from tests.doubles.twilio_api import Sent, TwilioApiDouble
from tests.support.app import settings_for
from tests.support.servers import wait_for_idle_outbox

ACCOUNT_SID = "AC" + "5f3e" * 8
AUTH_TOKEN = "9c1b7e0d4a2f46b8a3e5c7d9f1b3a5c7"
WHATSAPP_FROM = "whatsapp:+447700900100"
SMS_FROM = "+447700900200"
# What Twilio is told to call; the service itself listens elsewhere, as behind a proxy.
PUBLIC_BASE_URL = "https://helpline.example.org"
FIXTURES = Path(__file__).parents[2] / "fixtures" / "twilio"
REF = re.compile(r"\bHH-\d{6}\b")
NUMBERED = re.compile(r"^\d+\. ", re.MULTILINE)

# The longest SMS the double received in this run, shown at the end (see tests/bot/conftest.py).
SMS_FIGURES: dict[str, int] = {"messages": 0, "longest_chars": 0, "longest_segments": 0}


def texting_settings(database_url: str, api: TwilioApiDouble, **overrides: Any) -> Settings:
    """The service with WhatsApp and SMS on against the fake Twilio, behind our public URL."""
    return settings_for(
        database_url,
        twilio=api,
        public_base_url=PUBLIC_BASE_URL,
        twilio_whatsapp_from=WHATSAPP_FROM,
        twilio_sms_from=SMS_FROM,
        **overrides,
    )


def fixture(name: str, **fields: str) -> dict[str, str]:
    """A stored Twilio form, with a fresh message SID and our account."""
    data: dict[str, str] = json.loads((FIXTURES / f"{name}.json").read_text())
    sid = data.get("MessageSid", "SM")[:2] + uuid.uuid4().hex
    for key in ("MessageSid", "SmsMessageSid", "SmsSid"):
        if key in data:
            data[key] = sid
    data["AccountSid"] = ACCOUNT_SID
    data.update(fields)
    return data


def sign(url: str, form: dict[str, str]) -> str:
    """The signature Twilio sends: the library's own computation."""
    signature: str = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    return signature


def text_of(sent: list[Sent]) -> str:
    return "\n".join(s.body for s in sent)


class Texter:
    """Someone messaging the helpline from a phone, on WhatsApp or by SMS."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        api: TwilioApiDouble,
        db: SessionFactory,
        *,
        whatsapp: bool,
        number: str,
        name: str = "Mariam",
    ) -> None:
        self.client = client
        self.api = api
        self.db = db
        self.whatsapp = whatsapp
        self.number = number
        self.name = name
        self.address = f"whatsapp:{number}" if whatsapp else number

    def form(self, name: str | None = None, **fields: str) -> dict[str, str]:
        """An inbound form from this person, from a stored fixture with fields replaced."""
        data = fixture(name or ("whatsapp_text" if self.whatsapp else "sms_text"))
        data["From"] = self.address
        data["To"] = WHATSAPP_FROM if self.whatsapp else SMS_FROM
        if self.whatsapp:
            data["WaId"] = self.number.removeprefix("+")
            data["ProfileName"] = self.name
        data.update(fields)
        return data

    async def post(
        self,
        form: dict[str, str],
        *,
        path: str = "/webhooks/twilio",
        signature: str | None = None,
    ) -> httpx.Response:
        if signature is None:
            signature = sign(PUBLIC_BASE_URL + path, form)
        return await self.client.post(path, data=form, headers={"X-Twilio-Signature": signature})

    async def send(self, form: dict[str, str]) -> list[Sent]:
        """Deliver a form, wait for the bot's answers to reach Twilio, and return them."""
        before = len(self.seen())
        response = await self.post(form)
        assert response.status_code == 200, response.text
        assert response.text == EMPTY_TWIML
        assert response.headers["content-type"].startswith("text/xml")
        await wait_for_idle_outbox(self.db)
        return self.seen()[before:]

    async def say(self, text: str) -> list[Sent]:
        return await self.send(self.form(Body=text))

    def seen(self) -> list[Sent]:
        return self.api.sent(self.address)

    async def onboard(self) -> list[Sent]:
        """Hello, agree by number, say "tenant": the numbered menu shows."""
        await self.say("Hello")
        await self.say("1")
        menu = await self.say("tenant")
        assert "1. Food" in text_of(menu)
        return menu


async def count(db: SessionFactory, model: Any, *where: Any) -> int:
    async with db() as session:
        statement = select(func.count()).select_from(model).where(*where)
        return int((await session.exec(statement)).one())


async def identity_of(db: SessionFactory, channel: Channel, number: str) -> ChannelIdentity:
    async with db() as session:
        statement = select(ChannelIdentity).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == number
        )
        return (await session.exec(statement)).one()


async def message_by_sid(db: SessionFactory, sid: str) -> Message:
    async with db() as session:
        statement = select(Message).where(Message.provider_message_id == sid)
        return (await session.exec(statement)).one()


async def inbound(db: SessionFactory) -> list[Message]:
    async with db() as session:
        statement = (
            select(Message).where(Message.direction == Direction.IN).order_by(col(Message.id))
        )
        return list((await session.exec(statement)).all())


async def post_status(texter: Texter, sid: str, status: str, **fields: str) -> httpx.Response:
    form = fixture(
        "status_whatsapp" if texter.whatsapp else "status_sms",
        MessageSid=sid,
        SmsSid=sid,
        MessageStatus=status,
        SmsStatus=status,
        **fields,
    )
    return await texter.post(form, path="/webhooks/twilio/status")
