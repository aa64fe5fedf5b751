"""The service in this process, for benchmarks that time its own CPU: settings pointing at a
scratch database and the Bot API double, and a webhook handed straight to the ASGI app."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from bench.support import SECRET, TOKEN
from bot.config import Settings


def settings(database_url: str, api: str, name: str) -> Settings:
    """The service's settings for a benchmark `name`: Telegram at the double, its limit lifted."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        telegram_bot_token=TOKEN,
        telegram_webhook_secret=SECRET,
        telegram_api_base_url=api,
        telegram_max_per_second=0,
        inbound_spool_dir=Path(tempfile.mkdtemp(prefix=f"helpbot-{name}-")),
        log_level="WARNING",
    )


async def post_webhook(app: Any, body: bytes) -> int:
    """One webhook through the ASGI app; returns the status it answered with."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/webhooks/telegram",
        "raw_path": b"/webhooks/telegram",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-telegram-bot-api-secret-token", SECRET.encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status
