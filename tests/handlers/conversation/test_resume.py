"""Coming back after a long silence: welcomed back, carry on or start again."""

from __future__ import annotations

from bot.db import SessionFactory
from tests.support.flows import (
    ready_chat,
    ref_in,
    shows_menu,
    walk,
)
from tests.support.tickets import all_tickets, ticket_by_ref


async def test_after_half_an_hour_the_person_is_welcomed_back(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "food", 2)
    chat.wait(minutes=31)
    await chat.send("Halal")

    assert "Welcome back" in chat.text
    assert "food" in chat.text
    assert "carry on" in chat.text
    assert chat.last.labels == ["Carry on", "Start again"]


async def test_carry_on_resumes_the_same_question_with_earlier_answers_kept(
    db: SessionFactory,
) -> None:
    chat = await ready_chat(db)
    await chat.press("Food")
    await chat.press("Someone else")
    await chat.send("4")
    assert "special diet" in chat.last.text
    chat.wait(minutes=31)
    await chat.send("Vegetarian")
    await chat.press("Carry on")

    assert "special diet" in chat.last.text
    await chat.press("Vegetarian")
    await chat.press("This week")
    await chat.send("LS6 2AB")
    assert "For: Someone else" in chat.last.text
    assert "People: 4" in chat.last.text
    await chat.press("Yes, send it")

    ticket = await ticket_by_ref(db, ref_in(chat.text))
    assert ticket.details == {
        "who_for": "someone_else",
        "people": 4,
        "diet": "vegetarian",
        "when": "this_week",
        "postcode": "LS6 2AB",
    }


async def test_carry_on_at_the_summary_shows_the_summary_again(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "callback", 2)
    chat.wait(hours=3)
    await chat.press("Yes, send it")
    assert "Welcome back" in chat.text
    assert await all_tickets(db) == []
    await chat.send("carry on")
    assert "Please check your request" in chat.last.text
    assert "Number: 07700 900123" in chat.last.text
    await chat.press("Yes, send it")
    assert len(await all_tickets(db)) == 1


async def test_start_again_goes_to_the_menu_and_forgets_the_answers(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "food", 3)
    chat.wait(minutes=45)
    await chat.send("Today")
    await chat.press("Start again")
    assert shows_menu(chat)

    await chat.press("Food")
    assert "Who is the food for?" in chat.last.text
    assert await all_tickets(db) == []


async def test_under_half_an_hour_there_is_no_welcome_back(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "food", 2)
    chat.wait(minutes=29)
    await chat.press("Halal")
    assert "Welcome back" not in chat.text
    assert "How soon" in chat.last.text


async def test_a_long_silence_at_the_menu_needs_no_welcome_back(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    chat.wait(days=2)
    await chat.press("Medicine")
    assert "Welcome back" not in chat.text
    assert "Which pharmacy" in chat.last.text


async def test_help_after_a_long_silence_helps_and_asks_the_same_question(
    db: SessionFactory,
) -> None:
    chat = await ready_chat(db)
    await walk(chat, "food", 3)
    chat.wait(minutes=45)
    await chat.send("help")
    assert "Welcome back" not in chat.text
    assert "go back one question" in chat.text
    assert "How soon" in chat.last.text


async def test_menu_after_a_long_silence_goes_straight_to_the_menu(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "transport", 3)
    chat.wait(hours=1)
    await chat.send("Menu")
    assert "Welcome back" not in chat.text
    assert shows_menu(chat)
