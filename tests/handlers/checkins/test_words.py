"""A check-in answered in everyday words in each language the bot speaks: I'm OK, I need help
and Please call me, read from the catalogs, with "not OK" never taken as OK."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.db import SessionFactory
from handlers.conversation.bidi import isolate_runs
from handlers.conversation.catalog import t
from handlers.conversation.languages import SUPPORTED_LANGUAGES
from models.checkins import CheckinStatus
from models.enums import TicketCategory, TicketPriority
from tests.handlers.safeguarding.corpus import unclear_message
from tests.support.checkins import asked_in, checkins, london, say, sent_to, tick, tickets

TUESDAY = london("2026-12-01 10:00")
LATER = TUESDAY + timedelta(minutes=3)
PHONE = "+447700900123"
OPTIONS = ("checkin_ok", "checkin_help", "checkin_call")

# What people write back, none of it a button's label.
FINE = [
    ("en", "fine thanks"),
    ("cy", "iawn diolch"),
    ("cy", "Dw i'n dda, diolch"),
    ("pl", "dobrze"),
    ("pl", "Wszystko OK, dziękuję!"),
    ("ro", "Bine, mulțumesc"),
    ("pa", "ਠੀਕ ਹਾਂ ਜੀ"),
    ("ur", "ٹھیک ہوں، شکریہ"),
    ("ar", "بخير الحمد لله"),
    ("ar", "تمام، شكرا"),
    ("bn", "ভালো আছি"),
    ("pt", "Tudo bem, obrigada"),
    ("es", "Muy bien, gracias"),
]
NEED_HELP = [
    ("en", "feeling poorly today"),
    ("cy", "angen help"),
    ("pl", "potrzebuję pomocy"),
    ("pl", "kiepsko"),
    ("ro", "Am nevoie de ajutor"),
    ("pa", "ਮੈਂ ਬਿਮਾਰ ਹਾਂ"),
    ("ur", "مدد چاہیے"),
    ("ar", "أحتاج مساعدة"),
    ("bn", "আমি অসুস্থ"),
    ("pt", "Preciso de ajuda"),
    ("es", "necesito ayuda"),
]
CALL_ME = [
    ("en", "can someone ring me"),
    ("cy", "ffoniwch fi"),
    ("pl", "zadzwońcie"),
    ("ro", "sunați-mă"),
    ("pa", "ਮੈਨੂੰ ਫੋਨ ਕਰੋ"),
    ("ur", "مجھے فون کریں"),
    ("ar", "اتصلوا بي"),
    ("bn", "আমাকে ফোন করুন"),
    ("pt", "liguem-me"),
    ("es", "llámenme"),
]
# "Well" turned round by a negation, before it or (in Urdu, Punjabi, Bengali) after it.
NOT_FINE = [
    ("en", "not ok"),
    ("cy", "ddim yn iawn"),
    ("pl", "nie dobrze"),
    ("pl", "Nie czuję się dobrze"),
    ("ro", "nu sunt bine"),
    ("pa", "ਠੀਕ ਨਹੀਂ"),
    ("ur", "ٹھیک نہیں ہوں"),
    ("ar", "لست بخير"),
    ("bn", "ভালো নেই"),
    ("pt", "Não estou nada bem, obrigada"),
    ("es", "No estoy bien"),
]


def _said(language: str, key: str, ref: str | None = None) -> str:
    """The catalog's text as the person sees it (right-to-left scripts keep numbers whole)."""
    text = t(key, language, ref=ref) if ref else t(key, language)
    return isolate_runs(text, language)


def test_every_full_language_has_a_word_answer_for_each_outcome() -> None:
    # The tables below are the proof for each language; one left out would go unnoticed.
    for table in (FINE, NEED_HELP, CALL_ME, NOT_FINE):
        assert sorted({language for language, _ in table}) == sorted(SUPPORTED_LANGUAGES)


@pytest.mark.parametrize(("language", "text"), FINE)
async def test_fine_in_words_is_thanked_in_the_persons_language(
    db: SessionFactory, language: str, text: str
) -> None:
    await asked_in(db, language, PHONE, TUESDAY)
    assert text.casefold() != t("checkin.checkin_ok", language).casefold()
    await say(db, PHONE, LATER, text)
    [found] = await checkins(db)
    assert found.status is CheckinStatus.OK
    assert (await sent_to(db, PHONE))[-1].body == _said(language, "checkin.thanks")
    assert await tickets(db) == []


# What each answer that asks for something opens, and says back.
OPENS = {
    CheckinStatus.NEEDS_HELP: (TicketCategory.WELFARE, "checkin.help_reply"),
    CheckinStatus.CALL_ME: (TicketCategory.CALLBACK, "checkin.call_reply"),
}


@pytest.mark.parametrize(
    ("language", "text", "status"),
    [
        *((language, text, CheckinStatus.NEEDS_HELP) for language, text in NEED_HELP + NOT_FINE),
        *((language, text, CheckinStatus.CALL_ME) for language, text in CALL_ME),
    ],
)
async def test_help_not_fine_or_call_me_in_words_opens_its_ticket(
    db: SessionFactory, language: str, text: str, status: CheckinStatus
) -> None:
    await asked_in(db, language, PHONE, TUESDAY)
    await say(db, PHONE, LATER, text)
    [found] = await checkins(db)
    [ticket] = await tickets(db)
    assert found.status is status and found.ticket_id == ticket.id
    category, reply_key = OPENS[status]
    assert ticket.category is category
    if status is CheckinStatus.NEEDS_HELP:
        assert ticket.priority is TicketPriority.HIGH
    reply = (await sent_to(db, PHONE))[-1]
    assert _said(language, reply_key, ref=ticket.ref) in reply.body


@pytest.mark.parametrize(
    ("language", "text", "then"),
    [
        ("en", "fine I think, not sure", "need help"),
        ("pl", "dobrze, ale nie wiem", "potrzebuję pomocy"),
        ("es", "bien, pero no sé", "necesito ayuda"),
        ("ar", "بخير بس ما أدري", "أحتاج مساعدة"),
        # A misspelt "bien" / "bine" is near enough to the "I'm OK" label, but negated.
        ("es", "no estoy bine", "necesito ayuda"),
        ("ro", "nu sunt bien", "am nevoie de ajutor"),
    ],
)
async def test_fine_muddied_by_a_negation_is_asked_again_not_taken_as_fine(
    db: SessionFactory, language: str, text: str, then: str
) -> None:
    await asked_in(db, language, PHONE, TUESDAY)
    await say(db, PHONE, LATER, text)
    [found] = await checkins(db)
    assert found.status is CheckinStatus.SENT and await tickets(db) == []
    again = (await sent_to(db, PHONE))[-1]
    assert again.body == _said(language, "checkin.unsure")
    assert [label for _, label in again.payload["options"]] == [
        t(f"checkin.{key}", language) for key in OPTIONS
    ]
    # The answer that follows counts as usual.
    await say(db, PHONE, LATER + timedelta(minutes=1), then)
    assert (await checkins(db))[0].status is CheckinStatus.NEEDS_HELP


# A word for help taken back: "not bad" asks for nothing, nor is it quite "I'm OK".
NOT_BAD = [
    ("en", "not bad thanks"),
    ("en", "Not too bad"),
    ("cy", "ddim yn ddrwg"),
    ("pl", "nie źle"),
    ("ro", "nu e rău"),
    ("pa", "ਮਾੜਾ ਨਹੀਂ"),
    ("ur", "خراب نہیں"),
    ("ur", "طبیعت خراب نہیں"),
    ("ur", "kharab nahi"),
    ("ar", "مش سيء"),
    ("bn", "খারাপ না"),
    ("pt", "nada mal"),
    ("es", "no estoy mal"),
]


@pytest.mark.parametrize(("language", "text"), NOT_BAD)
async def test_not_bad_opens_no_ticket_and_is_asked_again(
    db: SessionFactory, language: str, text: str
) -> None:
    await asked_in(db, language, PHONE, TUESDAY)
    await say(db, PHONE, LATER, text)
    [found] = await checkins(db)
    assert found.status is CheckinStatus.SENT and await tickets(db) == []
    assert (await sent_to(db, PHONE))[-1].body == _said(language, "checkin.unsure")
    await say(db, PHONE, LATER + timedelta(minutes=1), "1")
    assert (await checkins(db))[0].status is CheckinStatus.OK


@pytest.mark.parametrize(
    ("language", "text", "status"),
    [
        ("en", "not bad, fine thanks", CheckinStatus.OK),
        ("ur", "خراب نہیں، ٹھیک ہوں", CheckinStatus.OK),
        ("en", "bad", CheckinStatus.NEEDS_HELP),
        ("ur", "خراب", CheckinStatus.NEEDS_HELP),
        ("ur", "طبیعت خراب ہے", CheckinStatus.NEEDS_HELP),
        ("ur", "ٹھیک نہیں", CheckinStatus.NEEDS_HELP),
    ],
)
async def test_bad_still_reaches_a_person_and_not_bad_leaves_fine_fine(
    db: SessionFactory, language: str, text: str, status: CheckinStatus
) -> None:
    await asked_in(db, language, PHONE, TUESDAY)
    await say(db, PHONE, LATER, text)
    [found] = await checkins(db)
    assert found.status is status
    assert bool(await tickets(db)) is (status is CheckinStatus.NEEDS_HELP)


@pytest.mark.parametrize(
    ("language", "text"),
    [("pl", "Nie dobrze, pali się w kuchni"), ("es", "No estoy bien, hay fuego en la cocina")],
)
async def test_an_emergency_in_words_goes_to_safeguarding_before_the_check_in(
    db: SessionFactory, language: str, text: str
) -> None:
    await asked_in(db, language, PHONE, TUESDAY)
    await say(db, PHONE, LATER, text)
    [ticket] = await tickets(db)
    assert ticket.priority is TicketPriority.URGENT and ticket.details["alert"] == "emergency"
    assert "999" in (await sent_to(db, PHONE))[-1].body
    [found] = await checkins(db)
    assert (found.status, found.ticket_id) == (CheckinStatus.NEEDS_HELP, ticket.id)


async def test_an_answer_that_may_be_an_emergency_gets_the_safety_question_never_thanks(
    db: SessionFactory,
) -> None:
    # A message the safeguarding detector cannot call either way is asked about first.
    await asked_in(db, "pl", PHONE, TUESDAY)
    await say(db, PHONE, LATER, unclear_message("pl"))
    assert (await sent_to(db, PHONE))[-1].body == t("safety.question", "pl", variant="sms")
    [found] = await checkins(db)
    assert found.status is CheckinStatus.SENT


@pytest.mark.parametrize(("language", "text", "choice"), [("pl", None, "no"), ("en", "no", None)])
async def test_no_to_the_safety_question_asks_the_check_in_again_with_its_buttons(
    db: SessionFactory, language: str, text: str | None, choice: str | None
) -> None:
    question = await asked_in(db, language, PHONE, TUESDAY)
    await say(db, PHONE, LATER, unclear_message(language))
    await say(db, PHONE, LATER + timedelta(minutes=1), text, choice=choice)
    # Back where they were: the check-in's own question and buttons, not the main menu.
    again = (await sent_to(db, PHONE))[-1]
    assert again.body == f"{t('safety.thanks', language, variant='sms')}\n\n{question.body}"
    assert again.payload["options"] == question.payload["options"]
    # And the answer that follows counts as the check-in's.
    await say(db, PHONE, LATER + timedelta(minutes=2), "1")
    [found] = await checkins(db)
    assert found.status is CheckinStatus.OK and await tickets(db) == []


async def test_yes_to_the_safety_question_settles_the_check_in_on_the_urgent_ticket(
    db: SessionFactory,
) -> None:
    await asked_in(db, "en", PHONE, TUESDAY)
    await say(db, PHONE, LATER, unclear_message("en"))
    await say(db, PHONE, LATER + timedelta(minutes=1), choice="yes")
    [ticket] = await tickets(db)
    assert ticket.priority is TicketPriority.URGENT
    [found] = await checkins(db)
    assert (found.status, found.ticket_id) == (CheckinStatus.NEEDS_HELP, ticket.id)
    # Someone who said they are in danger is not asked "how are you?" again by the reminder.
    asked = len(await sent_to(db, PHONE))
    await tick(db, TUESDAY + timedelta(hours=3))
    assert len(await sent_to(db, PHONE)) == asked and len(await tickets(db)) == 1
