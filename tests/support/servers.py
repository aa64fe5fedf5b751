"""Serving ASGI apps over real HTTP from a background thread, and waiting on what they do."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

import uvicorn
from sqlalchemy import func
from sqlmodel import col, select

from bot.db import SessionFactory
from models import InboundEvent, Message
from models.enums import DeliveryStatus, Direction

START_TIMEOUT = 15.0
# Long enough for a delivery that waits out one short backoff; a hang fails instead of stalling.
WAIT_LIMIT = 10.0


class ThreadedServer:
    """One uvicorn server on a free 127.0.0.1 port, running in a daemon thread."""

    def __init__(self, app: Any) -> None:
        self.app = app
        # proto=IPPROTO_TCP lets asyncio switch Nagle off on accepted sockets; without it each
        # small response waits about 40 ms for a delayed ACK.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Binding here and handing the socket to uvicorn leaves no window for another process
        # to take the port between choosing it and listening on it.
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ThreadedServer:
        """Start serving and return once the app's startup has finished."""
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the server for {self.app!r} stopped during startup")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server for {self.app!r} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Shut down (running the app's lifespan shutdown) and wait for the thread."""
        self.server.should_exit = True
        self._thread.join(timeout=START_TIMEOUT)
        self._socket.close()


class ServedDouble(Protocol):
    """A provider double: an ASGI app, and the address it is served at once started."""

    app: Any
    base_url: str


D = TypeVar("D", bound=ServedDouble)


@contextmanager
def serve_double(double: D) -> Iterator[D]:
    """Serve a provider double over HTTP on 127.0.0.1 for the length of the block."""
    server = ThreadedServer(double.app).start()
    double.base_url = server.url
    try:
        yield double
    finally:
        server.stop()


async def wait_until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll `check` until it is true; fail the test after `WAIT_LIMIT` seconds."""
    try:
        async with asyncio.timeout(WAIT_LIMIT):
            # What we wait on happens in another thread or in the database, where no event of
            # this loop can signal it, so polling is the only way to see it.
            while not await check():  # noqa: ASYNC110
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"gave up after {WAIT_LIMIT}s waiting for {what}") from None


async def pending_outbound(db: SessionFactory) -> int:
    """How many outbound messages are still queued or being sent."""
    async with db() as session:
        statement = select(func.count()).where(
            col(Message.direction) == Direction.OUT,
            col(Message.status).in_([DeliveryStatus.QUEUED, DeliveryStatus.SENDING]),
        )
        return int((await session.exec(statement)).one())


async def waiting_inbound(db: SessionFactory) -> int:
    """How many accepted incoming events wait for a worker (PostgreSQL; none on SQLite)."""
    async with db() as session:
        return int((await session.exec(select(func.count()).select_from(InboundEvent))).one())


async def wait_for_idle_outbox(db: SessionFactory) -> None:
    """Wait until every accepted event has been handled, and every outbound message has been
    sent or has failed (an event's replies are queued in the step that handles it)."""

    async def idle() -> bool:
        return await waiting_inbound(db) == 0 and await pending_outbound(db) == 0

    await wait_until(idle, "the outbox to empty")
