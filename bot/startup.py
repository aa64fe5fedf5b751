"""Starting a provider channel that may not be reachable yet, and knowing where each one is.

A provider that cannot be reached at start-up (Telegram's getMe failing, the Bot API down) does
not leave its channel off until a restart: the channel is "starting", tried again in the
background with backoff, and "up" once the provider accepts us. The log says so once per change
of state (or of reason), not once per try.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum

from bot.backoff import Background, Backoff
from bot.channels.base import StartError

log = logging.getLogger(__name__)


class ChannelState(StrEnum):
    OFF = "off"  # not configured
    STARTING = "starting"  # configured, and being tried until the provider accepts us
    UP = "up"


class Starter:
    """Starts one channel, and keeps trying in the background until it is up."""

    def __init__(
        self,
        name: str,
        start: Callable[[], Awaitable[None]],
        *,
        backoff: Backoff | None = None,
    ) -> None:
        self.name = name
        self.state = ChannelState.STARTING
        self._start = start
        self._backoff = backoff or Backoff(first=0.5, limit=60.0)
        self._task = Background(f"start-{name.lower()}", self._keep_trying)
        self._reason: str | None = None
        # When the next try in the background is due, on the monotonic clock.
        self._next_try: float | None = None
        self.attempts = 0

    async def begin(self) -> None:
        """Try once now; if the provider cannot be reached, go on trying in the background."""
        if not await self._try():
            self._plan_next_try()
            self._task.start()

    async def stop(self) -> None:
        await self._task.stop()

    def seconds_to_next_try(self) -> float | None:
        """How long until the next try (0 while one is under way), or None once it is up."""
        if self.state is ChannelState.UP or self._next_try is None:
            return None
        return max(self._next_try - time.monotonic(), 0.0)

    def _plan_next_try(self) -> None:
        self._next_try = time.monotonic() + self._backoff.next_delay()

    async def _keep_trying(self) -> None:
        while True:
            await asyncio.sleep(self.seconds_to_next_try() or 0.0)
            if await self._try():
                return
            self._plan_next_try()

    async def _try(self) -> bool:
        self.attempts += 1
        try:
            await self._start()
        except StartError as exc:
            self._note(str(exc))
            return False
        except Exception as exc:
            # Not a provider's answer but a fault; said once, with its traceback, and retried.
            if self._reason != type(exc).__name__:
                log.exception("%s could not start", self.name)
            self._note(type(exc).__name__)
            return False
        self.state = ChannelState.UP
        if self.attempts == 1:
            log.info("%s is on", self.name)
        else:
            log.info("%s is on, after %d tries", self.name, self.attempts)
        return True

    def _note(self, reason: str) -> None:
        if reason != self._reason:
            log.warning("%s is starting: %s; trying again in the background", self.name, reason)
            self._reason = reason
        else:
            log.debug("%s is still starting (try %d): %s", self.name, self.attempts, reason)
