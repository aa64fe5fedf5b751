"""The service with calls on against the fake Twilio, and people with landlines to call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.db import SessionFactory
from tests.bot.voice.caller import ACCOUNT_SID, AUTH_TOKEN, Landline, calling_settings, landline
from tests.doubles.twilio_api import TwilioApiDouble, serve
from tests.support.app import serving


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[TwilioApiDouble]:
    with serve(ACCOUNT_SID, AUTH_TOKEN) as double:
        yield double


@pytest.fixture(scope="module")
def settings(database_url: str, twilio_api: TwilioApiDouble) -> Settings:
    return calling_settings(database_url, twilio_api)


@pytest.fixture(scope="module")
def app_url(settings: Settings, twilio_api: TwilioApiDouble) -> Iterator[str]:
    """The service over HTTP, calling through the fake Twilio, once per database kind."""
    with serving(settings) as url:
        twilio_api.calls.deliver_to = url
        yield url


@pytest.fixture
async def dorothy(
    app_url: str, db: SessionFactory, twilio_api: TwilioApiDouble, settings: Settings
) -> Landline:
    twilio_api.reset()
    return await landline(db, twilio_api, settings)
