"""Medicine: which pharmacy, when it is ready, who it is for; running out makes it urgent."""

from __future__ import annotations

from bot.db import SessionFactory
from models.enums import EventKind, TicketCategory, TicketPriority
from tests.support.flows import menu_labels, ready_chat, ref_in
from tests.support.tickets import all_tickets, events_of, ticket_by_ref


async def test_medicine_request_end_to_end(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.press("Medicine")
    assert "Which pharmacy" in chat.last.text
    await chat.send("Boots, Otley Road")
    assert "When will it be ready" in chat.last.text
    assert chat.last.labels == ["Today", "Tomorrow", "Not sure"]
    # Chat's clock starts on Monday 23 November 2026.
    await chat.send("12/3")
    assert "Who is the medicine for?" in chat.last.text
    await chat.press("Me")

    summary = chat.last.text
    assert "Pharmacy: Boots, Otley Road" in summary
    assert "Ready: Friday, 12 March 2027" in summary
    assert "For: Me" in summary
    assert "111" not in chat.text

    await chat.press("Yes, send it")
    ref = ref_in(chat.text)
    assert "medicine" in chat.text
    assert chat.last.labels == menu_labels()

    ticket = await ticket_by_ref(db, ref)
    assert ticket.category is TicketCategory.MEDICINE
    assert ticket.priority is TicketPriority.NORMAL
    assert ticket.details == {
        "pharmacy": "Boots, Otley Road",
        "ready": "2027-03-12",
        "who_for": "me",
    }
    events = await events_of(db, ticket)
    assert events[0].kind is EventKind.CREATED


async def test_ready_buttons_are_stored_as_dates_or_not_sure(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.press("Medicine")
    await chat.send("Lloyds, High Street")
    await chat.press("Tomorrow")
    await chat.press("The person I care for")
    await chat.press("Yes, send it")
    first = await ticket_by_ref(db, ref_in(chat.text))
    assert first.details["ready"] == "2026-11-24"
    assert first.details["who_for"] == "cared_for"

    await chat.press("Medicine")
    await chat.send("Lloyds, High Street")
    await chat.press("Not sure")
    await chat.press("Me")
    assert "Ready: Not sure" in chat.last.text
    await chat.press("Yes, send it")
    second = await ticket_by_ref(db, ref_in(chat.text))
    assert second.details["ready"] == "not_sure"


async def test_a_date_that_is_not_one_is_asked_again(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.press("Medicine")
    await chat.send("Boots")
    await chat.send("31/2")
    assert "didn't understand that date" in chat.text
    assert "When will it be ready" in chat.last.text


async def test_running_out_of_insulin_points_to_111_and_makes_it_high_priority(
    db: SessionFactory,
) -> None:
    chat = await ready_chat(db)
    await chat.press("Medicine")
    await chat.send("Boots on Otley Road. I've run out of my insulin")

    assert "111" in chat.text
    # The answer still counts: the form goes on to the next question.
    assert "When will it be ready" in chat.last.text
    await chat.press("Today")
    await chat.press("Me")
    assert "Pharmacy: Boots on Otley Road. I've run out of my insulin" in chat.last.text
    await chat.press("Yes, send it")

    medicine = [t for t in await all_tickets(db) if t.category is TicketCategory.MEDICINE]
    assert len(medicine) == 1
    assert medicine[0].ref == ref_in(chat.text)
    assert medicine[0].priority is TicketPriority.HIGH


async def test_urgent_words_the_alert_check_does_not_catch_still_raise_priority(
    db: SessionFactory,
) -> None:
    chat = await ready_chat(db)
    await chat.press("Medicine")
    await chat.send("Boots, I need my inhaler urgently")
    assert "call 111" in chat.text
    assert "When will it be ready" in chat.last.text
    await chat.press("Today")
    await chat.press("Me")
    await chat.press("Yes, send it")

    ticket = await ticket_by_ref(db, ref_in(chat.text))
    assert ticket.category is TicketCategory.MEDICINE
    assert ticket.priority is TicketPriority.HIGH


async def test_urgent_advice_is_given_once_per_request(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.press("Medicine")
    await chat.send("Boots, my inhaler, urgent")
    assert "111" in chat.text
    await chat.send("back")
    assert "Which pharmacy" in chat.last.text
    await chat.send("Boots on Otley Road, my inhaler, urgent")
    assert "111" not in chat.text
    assert "When will it be ready" in chat.last.text
