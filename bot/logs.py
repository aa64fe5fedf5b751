"""Logging set-up: one line per record, no library that logs secrets at INFO, and no
exception's message in a traceback."""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

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


class PrivateFormatter(logging.Formatter):
    """Tracebacks name each exception's type and where it was raised, never its message: a
    database error quotes its statement's values (what a person wrote, their number), and the
    task engine logs a failed job's traceback at INFO."""

    def format(self, record: logging.LogRecord) -> str:
        # Another handler's formatter may have written the whole traceback on the record.
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(
        self,
        ei: tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None],
    ) -> str:
        return "".join(_withheld(ei[1], set())).rstrip("\n")


def _withheld(error: BaseException | None, seen: set[int]) -> list[str]:
    if error is None or id(error) in seen:
        return []
    seen.add(id(error))
    lines: list[str] = []
    earlier = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    if earlier is not None:
        lines += _withheld(earlier, seen)
        lines.append("\nwhich led to:\n\n")
    lines.append("Traceback (most recent call last):\n")
    lines += traceback.format_tb(error.__traceback__)
    kind = type(error)
    lines.append(f"{kind.__module__}.{kind.__qualname__} (message withheld)\n")
    return lines


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr with a timestamp; keep chatty libraries at WARNING. Below INFO (DEBUG, on
    a developer's machine) tracebacks keep their messages."""
    logging.basicConfig(level=level.upper(), format=_FORMAT, force=True)
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        for handler in logging.getLogger().handlers:
            handler.setFormatter(PrivateFormatter(_FORMAT))
    quiet_libraries()


def quiet_libraries() -> None:
    """Keep libraries that log URLs or payloads at INFO to warnings and worse."""
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
