"""Check-in campaigns for supervisors: every campaign with its runs, and a run's results."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import Response

from admin.web.auth import PagesDep, SupervisorPage, router
from bot.deps import SessionDep
from handlers.actions.campaigns import access_campaign, access_run, list_campaigns, list_recent_runs
from handlers.actions.checkin_results import (
    COUNT_KEYS,
    find_run_counts,
    list_run_results,
    results_csv,
)
from handlers.actions.errors import NotFoundError
from models import CheckinRun
from models.text import MAX_DB_ID

__all__ = ["router"]

DbId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]


@router.get("/campaigns")
async def campaigns_page(
    request: Request, me: SupervisorPage, session: SessionDep, pages: PagesDep
) -> Response:
    """Every campaign, newest first, each with its latest runs."""
    runs: dict[int, list[CheckinRun]] = defaultdict(list)
    for run in await list_recent_runs(session=session):
        runs[run.campaign_id].append(run)
    return pages.render(
        request,
        "campaigns.html",
        me=me,
        campaigns=await list_campaigns(session=session),
        runs=runs,
    )


@router.get("/campaigns/{campaign_id}/runs/{run_id}")
async def run_page(
    request: Request,
    campaign_id: DbId,
    run_id: DbId,
    me: SupervisorPage,
    session: SessionDep,
    pages: PagesDep,
) -> Response:
    """A run's counts by outcome, and each person's check-in in it."""
    try:
        run = await access_run(session=session, campaign_id=campaign_id, run_id=run_id)
        campaign = await access_campaign(session=session, campaign_id=campaign_id)
    except NotFoundError:
        return pages.render(request, "not_found.html", 404, me=me)
    return pages.render(
        request,
        "run.html",
        me=me,
        campaign=campaign,
        run=run,
        counts=await find_run_counts(session=session, run_id=run_id),
        count_keys=COUNT_KEYS,
        results=await list_run_results(session=session, run_id=run_id),
        csv_link=f"/staff/campaigns/{campaign_id}/runs/{run_id}/results.csv",
    )


@router.get("/campaigns/{campaign_id}/runs/{run_id}/results.csv")
async def run_results_csv(
    request: Request,
    campaign_id: DbId,
    run_id: DbId,
    me: SupervisorPage,
    session: SessionDep,
    pages: PagesDep,
) -> Response:
    """The run's outcome per person as CSV: the same file the API gives."""
    try:
        await access_run(session=session, campaign_id=campaign_id, run_id=run_id)
    except NotFoundError:
        return pages.render(request, "not_found.html", 404, me=me)
    name = f"campaign-{campaign_id}-run-{run_id}.csv"
    return Response(
        results_csv(await list_run_results(session=session, run_id=run_id)),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
