"""Check-in tests: people imported, campaigns made, the tick run at chosen moments, answers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.checkins import CheckinTicker, TickReport
from bot.db import SessionFactory, transaction
from handlers.actions.campaigns import CampaignFields, do_create_campaign, do_start_run
from handlers.actions.contact_import import ImportResult, do_import_contacts
from handlers.actions.delivery import do_record_sent
from handlers.checkins.scripts import CheckinConfig
from handlers.conversation.engine import handle_event
from handlers.conversation.events import IncomingEvent
from models import Campaign, ChannelIdentity, Checkin, CheckinRun, Message, Staff, Ticket
from models.checkins import CampaignKind
from models.enums import Channel, DeliveryStatus, Direction
from models.staff import StaffRole

LONDON = ZoneInfo("Europe/London")
_staff_numbers = itertools.count(1)
_UNFINISHED = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
HEADER = "tenant_ref,name,phone,channel,vulnerable,telecare,consent_at,consent_source\n"
SPEAKER = (
    "tenant_ref,name,phone,channel,language,vulnerable,telecare,next_alarm_test,"
    "consent_at,consent_source\n"
)


def london(text: str) -> datetime:
    """A wall-clock moment in London, e.g. "2026-12-01 10:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def person(
    ref: str, phone: str, *, channel: str = "sms", consent: bool = True, **flags: bool
) -> str:
    """One CSV row for HEADER: vulnerable unless told otherwise."""
    vulnerable = flags.get("vulnerable", True)
    telecare = flags.get("telecare", False)
    agreed = "2026-01-01,tenancy form" if consent else ","
    return f"{ref},Person {ref},{phone},{channel},{vulnerable},{telecare},{agreed}\n"


async def import_people(db: SessionFactory, rows: list[str], now: datetime) -> ImportResult:
    async with transaction(db) as session:
        return await do_import_contacts(session=session, text=HEADER + "".join(rows), now=now)


async def asked_in(
    db: SessionFactory,
    language: str,
    phone: str,
    now: datetime,
    *,
    kind: CampaignKind = CampaignKind.CHECKIN,
) -> Message:
    """One person speaking `language` is imported and asked a check-in of `kind` by SMS at
    `now` (an alarm test falls due that day); the question sent to them."""
    due = now.date().isoformat()
    row = f"L1,Person L,{phone},sms,{language},true,true,{due},2026-01-01,tenancy form\n"
    async with transaction(db) as session:
        result = await do_import_contacts(session=session, text=SPEAKER + row, now=now)
    assert result.rejected == []
    audience = {"vulnerable": True} if kind is CampaignKind.CHECKIN else {"telecare": True}
    made = await campaign(db, now, kind=kind, audience=audience)
    await run_now(db, made.id or 0, now)
    await tick(db, now)
    [question] = await sent_to(db, phone)
    return question


async def supervisor(db: SessionFactory) -> Staff:
    async with transaction(db) as session:
        email = f"campaigns-{next(_staff_numbers)}@example.org"
        staff = Staff(email=email, name="Campaign Lead", role=StaffRole.SUPERVISOR)
        session.add(staff)
        await session.flush()
        return staff


async def campaign(db: SessionFactory, now: datetime, **given: Any) -> Campaign:
    values: dict[str, Any] = {
        "name": "Weekly check-in",
        "kind": CampaignKind.CHECKIN,
        "audience": {"vulnerable": True},
        "schedule": None,
        "window_start": "09:00",
        "window_end": "19:00",
        "reply_wait_minutes": 60,
        "spread_minutes": 0,
        "messages": {},
    }
    values.update(given)
    staff = await supervisor(db)
    async with transaction(db) as session:
        return await do_create_campaign(
            session=session, staff=staff, fields=CampaignFields(**values), now=now
        )


async def run_now(db: SessionFactory, campaign_id: int, now: datetime) -> CheckinRun:
    async with transaction(db) as session:
        found = await session.get(Campaign, campaign_id)
        assert found is not None
        return await do_start_run(session=session, campaign=found, staff=None, now=now)


async def tick(
    db: SessionFactory, now: datetime, config: CheckinConfig | None = None
) -> TickReport:
    return await CheckinTicker(db, config or CheckinConfig()).tick(now)


async def checkins(db: SessionFactory) -> list[Checkin]:
    async with db() as session:
        return list((await session.exec(select(Checkin).order_by(col(Checkin.id)))).all())


async def tickets(db: SessionFactory) -> list[Ticket]:
    async with db() as session:
        return list((await session.exec(select(Ticket).order_by(col(Ticket.id)))).all())


async def sent_to(db: SessionFactory, phone: str) -> list[Message]:
    """The outbound messages to a number, oldest first."""
    async with db() as session:
        rows = await session.exec(
            select(Message)
            .join(ChannelIdentity, col(ChannelIdentity.id) == Message.identity_id)
            .where(ChannelIdentity.external_id == phone, Message.direction == Direction.OUT)
            .order_by(col(Message.id))
        )
        return list(rows.all())


async def say(
    db: SessionFactory,
    phone: str,
    now: datetime,
    text: str | None = None,
    *,
    choice: str | None = None,
    channel: Channel = Channel.SMS,
) -> None:
    """The person writes (or presses a button) at `now`."""
    event = IncomingEvent(
        channel=channel,
        external_id=phone,
        # The id fits its column (100 characters) however long the message is.
        provider_id=f"in-{phone}-{now.timestamp()}-{(text or '')[:40]}-{choice}",
        text=text,
        choice=choice,
        phone=phone,
    )
    async with transaction(db) as session:
        await handle_event(session=session, event=event, now=now)


async def delivered(db: SessionFactory, now: datetime, phone: str | None = None) -> None:
    """Every message waiting to go (to `phone`, or to anyone) is recorded as sent at `now`, as
    the deliverer records it: a check-in's wait for an answer runs from then."""
    async with db() as session:
        statement = select(Message).where(
            Message.direction == Direction.OUT, col(Message.status).in_(_UNFINISHED)
        )
        waiting = list((await session.exec(statement)).all())
    if phone is not None:
        mine = {m.id for m in await sent_to(db, phone)}
        waiting = [m for m in waiting if m.id in mine]
    async with transaction(db) as session:
        for message in waiting:
            await do_record_sent(
                session=session, message_id=message.id or 0, provider_id=None, parts=1, now=now
            )


@dataclass
class FinishedRun:
    """A run of two people by SMS: one said they were OK, the other never answered."""

    campaign: Campaign
    run: CheckinRun
    fine: Checkin
    silent: Checkin


async def finished_run(db: SessionFactory, start: datetime) -> FinishedRun:
    """Run a check-in at `start` to Person A (who answers "fine thanks") and Person B (who is
    silent through the reminder, so the run escalates them), until the run is finished."""
    await import_people(db, [person("A", "07700900001"), person("B", "07700900002")], start)
    made = await campaign(db, start)
    run = await run_now(db, made.id or 0, start)
    await tick(db, start)
    await delivered(db, start)
    await say(db, "+447700900001", start + timedelta(minutes=5), "fine thanks")
    await tick(db, start + timedelta(minutes=60))
    await delivered(db, start + timedelta(minutes=60))
    await tick(db, start + timedelta(minutes=120))
    fine, silent = await checkins(db)
    return FinishedRun(made, run, fine, silent)
