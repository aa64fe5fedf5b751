"""Food: who for, how many, diet, how soon, where to deliver; a summary; then a reference."""

from __future__ import annotations

from bot.db import SessionFactory
from models.enums import Channel, EventKind, TicketCategory, TicketPriority, TicketStatus
from tests.support.chat import Chat
from tests.support.flows import menu_labels, ready_chat, ref_in
from tests.support.tickets import all_tickets, events_of, ticket_by_ref


async def _answer_up_to_postcode(chat: Chat, *, when: str = "Tomorrow") -> None:
    await chat.press("Food")
    assert "Who is the food for?" in chat.last.text
    assert chat.last.labels == ["Me", "The person I care for", "Someone else"]
    await chat.press("The person I care for")
    assert "How many people" in chat.last.text
    await chat.send("three")
    assert "special diet" in chat.last.text
    await chat.press("Halal")
    assert "How soon" in chat.last.text
    assert chat.last.labels == ["Today", "Tomorrow", "This week"]
    await chat.press(when)
    assert "postcode" in chat.last.text


async def test_food_request_end_to_end(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _answer_up_to_postcode(chat)
    await chat.send("ls6 2ab")

    summary = chat.last.text
    assert "Please check your request" in summary
    for line in (
        "For: The person I care for",
        "People: 3",
        "Diet: Halal",
        "When: Tomorrow",
        "Deliver to: LS6 2AB",
    ):
        assert line in summary
    assert chat.last.labels == ["Yes, send it", "Go back", "Cancel"]
    assert await all_tickets(db) == [], "nothing is sent before the person confirms"

    sent_at = chat.now
    await chat.press("Yes, send it")
    ref = ref_in(chat.text)
    assert "Your request has been sent" in chat.text
    assert "food" in chat.text
    assert chat.last.labels == menu_labels()

    ticket = await ticket_by_ref(db, ref)
    assert ticket.category is TicketCategory.FOOD
    assert ticket.priority is TicketPriority.NORMAL
    assert ticket.status is TicketStatus.NEW
    assert ticket.channel is Channel.CONSOLE
    assert ticket.details == {
        "who_for": "cared_for",
        "people": 3,
        "diet": "halal",
        "when": "tomorrow",
        "postcode": "LS6 2AB",
    }
    events = await events_of(db, ticket)
    created = [event for event in events if event.kind is EventKind.CREATED]
    assert len(created) == 1
    assert created[0].created_at == sent_at
    assert created[0].data["category"] == "food"


async def test_food_needed_today_is_high_priority(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _answer_up_to_postcode(chat, when="Today")
    await chat.send("M1 1AE")
    assert "When: Today" in chat.last.text
    await chat.press("Yes, send it")

    ticket = await ticket_by_ref(db, ref_in(chat.text))
    assert ticket.priority is TicketPriority.HIGH
    assert ticket.details["when"] == "today"


async def test_a_wrong_postcode_is_asked_for_again_kindly(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _answer_up_to_postcode(chat)
    await chat.send("12345")

    assert "doesn't look like a UK postcode" in chat.text
    assert "LS6 2AB" in chat.text
    assert "What is the postcode" in chat.last.text
    assert "Please check your request" not in chat.text

    await chat.send("LS6 2AB")
    assert "Deliver to: LS6 2AB" in chat.last.text


async def test_a_shared_location_answers_the_postcode(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _answer_up_to_postcode(chat)
    await chat.send(location=(53.8196, -1.5760))
    assert "Deliver to: Shared location" in chat.last.text
    await chat.press("Yes, send it")

    ticket = await ticket_by_ref(db, ref_in(chat.text))
    assert ticket.details["postcode"] == {"location": {"latitude": 53.8196, "longitude": -1.5760}}


async def test_people_and_diet_can_be_typed(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.press("Food")
    await chat.press("Me")
    await chat.send("lots")
    assert "Please type a number, like 2." in chat.text
    await chat.send("just me")
    await chat.send("no pork please")
    await chat.press("This week")
    await chat.send("LS7 3AB")
    assert "People: 1" in chat.last.text
    assert "Diet: no pork please" in chat.last.text
    await chat.press("Yes, send it")

    ticket = await ticket_by_ref(db, ref_in(chat.text))
    assert ticket.details["people"] == 1
    assert ticket.details["diet"] == "no pork please"
    assert ticket.details["when"] == "this_week"


async def test_an_answer_that_is_not_an_option_is_asked_again(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.press("Food")
    await chat.send("purple")
    assert "Please choose one of the options" in chat.text
    assert "Who is the food for?" in chat.last.text


async def test_the_summary_waits_for_a_clear_choice(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _answer_up_to_postcode(chat)
    await chat.send("LS6 2AB")
    await chat.send("hmm")
    assert "Please choose one of the options" in chat.text
    assert "Please check your request" in chat.last.text
    assert await all_tickets(db) == []

    await chat.send("yes, send it")
    assert ref_in(chat.text)
    assert len(await all_tickets(db)) == 1


async def test_go_back_from_the_summary_changes_the_last_answer(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _answer_up_to_postcode(chat)
    await chat.send("LS6 2AB")
    await chat.press("Go back")
    assert "What is the postcode" in chat.last.text
    await chat.send("LS7 1AA")
    assert "Deliver to: LS7 1AA" in chat.last.text
    await chat.press("Yes, send it")
    ticket = await ticket_by_ref(db, ref_in(chat.text))
    assert ticket.details["postcode"] == "LS7 1AA"
