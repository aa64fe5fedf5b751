"""What a run found, for staff: counts per outcome, each person's row, and a person's history."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Campaign, ChannelIdentity, Checkin, CheckinRun, Contact, Ticket
from models.checkins import CheckinStatus
from models.enums import Channel

COUNT_KEYS = (
    "targeted",
    "sent",
    "ok",
    "needs_help",
    "call_me",
    "no_response",
    "escalated",
    "failed",
    "opted_out",
)
# Alarm tests count as the check-in answers they stand for.
_COUNTED_AS = {
    CheckinStatus.OK: "ok",
    CheckinStatus.ALARM_DONE: "ok",
    CheckinStatus.NEEDS_HELP: "needs_help",
    CheckinStatus.ALARM_FAILED: "needs_help",
    CheckinStatus.CALL_ME: "call_me",
    CheckinStatus.NO_RESPONSE: "no_response",
    CheckinStatus.FAILED: "failed",
    CheckinStatus.OPTED_OUT: "opted_out",
}
_UNSENT = (CheckinStatus.PENDING, CheckinStatus.FAILED, CheckinStatus.OPTED_OUT)


async def find_run_counts(*, session: AsyncSession, run_id: int) -> dict[str, int]:
    """The run's check-ins counted by outcome; `sent` is those whose message went and did not
    fail, `escalated` those that became a ticket."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    rows = await session.exec(
        select(
            Checkin.status,
            func.count(),
            func.count(col(Checkin.ticket_id)),
            func.count(col(Checkin.message_id)),
        )
        .where(Checkin.run_id == run_id)
        .group_by(col(Checkin.status))
    )
    for status, total, escalated, messaged in rows.all():
        counts["targeted"] += total
        counts["escalated"] += escalated
        if CheckinStatus(status) not in _UNSENT:
            counts["sent"] += messaged
        key = _COUNTED_AS.get(CheckinStatus(status))
        if key is not None:
            counts[key] += total
    return counts


@dataclass(frozen=True)
class ResultRow:
    """One person's check-in in a run, as the results CSV lists it."""

    checkin: Checkin
    contact: Contact
    ticket_ref: str | None


async def list_run_results(*, session: AsyncSession, run_id: int) -> list[ResultRow]:
    """Each person's check-in in the run, in contact order."""
    rows = await session.exec(
        select(Checkin, Contact, Ticket)
        .join(Contact, col(Contact.id) == Checkin.contact_id)
        .join(Ticket, col(Ticket.id) == Checkin.ticket_id, isouter=True)
        .where(Checkin.run_id == run_id)
        .order_by(col(Checkin.contact_id))
    )
    return [ResultRow(c, p, t.ref if t else None) for c, p, t in rows.all()]


RESULT_COLUMNS = (
    "contact_id",
    "tenant_ref",
    "name",
    "status",
    "sent_at",
    "reminded_at",
    "answered_at",
    "ticket",
    "reason",
)


def _cell(value: str | None) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    text = value or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _moment(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def results_csv(rows: list[ResultRow]) -> str:
    """A run's outcome per person as CSV text, with `RESULT_COLUMNS` as its header."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(RESULT_COLUMNS)
    for row in rows:
        c = row.checkin
        writer.writerow(
            [
                c.contact_id,
                _cell(row.contact.tenant_ref),
                _cell(row.contact.display_name),
                c.status.value,
                _moment(c.sent_at),
                _moment(c.reminded_at),
                _moment(c.answered_at),
                row.ticket_ref or "",
                _cell(c.reason),
            ]
        )
    return out.getvalue()


@dataclass(frozen=True)
class HistoryRow:
    """One of a person's check-ins: its campaign's name, the channel it was tried on (None when
    there was nowhere to send it), and the ticket it raised, if any."""

    checkin: Checkin
    campaign_id: int
    campaign: str
    channel: Channel | None
    ticket_ref: str | None


async def list_contact_checkins(
    *, session: AsyncSession, contact_id: int, limit: int = 200
) -> list[HistoryRow]:
    """The person's check-ins, newest first, each with its campaign, channel and ticket."""
    rows = await session.exec(
        select(Checkin, Campaign, col(ChannelIdentity.channel), Ticket)
        .join(CheckinRun, col(CheckinRun.id) == Checkin.run_id)
        .join(Campaign, col(Campaign.id) == CheckinRun.campaign_id)
        .join(ChannelIdentity, col(ChannelIdentity.id) == Checkin.identity_id, isouter=True)
        .join(Ticket, col(Ticket.id) == Checkin.ticket_id, isouter=True)
        .where(Checkin.contact_id == contact_id)
        .order_by(col(Checkin.id).desc())
        .limit(limit)
    )
    return [
        HistoryRow(
            c, p.id or 0, p.name, Channel(channel) if channel else None, t.ref if t else None
        )
        for c, p, channel, t in rows.all()
    ]


async def list_overdue_alarm_tests(
    *, session: AsyncSession, before: datetime, limit: int = 500
) -> list[Contact]:
    """Telecare customers whose alarm test is more than a week overdue, longest first."""
    overdue = before.date()
    rows = await session.exec(
        select(Contact)
        .where(col(Contact.telecare).is_(True), col(Contact.next_alarm_test) < overdue)
        .order_by(col(Contact.next_alarm_test), col(Contact.id))
        .limit(limit)
    )
    return list(rows.all())
