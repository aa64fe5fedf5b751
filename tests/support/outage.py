"""A real database outage a test can start and end: a PostgreSQL database of its own, reached
through a TCP relay that can be cut (connections dropped, new ones refused) and restored.

The service under test connects through the relay, as it would to a database server across a
network; the test reads and writes the same database directly, past the relay.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import Future
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.migrate import upgrade
from tests.conftest import POSTGRES_ADMIN_URL


class Relay:
    """Forwards 127.0.0.1:<port> to the PostgreSQL server, from a thread with its own loop."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def _call(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout=10)

    def start(self) -> Relay:
        self._thread.start()
        self.restore()
        return self

    def restore(self) -> None:
        """Accept connections again, on the same port."""
        self._call(self._listen())

    def cut(self) -> None:
        """Drop every open connection and refuse new ones, as a database host that went away."""
        self._call(self._close())

    def stop(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._relay, "127.0.0.1", self.port, reuse_address=True
            )

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, upstream_writer))
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (OSError, RuntimeError):
            pass
        finally:
            # One side ending ends both, as a dropped TCP connection does.
            writer.close()
            self._writers.discard(writer)


class OutageDatabase:
    """A fresh, migrated PostgreSQL database: `url` goes through the relay, `direct_url` past it."""

    def __init__(self, direct_url: str, relay: Relay) -> None:
        self.direct_url = direct_url
        self.relay = relay
        parts = urlsplit(direct_url)
        self.url = parts._replace(netloc=f"{parts.username}@127.0.0.1:{relay.port}").geturl()

    def cut(self) -> None:
        self.relay.cut()

    def restore(self) -> None:
        self.relay.restore()


@asynccontextmanager
async def outage_database() -> AsyncIterator[OutageDatabase]:
    """A migrated PostgreSQL database for one test, with a relay to cut; dropped afterwards."""
    name = f"helpbot_outage_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    parts = urlsplit(POSTGRES_ADMIN_URL)
    relay = Relay(parts.hostname or "127.0.0.1", parts.port or 5432).start()
    try:
        direct_url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        await upgrade(direct_url)
        yield OutageDatabase(direct_url, relay)
    finally:
        relay.stop()
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
