"""Retention: finished tickets lose their words after a period, and people with nothing left
within it are erased.

A ticket counts from when it was resolved (or last changed, if it never was). Safeguarding
tickets (urgent ones: emergencies, thoughts of suicide, falls) follow their own, longer period,
and once past the ordinary one only supervisors may read them. Tickets stay as anonymous rows
(category, status, priority, dates), so reports keep counting them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, delete, exists, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from handlers.actions.data_rights import do_erase_contact
from handlers.actions.erasure import do_scrub_tickets
from handlers.actions.errors import RestrictedError
from handlers.actions.ticket_rows import ListedTicket
from models import (
    AnonymisedTicket,
    Contact,
    DataLink,
    Erasure,
    InboundEvent,
    Message,
    Staff,
    Ticket,
)
from models.enums import OPEN_STATUSES, TicketPriority, TicketStatus
from models.privacy import ErasedBy, PrivacyReason
from models.staff import StaffRole

FINISHED = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
BATCH = 500
"""Tickets and people handled per transaction, so a first run on years of data stays short."""
KEEP_UNHANDLED = timedelta(days=1)
"""A kept incoming update is handled in seconds, or handed to staff within hours when its step
fails every try (see `bot.inbox`); one still there after this could not be handed to them
either, and what the person wrote goes rather than wait where nobody sees it."""


@dataclass(frozen=True)
class RetentionRules:
    """How long finished tickets keep their words, in calendar months."""

    months: int = 24
    safeguarding_months: int = 84


_rules = RetentionRules()


def configure_retention(rules: RetentionRules) -> None:
    """Set this process's periods, from its settings."""
    global _rules
    _rules = rules


def retention_rules() -> RetentionRules:
    """This process's periods."""
    return _rules


def months_before(moment: datetime, months: int) -> datetime:
    """The same time `months` calendar months earlier (the 31st becomes the month's last day)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28]
    days += [31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return moment.replace(year=year, month=month, day=min(moment.day, days[month - 1]))


_CLOSED_AT = func.coalesce(col(Ticket.resolved_at), col(Ticket.updated_at))
_SAFEGUARDING = col(Ticket.priority) == TicketPriority.URGENT
_NOT_ANONYMISED = ~exists().where(col(AnonymisedTicket.ticket_id) == col(Ticket.id))


@dataclass(frozen=True)
class Cutoffs:
    """Finished before these moments, a ticket's period is over."""

    ordinary: datetime
    safeguarding: datetime

    @classmethod
    def at(cls, now: datetime, rules: RetentionRules) -> Cutoffs:
        return cls(months_before(now, rules.months), months_before(now, rules.safeguarding_months))

    def expired(self) -> sa.ColumnElement[bool]:
        """Tickets whose period is over and whose words are still there."""
        return sa.and_(
            col(Ticket.status).in_(FINISHED),
            _NOT_ANONYMISED,
            sa.or_(
                sa.and_(~_SAFEGUARDING, self.ordinary > _CLOSED_AT),
                sa.and_(_SAFEGUARDING, self.safeguarding > _CLOSED_AT),
            ),
        )

    def kept(self) -> sa.ColumnElement[bool]:
        """Tickets still within their period (or open) that keep their words."""
        return sa.and_(
            _NOT_ANONYMISED,
            sa.or_(
                col(Ticket.status).in_(OPEN_STATUSES),
                sa.and_(~_SAFEGUARDING, self.ordinary <= _CLOSED_AT),
                sa.and_(_SAFEGUARDING, self.safeguarding <= _CLOSED_AT),
            ),
        )


@dataclass(frozen=True)
class ExpiredTicket:
    """A ticket whose words will go: what the dry run lists (no personal data)."""

    ref: str
    category: str
    priority: str
    closed_at: datetime
    safeguarding: bool


@dataclass
class RetentionReport:
    """What a run would do (a dry run) or did."""

    cutoffs: Cutoffs
    tickets: int = 0
    safeguarding_tickets: int = 0
    messages: int = 0
    people: int = 0
    unhandled_updates: int = 0
    listed: list[ExpiredTicket] = field(default_factory=list)


def _loose_messages(cutoffs: Cutoffs) -> sa.ColumnElement[bool]:
    """Old messages outside any ticket (greetings, menus) that still hold words."""
    return sa.and_(
        col(Message.ticket_id).is_(None),
        col(Message.created_at) < cutoffs.ordinary,
        col(Message.body) != "",
    )


def _people(cutoffs: Cutoffs) -> sa.ColumnElement[bool]:
    """People with nothing within the period: no kept ticket, no recent message."""
    mine = col(Ticket.contact_id) == col(Contact.id)
    return sa.and_(
        col(Contact.created_at) < cutoffs.ordinary,
        ~exists().where(col(Erasure.contact_id) == col(Contact.id)),
        ~exists().where(mine, cutoffs.kept()),
        ~exists().where(
            col(Message.contact_id) == col(Contact.id),
            col(Message.created_at) >= cutoffs.ordinary,
        ),
    )


def _unhandled(now: datetime) -> sa.ColumnElement[bool]:
    """Incoming updates kept past `KEEP_UNHANDLED` (see there)."""
    return col(InboundEvent.received_at) < now - KEEP_UNHANDLED


async def _count(session: AsyncSession, statement: SelectOfScalar[int]) -> int:
    return int((await session.exec(statement)).one())


async def find_retention_report(
    *, session: AsyncSession, now: datetime, rules: RetentionRules | None = None, listed: int = 200
) -> RetentionReport:
    """What a run now would anonymise and erase, with the first `listed` tickets named."""
    cutoffs = Cutoffs.at(now, rules or _rules)
    expired = cutoffs.expired()
    report = RetentionReport(cutoffs)
    report.tickets = await _count(session, select(func.count()).where(expired))
    report.safeguarding_tickets = await _count(
        session, select(func.count()).where(expired, _SAFEGUARDING)
    )
    of_tickets = select(func.count(col(Message.id))).join(
        Ticket, col(Ticket.id) == col(Message.ticket_id)
    )
    report.messages = await _count(session, of_tickets.where(expired))
    report.messages += await _count(
        session, select(func.count(col(Message.id))).where(_loose_messages(cutoffs))
    )
    report.people = await _count(
        session, select(func.count(col(Contact.id))).where(_people(cutoffs))
    )
    report.unhandled_updates = await _count(
        session, select(func.count(col(InboundEvent.id))).where(_unhandled(now))
    )
    rows = await session.exec(
        select(Ticket, _CLOSED_AT).where(expired).order_by(col(Ticket.id)).limit(listed)
    )
    report.listed = [
        ExpiredTicket(
            ref=ticket.ref,
            category=ticket.category.value,
            priority=ticket.priority.value,
            closed_at=closed_at,
            safeguarding=ticket.priority == TicketPriority.URGENT,
        )
        for ticket, closed_at in rows
    ]
    return report


async def do_apply_retention_batch(
    *, session: AsyncSession, now: datetime, rules: RetentionRules | None = None
) -> RetentionReport:
    """Anonymise one batch of expired tickets (with their messages) and old loose messages,
    then erase one batch of people with nothing left; the caller repeats until nothing is
    done, each batch its own transaction."""
    cutoffs = Cutoffs.at(now, rules or _rules)
    report = RetentionReport(cutoffs)
    rows = (
        await session.exec(
            select(Ticket.id, Ticket.priority)
            .where(cutoffs.expired())
            .order_by(col(Ticket.id))
            .limit(BATCH)
        )
    ).all()
    ticket_ids = {ticket_id for ticket_id, _ in rows if ticket_id is not None}
    report.tickets = len(ticket_ids)
    report.safeguarding_tickets = sum(1 for _, p in rows if p == TicketPriority.URGENT)
    of_tickets = select(Message.id).where(col(Message.ticket_id).in_(ticket_ids))
    loose = select(Message.id).where(_loose_messages(cutoffs)).limit(BATCH)
    message_ids = {i for i in (await session.exec(of_tickets)).all() if i is not None}
    message_ids |= {i for i in (await session.exec(loose)).all() if i is not None}
    report.messages = len(message_ids)
    if ticket_ids or message_ids:
        await do_scrub_tickets(
            session=session, ticket_ids=ticket_ids, message_ids=message_ids, now=now
        )
        for ticket_id in sorted(ticket_ids):
            session.add(AnonymisedTicket(ticket_id=ticket_id, anonymised_at=now))
        await session.flush()
    people = (
        await session.exec(
            select(Contact.id).where(_people(cutoffs)).order_by(col(Contact.id)).limit(BATCH)
        )
    ).all()
    for contact_id in people:
        assert contact_id is not None
        await do_erase_contact(
            session=session,
            contact_id=contact_id,
            reason=PrivacyReason.RETENTION_PERIOD,
            erased_by=ErasedBy.RETENTION,
            now=now,
        )
    report.people = len(people)
    # Links to copies that can no longer be opened hold nothing worth keeping.
    await session.exec(delete(DataLink).where(col(DataLink.expires_at) < now))
    # Few, if any: one statement for all of them.
    unhandled = await session.exec(delete(InboundEvent).where(_unhandled(now)))
    report.unhandled_updates = unhandled.rowcount
    return report


def restricted_cutoff(*, staff: Staff, now: datetime) -> datetime | None:
    """Safeguarding tickets finished before this moment are supervisors' only; None when
    `staff` is a supervisor and may read them all."""
    if staff.role.rank >= StaffRole.SUPERVISOR.rank:
        return None
    return months_before(now, _rules.months)


def is_restricted(*, ticket: Ticket | ListedTicket, staff: Staff, now: datetime) -> bool:
    """Whether this is a safeguarding ticket kept past the ordinary period that `staff`, below
    supervisor, may not read."""
    cutoff = restricted_cutoff(staff=staff, now=now)
    if cutoff is None:
        return False
    if ticket.priority != TicketPriority.URGENT or ticket.status not in FINISHED:
        return False
    closed_at = ticket.resolved_at or ticket.updated_at
    return closed_at < cutoff


def check_ticket_readable(*, ticket: Ticket, staff: Staff, now: datetime) -> None:
    """A safeguarding ticket kept past the ordinary period is for supervisors only."""
    if is_restricted(ticket=ticket, staff=staff, now=now):
        raise RestrictedError(
            f"Ticket {ticket.ref} is a safeguarding record kept past the ordinary retention "
            "period: only supervisors may read it."
        )
