"""A run's results over the staff API, counted as JSON and listed per person as CSV, and each
person's check-ins on their record."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.db import transaction
from models import ChannelIdentity
from tests.admin.conftest import Api
from tests.doubles.telegram_api import TelegramApiDouble
from tests.doubles.twilio_api import TwilioApiDouble, serve
from tests.support.app import serving, settings_for
from tests.support.checkins import (
    campaign,
    checkins,
    delivered,
    import_people,
    london,
    person,
    run_now,
    say,
    tick,
)

# Years ahead of the real clock, so the service's own tick (which runs meanwhile, on the real
# time) finds nothing of this run due, and its messages wait in the outbox.
JUNE = london("2030-06-04 10:00")


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[TwilioApiDouble]:
    with serve("AC" + "5" * 32, "results-auth-token") as double:
        yield double


@pytest.fixture(scope="module")
def app_url(
    database_url: str, bot_api: TelegramApiDouble, twilio_api: TwilioApiDouble
) -> Iterator[str]:
    """The service with SMS on (the fake Twilio), so check-ins it delivers are sent."""
    settings = settings_for(
        database_url, telegram=bot_api, twilio=twilio_api, twilio_sms_from="+447700900999"
    )
    with serving(settings) as url:
        yield url


async def test_a_runs_results_are_counted_and_listed_per_person(api: Api) -> None:
    rows = [person(ref, f"0770090000{n}") for n, ref in enumerate("ABCDEF", start=1)]
    await import_people(api.db, rows, JUNE)
    async with transaction(api.db) as session:
        found = (
            await session.exec(
                select(ChannelIdentity).where(ChannelIdentity.external_id == "+447700900006")
            )
        ).one()
        found.opted_out = True
    made = await campaign(api.db, JUNE)
    run = await run_now(api.db, made.id or 0, JUNE)
    await tick(api.db, JUNE)
    await delivered(api.db, JUNE)
    await say(api.db, "+447700900001", JUNE + timedelta(minutes=5), "fine thanks")
    await say(api.db, "+447700900002", JUNE + timedelta(minutes=5), "not great")
    await say(api.db, "+447700900003", JUNE + timedelta(minutes=5), "ring me")
    await tick(api.db, JUNE + timedelta(minutes=60))
    await delivered(api.db, JUNE + timedelta(minutes=60))
    await tick(api.db, JUNE + timedelta(minutes=120))

    path = f"/campaigns/{made.id}/runs/{run.id}"
    response = await api.get(path, as_=api.supervisor)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "finished"
    assert response.json()["counts"] == {
        "targeted": 6,
        "sent": 5,
        "ok": 1,
        "needs_help": 1,
        "call_me": 1,
        "no_response": 2,
        "escalated": 5,
        "failed": 0,
        "opted_out": 1,
    }
    as_csv = await api.get(f"{path}/results.csv", as_=api.supervisor)
    assert as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["tenant_ref"], r["status"]) for r in table] == [
        ("A", "ok"),
        ("B", "needs_help"),
        ("C", "call_me"),
        ("D", "no_response"),
        ("E", "no_response"),
        ("F", "opted_out"),
    ]
    assert table[0]["ticket"] == "" and table[1]["ticket"].startswith("HH-")
    assert (await api.get(path)).status_code == 403  # agents see people, not campaigns

    history = await api.get(f"/contacts/{(await checkins(api.db))[1].contact_id}/checkins")
    assert history.status_code == 200
    [entry] = history.json()
    assert (entry["campaign"], entry["status"], entry["run_id"]) == (
        "Weekly check-in",
        "needs_help",
        run.id,
    )
