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
    contact = await contact_of(db, chat)
    async with db() as session:
        stored = (await session.exec(select(Contact).where(Contact.id == contact.id))).one()
        stored.language = "cy"
        session.add(stored)
        await session.commit()
    await chat.send("I can't breathe")
    assert "Ffoniwch 999 nawr" in chat.text
