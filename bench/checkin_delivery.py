"""The delivery half of the check-in benchmark: a queued campaign sent by `helpbot worker`
processes, through the Twilio channel, to a local Messages API double, at the configured cap.

The cap is the service's own setting, TWILIO_MAX_PER_SECOND (per sending number, shared by
every worker; the default is 10 a second, Twilio's own queueing rate for a long code is lower
still). At 10 a second 100,000 check-ins take about 2 h 47 min, at Telegram's 30 a second about
55 min; `--cap` raises it for a full run, and the figures say which cap they were measured at.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass

import httpx
import psycopg

from bench.support import BIN, ROOT, Processes, free_port, say, wait_for, wait_http
from bot.config import Settings

ACCOUNT_SID = "AC" + "b3" * 16
AUTH_TOKEN = "bench-auth-token"
SMS_FROM = "+447700900000"
# The first seconds of sending, while workers start, are left out of the steady rate.
RAMP_SECONDS = 30.0
# The setting's own default, read from the settings so the figure follows it.
DEFAULT_CAP = float(Settings.model_fields["twilio_max_per_second"].default)


@dataclass(frozen=True)
class Delivered:
    """What the double received and what the database says afterwards."""

    target: int
    cap: float
    workers: int
    concurrency: int
    delivered: int
    distinct: int
    duplicates: int
    seconds: float
    rate: float
    steady: float
    left_queued: int
    left_jobs: int
    recorded_sent: int
    load: tuple[float, float, float]


def delivery_env(database_url: str, twilio_url: str, cap: float) -> dict[str, str]:
    """The worker's environment: SMS through the double at `cap` a second, nothing else on."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TWILIO_"))}
    env.update(
        DATABASE_URL=database_url,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_SMS_FROM=SMS_FROM,
        TWILIO_API_BASE_URL=twilio_url,
        TWILIO_MAX_PER_SECOND=str(cap),
        LOG_LEVEL="WARNING",
    )
    return env


def start_twilio_double(procs: Processes) -> str:
    port = free_port()
    procs.start([BIN / "python", ROOT / "bench" / "twilioapi.py", port, ACCOUNT_SID])
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/_count")
    return url


def _count(api: str) -> int:
    return int(httpx.get(f"{api}/_count", timeout=30).json()["total"])


def _records(api: str) -> list[tuple[str, str, float]]:
    data = httpx.get(f"{api}/_stats", timeout=120).json()
    return [(str(to), str(body), float(at)) for to, body, at in data["records"]]


def _database_state(database_url: str) -> tuple[int, int, int]:
    """Outbound messages not yet sent, delivery jobs not yet done, messages recorded as sent."""
    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as connection:
        row = connection.execute(
            "SELECT (SELECT count(*) FROM messages WHERE direction = 'out'"
            "        AND status IN ('queued', 'sending')),"
            " (SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')),"
            " (SELECT count(*) FROM messages WHERE direction = 'out'"
            "        AND status IN ('sent', 'delivered'))"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def deliver(
    database_url: str, people: int, target: int, cap: float, workers: int, concurrency: int
) -> Delivered:
    """Start the double and the workers on a database whose campaign is queued; wait until
    `target` check-ins reached the double (and, for all of them, until nothing is left)."""
    with Processes() as procs:
        api = start_twilio_double(procs)
        env = delivery_env(database_url, api, cap)
        say(f"starting {workers} worker(s) x {concurrency}; cap {cap:g}/s")
        for _ in range(workers):
            procs.start([BIN / "helpbot", "worker", "--concurrency", concurrency], env)
        # Time to start, then the target at no less than half the cap, then a margin.
        patience = 120 + target / (cap * 0.5)
        next_note = time.monotonic() + 30
        deadline = time.monotonic() + patience
        while (count := _count(api)) < target:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {count} of {target} delivered in {patience:.0f} s")
            if time.monotonic() > next_note:
                say(f"{count:,} of {target:,} delivered")
                next_note += 30
            time.sleep(1)
        if target == people:
            # The double answered; each send is recorded in the claim of the person's next.
            wait_for(lambda: _database_state(database_url)[:2] == (0, 0), 120, "nothing left", 1)
        load = os.getloadavg()
        records = _records(api)
    return _figures(records, database_url, people, target, cap, workers, concurrency, load)


def _figures(
    records: list[tuple[str, str, float]],
    database_url: str,
    people: int,
    target: int,
    cap: float,
    workers: int,
    concurrency: int,
    load: tuple[float, float, float],
) -> Delivered:
    per_person = Counter(to for to, _, _ in records)
    arrivals = sorted(at for _, _, at in records)[:target]
    seconds = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
    # Over the sends after the first, each one turn of the cap after the one before.
    rate = (len(arrivals) - 1) / seconds if seconds else 0.0
    # The workers' start-up ramp left out: the rate the cap allows once they are all sending.
    settled = [at for at in arrivals if at >= arrivals[0] + RAMP_SECONDS] if arrivals else []
    steady = (
        (len(settled) - 1) / (settled[-1] - settled[0])
        if len(settled) > 1 and settled[-1] > settled[0]
        else rate
    )
    queued, jobs, sent = _database_state(database_url)
    return Delivered(
        target=target,
        cap=cap,
        workers=workers,
        concurrency=concurrency,
        delivered=len(records),
        distinct=len(per_person),
        duplicates=sum(n - 1 for n in per_person.values()),
        seconds=seconds,
        rate=rate,
        steady=steady,
        left_queued=queued,
        left_jobs=jobs,
        recorded_sent=sent,
        load=load,
    )


def report(figures: Delivered, people: int) -> None:
    """Print the delivery figures (with the load average, the machine being shared)."""
    f = figures
    print(
        f"deliver {f.target:,} check-ins        {f.delivered:>7,} sent  {f.seconds:6.1f} s  "
        f"{f.rate:.1f}/s at a cap of {f.cap:g}/s (ratio {f.rate / f.cap:.3f}); "
        f"{f.workers} worker(s) x {f.concurrency}"
    )
    print(
        f"after the first {RAMP_SECONDS:g} s (workers starting): {f.steady:.1f}/s "
        f"(ratio {f.steady / f.cap:.3f})"
    )
    print(
        f"at the double: {f.distinct:,} people, {f.duplicates} duplicate(s); "
        f"recorded as sent in the outbox {f.recorded_sent:,}"
    )
    if f.target == people:
        print(f"left queued: {f.left_queued} messages, {f.left_jobs} delivery jobs")
    else:
        print(
            f"stopped after {f.target:,} of {people:,} (--deliver): {f.left_queued:,} "
            "messages left queued by design"
        )
    whole = people / f.cap
    print(
        f"at this cap all {people:,} take about {whole / 60:.0f} min (the default cap, "
        f"TWILIO_MAX_PER_SECOND={DEFAULT_CAP:g}, about {people / DEFAULT_CAP / 60:.0f} min; "
        f"Telegram's 30/s about {people / 30 / 60:.0f} min); raise it with --cap for a full run"
    )
    load = ", ".join(f"{x:.2f}" for x in f.load)
    print(f"load average at the end: {load}")
