"""Rate limits shared by every process, kept in the database.

Each limited thing (a bot, a chat, a sending number) has a row holding the moment its next send
may start. Taking a turn moves that moment on by one interval in a single statement, which
PostgreSQL runs under the row's lock, so any number of workers together keep to the limit. It is
the generic cell rate algorithm: `burst` sends may start at once, then one per interval. On
SQLite the same statement serves the one process there is.

Each interval is a little longer than the limit's own (`HEADROOM`): sends start on time but reach
the provider a few milliseconds early or late, and a provider counting strictly over any second
would see one too many now and then, each costing a refused send and a pause.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.channels.base import Limit

# 2 % of a limit given up so that timing jitter between processes never tips a second over it.
HEADROOM = 1.02

_UPSERT = """
INSERT INTO rate_slots (key, next_free) VALUES {rows}
ON CONFLICT (key) DO UPDATE
SET next_free = {greatest}(rate_slots.next_free, {now}) + CASE excluded.key {gaps} END
RETURNING key, next_free, {now} AS now
"""
_HOLD = """
INSERT INTO rate_slots (key, next_free) VALUES (:key, {now} + :seconds)
ON CONFLICT (key) DO UPDATE SET next_free = {greatest}(rate_slots.next_free, excluded.next_free)
"""


class RateLimiter:
    """Waits for a turn under every limit a send counts against."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        postgres = engine.dialect.name == "postgresql"
        # The database's clock on PostgreSQL, so processes on several hosts share one clock; the
        # statement's own moment (clock_timestamp), read under the row's lock, and not now():
        # that is when the transaction began, before the claim and any wait for the lock, and
        # a turn reckoned from it would be let out late, or spaced too close to the one before.
        self._now = "extract(epoch from clock_timestamp())::float8" if postgres else ":now"
        self._greatest = "GREATEST" if postgres else "MAX"
        self._upserts: dict[int, TextClause] = {}

    async def turn_in(
        self, limits: Sequence[Limit], connection: AsyncConnection | None = None
    ) -> float:
        """Take a turn under each limit; returns the seconds to wait before sending.

        With `connection`, in its transaction (committed by its owner, soon: the limits' rows
        stay locked until then); otherwise in a transaction of its own."""
        return (await self.turns_in(limits, 1, connection))[0]

    async def turns_in(
        self, limits: Sequence[Limit], turns: int, connection: AsyncConnection | None = None
    ) -> list[float]:
        """Take `turns` consecutive turns under each limit in one statement (sends that go one
        after another); returns the seconds to wait before each, as `turn_in` does."""
        active = sorted((lim for lim in limits if lim.per_second > 0), key=lambda lim: lim.key)
        if not active:
            return [0.0] * turns
        params: dict[str, object] = {"now": time.time()}
        for index, limit in enumerate(active):
            params[f"key{index}"] = limit.key
            params[f"gap{index}"] = HEADROOM / limit.per_second * turns
        statement = self._upsert(len(active))
        if connection is not None:
            result = (await connection.execute(statement, params)).all()
        else:
            async with self.engine.connect() as own:
                result = (await own.execute(statement, params)).all()
                await own.commit()
        waits = [0.0] * turns
        by_key = {limit.key: limit for limit in active}
        for key, next_free, now in result:
            limit = by_key[key]
            gap = HEADROOM / limit.per_second
            # Turn k starts (turns - k) intervals before the new next_free, earlier by the burst.
            first = float(next_free) - turns * gap - (limit.burst - 1) * gap
            for turn in range(turns):
                waits[turn] = max(waits[turn], first + turn * gap - float(now))
        return waits

    def _upsert(self, count: int) -> TextClause:
        """The statement taking a turn under `count` limits, made once per count: a text
        clause reads its whole SQL for parameters each time one is made."""
        made = self._upserts.get(count)
        if made is None:
            rows = [f"(:key{i}, {self._now} + :gap{i})" for i in range(count)]
            # Each row's interval by its key: derived from the inserted value it would depend on
            # a clock read before the lock was waited for.
            gaps = [f"WHEN :key{i} THEN :gap{i}" for i in range(count)]
            made = self._upserts[count] = text(
                _UPSERT.format(
                    rows=", ".join(rows),
                    gaps=" ".join(gaps),
                    greatest=self._greatest,
                    now=self._now,
                )
            )
        return made

    async def wait_turn(self, limits: Sequence[Limit]) -> None:
        """Take a turn under each limit and sleep until it comes."""
        wait = await self.turn_in(limits)
        if wait > 0:
            await asyncio.sleep(wait)

    async def hold(self, key: str, seconds: float) -> None:
        """Nobody sends under `key` for `seconds` (the provider asked us to wait)."""
        statement = _HOLD.format(now=self._now, greatest=self._greatest)
        async with self.engine.connect() as connection:
            await connection.execute(
                text(statement), {"key": key, "seconds": seconds, "now": time.time()}
            )
            await connection.commit()
