"""Rate limits hold across processes: two engines sending at once share one pace, as counted by
the fake Bot API over any window of time."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.base import Limit, OutboundMessage
from bot.channels.telegram import TelegramChannel
from bot.config import Settings
from bot.db import create_engine
from bot.limits import RateLimiter
from models.enums import Channel
from tests.conftest import empty_tables
from tests.doubles.telegram_api import TelegramApiDouble, serve
from tests.support.app import settings_for

TOKEN = "654321:LIMITS-token"


@pytest.fixture(scope="module")
def bot_api() -> Iterator[TelegramApiDouble]:
    with serve(TOKEN) as double:
        yield double


def most_in_any_window(times: list[float], window: float) -> int:
    """The largest number of `times` inside any half-open window of `window` seconds."""
    times = sorted(times)
    most = 0
    for i, start in enumerate(times):
        most = max(most, sum(1 for t in times[i:] if t < start + window))
    return most


def send_from_own_engine(settings: Settings, chats: list[int]) -> None:
    """One process's worth of sending: its own engine, limiter and Bot API client."""

    async def main() -> None:
        engine = create_engine(settings.database_url)
        channel = TelegramChannel(settings)
        await channel.start()
        try:
            limiter = RateLimiter(engine)
            for number, chat in enumerate(chats):
                message = OutboundMessage(number, Channel.TELEGRAM, str(chat), f"check-in {chat}")
                await limiter.wait_turn(channel.limits(message))
                await channel.send_part(message, message.text, last=True)
        finally:
            await channel.stop()
            await engine.dispose()

    asyncio.run(main())


async def test_two_engines_together_keep_to_the_bots_limit(
    database_url: str, engine: object, bot_api: TelegramApiDouble
) -> None:
    await empty_tables(engine)  # type: ignore[arg-type]
    bot_api.reset()
    settings = settings_for(database_url, telegram=bot_api, telegram_max_per_second=10)
    halves = [list(range(1000, 1015)), list(range(2000, 2015))]
    threads = [
        threading.Thread(target=send_from_own_engine, args=(settings, chats)) for chats in halves
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        await asyncio.to_thread(thread.join, 60)

    sent = bot_api.sent()
    assert len(sent) == 30
    # Both really sent at the same time, each its own half.
    assert {c.params["chat_id"] // 1000 for c in sent[:10]} == {1, 2}
    times = [c.at for c in sent]
    for window in (1.0, 2.0):
        # Ten a second between them, give or take the one on the window's edge.
        assert most_in_any_window(times, window) <= 10 * window + 1


async def test_one_chat_gets_a_short_burst_then_one_a_second(
    database_url: str, engine: object, bot_api: TelegramApiDouble
) -> None:
    await empty_tables(engine)  # type: ignore[arg-type]
    bot_api.reset()
    settings = settings_for(
        database_url,
        telegram=bot_api,
        telegram_max_per_second=0,
        telegram_max_per_chat_per_second=2,
    )
    await asyncio.to_thread(send_from_own_engine, settings, [3000] * 7)

    times = [c.at for c in bot_api.sent(3000)]
    assert len(times) == 7
    # A burst of three at once, then two a second.
    assert most_in_any_window(times, 1.0) <= 3 + 2
    assert most_in_any_window(times, 2.0) <= 3 + 4


def test_a_lifted_limit_counts_nothing(bot_api: TelegramApiDouble) -> None:
    settings = settings_for(
        telegram=bot_api, telegram_max_per_second=0, telegram_max_per_chat_per_second=0
    )
    channel = TelegramChannel(settings)
    assert channel.limits(OutboundMessage(1, Channel.TELEGRAM, "1", "hi")) == []


async def test_a_turn_taken_late_in_a_long_transaction_still_keeps_the_interval(
    database_url: str, engine: AsyncEngine
) -> None:
    """A delivery takes its turn at the end of the transaction that claims the message; the
    interval to the next send counts from that moment, not from when the transaction began."""
    await empty_tables(engine)
    limiter = RateLimiter(engine)
    limits = [Limit("test:late-turn", 5)]
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        # The claim's own work, or a wait for another worker's lock on the row.
        await asyncio.sleep(0.3)
        asked_first = time.time()
        first = await limiter.turn_in(limits, connection)
        await connection.commit()
    asked_second = time.time()
    second = await limiter.turn_in(limits)

    assert first <= 0.01
    # The next send goes about one interval (1/5 s, and a little headroom) after the first,
    # reckoned on the clock: on a busy machine the commit between the two turns takes a while,
    # and the second then waits that much less (or not at all once the interval has passed).
    interval = (asked_second + second) - (asked_first + first)
    assert 0.15 <= interval <= max(0.25, asked_second - asked_first + 0.01)


async def test_turns_taken_together_keep_the_pace_of_turns_taken_one_by_one(
    database_url: str, engine: AsyncEngine
) -> None:
    """A person's messages claimed together take their turns in one statement: two go at once
    (the burst), the third an interval later, and the next turn after that another interval on."""
    await empty_tables(engine)
    limiter = RateLimiter(engine)
    limits = [Limit("test:together", 5, burst=2)]
    interval = 1.02 / 5
    asked = time.time()
    waits = await limiter.turns_in(limits, 3)
    asked_next = time.time()
    after = await limiter.turn_in(limits)

    assert waits[0] <= 0.01 and waits[1] <= 0.01
    assert interval - 0.05 <= waits[2] - waits[0] <= interval + 0.01
    # Reckoned on the clock, as above: the later call may come late, and then waits less.
    following = (asked_next + after) - (asked + waits[0])
    assert 2 * interval - 0.05 <= following <= max(2 * interval + 0.05, asked_next - asked + 0.01)
