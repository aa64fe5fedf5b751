"""Impact reports for supervisors: a chart and a table on the page, and the same as CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from sqlmodel.ext.asyncio.session import AsyncSession

from admin.web.auth import PagesDep, SupervisorPage, router
from admin.web.chart import stacked_bars
from admin.web.core import say
from bot.deps import SessionDep
from handlers.actions.reports import (
    MEASURES,
    Breakdown,
    Period,
    ReportQuery,
    ReportRow,
    find_impact_report,
    period_start,
    periods,
)
from models.base import utcnow

LONGEST = timedelta(days=3 * 366)
"""The longest range one report covers, so one request cannot ask for decades."""

__all__ = ["router"]


def _report_query(
    pages: PagesDep,
    period: Annotated[str, Query(max_length=10)] = "week",
    by: Annotated[str, Query(max_length=10)] = "category",
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> ReportQuery:
    """The report the page's form asks for; a range left out is the last twelve periods."""
    today = utcnow().astimezone(pages.config.zone).date()
    chosen = Period(period) if period in Period._value2member_map_ else Period.WEEK
    breakdown = Breakdown(by) if by in Breakdown._value2member_map_ else Breakdown.CATEGORY
    end = min(end or today, today)
    if start is None or start > end:
        back = timedelta(weeks=11) if chosen == Period.WEEK else timedelta(days=334)
        start = period_start(end - back, chosen)
    start = max(start, end - LONGEST)
    return ReportQuery(chosen, breakdown, start, end, pages.config.zone)


def _label(period: date, query: ReportQuery) -> str:
    return period.strftime("%d %b" if query.period == Period.WEEK else "%b %y")


def _group_label(group: str, breakdown: Breakdown) -> str:
    if breakdown == Breakdown.NONE:
        return say("reports.all")
    return say(f"{breakdown.value}.{group}")


ChosenReport = Annotated[ReportQuery, Depends(_report_query)]


async def _rows_and_totals(
    session: AsyncSession, query: ReportQuery
) -> tuple[list[ReportRow], list[ReportRow]]:
    """The report's rows by group, and its rows for all groups together."""
    rows = await find_impact_report(session=session, query=query)
    if query.breakdown == Breakdown.NONE:
        return rows, rows
    overall = ReportQuery(query.period, Breakdown.NONE, query.start, query.end, query.zone)
    return rows, await find_impact_report(session=session, query=overall)


@router.get("/reports")
async def reports_page(
    request: Request,
    me: SupervisorPage,
    session: SessionDep,
    pages: PagesDep,
    query: ChosenReport,
) -> Response:
    """The report as a chart of requests per period and a table of every measure."""
    rows, totals = await _rows_and_totals(session, query)
    # The chart counts requests: a group with only check-ins has no bar to name.
    groups = sorted({row.group for row in rows if row.requests})
    covered = periods(query)
    labels = {p: _label(p, query) for p in covered}
    chart = stacked_bars(
        rows, covered, groups, {g: _group_label(g, query.breakdown) for g in groups}, labels
    )
    return pages.render(
        request,
        "reports.html",
        me=me,
        query=query,
        rows=rows,
        totals={row.period: row for row in totals},
        periods=covered,
        labels=labels,
        group_label=lambda g: _group_label(g, query.breakdown),
        chart=chart,
        csv_link=f"/staff/reports.csv?{request.url.query}",
        periods_choice=list(Period),
        breakdowns=list(Breakdown),
    )


def _hours(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 3600:.2f}"


def _cell(row: ReportRow, measure: str) -> object:
    value = getattr(row, measure)
    return _hours(value) if measure.startswith(("first", "resolution")) else value


def _csv(rows: list[ReportRow], totals: list[ReportRow], query: ReportQuery) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    names = [m + ("_hours" if m.startswith(("first", "resolution")) else "") for m in MEASURES]
    writer.writerow(["period_start", "period", "group_by", "group", *names])
    for row, group_by in [(r, query.breakdown.value) for r in rows] + [(r, "all") for r in totals]:
        writer.writerow(
            [
                row.period.isoformat(),
                query.period.value,
                group_by,
                row.group or "all",
                *(_cell(row, measure) for measure in MEASURES),
            ]
        )
    return out.getvalue()


@router.get("/reports.csv")
async def reports_csv(
    me: SupervisorPage,
    session: SessionDep,
    query: ChosenReport,
) -> Response:
    """The report's rows as CSV, for a board paper or a sector return; times in hours."""
    rows, totals = await _rows_and_totals(session, query)
    name = f"impact-{query.period.value}-{query.breakdown.value}-{query.start}-to-{query.end}.csv"
    return Response(
        _csv(rows, totals, query),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
