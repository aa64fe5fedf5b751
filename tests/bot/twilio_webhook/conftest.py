"""The service with WhatsApp and SMS on against the fake Twilio, and two people texting it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from bot.channels.gsm import is_gsm7, segments
from bot.db import SessionFactory
from tests.bot.twilio_webhook.texter import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    SMS_FIGURES,
    Texter,
    texting_settings,
)
from tests.doubles.twilio_api import TwilioApiDouble, serve
from tests.support.app import serving


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[TwilioApiDouble]:
    with serve(ACCOUNT_SID, AUTH_TOKEN) as double:
        yield double


@pytest.fixture(scope="module")
def app_url(database_url: str, twilio_api: TwilioApiDouble) -> Iterator[str]:
    """The service over HTTP, sending to the fake Twilio, once per database kind."""
    with serving(texting_settings(database_url, twilio_api)) as url:
        yield url


@pytest.fixture
async def client(app_url: str, twilio_api: TwilioApiDouble) -> AsyncIterator[httpx.AsyncClient]:
    twilio_api.reset()
    async with httpx.AsyncClient(base_url=app_url, timeout=10.0) as client:
        yield client
    # Every SMS any test made the bot send must be plain GSM-7 and at most two segments.
    for sent in twilio_api.sent():
        if sent.to.startswith("whatsapp:") or "Body" not in sent.params:
            continue
        assert is_gsm7(sent.body), sent.body
        assert segments(sent.body) <= 2, sent.body
        SMS_FIGURES["messages"] += 1
        if len(sent.body) > SMS_FIGURES["longest_chars"]:
            SMS_FIGURES["longest_chars"] = len(sent.body)
            SMS_FIGURES["longest_segments"] = segments(sent.body)


@pytest.fixture
def mariam(client: httpx.AsyncClient, twilio_api: TwilioApiDouble, db: SessionFactory) -> Texter:
    return Texter(client, twilio_api, db, whatsapp=True, number="+447700900789")


@pytest.fixture
def bill(client: httpx.AsyncClient, twilio_api: TwilioApiDouble, db: SessionFactory) -> Texter:
    return Texter(client, twilio_api, db, whatsapp=False, number="+447700900456", name="Bill")
