"""Campaigns: who is asked and when. Runs start by schedule or by hand, inside the send window.

Times are the landlord's (Europe/London): a schedule's "10:00" is 10:00 on the wall clock in
summer and winter alike, and nothing is sent outside the window or on an England and Wales bank
holiday; a run that cannot start now starts at the window's next opening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.due_dates import BusinessHours
from handlers.actions.errors import NotFoundError
from models import Campaign, CheckinRun, Staff
from models.checkins import CampaignKind

LONDON = ZoneInfo("Europe/London")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SEARCH_DAYS = 800


def _clock(text: str) -> time:
    # "24:00" closes the window at midnight.
    return time.max if text == "24:00" else time.fromisoformat(text)


def window_of(campaign: Campaign) -> BusinessHours:
    """The campaign's send window as hours on every day but bank holidays (unless kept in)."""
    return BusinessHours(
        days=frozenset(range(7)),
        opens=_clock(campaign.window_start),
        closes=_clock(campaign.window_end),
        zone=LONDON,
        region="ENG" if campaign.skip_bank_holidays else None,
    )


def in_window(campaign: Campaign, moment: datetime) -> bool:
    """Whether a message may go at `moment`."""
    return next_in_window(campaign, moment) == moment


def next_in_window(campaign: Campaign, moment: datetime) -> datetime:
    """`moment` itself if the window is open then, else the window's next opening."""
    hours = window_of(campaign)
    local = moment.astimezone(LONDON)
    day = local.date()
    for _ in range(_SEARCH_DAYS):
        if hours.is_working_day(day):
            opens = datetime.combine(day, hours.opens, tzinfo=LONDON)
            closes = datetime.combine(day, hours.closes, tzinfo=LONDON)
            if local < closes:
                return moment if local >= opens else opens.astimezone(moment.tzinfo)
        day += timedelta(days=1)
    raise ValueError("the window never opens")


def window_closes(campaign: Campaign, moment: datetime) -> datetime:
    """When the window open at `moment` closes (that day's end in London)."""
    day = moment.astimezone(LONDON).date()
    return datetime.combine(day, _clock(campaign.window_end), tzinfo=LONDON)


def next_planned(campaign: Campaign, after: datetime) -> datetime | None:
    """The schedule's next moment after `after`: a listed weekday at its time, bank holidays
    left out; a one-off moment once; None for runs started only by hand."""
    schedule = campaign.schedule
    if not schedule:
        return None
    if "once" in schedule:
        once = datetime.fromisoformat(schedule["once"])
        once = once if once.tzinfo else once.replace(tzinfo=LONDON)
        return once if once > after else None
    hours = window_of(campaign)
    at = time.fromisoformat(schedule["time"])
    days = {WEEKDAYS.index(d) for d in schedule["weekdays"]}
    day = after.astimezone(LONDON).date()
    for _ in range(_SEARCH_DAYS):
        moment = datetime.combine(day, at, tzinfo=LONDON)
        if day.weekday() in days and hours.is_working_day(day) and moment > after:
            return moment
        day += timedelta(days=1)
    return None


@dataclass(frozen=True)
class CampaignFields:
    """What a campaign is made of, checked by the API's shapes."""

    name: str
    kind: CampaignKind
    audience: dict[str, Any]
    schedule: dict[str, Any] | None
    window_start: str
    window_end: str
    reply_wait_minutes: int
    spread_minutes: int
    messages: dict[str, str]
    paused: bool = False
    skip_bank_holidays: bool = True


async def do_create_campaign(
    *, session: AsyncSession, staff: Staff, fields: CampaignFields, now: datetime
) -> Campaign:
    """A new campaign; a scheduled one knows when its first run is due."""
    campaign = Campaign(
        name=fields.name,
        kind=fields.kind,
        audience=fields.audience,
        schedule=fields.schedule,
        window_start=fields.window_start,
        window_end=fields.window_end,
        reply_wait_minutes=fields.reply_wait_minutes,
        spread_minutes=fields.spread_minutes,
        messages=fields.messages,
        paused=fields.paused,
        skip_bank_holidays=fields.skip_bank_holidays,
        created_by=staff.id,
        created_at=now,
        updated_at=now,
    )
    campaign.next_run_at = next_planned(campaign, now)
    session.add(campaign)
    await session.flush()
    return campaign


async def do_update_campaign(
    *, session: AsyncSession, campaign: Campaign, changes: dict[str, Any], now: datetime
) -> Campaign:
    """Change a campaign (pause it, resume it, change its words or times)."""
    for name, value in changes.items():
        setattr(campaign, name, value)
    if "schedule" in changes or "window_start" in changes or "window_end" in changes:
        campaign.next_run_at = next_planned(campaign, now)
    campaign.updated_at = now
    await session.flush()
    return campaign


async def access_campaign(
    *, session: AsyncSession, campaign_id: int, for_update: bool = False
) -> Campaign:
    """The campaign with this id; NotFoundError otherwise."""
    statement = select(Campaign).where(Campaign.id == campaign_id)
    if for_update:
        statement = statement.with_for_update()
    campaign = (await session.exec(statement)).first()
    if campaign is None:
        raise NotFoundError(f"Campaign {campaign_id} was not found.")
    return campaign


async def access_run(*, session: AsyncSession, campaign_id: int, run_id: int) -> CheckinRun:
    """The campaign's run with this id; NotFoundError otherwise."""
    run = await session.get(CheckinRun, run_id)
    if run is None or run.campaign_id != campaign_id:
        raise NotFoundError(f"Run {run_id} of campaign {campaign_id} was not found.")
    return run


async def list_campaigns(*, session: AsyncSession) -> list[Campaign]:
    """Every campaign, newest first."""
    return list((await session.exec(select(Campaign).order_by(col(Campaign.id).desc()))).all())


async def list_recent_runs(*, session: AsyncSession, limit: int = 500) -> list[CheckinRun]:
    """The latest runs of every campaign, newest first."""
    statement = select(CheckinRun).order_by(col(CheckinRun.id).desc()).limit(limit)
    return list((await session.exec(statement)).all())


async def do_start_run(
    *, session: AsyncSession, campaign: Campaign, staff: Staff | None, now: datetime
) -> CheckinRun:
    """A run of the campaign now, or at the window's next opening."""
    run = CheckinRun(
        campaign_id=campaign.id,  # type: ignore[arg-type]
        starts_at=next_in_window(campaign, now),
        started_by=staff.id if staff else None,
        created_at=now,
    )
    session.add(run)
    await session.flush()
    return run


async def do_start_planned_runs(*, session: AsyncSession, now: datetime) -> list[CheckinRun]:
    """Make the runs whose planned moment has come; a moment makes one run however many
    processes try (unique per campaign and moment)."""
    statement = (
        select(Campaign)
        .where(col(Campaign.next_run_at) <= now, col(Campaign.paused).is_(False))
        .with_for_update(skip_locked=True)
    )
    made: list[CheckinRun] = []
    for campaign in (await session.exec(statement)).all():
        planned = campaign.next_run_at
        assert planned is not None
        try:
            async with session.begin_nested():
                run = CheckinRun(
                    campaign_id=campaign.id,  # type: ignore[arg-type]
                    planned_for=planned,
                    starts_at=next_in_window(campaign, planned),
                    created_at=now,
                )
                session.add(run)
                await session.flush()
                made.append(run)
        except IntegrityError:
            pass  # another process made it first
        campaign.next_run_at = next_planned(campaign, max(planned, now))
    await session.flush()
    return made
