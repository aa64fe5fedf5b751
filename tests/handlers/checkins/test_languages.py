"""A check-in in Welsh, Arabic and Polish: asked in the person's language from the real
catalog, answered by number or by the words of its buttons, and answered back in it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.db import SessionFactory, transaction
from handlers.actions.contact_import import do_import_contacts
from handlers.conversation.bidi import isolate_runs
from handlers.conversation.catalog import t
from models.checkins import CheckinStatus
from models.enums import TicketCategory, TicketPriority
from tests.support.checkins import campaign, checkins, london, run_now, say, sent_to, tick, tickets

TUESDAY = london("2026-12-01 10:00")
PHONE = "+447700900123"
ROW = "tenant_ref,name,phone,channel,language,vulnerable,consent_at,consent_source\n"


async def _asked_in(db: SessionFactory, language: str) -> None:
    text = f"{ROW}L1,Person L,07700900123,sms,{language},true,2026-01-01,tenancy form\n"
    async with transaction(db) as session:
        result = await do_import_contacts(session=session, text=text, now=TUESDAY)
    assert result.rejected == []
    made = await campaign(db, TUESDAY)
    await run_now(db, made.id or 0, TUESDAY)
    await tick(db, TUESDAY)
    [question] = await sent_to(db, PHONE)
    assert question.body == isolate_runs(t("checkin.question", language), language)
    labels = [label for _, label in question.payload["options"]]
    assert labels == [
        t(f"checkin.{key}", language) for key in ("checkin_ok", "checkin_help", "checkin_call")
    ]


@pytest.mark.parametrize("language", ["cy", "ar", "pl"])
async def test_i_need_help_by_number_in_the_persons_language(
    db: SessionFactory, language: str
) -> None:
    await _asked_in(db, language)
    await say(db, PHONE, TUESDAY + timedelta(minutes=3), "2")
    [found] = await checkins(db)
    [ticket] = await tickets(db)
    assert found.status is CheckinStatus.NEEDS_HELP and found.ticket_id == ticket.id
    assert (ticket.category, ticket.priority) == (TicketCategory.WELFARE, TicketPriority.HIGH)
    reply = (await sent_to(db, PHONE))[-1]
    assert isolate_runs(t("checkin.help_reply", language, ref=ticket.ref), language) in reply.body


@pytest.mark.parametrize("language", ["cy", "ar", "pl"])
async def test_im_ok_typed_as_its_button_reads_in_the_persons_language(
    db: SessionFactory, language: str
) -> None:
    await _asked_in(db, language)
    await say(db, PHONE, TUESDAY + timedelta(minutes=3), t("checkin.checkin_ok", language))
    [found] = await checkins(db)
    assert found.status is CheckinStatus.OK
    assert (await sent_to(db, PHONE))[-1].body == isolate_runs(
        t("checkin.thanks", language), language
    )
    assert await tickets(db) == []
