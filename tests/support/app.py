"""The service under test: settings for a test database and the provider doubles, served over
real HTTP from a background thread."""

from __future__ import annotations

import asyncio
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.app import create_app
from bot.config import Settings
from bot.worker import run_worker
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
    Twilio from-numbers).

    A test person answers at once, where a real one takes seconds to type, so Telegram's
    per-chat pace is lifted unless a test sets it (tests/bot/test_limits.py does).
    """
    values: dict[str, Any] = {
        # Each service under test spools into a directory of its own, never the working one.
        "inbound_spool_dir": Path(tempfile.mkdtemp(prefix="helpbot-spool-")),
        "telegram_max_per_chat_per_second": 0,
    }
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


class ThreadedWorker:
    """`helpbot worker` in a daemon thread with its own event loop, stopped on request."""

    def __init__(self, settings: Settings, concurrency: int = 8) -> None:
        self.settings = settings
        self.concurrency = concurrency
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            try:
                await run_worker(
                    self.settings,
                    concurrency=self.concurrency,
                    stop=self._stop,
                    install_signal_handlers=False,
                    started=self._ready.set,
                )
            finally:
                self._ready.set()  # a worker that failed to start never keeps `start` waiting

        asyncio.run(main())

    def start(self) -> ThreadedWorker:
        """Start the worker and return once it is connected and running jobs, as a deployed
        worker is before anything it serves (a test cutting the database) happens."""
        self._thread.start()
        self._ready.wait(timeout=30)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=20)


@contextmanager
def working(settings: Settings) -> Iterator[None]:
    """A worker running jobs for `settings` (PostgreSQL) for the length of the block."""
    worker = ThreadedWorker(settings).start()
    try:
        yield
    finally:
        worker.stop()


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The whole service for `settings`, over HTTP on 127.0.0.1, for the length of the block:
    on PostgreSQL a web process and a worker, as deployed; on SQLite the web process alone.

    Yields its base URL; leaving the block runs the app's shutdown and stops the server.
    """
    server = ThreadedServer(create_app(settings)).start()
    worker = None if settings.is_sqlite else ThreadedWorker(settings).start()
    try:
        yield server.url
    finally:
        if worker is not None:
            worker.stop()
        server.stop()
