"""Benchmark (a): webhook -> flow -> reply delivered at a local Bot API double.

The service runs as deployed on PostgreSQL, one web process and two workers, with Telegram's
bot-wide limit lifted (TELEGRAM_MAX_PER_SECOND=0). Beside it, in the same run and against the
same double, a python-telegram-bot echo bot (bench/echo_bot.py) is the baseline. Figures:
- updates answered per second (a new person's "hello": our greeting and privacy notice, two
  messages; the echo bot's one), 1,000 people, 32 webhooks at a time, as a ratio to the echo bot;
- webhook latency at a steady 300 messages a second for 10 s: p50 and p99 (goal: p99 < 50 ms),
  and how long after the last of those webhooks every one of them had its replies.

Run: .venv/bin/python -m bench.webhook_replies [--people 1000] [--concurrency 16] [--provider-ms 0]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter

from bench.support import (
    BIN,
    ERRORS,
    ROOT,
    SECRET,
    TOKEN,
    Arrivals,
    Processes,
    closed_loop,
    free_port,
    machine,
    open_loop,
    percentile,
    say,
    scratch_database,
    service_env,
    start_double,
    start_service,
    update,
    wait_for,
    wait_http,
)

RATE = 300
SECONDS = 10


def throughput(url: str, api: str, first_chat: int, people: int, replies_each: int) -> float:
    """Updates answered per second: from the first webhook to the last reply at the double."""
    bodies = [update(first_chat + n, first_chat + n, "hello") for n in range(people)]
    chats = set(range(first_chat, first_chat + people))
    arrivals = Arrivals(api)
    arrivals()
    seen = len(arrivals.seen)
    start = time.time()
    asyncio.run(closed_loop(f"{url}/webhooks/telegram", bodies, concurrency=32))

    def answered() -> bool:
        mine = arrivals()[seen:]
        counts = Counter(r[0] for r in mine if r[3] == 200 and r[0] in chats)
        return len(counts) == people and all(c >= replies_each for c in counts.values())

    wait_for(answered, 300, "every reply", every=0.2)
    last = max(r[2] for r in arrivals()[seen:] if r[0] in chats)
    return people / (last - start)


def latency(
    url: str, api: str, first_chat: int, replies_each: int
) -> tuple[float, float, int, float]:
    """Webhook p50 and p99 (ms) at a steady RATE per second for SECONDS, the errors, and the
    seconds from the last webhook's answer until every one of them was answered: the next
    measurement waits for that, so no backlog of one service takes the other's CPU."""
    bodies = [update(first_chat + n, first_chat + n, "hello") for n in range(RATE * SECONDS)]
    chats = set(range(first_chat, first_chat + len(bodies)))
    arrivals = Arrivals(api)
    arrivals()
    seen = len(arrivals.seen)
    ERRORS.clear()
    lat = asyncio.run(open_loop(f"{url}/webhooks/telegram", bodies, RATE))
    sent = time.time()

    def answered() -> bool:
        mine = arrivals()[seen:]
        counts = Counter(r[0] for r in mine if r[3] == 200 and r[0] in chats)
        return len(counts) == len(chats) and all(c >= replies_each for c in counts.values())

    wait_for(answered, 600, "every reply after the steady rate", every=0.5)
    drained = max(0.0, max(r[2] for r in arrivals()[seen:] if r[0] in chats) - sent)
    return percentile(lat, 50) * 1000, percentile(lat, 99) * 1000, len(ERRORS), drained


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument(
        "--concurrency", type=int, default=16, help="each worker's job slots (default: 16)"
    )
    parser.add_argument(
        "--provider-ms",
        type=float,
        default=0.0,
        help="the double answers each send this late, as a real provider would (default: 0)",
    )
    args = parser.parse_args()
    with scratch_database() as database, Processes() as procs:
        api = start_double(procs, delay_ms=args.provider_ms)
        env = service_env(database, api, telegram_max_per_second=0)
        url, _ = start_service(procs, env, workers=2, concurrency=args.concurrency)
        say("service up; warming up")
        throughput(url, api, 10_000, 50, 2)
        ours = throughput(url, api, 100_000, args.people, 2)
        say(f"ours: {ours:.0f} updates answered/s; now {RATE}/s for {SECONDS} s")
        ours_p50, ours_p99, ours_errors, ours_drain = latency(url, api, 200_000, 2)
        say(f"ours: p99 {ours_p99:.1f} ms")

        port = free_port()
        echo = procs.start(
            [BIN / "python", ROOT / "bench" / "echo_bot.py", port, api, TOKEN, SECRET]
        )
        echo_url = f"http://127.0.0.1:{port}"
        wait_http(f"{echo_url}/")
        say("echo bot up; warming up")
        throughput(echo_url, api, 20_000, 50, 1)
        theirs = throughput(echo_url, api, 300_000, args.people, 1)
        say(f"echo bot: {theirs:.0f} updates answered/s")
        echo_p50, echo_p99, echo_errors, echo_drain = latency(echo_url, api, 400_000, 1)
        procs.stop(echo)

    print(f"machine: {machine()}")
    print(f"updates answered/s: ours {ours:.0f} (2 messages each), echo bot {theirs:.0f} (1 each)")
    print(f"ratio to the echo bot: {ours / theirs:.2f} (goal >= 1.0)")
    print(
        f"webhook at {RATE}/s: ours p50 {ours_p50:.1f} ms, p99 {ours_p99:.1f} ms (goal < 50), "
        f"{ours_errors} errors; echo bot p50 {echo_p50:.1f} ms, p99 {echo_p99:.1f} ms, "
        f"{echo_errors} errors; p99 ratio {ours_p99 / echo_p99:.1f}"
    )
    print(
        f"after those {RATE * SECONDS} webhooks, every reply delivered within: ours "
        f"{ours_drain:.1f} s, echo bot {echo_drain:.1f} s"
    )


if __name__ == "__main__":
    main()
