"""The web process's CPU for each Telegram webhook: a new person's "hello", as in bench (a).

The app runs in this process, on uvloop as `helpbot serve` does, on a scratch PostgreSQL
database; each update goes straight to the ASGI app (no HTTP, no client), one at a time, and no
worker runs, so what is timed is the web's own work: reading the update and keeping it with the
job that will handle it (`bot.inbox`). Rounds of `--people` updates; the median round is the
figure.

Run: .venv/bin/python -m bench.webhook_cpu [--people 300] [--rounds 5] [--profile FILE]
     [--cpu-timer]: the profile counts CPU only, where by default it counts waits as well.
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
from sqlalchemy import event

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


async def _measure(database_url: str, api: str, args: argparse.Namespace) -> None:
    from bot.app import create_app

    settings = in_process.settings(database_url, api, "web-cpu")
    app = create_app(settings)
    statements = 0

    def counted(*_: Any) -> None:
        nonlocal statements
        statements += 1

    async with app.router.lifespan_context(app):
        services = app.state.services
        event.listen(services.engine.sync_engine, "before_cursor_execute", counted)
        chat = 1_000_000

        async def batch(count: int) -> None:
            nonlocal chat
            for _ in range(count):
                chat += 1
                body = json.dumps(update(chat, chat, args.text)).encode()
                status = await in_process.post_webhook(app, body)
                if status != 200:
                    raise RuntimeError(f"webhook answered {status}")

        await batch(WARM_UP)
        profile = None
        if args.profile:
            profile = cProfile.Profile(time.process_time) if args.cpu_timer else cProfile.Profile()
        figures = []
        kernel = []
        per_update = 0.0
        for _ in range(args.rounds):
            statements = 0
            start = time.process_time()
            start_sys = os.times().system
            if profile is not None:
                profile.enable()
            await batch(args.people)
            if profile is not None:
                profile.disable()
            figures.append((time.process_time() - start) / args.people * 1000)
            kernel.append((os.times().system - start_sys) / args.people * 1000)
            per_update = statements / args.people
        if profile is not None:
            profile.dump_stats(args.profile)
    load = os.getloadavg()
    print(f"machine: {machine()}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    rounds = " ".join(f"{f:.2f}" for f in figures)
    print(
        f"web CPU per {args.text!r} from a new person: median {statistics.median(figures):.2f} ms "
        f"(rounds of {args.people}: {rounds}); {per_update:.1f} SQLAlchemy statements each"
    )
    print(f"of which in the kernel (sockets, mostly): median {statistics.median(kernel):.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--text", default="hello")
    parser.add_argument("--profile", help="write a cProfile of the timed rounds to this file")
    parser.add_argument(
        "--cpu-timer",
        action="store_true",
        help="time the profile by this process's CPU, leaving out waits on the database",
    )
    args = parser.parse_args()
    assert BIN.exists()
    with scratch_database(prefix="helpbot_web_cpu") as database, Processes() as procs:
        api = start_double(procs)
        say("database and Bot API double up")
        uvloop.run(_measure(database, api, args))


if __name__ == "__main__":
    main()
