"""An update no step could handle goes to staff (`bot.inbox.hand_to_staff`): as an urgent ticket
holding what the person wrote, with an apology to them, once; and, when even that fails, by the
sweep once the database takes writes again."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlmodel import col, select

from bot.db import SessionFactory
from bot.job_rules import INBOX_SWEEP
from bot.logs import PrivateFormatter
from bot.services import running
from handlers.conversation.catalog import t
from models import ChannelIdentity, Ticket, TicketEvent
from models.enums import Channel, EventKind, TicketPriority, TicketStatus
from tests.bot.telegram_webhook.inbox_reads import inbound_jobs, waiting, words_in
from tests.bot.telegram_webhook.person import Person
from tests.conftest import postgres_only
from tests.support.app import working
from tests.support.refusals import allow_writes, refuse_writes
from tests.support.servers import wait_for_idle_outbox, wait_until


async def _failed_for_good(db: SessionFactory) -> bool:
    jobs = await inbound_jobs(db)
    return bool(jobs) and jobs[-1]["status"] == "failed"


async def _tickets(db: SessionFactory) -> list[tuple[Ticket, ChannelIdentity, list[str]]]:
    async with db() as session:
        rows = await session.exec(
            select(Ticket, ChannelIdentity)
            .join(ChannelIdentity, col(ChannelIdentity.id) == col(Ticket.identity_id))
            .order_by(col(Ticket.id))
        )
        found = []
        for ticket, identity in rows.all():
            events = await session.exec(
                select(TicketEvent.kind)
                .where(TicketEvent.ticket_id == ticket.id)
                .order_by(col(TicketEvent.id))
            )
            found.append((ticket, identity, list(events.all())))
        return found


async def _sweep(settings: Any) -> None:
    """The inbox's periodic sweep, its task's own body, as a worker runs it each minute."""
    async with running(settings, worker=True) as services:
        assert services.jobs is not None
        await services.jobs.app.tasks[INBOX_SWEEP](timestamp=0)


@postgres_only
async def test_an_update_that_fails_every_try_goes_to_staff_as_an_urgent_ticket(
    someone: Person,
    db: SessionFactory,
    web_only: tuple[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    # One retry, 2 s after the first try, rather than ten over half an hour.
    settings = web_only[1].model_copy(update={"inbound_retries": 1})
    said = "My carer has not come today and I have no food in"
    assert await someone.post(someone.message_update(text=said)) == 200
    # The step's last write is where the person's conversation is kept: it fails on every try.
    await refuse_writes(db, "conversations")
    try:
        with working(settings):
            await wait_until(lambda: _failed_for_good(db), "the last try to fail")
        assert someone.seen() == []
        # The hand-over keeps no conversation: it works while the step's own write is refused.
        await _sweep(settings)
        # A second sweep finds nothing left to hand over, so nothing is said twice.
        await _sweep(settings)
    finally:
        await allow_writes(db)

    [(ticket, identity, events)] = await _tickets(db)
    assert (identity.channel, identity.external_id) == (Channel.TELEGRAM, str(someone.chat_id))
    assert ticket.priority == TicketPriority.URGENT
    assert ticket.status == TicketStatus.NEW
    assert ticket.details["message"] == said
    assert events == [EventKind.CREATED, EventKind.HANDLING_FAILED, EventKind.MESSAGE_OUT]
    assert await waiting(db) == []
    # Every try was spent before the hand-over: the job failed for good after both.
    [job] = await inbound_jobs(db)
    assert (job["status"], job["attempts"]) == ("failed", 2)
    assert await words_in(db, someone.chat_id) == []

    # The person is told, once, that a person will reply: the hand-over queued it with the
    # ticket, and a worker delivers it as any reply.
    with working(settings):
        await wait_for_idle_outbox(db)
    [apology] = someone.seen()
    assert apology.text == t("error.handed_to_staff", "en", variant="telegram")
    assert apology.buttons == []

    # The task engine logs each failed try with its traceback, at INFO: neither the person's
    # words (the statement's values) nor the database's own message is written.
    tries = [r for r in caplog.records if r.name.startswith("procrastinate") and r.exc_info]
    assert len(tries) == 2
    assert not any(said in repr(r.exc_info) for r in tries)
    written = "\n".join(PrivateFormatter().format(r) for r in caplog.records)
    assert "(message withheld)" in written
    assert said not in written and "refused" not in written


@postgres_only
async def test_an_update_that_cannot_be_handed_to_staff_either_is_handed_over_by_the_sweep(
    someone: Person, db: SessionFactory, web_only: tuple[str, Any]
) -> None:
    settings = web_only[1].model_copy(update={"inbound_retries": 1})
    assert await someone.post(someone.message_update(text="hello")) == 200
    # Its job still waits for a worker: the sweep leaves it to that job.
    await _sweep(settings)
    assert len(await waiting(db)) == 1
    await refuse_writes(db, "messages", "tickets")
    try:
        with working(settings):
            await wait_until(lambda: _failed_for_good(db), "the last try to fail")
        assert await _tickets(db) == []
        [kept] = await waiting(db)
        assert kept.event["text"] == "hello"
        # Still refused (an outage longer than the tries): it stays for the next sweep.
        await _sweep(settings)
        assert len(await waiting(db)) == 1
    finally:
        await allow_writes(db)

    await _sweep(settings)
    [(ticket, identity, events)] = await _tickets(db)
    assert identity.external_id == str(someone.chat_id)
    assert ticket.details["message"] == "hello"
    assert events == [EventKind.CREATED, EventKind.HANDLING_FAILED, EventKind.MESSAGE_OUT]
    assert await waiting(db) == []
