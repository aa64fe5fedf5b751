"""The worker's CPU and statements for each message it delivers: a new person's "hello" answered
with two messages (greeting and privacy notice), as in bench (a).

In one process on uvloop, on a scratch PostgreSQL database: the web app (straight through ASGI,
as bench/webhook_cpu.py) keeps the updates of a round of `--people` people with their jobs
(`bot.inbox`), untimed; then a task-engine worker, as `helpbot worker` runs it (16 slots),
handles them (the conversation's step, which queues the replies and their jobs) and delivers
the replies to a local Bot API double until no job is left, and only that is timed (process
CPU). Statements are counted on both ways to the database: our sessions' and the task engine's
own.

Run: .venv/bin/python -m bench.worker_cpu [--people 300] [--rounds 5] [--profile FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import statistics
import time
from typing import Any

import uvloop
from procrastinate.worker import Worker
from sqlalchemy import event, text

from bench import in_process
from bench.support import (
    BIN,
    Processes,
    machine,
    say,
    scratch_database,
    start_double,
    update,
)

WARM_UP = 50
_JOB_QUERIES = ("execute_query_async", "execute_query_one_async", "execute_query_all_async")


class _Counts:
    """Statements sent by our sessions and by the task engine since last reset."""

    def __init__(self) -> None:
        self.ours = 0
        self.jobs = 0

    def count_ours(self, *_: Any) -> None:
        self.ours += 1

    def count_jobs(self, connector: Any) -> None:
        for name in _JOB_QUERIES:
            original = getattr(connector, name)

            async def counted(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
                self.jobs += 1
                return await _original(*args, **kwargs)

            setattr(connector, name, counted)


async def _sent(engine: Any) -> int:
    async with engine.connect() as connection:
        found = await connection.execute(
            text("SELECT count(*) FROM messages WHERE direction = 'out' AND status = 'sent'")
        )
        return int(found.scalar_one())


async def _measure(database_url: str, api: str, args: argparse.Namespace) -> None:
    from bot.app import create_app
    from bot.services import running

    settings = in_process.settings(database_url, api, "worker-cpu")
    web = create_app(settings)
    counts = _Counts()
    chat = 2_000_000
    async with web.router.lifespan_context(web), running(settings, worker=True) as services:
        assert services.jobs is not None
        app = services.jobs.app
        event.listen(services.engine.sync_engine, "before_cursor_execute", counts.count_ours)
        counts.count_jobs(app.connector)

        async def queue(people: int) -> None:
            nonlocal chat
            for _ in range(people):
                chat += 1
                body = json.dumps(update(chat, chat, "hello")).encode()
                status = await in_process.post_webhook(web, body)
                if status != 200:
                    raise RuntimeError(f"webhook answered {status}")

        async def deliver() -> None:
            worker = Worker(
                app=app,
                concurrency=16,
                wait=False,
                listen_notify=False,
                delete_jobs="successful",
                install_signal_handlers=False,
                shutdown_graceful_timeout=10.0,
            )
            await worker.run()  # type: ignore[no-untyped-call]

        await queue(WARM_UP)
        await deliver()
        profile = cProfile.Profile() if args.profile else None
        figures: list[float] = []
        ours: list[float] = []
        jobs: list[float] = []
        for _ in range(args.rounds):
            await queue(args.people)
            before = await _sent(services.engine)
            counts.ours = counts.jobs = 0
            start = time.process_time()
            if profile is not None:
                profile.enable()
            await deliver()
            if profile is not None:
                profile.disable()
            spent = time.process_time() - start
            statements_ours, statements_jobs = counts.ours, counts.jobs
            delivered = await _sent(services.engine) - before
            if delivered != 2 * args.people:
                raise RuntimeError(f"{delivered} messages sent for {args.people} hellos")
            figures.append(spent / delivered * 1000)
            ours.append(statements_ours / delivered)
            jobs.append(statements_jobs / delivered)
        if profile is not None:
            profile.dump_stats(args.profile)
    load = os.getloadavg()
    print(f"machine: {machine()}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    rounds = " ".join(f"{f:.2f}" for f in figures)
    print(
        f"worker CPU per message delivered: median {statistics.median(figures):.2f} ms "
        f"(rounds of {args.people} hellos, 2 messages each: {rounds}); statements per message: "
        f"{statistics.median(ours):.1f} of our sessions, {statistics.median(jobs):.1f} of the "
        "task engine"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", help="write a cProfile of the timed rounds to this file")
    args = parser.parse_args()
    assert BIN.exists()
    with scratch_database(prefix="helpbot_worker_cpu") as database, Processes() as procs:
        api = start_double(procs)
        say("database and Bot API double up")
        uvloop.run(_measure(database, api, args))


if __name__ == "__main__":
    main()
