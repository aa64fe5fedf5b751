"""What the benchmarks share: a scratch PostgreSQL database, the service's processes (web and
workers, started as `helpbot` commands), the Bot API double, and Telegram updates to send.

Every process listens on 127.0.0.1 only and is stopped when the benchmark ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG = os.environ.get("HELPBOT_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
TOKEN = "123456:BENCH-token"
SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def scratch_database(prefix: str = "helpbot_delivery_bench") -> Iterator[str]:
    """A new, migrated database (psycopg URL), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://{PG.split('://', 1)[1]}/{name}"
    try:
        subprocess.run(
            [BIN / "helpbot", "migrate"],
            env=service_env(url, ""),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        yield url
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def service_env(database_url: str, api_url: str, **settings: object) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TWILIO_"))}
    env.update(
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_API_BASE_URL=api_url,
        LOG_LEVEL="WARNING",
    )
    env.update({k.upper(): str(v) for k, v in settings.items()})
    return env


class Processes:
    """Child processes, each killed when the block ends."""

    def __init__(self) -> None:
        self.children: list[subprocess.Popen[bytes]] = []

    def start(
        self, args: Sequence[object], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(
            [str(a) for a in args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=sys.stderr
        )
        self.children.append(child)
        return child

    def stop(self, child: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
        if child.poll() is None:
            child.send_signal(sig)
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *_: object) -> None:
        for child in reversed(self.children):
            self.stop(child)


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if _POLL.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def start_double(procs: Processes, limit: int = 0, delay_ms: float = 0.0) -> str:
    port = free_port()
    args = [BIN / "python", ROOT / "bench" / "botapi.py", port, "--limit", limit]
    procs.start([*args, "--delay-ms", delay_ms])
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/_stats")
    return url


def start_service(
    procs: Processes, env: dict[str, str], workers: int, concurrency: int = 16, web: bool = True
) -> tuple[str, list[subprocess.Popen[bytes]]]:
    """The web process (unless `web` is False) and `workers` worker processes."""
    url = ""
    if web:
        port = free_port()
        procs.start([BIN / "helpbot", "serve", "--port", port], env)
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/readyz")
    started = [
        procs.start([BIN / "helpbot", "worker", "--concurrency", concurrency], env)
        for _ in range(workers)
    ]
    return url, started


def update(update_id: int, chat: int, text: str) -> dict[str, Any]:
    """A Telegram update: a private text message from `chat`."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "Ann"},
            "from": {"id": chat, "is_bot": False, "first_name": "Ann"},
            "text": text,
        },
    }


ERRORS: list[int] = []  # webhooks answered with an error, by status (0: no answer at all)


async def post_update(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> float:
    """Send one webhook; returns how long it took to be answered, in seconds."""
    start = time.perf_counter()
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    try:
        async with session.post(url, json=body, headers=headers) as r:
            await r.read()
            if r.status >= 300:
                ERRORS.append(r.status)
    except (aiohttp.ClientError, TimeoutError):
        ERRORS.append(0)
    return time.perf_counter() - start


def _session(connections: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=connections)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60))


async def closed_loop(url: str, bodies: list[dict[str, Any]], concurrency: int) -> list[float]:
    """Send every update, `concurrency` at a time; returns each one's latency."""
    queue = list(reversed(bodies))
    latencies: list[float] = []
    async with _session(concurrency) as session:

        async def one_sender() -> None:
            while queue:
                latencies.append(await post_update(session, url, queue.pop()))

        await asyncio.gather(*(one_sender() for _ in range(concurrency)))
    return latencies


async def open_loop(url: str, bodies: list[dict[str, Any]], rate: float) -> list[float]:
    """Send the updates at a steady `rate` per second, whatever the answers' pace."""
    async with _session(400) as session:
        start = time.perf_counter()
        tasks = []
        for index, body in enumerate(bodies):
            delay = start + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post_update(session, url, body)))
        return list(await asyncio.gather(*tasks))


def say(text: str) -> None:
    """Progress, on standard error."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# One client for every poll: making one per call costs the benchmark ~50 ms of CPU each time
# (an SSL context), taken from the service it measures.
_POLL = httpx.Client(timeout=30)


def records(api_url: str, since: int = 0) -> list[tuple[int, str, float, int]]:
    """The double's records: (chat, text, arrival time, status)."""
    data = _POLL.get(f"{api_url}/_stats", params={"since": since}).json()
    return [tuple(r) for r in data["records"]]


class Arrivals:
    """The double's records as they grow, each fetch asking only for the new ones: fetching them
    all, thousands, every second stalls the double while it encodes them, and the sends that
    arrive meanwhile are stamped together, as a burst the limiter never let out."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self.seen: list[tuple[int, str, float, int]] = []

    def __call__(self) -> list[tuple[int, str, float, int]]:
        self.seen.extend(records(self.api_url, len(self.seen)))
        return self.seen


def wait_for(check: Any, timeout: float, what: str, every: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        time.sleep(every)


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def machine() -> str:
    cores = os.cpu_count()
    with open("/proc/meminfo") as f:
        total = int(f.readline().split()[1]) // (1024 * 1024)
    return f"{cores} cores, {total} GiB memory"


async def queue_bulk(
    database_url: str, chats: Sequence[int], texts: Sequence[str], per_job: int = 1
) -> None:
    """Queue `texts` to each chat at bulk priority: people, rows and their delivery jobs written
    together, a thousand people per transaction. `per_job` people share one job: a campaign's
    check-ins ask for one `deliver_many` per MANY_PER_JOB people, each text its own round of jobs
    as one check-in tick after another asks for them; 1 is a `deliver` each."""
    import procrastinate
    from procrastinate.jobs import Job
    from sqlalchemy import insert, text
    from sqlmodel import col

    from bot.db import create_engine
    from bot.job_rules import DELIVER, DELIVER_MANY, queue_for, recipient_lock
    from models import ChannelIdentity, Contact, Message
    from models.base import utcnow
    from models.enums import Channel, DeliveryStatus, Direction, OutboundPriority

    engine = create_engine(database_url)
    app = procrastinate.App(connector=procrastinate.PsycopgConnector())
    try:
        for start in range(0, len(chats), 1000):
            batch = chats[start : start + 1000]
            now = utcnow()
            async with engine.begin() as connection:
                # Ids returned by the inserts just made: never None.
                contacts: Sequence[int] = (
                    (
                        await connection.execute(
                            insert(Contact).returning(col(Contact.id)),
                            [
                                {"created_at": now, "updated_at": now, "language": "en"}
                                for _ in batch
                            ],
                        )
                    )
                    .scalars()
                    .all()  # type: ignore[assignment]
                )
                identities: Sequence[int] = (
                    (
                        await connection.execute(
                            insert(ChannelIdentity).returning(col(ChannelIdentity.id)),
                            [
                                {
                                    "contact_id": c,
                                    "channel": Channel.TELEGRAM,
                                    "external_id": str(chat),
                                    "profile": {},
                                    "opted_out": False,
                                    "created_at": now,
                                }
                                for c, chat in zip(contacts, batch, strict=True)
                            ],
                        )
                    )
                    .scalars()
                    .all()  # type: ignore[assignment]
                )
                # Text by text: the rows of one round all come before the next round's.
                rows: list[dict[str, object]] = [
                    {
                        "contact_id": c,
                        "identity_id": i,
                        "channel": Channel.TELEGRAM,
                        "direction": Direction.OUT,
                        "body": text,
                        "payload": {},
                        "status": DeliveryStatus.QUEUED,
                        "next_attempt_at": now,
                        "priority": OutboundPriority.BULK,
                        "sent_parts": [],
                        "maybe_duplicate": False,
                        "attempts": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for text in texts
                    for c, i in zip(contacts, identities, strict=True)
                ]
                await connection.execute(insert(Message), rows)
                jobs = [
                    Job(
                        id=None,
                        queue=queue_for(OutboundPriority.BULK),
                        lock=recipient_lock(i),
                        queueing_lock=None,
                        task_name=DELIVER,
                        task_kwargs={"identity_id": i},
                        priority=OutboundPriority.BULK,
                    )
                    for i in identities
                ]
                if per_job > 1:
                    # As `JobApp.enqueue_many_in_transaction` writes them for a campaign.
                    jobs = [
                        Job(
                            id=None,
                            queue=queue_for(OutboundPriority.BULK),
                            lock=None,
                            queueing_lock=None,
                            task_name=DELIVER_MANY,
                            task_kwargs={"identity_ids": list(identities[n : n + per_job])},
                            priority=OutboundPriority.BULK,
                        )
                        for _ in texts
                        for n in range(0, len(identities), per_job)
                    ]
                raw = (await connection.get_raw_connection()).driver_connection
                await app.job_manager.batch_defer_jobs_async(jobs=jobs, connection=raw)
        # As a campaign does once its jobs are queued (`JobApp.refresh_statistics`).
        async with engine.connect() as connection:
            await connection.execute(text("ANALYZE procrastinate_jobs"))
            await connection.commit()
    finally:
        await engine.dispose()
