"""A message that may be an emergency gets the numbers and "are you in danger?", in its language."""

from __future__ import annotations

from sqlmodel import select

from bot.db import SessionFactory
from handlers.conversation.catalog import t
from models import Contact, Ticket
from models.enums import TicketCategory, TicketPriority
from tests.handlers.safeguarding.corpus import unclear_message
from tests.support.chat import Chat
from tests.support.flows import contact_of, ready_chat, ref_in, walk
from tests.support.tickets import all_tickets

UNCLEAR_EN = unclear_message("en")
UNCLEAR_PL = unclear_message("pl")


async def _welfare(db: SessionFactory) -> list[Ticket]:
    return [t for t in await all_tickets(db) if t.category is TicketCategory.WELFARE]


async def test_no_carries_on_the_request_where_it_was(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "food", 3)
    assert "How soon" in chat.last.text
    await chat.send(UNCLEAR_EN)

    question = chat.last
    for number in ("999", "111", "116 123", "0800 111 999"):
        assert number in question.text
    assert "in danger right now?" in question.text
    assert question.labels == ["Yes", "No"]
    assert await _welfare(db) == []

    await chat.press("No")
    assert await _welfare(db) == []
    assert "How soon" in chat.last.text
    assert chat.last.labels == ["Today", "Tomorrow", "This week"]
    await chat.send("Today")
    assert "postcode" in chat.last.text


async def test_yes_makes_the_urgent_ticket_and_says_999_first(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.send(UNCLEAR_EN)
    replies = await chat.send("yes")

    welfare = await _welfare(db)
    assert len(welfare) == 1
    assert welfare[0].priority is TicketPriority.URGENT
    assert "999" in replies[0].text
    assert ref_in(chat.text) == welfare[0].ref


async def test_help_typed_at_the_question_is_a_yes(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.send(UNCLEAR_EN)
    await chat.send("help")
    assert len(await _welfare(db)) == 1
    assert "999" in chat.text


async def test_something_else_asks_the_question_again(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.send(UNCLEAR_EN)
    await chat.send("what do you mean")
    assert "in danger right now?" in chat.last.text
    assert chat.last.labels == ["Yes", "No"]
    assert await _welfare(db) == []


async def test_a_polish_message_is_asked_in_polish_and_tak_means_yes(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.send(UNCLEAR_PL)
    assert "Czy ty lub ktoś z tobą jest teraz w niebezpieczeństwie?" in chat.last.text
    assert chat.last.labels == ["Tak", "Nie"]

    await chat.send("tak")
    welfare = await _welfare(db)
    assert len(welfare) == 1
    assert "zadzwonić pod 999" in chat.text


async def test_a_clear_emergency_in_arabic_is_answered_in_arabic(db: SessionFactory) -> None:
    chat = Chat(db)
    await chat.send("لا أستطيع التنفس")
    # The first line of the catalog's Arabic emergency answer, which names 999.
    first_line = t("alert.emergency", "ar", ref="").splitlines()[0]
    assert "999" in first_line and first_line in chat.text
    assert len(await _welfare(db)) == 1


async def test_the_contacts_own_language_wins_over_the_messages(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _speaking(db, chat, "cy")
    await chat.send("I can't breathe")
    assert "Ffoniwch 999 nawr" in chat.text


async def _speaking(db: SessionFactory, chat: Chat, language: str) -> None:
    """Make the person's chosen language `language`, as the language menu would."""
    contact = await contact_of(db, chat)
    async with db() as session:
        stored = (await session.exec(select(Contact).where(Contact.id == contact.id))).one()
        stored.language = language
        session.add(stored)
        await session.commit()


async def test_a_polish_no_is_yeah_and_makes_the_urgent_ticket(db: SessionFactory) -> None:
    # Asked in Polish because the message was Polish, the person's language still English.
    chat = await ready_chat(db)
    await chat.send(UNCLEAR_PL)
    assert chat.last.labels == ["Tak", "Nie"]
    await chat.send("no")
    welfare = await _welfare(db)
    assert len(welfare) == 1 and welfare[0].priority is TicketPriority.URGENT

    # Someone who chose Polish: the same.
    polish = await ready_chat(db, external_id="pl-speaker")
    await _speaking(db, polish, "pl")
    await polish.send(UNCLEAR_EN)
    assert polish.last.labels == ["Tak", "Nie"]
    await polish.send("No")
    assert len(await _welfare(db)) == 2


async def test_nie_is_no_and_english_yes_still_counts_in_polish(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _speaking(db, chat, "pl")
    await chat.send(UNCLEAR_EN)
    await chat.send("nie")
    assert await _welfare(db) == []
    assert t("safety.thanks", "pl") in chat.text

    await chat.send(UNCLEAR_EN)
    await chat.send("yes")
    assert len(await _welfare(db)) == 1


async def test_no_and_nu_stay_no_in_spanish_portuguese_and_romanian(db: SessionFactory) -> None:
    for language, typed in (("es", "no"), ("pt", "no"), ("pt", "não"), ("ro", "nu"), ("ro", "no")):
        chat = await ready_chat(db, external_id=f"{language}-{typed}")
        await _speaking(db, chat, language)
        await chat.send(UNCLEAR_EN)
        assert chat.last.labels == [t("safety.yes", language), t("safety.no", language)]
        await chat.send(typed)
        assert t("safety.thanks", language) in chat.text, (language, typed)
    assert await _welfare(db) == []


# "I'm fine" in the words people use for it, some of which agree to anything else ("iawn",
# "dobrze", "ok" are an everyday yes): asked whether they are in danger, they mean no.
FINE = [
    ("cy", "iawn"),
    ("cy", "Dwi'n iawn"),
    ("pl", "dobrze"),
    ("pl", "ok"),
    ("en", "ok"),
    ("en", "I'm fine"),
    ("ro", "bine"),
    ("pa", "theek hai"),
    ("ur", "ٹھیک ہے"),
    ("ar", "تمام"),
    ("bn", "ঠিক আছে"),
    ("pt", "tudo bem"),
    ("es", "vale"),
]


async def test_fine_or_ok_at_the_question_is_no_and_raises_nothing(db: SessionFactory) -> None:
    for language, typed in FINE:
        chat = await ready_chat(db, external_id=f"{language}-{typed}")
        await _speaking(db, chat, language)
        await chat.send(UNCLEAR_EN)
        await chat.send(typed)
        assert t("safety.thanks", language) in chat.last.text, (language, typed)
        assert await _welfare(db) == [], (language, typed)


# The short forms typed on a phone, in each language: no carries on, yes is the urgent ticket.
INFORMAL_NO = [
    ("cy", "na"),
    ("cy", "nage"),
    ("cy", "naddo"),
    ("pl", "nie"),
    ("ro", "nu"),
    ("pa", "na"),
    ("pa", "nahin"),
    ("ur", "na"),
    ("ur", "nahi"),
    ("ur", "nhi"),
    ("ar", "لا"),
    ("bn", "না"),
    ("bn", "na"),
    ("pt", "não"),
    ("pt", "nao"),
    ("es", "no"),
]
INFORMAL_YES = [
    ("cy", "ie"),
    ("cy", "do"),
    ("pl", "tak"),
    ("ro", "da"),
    ("pa", "haanji"),
    ("ur", "haan"),
    ("ar", "نعم"),
    ("ar", "ايوه"),
    ("bn", "হ্যাঁ"),
    ("bn", "ha"),
    ("pt", "sim"),
    ("es", "sí"),
    ("es", "si"),
]


async def test_informal_no_and_yes_in_each_language(db: SessionFactory) -> None:
    for language, typed in INFORMAL_NO:
        chat = await ready_chat(db, external_id=f"no-{language}-{typed}")
        await _speaking(db, chat, language)
        await chat.send(UNCLEAR_EN)
        await chat.send(typed)
        assert t("safety.thanks", language) in chat.last.text, (language, typed)
    assert await _welfare(db) == []

    for count, (language, typed) in enumerate(INFORMAL_YES, start=1):
        chat = await ready_chat(db, external_id=f"yes-{language}-{typed}")
        await _speaking(db, chat, language)
        await chat.send(UNCLEAR_EN)
        await chat.send(typed)
        welfare = await _welfare(db)
        assert len(welfare) == count, (language, typed)
        assert welfare[-1].priority is TicketPriority.URGENT
