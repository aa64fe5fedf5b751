"""Work this process runs in the background on its own (embedded mode, SQLite): one asyncio
task each, started with the service and cancelled when it stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class BackgroundTask:
    """One named task of this process; subclasses say what it does in `_run`."""

    name = "background"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        raise NotImplementedError


class Clock(BackgroundTask):
    """Runs `work` every `seconds`, the first time after `first_after`; a failure is logged
    and the next turn tries again."""

    def __init__(
        self,
        name: str,
        work: Callable[[], Awaitable[object]],
        seconds: float,
        first_after: float = 0.0,
    ) -> None:
        super().__init__()
        self.name = name
        self.work = work
        self.seconds = seconds
        self.first_after = first_after

    async def _run(self) -> None:
        await asyncio.sleep(self.first_after)
        while True:
            try:
                await self.work()
            except Exception:
                log.exception("the %s failed; its next turn tries again", self.name)
            await asyncio.sleep(self.seconds)
