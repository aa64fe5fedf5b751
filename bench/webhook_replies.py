"""Benchmark (a): webhook -> flow -> reply delivered at a local Bot API double.

The service runs as deployed on PostgreSQL, one web process and two workers, with Telegram's
bot-wide limit lifted (TELEGRAM_MAX_PER_SECOND=0). Beside it, in the same run and against the
same double, a python-telegram-bot echo bot (bench/echo_bot.py) is the baseline. Figures:
- updates answered per second (a new person's "hello": our greeting and privacy notice, two
  messages; the echo bot's one), 1,000 people, 32 webhooks at a time, as a ratio to the echo bot:
  the median of `--rounds` rounds, each measuring ours and then the echo bot's;
- the CPU time used for each update answered in those rounds: ours by the web process, the
  workers and PostgreSQL, the echo bot's by its one process. A shared machine's speed drifts
  from minute to minute, and this moves less with it than the rate;
- webhook latency at a steady 300 messages a second for 10 s: p50 and p99 (goal: p99 < 50 ms),
  and how long after the last of those webhooks every one of them had its replies.

Run: .venv/bin/python -m bench.webhook_replies [--people 1000] [--concurrency 16] [--provider-ms 0]
     [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter

from bench.cpu import CpuMeter, postgres_pids
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
SETTLE_SECONDS = 5.0
WARM_UP = 50
WARM_UP_OFFSET = 400_000


def throughput(
    url: str, api: str, first_chat: int, people: int, replies_each: int, cpu: CpuMeter
) -> tuple[float, float]:
    """Updates answered per second, from the first webhook to the last reply at the double,
    and the milliseconds of CPU the service's processes (`cpu`) used for each."""
    bodies = [update(first_chat + n, first_chat + n, "hello") for n in range(people)]
    chats = set(range(first_chat, first_chat + people))
    arrivals = Arrivals(api)
    arrivals()
    seen = len(arrivals.seen)
    cpu.start()
    start = time.time()
    asyncio.run(closed_loop(f"{url}/webhooks/telegram", bodies, concurrency=32))

    def answered() -> bool:
        mine = arrivals()[seen:]
        counts = Counter(r[0] for r in mine if r[3] == 200 and r[0] in chats)
        return len(counts) == people and all(c >= replies_each for c in counts.values())

    wait_for(answered, 300, "every reply", every=0.2)
    used = cpu.stop()
    last = max(r[2] for r in arrivals()[seen:] if r[0] in chats)
    return people / (last - start), used / people * 1000


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


def warm_up(url: str, api: str, first_chat: int, replies_each: int) -> None:
    """Ready a service for a measurement: the other side's aftermath (recording sends,
    finishing jobs, analysing the job table) is let end, then a few updates go. A service left
    idle meanwhile has let its connections go: the echo bot, measured a few seconds after a
    pause, answered half as many a second as straight after a warm-up."""
    time.sleep(SETTLE_SECONDS)
    throughput(url, api, first_chat, WARM_UP, replies_each, CpuMeter(list))


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
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="throughput rounds, ours and the echo bot's in turn; the median ratio is the figure",
    )
    args = parser.parse_args()
    with scratch_database() as database, Processes() as procs:
        api = start_double(procs, delay_ms=args.provider_ms)
        env = service_env(database, api, telegram_max_per_second=0)
        before = len(procs.children)
        url, _ = start_service(procs, env, workers=2, concurrency=args.concurrency)
        service = [p.pid for p in procs.children[before:]]
        ours_cpu = CpuMeter(lambda: service + postgres_pids())
        port = free_port()
        echo = procs.start(
            [BIN / "python", ROOT / "bench" / "echo_bot.py", port, api, TOKEN, SECRET]
        )
        echo_cpu = CpuMeter(lambda: [echo.pid])
        echo_url = f"http://127.0.0.1:{port}"
        wait_http(f"{echo_url}/")
        say("service and echo bot up")
        # In turn, round by round: the machine's speed drifts within a run, and a ratio of two
        # figures measured minutes apart measured the drift as much as the services.
        rounds: list[tuple[float, float]] = []
        costs: list[tuple[float, float]] = []
        for n in range(args.rounds):
            first_chat = 1_000_000 * (n + 1)
            warm_up(url, api, first_chat + WARM_UP_OFFSET, 2)
            ours, ours_ms = throughput(url, api, first_chat, args.people, 2, ours_cpu)
            warm_up(echo_url, api, first_chat + 500_000 + WARM_UP_OFFSET, 1)
            theirs, theirs_ms = throughput(
                echo_url, api, first_chat + 500_000, args.people, 1, echo_cpu
            )
            say(
                f"round {n + 1}: ours {ours:.0f} updates answered/s ({ours_ms:.1f} ms CPU "
                f"each), echo bot {theirs:.0f} ({theirs_ms:.1f} ms)"
            )
            rounds.append((ours, theirs))
            costs.append((ours_ms, theirs_ms))
        say(f"now {RATE}/s for {SECONDS} s")
        warm_up(url, api, 10_000, 2)
        ours_p50, ours_p99, ours_errors, ours_drain = latency(url, api, 200_000, 2)
        say(f"ours: p99 {ours_p99:.1f} ms")
        warm_up(echo_url, api, 20_000, 1)
        echo_p50, echo_p99, echo_errors, echo_drain = latency(echo_url, api, 400_000, 1)
        procs.stop(echo)

    ratios = sorted(o / t for o, t in rounds)
    ours, theirs = (statistics.median(side) for side in zip(*rounds, strict=True))
    each = ", ".join(f"{o:.0f}/{t:.0f}" for o, t in rounds)
    print(f"machine: {machine()}")
    print(
        f"updates answered/s, median of {len(rounds)} rounds: ours {ours:.0f} (2 messages "
        f"each), echo bot {theirs:.0f} (1 each); rounds, ours/echo: {each}"
    )
    print(
        f"ratio to the echo bot: median {statistics.median(ratios):.2f} (goal >= 1.0); "
        f"rounds {' '.join(f'{r:.2f}' for r in ratios)}"
    )
    ours_ms, theirs_ms = (statistics.median(side) for side in zip(*costs, strict=True))
    cost_ratios = sorted(o / t for o, t in costs)
    print(
        f"CPU for each update answered, median: ours {ours_ms:.1f} ms (web, workers and "
        f"PostgreSQL), echo bot {theirs_ms:.1f} ms; ours/echo bot by round, median "
        f"{statistics.median(cost_ratios):.2f}: {' '.join(f'{r:.2f}' for r in cost_ratios)}"
    )
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
