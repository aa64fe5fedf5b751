"""Welfare check-in campaigns (supervisors): create, pause, run now, and each run's results;
and the telecare customers whose alarm test is overdue."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, status
from fastapi.responses import Response

from admin.deps import AgentDep, SessionDep, SupervisorDep
from admin.errors import AUTH_ERRORS, BAD_BODY, NOT_FOUND
from admin.schemas.campaigns import (
    CampaignCreate,
    CampaignPublic,
    CampaignUpdate,
    OverdueAlarmTest,
    RunPublic,
)
from handlers.actions.audit import do_record_audit
from handlers.actions.campaigns import (
    access_campaign,
    access_run,
    do_create_campaign,
    do_start_run,
    do_update_campaign,
    list_campaigns,
)
from handlers.actions.checkin_results import (
    find_run_counts,
    list_overdue_alarm_tests,
    list_run_results,
    results_csv,
)
from models.audit import AuditAction
from models.base import utcnow
from models.text import MAX_DB_ID

router = APIRouter(tags=["campaigns"], responses={**AUTH_ERRORS})

CampaignId = Annotated[int, Path(ge=1, le=MAX_DB_ID, examples=[1])]
RunId = Annotated[int, Path(ge=1, le=MAX_DB_ID, examples=[1])]
OVERDUE_AFTER = timedelta(days=7)


@router.post(
    "/campaigns",
    status_code=status.HTTP_201_CREATED,
    response_model=CampaignPublic,
    responses={**BAD_BODY},
)
async def create_campaign(
    body: CampaignCreate, staff: SupervisorDep, session: SessionDep
) -> CampaignPublic:
    """A new campaign; a scheduled one starts its runs by itself."""
    now = utcnow()
    campaign = await do_create_campaign(session=session, staff=staff, fields=body.fields(), now=now)
    await do_record_audit(
        session=session,
        staff=staff,
        action=AuditAction.CAMPAIGN_CREATE,
        object_type="campaign",
        object_id=campaign.id or 0,
        now=now,
    )
    await session.commit()
    return CampaignPublic.of(campaign)


@router.get("/campaigns", response_model=list[CampaignPublic])
async def get_campaigns(staff: SupervisorDep, session: SessionDep) -> list[CampaignPublic]:
    """Every campaign, newest first."""
    return [CampaignPublic.of(c) for c in await list_campaigns(session=session)]


@router.get("/campaigns/{campaign_id}", response_model=CampaignPublic, responses={**NOT_FOUND})
async def get_campaign(
    campaign_id: CampaignId, staff: SupervisorDep, session: SessionDep
) -> CampaignPublic:
    """One campaign."""
    return CampaignPublic.of(await access_campaign(session=session, campaign_id=campaign_id))


@router.patch(
    "/campaigns/{campaign_id}", response_model=CampaignPublic, responses={**NOT_FOUND, **BAD_BODY}
)
async def change_campaign(
    campaign_id: CampaignId, body: CampaignUpdate, staff: SupervisorDep, session: SessionDep
) -> CampaignPublic:
    """Pause (`{"paused": true}`) or resume a campaign, or change it. A paused campaign sends
    nothing more until resumed; answers already on their way are still recorded."""
    now = utcnow()
    campaign = await access_campaign(session=session, campaign_id=campaign_id, for_update=True)
    changes = body.changes()
    await do_update_campaign(session=session, campaign=campaign, changes=changes, now=now)
    await do_record_audit(
        session=session,
        staff=staff,
        action=AuditAction.CAMPAIGN_UPDATE,
        object_type="campaign",
        object_id=campaign_id,
        data={"changed": sorted(changes)},
        now=now,
    )
    await session.commit()
    return CampaignPublic.of(campaign)


@router.post(
    "/campaigns/{campaign_id}/runs",
    status_code=status.HTTP_201_CREATED,
    response_model=RunPublic,
    responses={**NOT_FOUND},
)
async def run_campaign(
    campaign_id: CampaignId, staff: SupervisorDep, session: SessionDep
) -> RunPublic:
    """Run the campaign now, or at its window's next opening (quiet hours, bank holidays)."""
    now = utcnow()
    campaign = await access_campaign(session=session, campaign_id=campaign_id)
    run = await do_start_run(session=session, campaign=campaign, staff=staff, now=now)
    await do_record_audit(
        session=session,
        staff=staff,
        action=AuditAction.CAMPAIGN_RUN,
        object_type="campaign",
        object_id=campaign_id,
        data={"run_id": run.id},
        now=now,
    )
    await session.commit()
    return RunPublic.of(run, await find_run_counts(session=session, run_id=run.id or 0))


@router.get(
    "/campaigns/{campaign_id}/runs/{run_id}", response_model=RunPublic, responses={**NOT_FOUND}
)
async def get_run(
    campaign_id: CampaignId, run_id: RunId, staff: SupervisorDep, session: SessionDep
) -> RunPublic:
    """A run and its counts: targeted, sent, OK, need help, call me, no response, escalated,
    failed, opted out."""
    run = await access_run(session=session, campaign_id=campaign_id, run_id=run_id)
    return RunPublic.of(run, await find_run_counts(session=session, run_id=run_id))


@router.get(
    "/campaigns/{campaign_id}/runs/{run_id}/results.csv",
    response_class=Response,
    responses={**NOT_FOUND, 200: {"content": {"text/csv": {}}}},
)
async def run_results_csv(
    campaign_id: CampaignId, run_id: RunId, staff: SupervisorDep, session: SessionDep
) -> Response:
    """The run's outcome per person, as CSV."""
    await access_run(session=session, campaign_id=campaign_id, run_id=run_id)
    text = results_csv(await list_run_results(session=session, run_id=run_id))
    name = f"campaign-{campaign_id}-run-{run_id}.csv"
    return Response(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/telecare/overdue", response_model=list[OverdueAlarmTest])
async def overdue_alarm_tests(staff: AgentDep, session: SessionDep) -> list[OverdueAlarmTest]:
    """Telecare customers whose alarm test is more than a week overdue, longest first."""
    contacts = await list_overdue_alarm_tests(session=session, before=utcnow() - OVERDUE_AFTER)
    return [OverdueAlarmTest.of(c) for c in contacts]
