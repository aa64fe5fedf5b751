"""The service under test: settings for a test database and the provider doubles, served over
real HTTP from a background thread."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.app import create_app
from bot.config import Settings
from tests.doubles.telegram_api import TelegramApiDouble
from tests.doubles.twilio_api import TwilioApiDouble
from tests.support.servers import ThreadedServer

TELEGRAM_SECRET = "test-webhook-secret"


def settings_for(
    database_url: str | None = None,
    *,
    telegram: TelegramApiDouble | None = None,
    twilio: TwilioApiDouble | None = None,
    **overrides: Any,
) -> Settings:
    """Settings that read nothing from the environment: the database, each double given
    switched on against its fake API, a fresh spool directory, and then `overrides` (e.g. the
    Twilio from-numbers)."""
    # Each service under test spools into a directory of its own, never the working directory.
    values: dict[str, Any] = {"inbound_spool_dir": Path(tempfile.mkdtemp(prefix="helpbot-spool-"))}
    if database_url is not None:
        values["database_url"] = database_url
    if telegram is not None:
        values.update(
            telegram_bot_token=telegram.token,
            telegram_webhook_secret=TELEGRAM_SECRET,
            telegram_api_base_url=telegram.base_url,
        )
    if twilio is not None:
        values.update(
            twilio_account_sid=twilio.account_sid,
            twilio_auth_token=twilio.auth_token,
            twilio_api_base_url=twilio.base_url,
        )
    values.update(overrides)
    return Settings(_env_file=None, **values)


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The whole service for `settings`, over HTTP on 127.0.0.1, for the length of the block.

    Yields its base URL; leaving the block runs the app's shutdown and stops the server.
    """
    server = ThreadedServer(create_app(settings)).start()
    try:
        yield server.url
    finally:
        server.stop()
