"""How many of a worker's incoming updates are worked on at once: a gate held while a job works,
and left while it waits long on a provider.

A worker has many job slots because much of a job's time may be spent waiting on a provider: a
send that takes 150 ms costs the worker nothing meanwhile. The rest of the job (the step, the
claims and records around each send) is the process's own CPU and the database's, and sixteen
jobs doing it at once only take turns on one core and the database while the webhooks on the
same machine wait for theirs. On bench (a), with a provider that answers at once, sixteen
answered fewer people a second than four, and the webhook's p99 was several times longer.

So a job holds a place at the gate while it works, and while it waits for a provider's answer
or a rate-limit turn (`waiting_outside`) for up to `GRACE`, after which it lets the place go
until its wait ends. A quick provider's answer is waited for in place, the job soon done; a
slow provider has every slot's job waiting on it at once. A job coming back from its wait goes
before those not yet started, so a person's replies are not held up behind new work.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import dataclasses
from collections.abc import AsyncIterator

# Jobs working at once in one worker process: enough to overlap one job's database round trips
# with another's Python work; more only interleave on the process's one core.
WORKING = 4
# How long a job waits in place before letting its place go: longer than a nearby provider's
# answer under load, shorter than a distant one's (Telegram's take 50-300 ms). Giving the place
# up at once let in so many jobs that the gate hardly helped (bench (a): p99 66-159 ms, against
# 16-18 ms with 25 ms).
GRACE = 0.025


class InFlightLimit:
    """A gate for at most `limit` working jobs; those returning from a wait enter first."""

    def __init__(self, limit: int = WORKING) -> None:
        self.limit = limit
        self.working = 0
        self._returning: collections.deque[asyncio.Future[None]] = collections.deque()
        self._new: collections.deque[asyncio.Future[None]] = collections.deque()

    async def acquire(self, *, returning: bool = False) -> None:
        """Wait for a place among the working jobs."""
        if self.working < self.limit and not self._returning and not self._new:
            self.working += 1
            return
        turn = asyncio.get_running_loop().create_future()
        queue = self._returning if returning else self._new
        queue.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # given a place just as it was cancelled: pass it on
            else:
                queue.remove(turn)
            raise

    def release(self) -> None:
        """Leave the working jobs, letting the next waiting one in."""
        self.working -= 1
        while self.working < self.limit and (self._returning or self._new):
            turn = (self._returning or self._new).popleft()
            if not turn.done():
                self.working += 1
                turn.set_result(None)

    @contextlib.asynccontextmanager
    async def place(self) -> AsyncIterator[None]:
        """Hold a place for the block, except while inside `waiting_outside`."""
        await self.acquire()
        place = _Place(self)
        token = _held.set(place)
        try:
            yield
        finally:
            _held.reset(token)
            if place.holding:
                self.release()


@dataclasses.dataclass
class _Place:
    gate: InFlightLimit
    holding: bool = True


# The place this task holds at a gate, if any (a delivery job holds none).
_held: contextvars.ContextVar[_Place | None] = contextvars.ContextVar("in_flight", default=None)


@contextlib.asynccontextmanager
async def waiting_outside(grace: float = GRACE) -> AsyncIterator[None]:
    """Give up this task's place (if it holds one) once the block has waited `grace` seconds:
    a wait that costs nothing here, as for a provider's answer. A place given up is taken back,
    ahead of new jobs, after the block."""
    place = _held.get()
    if place is None or not place.holding:
        yield
        return

    def let_go() -> None:
        if place.holding:
            place.holding = False
            place.gate.release()

    timer = asyncio.get_running_loop().call_later(grace, let_go)
    try:
        yield
    finally:
        timer.cancel()
        if not place.holding:
            await place.gate.acquire(returning=True)
            place.holding = True
