"""Campaign runs with frozen time: who is asked, when, and exactly once."""

from __future__ import annotations

from datetime import timedelta

from bot.db import transaction
from handlers.actions.campaigns import next_planned
from handlers.actions.checkins import do_fill_run
from models import Campaign, CheckinRun
from models.checkins import CheckinStatus
from models.enums import OutboundPriority
from tests.support.checkins import (
    campaign,
    checkins,
    import_people,
    london,
    person,
    run_now,
    sent_to,
    tick,
)

TUESDAY = london("2026-12-01 10:00")


async def test_a_run_asks_each_consenting_person_in_the_audience_once(db) -> None:
    await import_people(
        db,
        [
            person("A", "07700900001"),
            person("B", "07700900002"),
            person("C", "07700900003", consent=False),
            person("D", "07700900004", vulnerable=False),
        ],
        TUESDAY,
    )
    made = await campaign(db, TUESDAY, spread_minutes=30)
    run = await run_now(db, made.id or 0, TUESDAY)
    assert run.starts_at == TUESDAY

    report = await tick(db, TUESDAY)
    assert report.runs_filled == 1
    found = await checkins(db)
    assert len(found) == 2  # no consent, not vulnerable: not asked
    # Spread over the half hour: the first goes now, the second fifteen minutes later.
    assert [c.status for c in found] == [CheckinStatus.SENT, CheckinStatus.PENDING]
    await tick(db, TUESDAY + timedelta(minutes=14))
    assert [c.status for c in await checkins(db)][1] is CheckinStatus.PENDING
    first = await sent_to(db, "+447700900001")
    assert len(first) == 1
    assert first[0].priority == OutboundPriority.BULK
    assert first[0].body == "Hello, this is your housing team. How are you today?"
    assert [label for _, label in first[0].payload["options"]] == [
        "I'm OK",
        "I need help",
        "Please call me",
    ]

    # A second process, or this one restarted midway, fills and ticks again: nobody twice.
    async with transaction(db) as session:
        again = await session.get(CheckinRun, run.id)
        found_campaign = await session.get(Campaign, made.id)
        assert again is not None and found_campaign is not None
        await do_fill_run(session=session, run=again, campaign=found_campaign, now=TUESDAY)
    await tick(db, TUESDAY + timedelta(minutes=15))
    await tick(db, TUESDAY + timedelta(minutes=16))
    assert len(await checkins(db)) == 2
    assert len(await sent_to(db, "+447700900001")) == 1
    assert len(await sent_to(db, "+447700900002")) == 1


async def test_quiet_hours_hold_a_run_until_the_window_opens(db) -> None:
    await import_people(db, [person("A", "07700900001")], TUESDAY)
    made = await campaign(db, TUESDAY)
    evening = london("2026-12-01 21:30")
    run = await run_now(db, made.id or 0, evening)
    assert run.starts_at == london("2026-12-02 09:00")
    await tick(db, evening + timedelta(minutes=5))
    assert await checkins(db) == []
    await tick(db, london("2026-12-02 09:00"))
    assert [c.status for c in await checkins(db)] == [CheckinStatus.SENT]


async def test_bank_holidays_are_kept_out_of_schedules_and_runs(db) -> None:
    await import_people(db, [person("A", "07700900001")], TUESDAY)
    # Fridays at 10:00: Christmas Day and New Year's Day 2027 are both Fridays.
    made = await campaign(
        db, london("2026-12-21 12:00"), schedule={"weekdays": ["fri"], "time": "10:00"}
    )
    assert made.next_run_at == london("2027-01-08 10:00")
    # Started by hand on Christmas Day, it waits for the next day that is no bank holiday.
    run = await run_now(db, made.id or 0, london("2026-12-25 11:00"))
    assert run.starts_at == london("2026-12-27 09:00")  # Boxing Day is a holiday too


async def test_a_scheduled_campaign_starts_one_run_per_moment_in_summer_time(db) -> None:
    await import_people(db, [person("A", "07700900001")], TUESDAY)
    made = await campaign(
        db, london("2026-06-01 08:00"), schedule={"weekdays": ["mon", "tue"], "time": "10:00"}
    )
    assert made.next_run_at == london("2026-06-01 10:00")  # 09:00 UTC in British Summer Time
    first = await tick(db, london("2026-06-01 10:00"))
    assert (first.runs_started, first.runs_filled, first.queued) == (1, 1, 1)
    repeat = await tick(db, london("2026-06-01 10:01"))
    assert repeat.runs_started == 0
    async with db() as session:
        found = await session.get(Campaign, made.id)
    assert found is not None and found.next_run_at == london("2026-06-02 10:00")
    assert next_planned(found, london("2026-06-02 10:00")) == london("2026-06-08 10:00")


async def test_a_paused_campaign_sends_nothing_until_resumed(db) -> None:
    await import_people(db, [person("A", "07700900001")], TUESDAY)
    made = await campaign(db, TUESDAY, paused=True)
    await run_now(db, made.id or 0, TUESDAY)
    await tick(db, TUESDAY)
    assert await checkins(db) == []
    async with transaction(db) as session:
        found = await session.get(Campaign, made.id)
        assert found is not None
        found.paused = False
    await tick(db, TUESDAY + timedelta(minutes=1))
    assert [c.status for c in await checkins(db)] == [CheckinStatus.SENT]
