"""The impact report's numbers, to the same definitions on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.db import SessionFactory, transaction
from handlers.actions.reports import (
    Breakdown,
    Period,
    ReportQuery,
    find_impact_report,
    percentile,
)
from handlers.actions.ticket_work import TicketChanges, do_change_ticket, do_staff_reply
from models import Ticket
from models.enums import Channel, TicketCategory, TicketPriority, TicketStatus
from models.staff import StaffRole
from tests.admin.conftest import make_staff
from tests.support.checkins import (
    campaign,
    delivered,
    import_people,
    london,
    person,
    run_now,
    say,
    tick,
)
from tests.support.tickets import seed_ticket

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 6, 8, 9, 0, tzinfo=UTC)
# Sunday 23:30 in UTC, but already Monday 00:30 in London, whose weeks the report counts.
LONDON_MONDAY = datetime(2026, 6, 7, 23, 30, tzinfo=UTC)


def test_percentiles_interpolate_as_postgresql_does() -> None:
    values = [60.0, 120.0, 180.0, 240.0]
    assert percentile(values, 0.5) == 150.0
    assert percentile(values, 0.9) == 222.0
    assert percentile([], 0.5) is None


async def test_counts_and_times_per_week_and_category(db: SessionFactory) -> None:
    agent = await make_staff(db, StaffRole.AGENT)
    answered_after = [timedelta(minutes=m) for m in (10, 20, 30, 90)]
    for n, wait in enumerate(answered_after):
        seeded = await seed_ticket(
            db,
            channel=Channel.TELEGRAM if n % 2 else Channel.SMS,
            category=TicketCategory.FOOD,
            priority=TicketPriority.URGENT if n == 0 else TicketPriority.NORMAL,
            now=MONDAY + timedelta(hours=n),
        )
        async with transaction(db) as session:
            ticket = await session.get(Ticket, seeded.ticket.id)
            assert ticket is not None
            opened = ticket.created_at
            await do_staff_reply(
                session=session, staff=agent.staff, ticket=ticket, text="On it", now=opened + wait
            )
            if n < 2:
                resolved = TicketChanges(status=TicketStatus.RESOLVED, referred=n == 1)
                await do_change_ticket(
                    session=session,
                    staff=agent.staff,
                    ticket=ticket,
                    changes=resolved,
                    now=opened + timedelta(hours=5 * (n + 1)),
                )
    await seed_ticket(db, category=TicketCategory.WELFARE, now=LONDON_MONDAY)

    query = ReportQuery(
        Period.WEEK, Breakdown.CATEGORY, date(2026, 6, 1), date(2026, 6, 14), LONDON
    )
    async with db() as session:
        rows = await find_impact_report(session=session, query=query)
    summary = [
        (
            r.period.isoformat(),
            r.group,
            r.requests,
            r.escalations,
            r.referrals,
            r.first_response_median,
            r.first_response_p90,
            r.resolution_median,
            r.resolution_p90,
        )
        for r in rows
    ]
    # First responses of 10, 20, 30 and 90 minutes; two resolved, after 5 and 10 hours.
    assert summary == [
        ("2026-06-08", "food", 4, 1, 1, 1500.0, 4320.0, 27000.0, 34200.0),
        ("2026-06-08", "welfare", 1, 1, 0, None, None, None, None),
    ]

    by_channel = ReportQuery(
        Period.MONTH, Breakdown.CHANNEL, date(2026, 6, 1), date(2026, 6, 30), LONDON
    )
    async with db() as session:
        months = await find_impact_report(session=session, query=by_channel)
    assert [(r.period.isoformat(), r.group, r.requests) for r in months] == [
        ("2026-06-01", "console", 1),
        ("2026-06-01", "sms", 2),
        ("2026-06-01", "telegram", 2),
    ]


async def test_checkins_sent_and_answered_and_their_escalations(db: SessionFactory) -> None:
    start = london("2030-06-04 10:00")  # a Tuesday
    people = [person(ref, f"0770090010{n}") for n, ref in enumerate("ABCD")]
    await import_people(db, people, start)
    made = await campaign(db, start)
    await run_now(db, made.id or 0, start)
    await tick(db, start)
    await delivered(db, start)
    await say(db, "+447700900100", start + timedelta(minutes=5), "fine thanks")
    await say(db, "+447700900102", start + timedelta(minutes=5), "ring me")
    await tick(db, start + timedelta(minutes=60))
    await delivered(db, start + timedelta(minutes=60))
    await tick(db, start + timedelta(minutes=120))
    week = date(2030, 6, 3)

    async def report(breakdown: Breakdown) -> list[tuple[str, int, int, int, int]]:
        query = ReportQuery(Period.WEEK, breakdown, week, week + timedelta(days=6), LONDON)
        async with db() as session:
            rows = await find_impact_report(session=session, query=query)
        assert {row.period for row in rows} == {week}
        return [
            (r.group, r.requests, r.checkins_sent, r.checkins_answered, r.escalations) for r in rows
        ]

    # Four asked, two answered; B and D silent (two welfare tickets), C asked for a call: a
    # callback ticket, which counts as an escalation because a check-in raised it.
    assert await report(Breakdown.CATEGORY) == [("callback", 1, 0, 0, 1), ("welfare", 2, 4, 2, 2)]
    assert await report(Breakdown.CHANNEL) == [("sms", 3, 4, 2, 3)]
    assert await report(Breakdown.NONE) == [("", 3, 4, 2, 3)]
