"""Welfare check-ins: campaigns, their runs, one check-in per person per run, and invitations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_type, utcnow


class CampaignKind(StrEnum):
    CHECKIN = "checkin"
    ALARM_TEST = "alarm_test"


class RunStatus(StrEnum):
    """A run waits for its start, then its check-ins are made (`running`), then all are settled."""

    SCHEDULED = "scheduled"
    RUNNING = "running"
    FINISHED = "finished"


class CheckinStatus(StrEnum):
    """Where one person's check-in is. `sent` and `reminded` wait for an answer; the rest are
    settled (an escalation is a ticket, named by `Checkin.ticket_id`)."""

    PENDING = "pending"
    SENT = "sent"
    REMINDED = "reminded"
    OK = "ok"
    NEEDS_HELP = "needs_help"
    CALL_ME = "call_me"
    NO_RESPONSE = "no_response"
    FAILED = "failed"
    OPTED_OUT = "opted_out"
    ALARM_DONE = "alarm_done"
    ALARM_FAILED = "alarm_failed"


WAITING_STATUSES = (CheckinStatus.SENT, CheckinStatus.REMINDED)


class Campaign(SQLModel, table=True):
    """Who is asked, when, and in what words; runs are made from it by schedule or by hand."""

    __tablename__ = "campaigns"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: CampaignKind = Field(sa_type=enum_type(CampaignKind))
    # {"vulnerable": true}, {"telecare": true}, {"carer": true} or {"contact_ids": [...]}
    audience: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # {"weekdays": ["mon", ...], "time": "10:00"}, {"once": "2026-12-01T10:00"} or null (by hand)
    schedule: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    window_start: str = Field(default="09:00", max_length=5)
    window_end: str = Field(default="19:00", max_length=5)
    spread_minutes: int = 60
    # Nothing goes on an England and Wales bank holiday unless this is turned off.
    skip_bank_holidays: bool = True
    reply_wait_minutes: int = 60
    # The question per language; a language left out uses the catalog's words.
    messages: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    paused: bool = False
    next_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    created_by: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CheckinRun(SQLModel, table=True):
    """One sending of a campaign. A scheduled run is unique per campaign and planned moment, so
    two workers starting it at once make one."""

    __tablename__ = "checkin_runs"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "planned_for", name="uq_checkin_run_planned"),
        sa.Index("ix_checkin_runs_status", "status", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaigns.id", index=True)
    status: RunStatus = Field(default=RunStatus.SCHEDULED, sa_type=enum_type(RunStatus))
    # The schedule's moment (null for a run started by hand).
    planned_for: datetime | None = Field(default=None, sa_type=UTCDateTime)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    # Sends are spread evenly from `starts_at` to this moment (set when the run is filled).
    spread_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    started_by: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Checkin(SQLModel, table=True):
    """One person asked once in one run: exactly one per (run, contact)."""

    __tablename__ = "checkins"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "contact_id", name="uq_checkin_run_contact"),
        sa.Index("ix_checkins_status_due", "status", "due_at"),
        # A run's next pending check-ins, in order, without sorting the whole run.
        sa.Index("ix_checkins_run_status", "run_id", "status", "id"),
        sa.Index("ix_checkins_contact", "contact_id", "id"),
        sa.Index("ix_checkins_identity_status", "identity_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="checkin_runs.id")
    contact_id: int = Field(foreign_key="contacts.id")
    identity_id: int | None = Field(default=None, foreign_key="channel_identities.id")
    status: CheckinStatus = Field(default=CheckinStatus.PENDING, sa_type=enum_type(CheckinStatus))
    due_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_id: int | None = Field(default=None, foreign_key="messages.id")
    reminder_id: int | None = Field(default=None, foreign_key="messages.id")
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id")
    reason: str | None = Field(default=None, max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Invitation(SQLModel, table=True):
    """A single-use, expiring link that joins a Telegram chat to an imported person."""

    __tablename__ = "invitations"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", index=True)
    # Only a hash is kept: the token itself is shown once, in the link.
    token_hash: str = Field(max_length=64, unique=True, index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
