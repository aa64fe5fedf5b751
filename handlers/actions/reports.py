"""Impact reports: what the help line did, per week or month, by category or channel.

The measures, per period (by the ticket's opening, in the team's time zone) and group:
- requests: tickets opened;
- check-ins sent: welfare check-ins and alarm-test reminders whose message or call went out
  (as a run's `sent` counts them), by the day they went; check-ins answered: those of them the
  person answered. By category a check-in counts as welfare and an alarm test as telecare; by
  channel, the channel it went by;
- escalations: tickets that were urgent or a welfare concern (`priority` urgent or `category`
  welfare, as they stand now), or that a check-in raised (a call asked for, an alarm test
  failed);
- referrals: those staff marked as referred to a partner (a food bank, Age UK, a GP, the
  council), i.e. with `referred_at` set;
- first response: from opening to the first message to the person or status change by staff;
- resolution: from opening to being resolved (tickets not resolved yet are left out);
both times as the median and the 90th percentile, interpolated as PostgreSQL's
`percentile_cont` does.

On PostgreSQL the whole report is one grouped query; SQLite, for small embedded deployments,
reads the period's tickets and groups them here, to the same definitions.
A language breakdown joins with languages (issue 10).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Campaign, ChannelIdentity, Checkin, CheckinRun, Ticket
from models.checkins import CampaignKind, CheckinStatus
from models.enums import TicketCategory, TicketPriority

CHECKIN_KEY = "checkin_id"
"""The key a check-in's escalation ticket names it by in its details."""
_UNSENT = (CheckinStatus.PENDING, CheckinStatus.FAILED, CheckinStatus.OPTED_OUT)


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"


class Breakdown(StrEnum):
    CATEGORY = "category"
    CHANNEL = "channel"
    NONE = "none"


MEASURES = (
    "requests",
    "checkins_sent",
    "checkins_answered",
    "escalations",
    "referrals",
    "first_response_median",
    "first_response_p90",
    "resolution_median",
    "resolution_p90",
)
"""The report's columns, in order."""


@dataclass(frozen=True)
class ReportQuery:
    """Which report: periods from `start` to `end` (local dates, both included)."""

    period: Period
    breakdown: Breakdown
    start: date
    end: date
    zone: ZoneInfo


@dataclass(frozen=True)
class ReportRow:
    """One period and group; times are in seconds, None where no ticket had one."""

    period: date
    group: str
    requests: int = 0
    checkins_sent: int = 0
    checkins_answered: int = 0
    escalations: int = 0
    referrals: int = 0
    first_response_median: float | None = None
    first_response_p90: float | None = None
    resolution_median: float | None = None
    resolution_p90: float | None = None


def period_start(day: date, period: Period) -> date:
    """The first day of the week (Monday) or month that holds `day`."""
    if period == Period.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def periods(query: ReportQuery) -> list[date]:
    """Every period the report covers, oldest first."""
    found: list[date] = []
    day = period_start(query.start, query.period)
    while day <= query.end:
        found.append(day)
        if query.period == Period.WEEK:
            day += timedelta(days=7)
        else:
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return found


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The continuous percentile of `values`, interpolated as `percentile_cont` does."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _bounds(query: ReportQuery) -> tuple[datetime, datetime]:
    first = datetime.combine(periods(query)[0], time(0), tzinfo=query.zone)
    last = datetime.combine(query.end + timedelta(days=1), time(0), tzinfo=query.zone)
    return first.astimezone(UTC), last.astimezone(UTC)


def _escalated() -> sa.ColumnElement[bool]:
    return sa.or_(
        col(Ticket.priority) == TicketPriority.URGENT,
        col(Ticket.category) == TicketCategory.WELFARE,
        col(Ticket.details)[CHECKIN_KEY].is_not(None),
    )


def is_escalation(ticket: Ticket) -> bool:
    """Whether the ticket counts as an escalation (the same test as `_escalated`)."""
    return (
        ticket.priority == TicketPriority.URGENT
        or ticket.category == TicketCategory.WELFARE
        or ticket.details.get(CHECKIN_KEY) is not None
    )


def _group_column(breakdown: Breakdown) -> Any:
    if breakdown == Breakdown.CATEGORY:
        return col(Ticket.category)
    if breakdown == Breakdown.CHANNEL:
        return col(Ticket.channel)
    return sa.literal("")


def _seconds(later: Any, earlier: Any) -> Any:
    return sa.extract("epoch", later - earlier)


async def _postgres_rows(session: AsyncSession, query: ReportQuery) -> list[ReportRow]:
    start, end = _bounds(query)
    local = sa.func.timezone(query.zone.key, col(Ticket.created_at))
    bucket = sa.func.date_trunc(query.period.value, local).label("bucket")
    group = _group_column(query.breakdown).label("grp")
    response = _seconds(col(Ticket.first_response_at), col(Ticket.created_at))
    resolution = _seconds(col(Ticket.resolved_at), col(Ticket.created_at))

    def cont(fraction: float, value: Any) -> Any:
        return sa.func.percentile_cont(fraction).within_group(value)

    statement = (
        sa.select(
            bucket,
            group,
            sa.func.count(),
            sa.func.count().filter(_escalated()),
            sa.func.count(col(Ticket.referred_at)),
            cont(0.5, response),
            cont(0.9, response),
            cont(0.5, resolution),
            cont(0.9, resolution),
        )
        .where(col(Ticket.created_at) >= start, col(Ticket.created_at) < end)
        .group_by(bucket, group)
    )
    rows = (await (await session.connection()).execute(statement)).all()
    return [
        ReportRow(
            period=row[0].date(),
            group=str(row[1].value if hasattr(row[1], "value") else row[1]),
            requests=row[2],
            escalations=row[3],
            referrals=row[4],
            first_response_median=row[5],
            first_response_p90=row[6],
            resolution_median=row[7],
            resolution_p90=row[8],
        )
        for row in rows
    ]


def _grouped_here(tickets: Iterable[Ticket], query: ReportQuery) -> list[ReportRow]:
    buckets: dict[tuple[date, str], list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        day = ticket.created_at.astimezone(query.zone).date()
        if query.breakdown == Breakdown.NONE:
            group = ""
        else:
            group = str(getattr(ticket, query.breakdown.value).value)
        buckets[(period_start(day, query.period), group)].append(ticket)
    rows = []
    for (period, group), members in buckets.items():
        response = [
            (t.first_response_at - t.created_at).total_seconds()
            for t in members
            if t.first_response_at is not None
        ]
        resolution = [
            (t.resolved_at - t.created_at).total_seconds()
            for t in members
            if t.resolved_at is not None
        ]
        rows.append(
            ReportRow(
                period=period,
                group=group,
                requests=len(members),
                escalations=sum(is_escalation(t) for t in members),
                referrals=sum(t.referred_at is not None for t in members),
                first_response_median=percentile(response, 0.5),
                first_response_p90=percentile(response, 0.9),
                resolution_median=percentile(resolution, 0.5),
                resolution_p90=percentile(resolution, 0.9),
            )
        )
    return rows


def _checkin_group(breakdown: Breakdown) -> Any:
    if breakdown == Breakdown.CATEGORY:
        return sa.case(
            (col(Campaign.kind) == CampaignKind.ALARM_TEST, TicketCategory.TELECARE.value),
            else_=TicketCategory.WELFARE.value,
        )
    if breakdown == Breakdown.CHANNEL:
        return col(ChannelIdentity.channel)
    return sa.literal("")


async def _checkin_counts(
    session: AsyncSession, query: ReportQuery, postgres: bool
) -> dict[tuple[date, str], tuple[int, int]]:
    """Check-ins sent and answered, per period (of their sending) and group."""
    start, end = _bounds(query)
    sent_at = col(Checkin.sent_at)
    group = _checkin_group(query.breakdown).label("grp")
    answered = col(Checkin.answered_at).is_not(None)
    if postgres:
        moment: Any = sa.func.date_trunc(
            query.period.value, sa.func.timezone(query.zone.key, sent_at)
        )
        columns: tuple[Any, ...] = (
            moment,
            group,
            sa.func.count(),
            sa.func.count().filter(answered),
        )
    else:
        columns = (sent_at, group, answered)
    statement = (
        sa.select(*columns)
        .select_from(Checkin)
        .join(CheckinRun, col(CheckinRun.id) == Checkin.run_id)
        .join(Campaign, col(Campaign.id) == CheckinRun.campaign_id)
        .join(ChannelIdentity, col(ChannelIdentity.id) == Checkin.identity_id, isouter=True)
        .where(
            sent_at >= start,
            sent_at < end,
            col(Checkin.message_id).is_not(None),
            col(Checkin.status).not_in(_UNSENT),
        )
    )
    if postgres:
        statement = statement.group_by(moment, group)
    counts: dict[tuple[date, str], tuple[int, int]] = defaultdict(lambda: (0, 0))
    for row in (await (await session.connection()).execute(statement)).all():
        grp = str(getattr(row[1], "value", row[1]) or "")
        if postgres:
            counts[(row[0].date(), grp)] = (row[2], row[3])
        else:
            when = row[0] if row[0].tzinfo else row[0].replace(tzinfo=UTC)
            key = (period_start(when.astimezone(query.zone).date(), query.period), grp)
            sent, got = counts[key]
            counts[key] = (sent + 1, got + int(bool(row[2])))
    return counts


async def find_impact_report(*, session: AsyncSession, query: ReportQuery) -> list[ReportRow]:
    """The report's rows, by period then group; periods with no tickets nor check-ins have no
    rows."""
    postgres = (await session.connection()).dialect.name == "postgresql"
    if postgres:
        rows = await _postgres_rows(session, query)
    else:
        start, end = _bounds(query)
        statement = select(Ticket).where(
            col(Ticket.created_at) >= start, col(Ticket.created_at) < end
        )
        rows = _grouped_here((await session.exec(statement)).all(), query)
    by_key = {(row.period, row.group): row for row in rows}
    for key, (sent, answered) in (await _checkin_counts(session, query, postgres)).items():
        row = by_key.get(key, ReportRow(period=key[0], group=key[1]))
        by_key[key] = replace(row, checkins_sent=sent, checkins_answered=answered)
    return sorted(by_key.values(), key=lambda row: (row.period, row.group))
