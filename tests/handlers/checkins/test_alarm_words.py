"""An alarm test answered in everyday words: "done" moves the next test on a month, "it didn't
work" in any form reaches the telecare team, in the person's language."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.db import SessionFactory
from handlers.conversation.bidi import isolate_runs
from handlers.conversation.catalog import t
from models import Contact
from models.checkins import CampaignKind, CheckinStatus
from models.enums import TicketCategory
from tests.support.checkins import asked_in, checkins, london, say, sent_to, tickets

TUESDAY = london("2026-12-01 10:00")
LATER = TUESDAY + timedelta(minutes=5)
PHONE = "+447700900124"
ALARM = CampaignKind.ALARM_TEST


async def _asked_in(db: SessionFactory, language: str) -> None:
    question = await asked_in(db, language, PHONE, TUESDAY, kind=ALARM)
    assert question.body == isolate_runs(t("telecare.question", language), language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "all done, it works"),
        ("cy", "wedi gwneud, mae'n gweithio"),
        ("pl", "zrobione, działa"),
        ("ro", "gata, merge"),
        ("ar", "تم، اشتغل"),
        ("ur", "ہو گیا"),
        ("es", "hecho, funciona"),
        ("pt", "feito"),
    ],
)
async def test_done_in_words_is_thanked_and_the_next_test_is_a_month_on(
    db: SessionFactory, language: str, text: str
) -> None:
    await _asked_in(db, language)
    await say(db, PHONE, LATER, text)
    [found] = await checkins(db)
    assert found.status is CheckinStatus.ALARM_DONE
    assert (await sent_to(db, PHONE))[-1].body == isolate_runs(
        t("telecare.thanks", language), language
    )
    assert await tickets(db) == []
    async with db() as session:
        person = await session.get(Contact, found.contact_id)
    assert person is not None and person.next_alarm_test == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "it did not work"),
        ("cy", "ddim yn gweithio"),
        ("pl", "nie działa"),
        ("ro", "nu merge"),
        ("ar", "ما اشتغل"),
        ("ur", "کام نہیں کر رہا"),
        ("bn", "কাজ করছে না"),
        ("pa", "ਕੰਮ ਨਹੀਂ ਕਰਦਾ"),
        ("es", "no funciona"),
        ("pt", "não funcionou"),
    ],
)
async def test_did_not_work_in_words_reaches_the_telecare_team(
    db: SessionFactory, language: str, text: str
) -> None:
    await _asked_in(db, language)
    await say(db, PHONE, LATER, text)
    [found] = await checkins(db)
    [ticket] = await tickets(db)
    assert found.status is CheckinStatus.ALARM_FAILED and found.ticket_id == ticket.id
    assert ticket.category is TicketCategory.TELECARE
    reply = (await sent_to(db, PHONE))[-1]
    assert reply.body == isolate_runs(
        t("telecare.failed_reply", language, ref=ticket.ref), language
    )


async def test_done_with_a_broken_alarm_in_the_same_words_is_a_failure(db: SessionFactory) -> None:
    # "Zrobione, ale nie działa": done, but it does not work. The team hears of it.
    await _asked_in(db, "pl")
    await say(db, PHONE, LATER, "Zrobione, ale nie działa")
    [ticket] = await tickets(db)
    assert ticket.category is TicketCategory.TELECARE
    assert (await checkins(db))[0].status is CheckinStatus.ALARM_FAILED


@pytest.mark.parametrize(
    ("language", "text", "status"),
    [
        # Polish "no" is "yeah": the person's own language wins over the English "no".
        ("pl", "no", CheckinStatus.ALARM_DONE),
        ("pl", "No, działa", CheckinStatus.ALARM_DONE),
        ("pl", "nie", CheckinStatus.ALARM_FAILED),
        # Where "no" means no, it still does, listed in the language or only in English.
        ("es", "no", CheckinStatus.ALARM_FAILED),
        ("pt", "no", CheckinStatus.ALARM_FAILED),
        ("ro", "no", CheckinStatus.ALARM_FAILED),
        ("en", "no", CheckinStatus.ALARM_FAILED),
        # English words the language gives no other meaning still count.
        ("pl", "it works", CheckinStatus.ALARM_DONE),
        ("pl", "broken", CheckinStatus.ALARM_FAILED),
    ],
)
async def test_a_word_of_the_persons_language_means_what_it_means_there(
    db: SessionFactory, language: str, text: str, status: CheckinStatus
) -> None:
    await _asked_in(db, language)
    await say(db, PHONE, LATER, text)
    [found] = await checkins(db)
    assert found.status is status
    failed = [ticket.category for ticket in await tickets(db)]
    assert failed == ([TicketCategory.TELECARE] if status is CheckinStatus.ALARM_FAILED else [])


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # Portuguese "no" is "on the": "I pressed the button and it worked".
        ("pt", "Carreguei no botão e funcionou"),
        ("en", "No problem, it worked"),
        ("pl", "Nie ma problemu, działa"),
        ("es", "No hay problema, funciona"),
        ("ur", "کوئی مسئلہ نہیں، ہو گیا"),
    ],
)
async def test_a_no_that_says_nothing_failed_is_no_failure(
    db: SessionFactory, language: str, text: str
) -> None:
    await _asked_in(db, language)
    await say(db, PHONE, LATER, text)
    [found] = await checkins(db)
    assert found.status is CheckinStatus.ALARM_DONE
    assert await tickets(db) == []


async def test_no_problem_alone_is_asked_again(db: SessionFactory) -> None:
    await _asked_in(db, "en")
    await say(db, PHONE, LATER, "no problem")
    [found] = await checkins(db)
    assert found.status is CheckinStatus.SENT and await tickets(db) == []
    assert (await sent_to(db, PHONE))[-1].body == t("checkin.unsure", "en")
