"""A check-in in Welsh, Arabic and Polish: asked in the person's language from the real
catalog, answered by number or by the words of its buttons, and answered back in it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.db import SessionFactory
from handlers.conversation.bidi import isolate_runs
from handlers.conversation.catalog import t
from models.checkins import CheckinStatus
from models.enums import TicketCategory, TicketPriority
from tests.support.checkins import asked_in, checkins, london, say, sent_to, tickets

TUESDAY = london("2026-12-01 10:00")
PHONE = "+447700900123"


async def _asked_in(db: SessionFactory, language: str) -> None:
    question = await asked_in(db, language, PHONE, TUESDAY)
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


@pytest.mark.parametrize(
    ("language", "text", "call"),
    [
        ("pl", "mój telefon jest zepsuty", False),
        ("pl", "proszę zadzwonić", True),
        ("ro", "numărul meu de telefon s-a schimbat", False),
        ("ro", "vă rog sunați-mă", True),
        ("cy", "mae gen i ffôn newydd", False),
        ("cy", "ffoniwch fi plis", True),
        ("pt", "o meu telefone está avariado", False),
        ("pt", "por favor liguem-me", True),
        ("ur", "میرا فون نمبر بدل گیا ہے", False),
        ("ur", "مجھے فون کریں", True),
    ],
)
async def test_my_phone_is_no_call_but_call_me_is(
    db: SessionFactory, language: str, text: str, call: bool
) -> None:
    await _asked_in(db, language)
    await say(db, PHONE, TUESDAY + timedelta(minutes=3), text)
    [found] = await checkins(db)
    if call:
        [ticket] = await tickets(db)
        assert found.status is CheckinStatus.CALL_ME and found.ticket_id == ticket.id
        assert ticket.category is TicketCategory.CALLBACK
    else:
        # Not an answer: left for the menu, the check-in still waiting.
        assert found.status is CheckinStatus.SENT and await tickets(db) == []
