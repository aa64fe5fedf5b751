"""Retention: finished tickets past their period lose their words, people with nothing left are
erased, safeguarding tickets wait longer, and recent ones are untouched."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import procrastinate
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select, update

from bot.db import SessionFactory, transaction
from bot.retention import RETENTION_TASK, describe, dry_run, run_retention
from handlers.actions.data_copies import do_make_data_link
from handlers.actions.retention import RetentionRules, months_before
from models import AnonymisedTicket, Contact, DataLink, Erasure, InboundEvent, Message, Ticket
from models.base import utcnow
from models.enums import Channel, TicketPriority, TicketStatus
from models.privacy import ErasedBy
from tests.conftest import postgres_only
from tests.support.app import settings_for, working
from tests.support.chat import Chat
from tests.support.flows import ref_in, walk_to_summary
from tests.support.privacy import leftovers
from tests.support.servers import wait_until

RULES = RetentionRules(months=24, safeguarding_months=84)


async def _person_with_a_request(
    db: SessionFactory, external_id: str, name: str, at: datetime
) -> tuple[int, str]:
    """Someone who asked for food (to LS6 2AB) at `at`; returns their contact and ref."""
    chat = Chat(db, channel=Channel.TELEGRAM, external_id=external_id, name=name, now=at)
    await chat.onboard()
    await walk_to_summary(chat, "food")
    await chat.press("Yes, send it")
    ref = ref_in(chat.text)
    async with db() as session:
        ticket = (await session.exec(select(Ticket).order_by(col(Ticket.id).desc()))).first()
        assert ticket is not None
    return ticket.contact_id, ref


async def _finish(
    db: SessionFactory, contact_id: int, at: datetime, priority: TicketPriority | None = None
) -> None:
    """Close the person's tickets at `at`, as if everything of theirs happened then."""
    values: dict[str, object] = {"status": TicketStatus.CLOSED, "resolved_at": at, "updated_at": at}
    if priority is not None:
        values["priority"] = priority
    async with transaction(db) as session:
        await session.exec(
            update(Ticket).where(col(Ticket.contact_id) == contact_id).values(**values)
        )
        await session.exec(
            update(Message).where(col(Message.contact_id) == contact_id).values(created_at=at)
        )
        await session.exec(
            update(Contact).where(col(Contact.id) == contact_id).values(created_at=at)
        )


async def _seed(db: SessionFactory) -> dict[str, int]:
    now = utcnow()
    long_ago = months_before(now, 30)
    people = {}
    people["old"], _ = await _person_with_a_request(db, "70001", "Agatha Oldfield", long_ago)
    await _finish(db, people["old"], long_ago + timedelta(days=2))
    people["recent"], _ = await _person_with_a_request(db, "70002", "Rosalind Newby", now)
    await _finish(db, people["recent"], now - timedelta(days=30))
    people["safe"], _ = await _person_with_a_request(db, "70003", "Sidney Keptwell", long_ago)
    await _finish(db, people["safe"], long_ago + timedelta(days=2), TicketPriority.URGENT)
    very_long_ago = months_before(now, 90)
    people["ancient"], _ = await _person_with_a_request(
        db, "70004", "Ursula Longgone", very_long_ago
    )
    await _finish(db, people["ancient"], very_long_ago + timedelta(days=2), TicketPriority.URGENT)
    return people


async def test_a_dry_run_reports_then_a_run_anonymises_only_what_is_past_its_period(
    db: SessionFactory, engine: AsyncEngine
) -> None:
    people = await _seed(db)
    async with transaction(db) as session:
        await do_make_data_link(session=session, contact_id=people["recent"], now=utcnow())
        await do_make_data_link(
            session=session, contact_id=people["recent"], now=utcnow() - timedelta(days=2)
        )
    report = await dry_run(db, RULES)
    assert (report.tickets, report.safeguarding_tickets, report.people) == (2, 1, 2)
    assert report.messages > 10
    assert [item.safeguarding for item in report.listed] == [False, True]
    lines = describe(report, done=False)
    assert "  2 tickets would be anonymised, 1 of them safeguarding" in lines
    # The dry run changed nothing.
    assert await leftovers(engine, ("Agatha", "Oldfield", "70001")) != []

    done = await run_retention(db, RULES)
    assert (done.tickets, done.safeguarding_tickets, done.people) == (2, 1, 2)
    assert (
        await leftovers(engine, ("Agatha", "Oldfield", "70001", "Ursula", "Longgone", "70004"))
        == []
    )
    # Recent, and safeguarding within its own period: untouched.
    assert len(await leftovers(engine, ("Rosalind Newby",))) >= 1
    assert len(await leftovers(engine, ("Sidney Keptwell",))) >= 1
    async with db() as session:
        tickets = {t.contact_id: t for t in (await session.exec(select(Ticket))).all()}
        marked = (await session.exec(select(AnonymisedTicket))).all()
        erased = (await session.exec(select(Erasure))).all()
        links = (await session.exec(select(DataLink))).all()
    # A link that can no longer be opened is gone; one that still works stays.
    assert [link.expires_at > utcnow() for link in links] == [True]
    assert tickets[people["old"]].details == {}
    assert tickets[people["old"]].category == "food"
    assert tickets[people["ancient"]].priority == TicketPriority.URGENT
    assert tickets[people["recent"]].details["postcode"] == "LS6 2AB"
    assert tickets[people["safe"]].details["postcode"] == "LS6 2AB"
    assert len(marked) == 2
    assert {(e.contact_id, e.erased_by) for e in erased} == {
        (people["old"], ErasedBy.RETENTION),
        (people["ancient"], ErasedBy.RETENTION),
    }
    # Nothing is left to do.
    again = await dry_run(db, RULES)
    assert (again.tickets, again.messages, again.people) == (0, 0, 0)


async def test_incoming_updates_never_handled_go_after_a_day_counted(
    db: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    now = utcnow()
    async with transaction(db) as session:
        for update_id, age in ((1, timedelta(days=1, minutes=1)), (2, timedelta(hours=20))):
            session.add(
                InboundEvent(
                    channel=Channel.TELEGRAM,
                    provider_id=f"update:{update_id}",
                    event={"channel": "telegram", "external_id": "1", "text": "Hazel Whitlow"},
                    received_at=now - age,
                )
            )
    report = await dry_run(db, RULES)
    assert report.unhandled_updates == 1
    assert "  1 incoming updates never handled, kept over a day, would be deleted" in describe(
        report, done=False
    )

    with caplog.at_level(logging.INFO, logger="bot.retention"):
        done = await run_retention(db, RULES)
    assert done.unhandled_updates == 1
    assert "1 unhandled incoming updates deleted" in caplog.text
    async with db() as session:
        kept = (await session.exec(select(InboundEvent.provider_id))).all()
    assert kept == ["update:2"]


@postgres_only
async def test_the_worker_runs_retention_on_the_task_engine(
    db: SessionFactory, engine: AsyncEngine, database_url: str
) -> None:
    await _seed(db)
    settings = settings_for(database_url)
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=settings.libpq_url))
    async with app.open_async():
        await app.configure_task(RETENTION_TASK).defer_async(timestamp=0)

    async def anonymised() -> bool:
        async with db() as session:
            return len((await session.exec(select(AnonymisedTicket))).all()) == 2

    with working(settings):
        await wait_until(anonymised, "the retention job")
    assert await leftovers(engine, ("Agatha", "Oldfield", "70001")) == []
