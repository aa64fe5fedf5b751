"""Delivery inside the web process, for SQLite (`make run`) and the terminal chat: the same
`Deliverer` the workers run, started here without a task engine.

Each round it asks the outbox which people have a message due, most urgent first, and drains
them a few at a time, never two runs for one person at once, until nothing is due. Then it sleeps
until the next retry falls due or a commit wakes it. A run that fails is that person's alone: it
is logged, and the outbox still holds their messages for the next round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from datetime import datetime

from bot.background import BackgroundTask
from bot.db import transaction
from bot.outbound import Deliverer
from handlers.actions.delivery_due import find_next_due, list_due_recipients
from handlers.actions.outbox import DeliveryRequest
from models.base import utcnow

log = logging.getLogger(__name__)

# The longest sleep between rounds, in case a wake-up was missed (another process's commit).
IDLE_SECONDS = 5.0
SHORTEST_SECONDS = 0.01


class EmbeddedDelivery(BackgroundTask):
    """Runs delivery in a background task of this process; `notify` wakes it after a commit."""

    name = "embedded-delivery"

    def __init__(self, deliverer: Deliverer, concurrency: int = 8) -> None:
        super().__init__()
        self.deliverer = deliverer
        self.concurrency = concurrency
        self._wake = asyncio.Event()
        self._busy: set[int] = set()

    def notify(self, requests: Iterable[DeliveryRequest]) -> None:
        """Messages were committed: look for due ones now."""
        if list(requests):
            self._wake.set()

    async def drain_all(self) -> bool:
        """Deliver until nothing is due now, `concurrency` people at a time, each person once;
        returns whether every run went through."""
        tried: set[int] = set()
        ok = True
        while True:
            async with transaction(self.deliverer.session_factory) as session:
                due = await list_due_recipients(session=session, due_by=utcnow())
            waiting = [i for i in due if i not in self._busy and i not in tried]
            if not waiting:
                return ok
            tried.update(waiting)
            gate = asyncio.Semaphore(self.concurrency)
            results = await asyncio.gather(*(self._drain_one(i, gate) for i in waiting))
            ok = ok and all(results)

    async def _drain_one(self, identity_id: int, gate: asyncio.Semaphore) -> bool:
        async with gate:
            self._busy.add(identity_id)
            try:
                await self.deliverer.drain(identity_id)
            except Exception:
                log.exception("a delivery run failed; its messages wait for the next round")
                return False
            finally:
                self._busy.discard(identity_id)
            return True

    async def _next_due(self) -> datetime | None:
        async with transaction(self.deliverer.session_factory) as session:
            return await find_next_due(session=session)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            timeout = IDLE_SECONDS
            try:
                # After a failed run, a pause: the same fault would only repeat at once.
                shortest = SHORTEST_SECONDS if await self.drain_all() else 1.0
                due = await self._next_due()
                if due is not None:
                    timeout = min(timeout, max(shortest, (due - utcnow()).total_seconds()))
            except Exception:
                # A database hiccup must not end delivery for the life of the process.
                log.exception("a delivery round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)
