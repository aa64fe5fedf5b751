"""Welfare check-ins at scale, on a scratch PostgreSQL database.

1. Imports two landlord files of 50,000 rows each through the import action (`helpbot
   contacts import` and the API run the same code): the first creates, the second adds the
   other 50,000 people; then the first again, which only updates.
2. Starts a campaign run to all 100,000 and times one tick of the check-in task (the run
   started, its check-ins made, and every due check-in queued as a bulk message with its
   delivery job), as `helpbot worker` runs it: goal under 20 s.
3. Baseline, in the same run: a plain `INSERT ... SELECT` of the same 100,000 outbound rows
   into the outbox, rolled back.
4. Checks exactly one check-in, one message and one delivery job per person.
5. Delivers them (`bench.checkin_delivery`): `helpbot worker` processes send through the Twilio
   channel to a local Messages API double at the cap (TWILIO_MAX_PER_SECOND, default 10/s; at
   that rate 100,000 take almost 3 hours, so `--cap` raises it for a full run). Figures: sent,
   the rate as a ratio of the cap, duplicates counted at the double, and nothing left queued.
   `--deliver N` stops after N (default: every person); `--deliver 0` skips delivery.

    .venv/bin/python -m bench.checkins [--people 100000] [--deliver N] [--cap 10]
        [--workers 2] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime

from sqlalchemy import text

from bench.checkin_delivery import DEFAULT_CAP, deliver, report
from bench.support import machine, scratch_database
from bot.config import Settings
from bot.db import transaction
from bot.services import running
from handlers.actions.campaigns import CampaignFields, do_create_campaign, do_start_run
from handlers.actions.contact_import import do_import_contacts
from models import Staff
from models.base import utcnow
from models.checkins import CampaignKind
from models.staff import StaffRole

HEADER = (
    "tenant_ref,name,phone,channel,language,vulnerable,telecare,carer,consent_at,consent_source\n"
)


def landlord_file(first: int, count: int) -> str:
    """`count` people from number `first`: SMS, vulnerable, consent from the tenancy form."""
    rows = [
        f"T{n:07d},Tenant {n},+4477{n:08d},sms,en,yes,{'yes' if n % 5 == 0 else 'no'},no,"
        f"2025-04-01,tenancy form\n"
        for n in range(first, first + count)
    ]
    return HEADER + "".join(rows)


async def _import(settings: Settings, factory: object, csv_text: str) -> tuple[float, str]:
    started = time.perf_counter()
    async with running(settings) as services, transaction(services.session_factory) as session:
        result = await do_import_contacts(session=session, text=csv_text, now=utcnow())
    took = time.perf_counter() - started
    return (
        took,
        f"created {result.created}, updated {result.updated}, rejected {len(result.rejected)}",
    )


async def main(people: int, args: argparse.Namespace) -> None:
    half = people // 2
    first_file, second_file = landlord_file(0, half), landlord_file(half, people - half)
    with scratch_database() as url:
        settings = Settings(_env_file=None, database_url=url, log_level="WARNING")
        for label, body in (
            ("import 1 (new)", first_file),
            ("import 2 (new)", second_file),
            ("import 1 again (updates)", first_file),
        ):
            took, what = await _import(settings, None, body)
            print(f"{label:28s} {half:>7,} rows  {took:6.2f} s  ({what})")

        async with running(settings) as services:
            factory = services.session_factory
            async with transaction(factory) as session:
                staff = Staff(email="bench@example.org", name="Bench", role=StaffRole.SUPERVISOR)
                session.add(staff)
                await session.flush()
                campaign = await do_create_campaign(
                    session=session,
                    staff=staff,
                    fields=CampaignFields(
                        name="Bench",
                        kind=CampaignKind.CHECKIN,
                        audience={"vulnerable": True},
                        schedule=None,
                        window_start="00:00",
                        window_end="24:00",
                        reply_wait_minutes=120,
                        spread_minutes=0,
                        messages={},
                        skip_bank_holidays=False,
                    ),
                    now=utcnow(),
                )
                await do_start_run(session=session, campaign=campaign, staff=None, now=utcnow())

            baseline = await _baseline(factory)
            assert services.checkins is not None
            started = time.perf_counter()
            ticked = await services.checkins.tick(datetime.now(UTC))
            took = time.perf_counter() - started
            print(
                f"queue every due check-in     {ticked.queued:>7,} due   {took:6.2f} s  "
                "(goal < 20 s)"
            )
            print(
                f"baseline INSERT ... SELECT   {people:>7,} rows  {baseline:6.2f} s  "
                f"(ratio {took / baseline:.1f}x)"
            )
            async with factory() as session:
                row = (
                    await session.exec(  # type: ignore[call-overload]
                        text(
                            "SELECT (SELECT count(*) FROM checkins), "
                            "(SELECT count(DISTINCT contact_id) FROM checkins), "
                            "(SELECT count(*) FROM messages WHERE direction = 'out'), "
                            "(SELECT count(DISTINCT identity_id) FROM messages "
                            " WHERE direction = 'out'), "
                            "(SELECT coalesce(sum(jsonb_array_length(args->'identity_ids')), 0) "
                            " FROM procrastinate_jobs WHERE task_name = 'helpbot.deliver_many')"
                        )
                    )
                ).one()
            checkins, contacts, messages, identities, jobs = row
            print(
                f"check-ins {checkins:,} for {contacts:,} people; {messages:,} messages to "
                f"{identities:,} people; {jobs:,} people in delivery jobs"
            )
            assert checkins == contacts == messages == identities == jobs == people
        target = people if args.deliver is None else min(args.deliver, people)
        if target:
            figures = deliver(url, people, target, args.cap, args.workers, args.concurrency)
            print(f"machine: {machine()}")
            report(figures, people)


async def _baseline(factory: object) -> float:
    """The same rows into the outbox by one plain statement, rolled back."""
    assert callable(factory)
    async with factory() as session:
        started = time.perf_counter()
        await session.exec(
            text(
                "INSERT INTO messages (contact_id, identity_id, channel, direction, body, payload,"
                " status, attempts, next_attempt_at, priority, sent_parts, maybe_duplicate,"
                " created_at, updated_at) "
                "SELECT i.contact_id, i.id, i.channel, 'out', 'How are you today?', '{}',"
                " 'queued', 0, now(), 0, '[]', false, now(), now() "
                "FROM channel_identities i JOIN contacts c ON c.id = i.contact_id "
                "WHERE c.vulnerable AND c.consented_at IS NOT NULL"
            )
        )
        took = time.perf_counter() - started
        await session.rollback()
    return took


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--deliver", type=int, default=None, help="deliver N (default: all)")
    parser.add_argument(
        "--cap", type=float, default=DEFAULT_CAP, help="TWILIO_MAX_PER_SECOND for delivery"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    asyncio.run(main(args.people, args))
