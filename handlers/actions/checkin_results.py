"""What a run found, for staff: counts per outcome, each person's row, and a person's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Campaign, Checkin, CheckinRun, Contact, Ticket
from models.checkins import CheckinStatus

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


async def list_contact_checkins(
    *, session: AsyncSession, contact_id: int, limit: int = 200
) -> list[tuple[Checkin, str]]:
    """The person's check-ins, newest first, each with its campaign's name."""
    rows = await session.exec(
        select(Checkin, Campaign.name)
        .join(CheckinRun, col(CheckinRun.id) == Checkin.run_id)
        .join(Campaign, col(Campaign.id) == CheckinRun.campaign_id)
        .where(Checkin.contact_id == contact_id)
        .order_by(col(Checkin.id).desc())
        .limit(limit)
    )
    return [(c, str(name)) for c, name in rows.all()]


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
