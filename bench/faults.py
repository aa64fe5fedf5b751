"""Benchmark (c): faults against the real PostgreSQL. Two workers deliver 2,000 messages (200
people, 10 numbered messages each); midway one worker is killed with SIGKILL, and the Bot API
double answers 429 (retry_after 1) for 10 s, then 500 for 20 s. The messages are queued as the
service queues bulk: each round (message n to everyone, as one check-in tick after another)
asks for one `deliver_many` job per 200 people.

Figures: messages lost (never arrived), people whose messages arrived out of order, duplicates
(a message arriving more than once, and how many of them the outbox marked `maybe_duplicate`),
and the time to deliver everything against an undisturbed run of the same size in the same
process (the baseline).

Run: .venv/bin/python -m bench.faults [--people 200]
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from collections import Counter, defaultdict

import httpx
import psycopg

from bench.support import (
    Arrivals,
    Processes,
    machine,
    queue_bulk,
    say,
    scratch_database,
    service_env,
    start_double,
    start_service,
    wait_for,
)
from bot.job_rules import MANY_PER_JOB

EACH = 10


def run(people: int, faults: bool) -> dict[str, float]:
    with scratch_database() as database, Processes() as procs:
        api_url = start_double(procs)
        api = Arrivals(api_url)
        chats = list(range(7_000_000, 7_000_000 + people))
        texts = [f"message {n} of {EACH}" for n in range(1, EACH + 1)]
        asyncio.run(queue_bulk(database, chats, texts, per_job=MANY_PER_JOB))
        total = people * EACH
        env = service_env(database, api_url, telegram_max_per_second=0)
        start = time.time()
        _, workers = start_service(procs, env, workers=2, web=False)

        def arrived() -> int:
            return len({(r[0], r[1]) for r in api() if r[3] == 200})

        if faults:
            wait_for(lambda: arrived() >= total // 4, 300, "a quarter to arrive", every=0.2)
            say(f"killing worker {workers[0].pid} with SIGKILL; the API fails for 30 s")
            workers[0].send_signal(signal.SIGKILL)
            httpx.post(f"{api_url}/_fault", json={"status": 429, "seconds": 10})
            time.sleep(10)
            httpx.post(f"{api_url}/_fault", json={"status": 500, "seconds": 20})
        wait_for(lambda: arrived() >= total, 900, "every message", every=1)
        elapsed = time.time() - start
        time.sleep(3)  # a resend in flight would land now
        got = [r for r in api() if r[3] == 200]
        with psycopg.connect(database.replace("+psycopg", ""), autocommit=True) as db:
            marked = {
                (int(chat), body)
                for chat, body in db.execute(
                    "SELECT i.external_id, m.body FROM messages m "
                    "JOIN channel_identities i ON i.id = m.identity_id WHERE m.maybe_duplicate"
                )
            }
            failed = db.execute("SELECT count(*) FROM messages WHERE status = 'failed'").fetchone()
    counts = Counter((r[0], r[1]) for r in got)
    twice = {key for key, count in counts.items() if count > 1}
    by_chat: dict[int, list[int]] = defaultdict(list)
    for chat, text, _, _ in sorted(got, key=lambda r: r[2]):
        number = int(text.split()[1])
        if number not in by_chat[chat]:
            by_chat[chat].append(number)
    out_of_order = sum(1 for numbers in by_chat.values() if numbers != sorted(numbers))
    return {
        "elapsed": elapsed,
        "lost": total - len(counts),
        "out_of_order": out_of_order,
        "duplicates": sum(c - 1 for c in counts.values()),
        "twice": len(twice),
        "marked": len(marked),
        "twice_marked": len(twice & marked),
        "failed": failed[0] if failed else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=200)
    args = parser.parse_args()
    say("baseline: the same messages, no faults")
    base = run(args.people, faults=False)
    say(f"baseline took {base['elapsed']:.1f} s; now with faults")
    hit = run(args.people, faults=True)
    print(f"machine: {machine()}")
    print(
        f"{args.people * EACH} messages to {args.people} people, 2 workers, one killed midway, "
        f"429 then 500 for 30 s"
    )
    print(
        f"lost: {hit['lost']:.0f}; people out of order: {hit['out_of_order']:.0f}; "
        f"failed: {hit['failed']:.0f} (baseline: lost {base['lost']:.0f}, out of order "
        f"{base['out_of_order']:.0f}, failed {base['failed']:.0f})"
    )
    print(
        f"duplicates: {hit['twice']:.0f} messages arrived more than once ({hit['duplicates']:.0f} "
        f"extra arrivals), {hit['twice_marked']:.0f} of them marked maybe_duplicate; the outbox "
        f"marked {hit['marked']:.0f} in all; baseline duplicates {base['duplicates']:.0f}"
    )
    print(
        f"time to deliver all: {hit['elapsed']:.0f} s with faults, {base['elapsed']:.0f} s "
        f"without (ratio {hit['elapsed'] / base['elapsed']:.1f})"
    )


if __name__ == "__main__":
    main()
