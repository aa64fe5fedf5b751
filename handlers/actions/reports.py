"""Impact reports: what the help line did, per week or month, by category or channel.

The measures, per period (by the ticket's opening, in the team's time zone) and group:
- requests: tickets opened;
- escalations: those that were urgent or a welfare concern (`priority` urgent or `category`
  welfare, as they stand now);
- referrals: those staff marked as referred to a partner (a food bank, Age UK, a GP, the
  council), i.e. with `referred_at` set;
- first response: from opening to the first message to the person or status change by staff;
- resolution: from opening to being resolved (tickets not resolved yet are left out);
both times as the median and the 90th percentile, interpolated as PostgreSQL's
`percentile_cont` does.

On PostgreSQL the whole report is one grouped query; SQLite, for small embedded deployments,
reads the period's tickets and groups them here, to the same definitions.
Check-ins sent and answered join the measures with the check-in campaigns (issue 9), and a
language breakdown with languages (issue 10).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Ticket
from models.enums import TicketCategory, TicketPriority


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"


class Breakdown(StrEnum):
    CATEGORY = "category"
    CHANNEL = "channel"
    NONE = "none"


MEASURES = (
    "requests",
    "escalations",
    "referrals",
    "first_response_median",
    "first_response_p90",
    "resolution_median",
    "resolution_p90",
)
"""The report's columns, in order. Issue 9 adds `checkins_sent` and `checkins_answered`."""


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
                escalations=sum(
                    t.priority == TicketPriority.URGENT or t.category == TicketCategory.WELFARE
                    for t in members
                ),
                referrals=sum(t.referred_at is not None for t in members),
                first_response_median=percentile(response, 0.5),
                first_response_p90=percentile(response, 0.9),
                resolution_median=percentile(resolution, 0.5),
                resolution_p90=percentile(resolution, 0.9),
            )
        )
    return rows


async def find_impact_report(*, session: AsyncSession, query: ReportQuery) -> list[ReportRow]:
    """The report's rows, by period then group; periods with no tickets have no rows."""
    if (await session.connection()).dialect.name == "postgresql":
        rows = await _postgres_rows(session, query)
    else:
        start, end = _bounds(query)
        statement = select(Ticket).where(
            col(Ticket.created_at) >= start, col(Ticket.created_at) < end
        )
        rows = _grouped_here((await session.exec(statement)).all(), query)
    return sorted(rows, key=lambda row: (row.period, row.group))
