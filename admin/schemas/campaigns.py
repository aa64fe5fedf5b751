"""Welfare check-ins as the staff API shows them: campaigns, runs and their results, imports,
invitations and each person's check-in history."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from handlers.actions.campaigns import WEEKDAYS, CampaignFields
from handlers.actions.contact_import import ImportResult
from models import Campaign, Checkin, CheckinRun, Contact
from models.checkins import CampaignKind, CheckinStatus, RunStatus
from models.text import MAX_DB_ID, check_clean

Clock = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
# A window may close at midnight.
ClosingClock = Annotated[str, StringConstraints(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")]
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(check_clean),
]
Words = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=1000),
    AfterValidator(check_clean),
]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]


class Audience(BaseModel):
    """Who is asked: people with these flags, or a list of people (never both)."""

    model_config = ConfigDict(extra="forbid")

    vulnerable: StrictBool | SkipJsonSchema[None] = None
    telecare: StrictBool | SkipJsonSchema[None] = None
    carer: StrictBool | SkipJsonSchema[None] = None
    contact_ids: (
        Annotated[list[Annotated[int, Field(ge=1, le=MAX_DB_ID)]], Field(max_length=100_000)]
        | SkipJsonSchema[None]
    ) = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        flags = [self.vulnerable, self.telecare, self.carer]
        if self.contact_ids is None and all(f is None for f in flags):
            raise ValueError("give flags (vulnerable, telecare, carer) or contact_ids")
        if self.contact_ids is not None and any(f is not None for f in flags):
            raise ValueError("give flags or contact_ids, not both")
        if self.contact_ids is not None and not self.contact_ids:
            raise ValueError("contact_ids needs at least one person")
        return self


class Schedule(BaseModel):
    """Weekdays and a time (Europe/London), or one moment (`once`)."""

    model_config = ConfigDict(extra="forbid")

    weekdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] | None = None
    time: Clock | None = None
    once: datetime | None = None

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if self.once is not None:
            if self.weekdays is not None or self.time is not None:
                raise ValueError("give weekdays and time, or once, not both")
        elif not self.weekdays or self.time is None:
            raise ValueError("give weekdays (at least one) and time, or once")
        return self


class Window(BaseModel):
    """When messages may go, Europe/London; quiet hours are the rest of the day."""

    model_config = ConfigDict(extra="forbid")

    start: Clock = "09:00"
    end: ClosingClock = "19:00"

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.end != "24:00" and time.fromisoformat(self.end) <= time.fromisoformat(self.start):
            raise ValueError("end must be after start")
        return self


def _schedule_dict(schedule: Schedule | None) -> dict[str, Any] | None:
    if schedule is None:
        return None
    if schedule.once is not None:
        return {"once": schedule.once.isoformat()}
    days = sorted(set(schedule.weekdays or []), key=WEEKDAYS.index)
    return {"weekdays": days, "time": schedule.time}


class CampaignCreate(BaseModel):
    """A new campaign."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Weekly check-in",
                    "kind": "checkin",
                    "audience": {"vulnerable": True},
                    "schedule": {"weekdays": ["mon", "thu"], "time": "10:00"},
                    "window": {"start": "09:00", "end": "19:00"},
                    "reply_wait_minutes": 120,
                }
            ]
        },
    )

    name: Name
    kind: CampaignKind = CampaignKind.CHECKIN
    audience: Audience
    schedule: Schedule | None = None
    window: Window = Field(default_factory=Window)
    reply_wait_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)] = 60
    spread_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 60
    messages: Annotated[dict[Language, Words], Field(max_length=50)] = Field(
        default_factory=dict, description="The question per language; others use the default."
    )
    paused: StrictBool = False
    skip_bank_holidays: StrictBool = Field(
        default=True, description="Send nothing on England and Wales bank holidays."
    )

    def fields(self) -> CampaignFields:
        """The domain's view of the new campaign."""
        return CampaignFields(
            name=self.name,
            kind=self.kind,
            audience=self.audience.model_dump(exclude_none=True),
            schedule=_schedule_dict(self.schedule),
            window_start=self.window.start,
            window_end=self.window.end,
            reply_wait_minutes=self.reply_wait_minutes,
            spread_minutes=self.spread_minutes,
            messages=dict(self.messages),
            paused=self.paused,
            skip_bank_holidays=self.skip_bank_holidays,
        )


class CampaignUpdate(BaseModel):
    """Changes to a campaign: pause or resume it, or change its words, times or schedule."""

    model_config = ConfigDict(extra="forbid")

    name: Name | SkipJsonSchema[None] = None
    paused: StrictBool | SkipJsonSchema[None] = None
    skip_bank_holidays: StrictBool | SkipJsonSchema[None] = None
    schedule: Schedule | None = None
    window: Window | SkipJsonSchema[None] = None
    reply_wait_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)] | SkipJsonSchema[None] = None
    spread_minutes: Annotated[int, Field(ge=0, le=24 * 60)] | SkipJsonSchema[None] = None
    messages: Annotated[dict[Language, Words], Field(max_length=50)] | SkipJsonSchema[None] = None

    def changes(self) -> dict[str, Any]:
        """The columns to change: only the fields the request gave."""
        given = self.model_dump(exclude_unset=True)
        changes: dict[str, Any] = {}
        names = ("name", "paused", "skip_bank_holidays", "reply_wait_minutes", "spread_minutes")
        for name in (*names, "messages"):
            if name in given and given[name] is not None:
                changes[name] = given[name]
        if "schedule" in given:
            changes["schedule"] = _schedule_dict(self.schedule)
        if self.window is not None:
            changes["window_start"] = self.window.start
            changes["window_end"] = self.window.end
        return changes


class CampaignPublic(BaseModel):
    """A campaign."""

    id: int
    name: str
    kind: CampaignKind
    audience: dict[str, Any]
    schedule: dict[str, Any] | None
    window: Window
    reply_wait_minutes: int
    spread_minutes: int
    messages: dict[str, str]
    paused: bool
    skip_bank_holidays: bool
    next_run_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, campaign: Campaign) -> Self:
        """A campaign as the API shows it."""
        return cls(
            id=campaign.id or 0,
            name=campaign.name,
            kind=campaign.kind,
            audience=campaign.audience,
            schedule=campaign.schedule,
            window=Window(start=campaign.window_start, end=campaign.window_end),
            reply_wait_minutes=campaign.reply_wait_minutes,
            spread_minutes=campaign.spread_minutes,
            messages=campaign.messages,
            paused=campaign.paused,
            skip_bank_holidays=campaign.skip_bank_holidays,
            next_run_at=campaign.next_run_at,
            created_at=campaign.created_at,
        )


class RunCounts(BaseModel):
    """A run's check-ins by outcome."""

    targeted: int
    sent: int
    ok: int
    needs_help: int
    call_me: int
    no_response: int
    escalated: int
    failed: int
    opted_out: int


class RunPublic(BaseModel):
    """One run of a campaign, with its counts."""

    id: int
    campaign_id: int
    status: RunStatus
    planned_for: datetime | None
    starts_at: datetime
    finished_at: datetime | None
    counts: RunCounts

    @classmethod
    def of(cls, run: CheckinRun, counts: dict[str, int]) -> Self:
        """A run as the API shows it."""
        return cls(
            id=run.id or 0,
            campaign_id=run.campaign_id,
            status=run.status,
            planned_for=run.planned_for,
            starts_at=run.starts_at,
            finished_at=run.finished_at,
            counts=RunCounts(**counts),
        )


class CheckinPublic(BaseModel):
    """One check-in on a person's record."""

    id: int
    run_id: int
    campaign: str
    status: CheckinStatus
    sent_at: datetime | None
    reminded_at: datetime | None
    answered_at: datetime | None
    ticket_id: int | None
    reason: str | None

    @classmethod
    def of(cls, checkin: Checkin, campaign: str) -> Self:
        """A check-in as the API shows it."""
        return cls(
            id=checkin.id or 0,
            run_id=checkin.run_id,
            campaign=campaign,
            status=checkin.status,
            sent_at=checkin.sent_at,
            reminded_at=checkin.reminded_at,
            answered_at=checkin.answered_at,
            ticket_id=checkin.ticket_id,
            reason=checkin.reason,
        )


class RejectedRow(BaseModel):
    line: int
    reason: str


class ImportResultPublic(BaseModel):
    """What an import did."""

    created: int
    updated: int
    rejected: list[RejectedRow]

    @classmethod
    def of(cls, result: ImportResult) -> Self:
        """An import's result as the API shows it."""
        return cls(
            created=result.created,
            updated=result.updated,
            rejected=[RejectedRow(line=r.line, reason=r.reason) for r in result.rejected],
        )


class InvitationPublic(BaseModel):
    """A Telegram link for the person; single use."""

    url: str
    expires_at: datetime


class OverdueAlarmTest(BaseModel):
    """A telecare customer whose alarm test is overdue."""

    contact_id: int
    name: str | None
    phone: str | None
    tenant_ref: str | None
    next_alarm_test: date | None

    @classmethod
    def of(cls, contact: Contact) -> Self:
        """A contact as the overdue list shows them."""
        return cls(
            contact_id=contact.id or 0,
            name=contact.display_name,
            phone=contact.phone,
            tenant_ref=contact.tenant_ref,
            next_alarm_test=contact.next_alarm_test,
        )
