"""Background tasks of the web process, and the backoff of those that retry until it works."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Coroutine
from typing import Any


class Backoff:
    """Delays that double after each failure up to `limit`, with jitter so that several
    processes retrying the same thing spread out; `reset` after a success."""

    def __init__(self, first: float = 1.0, limit: float = 60.0) -> None:
        self.first = first
        self.limit = limit
        self._next = first

    def next_delay(self) -> float:
        """How long to wait before the next try, in seconds."""
        delay = self._next
        self._next = min(self.limit, delay * 2)
        return delay * random.uniform(0.8, 1.0)

    def reset(self) -> None:
        self._next = self.first


class Background:
    """One named task running for as long as its owner: `start` it, `stop` it (cancelled)."""

    def __init__(self, name: str, run: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self.name = name
        self._run = run
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
