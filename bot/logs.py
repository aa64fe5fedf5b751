"""Logging set-up: one line per record, and no library that logs secrets at INFO."""

from __future__ import annotations

import logging

# httpx logs every request URL at INFO, and Bot API URLs carry the bot token.
_QUIET = (
    "httpx",
    "httpcore",
    "telegram",
    "apscheduler",
    "aiosqlite",
    "asyncio",
    "alembic.runtime.plugins",
)


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr with a timestamp; keep chatty libraries at WARNING."""
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    quiet_libraries()


def quiet_libraries() -> None:
    """Keep libraries that log URLs or payloads at INFO to warnings and worse."""
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
