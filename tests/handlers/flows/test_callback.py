"""Call me back: the best time, and the number, offering the one the channel already gives us."""

from __future__ import annotations

from bot.db import SessionFactory
from models.enums import Channel, TicketCategory, TicketPriority
from tests.support.flows import menu_labels, ready_chat, ref_in
from tests.support.tickets import ticket_by_ref


async def test_call_back_end_to_end(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.press("Call me back")
    assert "When is the best time to call you?" in chat.last.text
    assert chat.last.labels == [
        "Morning (9am to 12)",
        "Afternoon (12 to 5pm)",
        "Early evening (5 to 7pm)",
        "Any time",
    ]
    await chat.press("Morning (9am to 12)")
    assert "What number should we call?" in chat.last.text
    assert "Yes, that number" not in chat.last.labels
    await chat.send("0113 496 0000")

    summary = chat.last.text
    assert "Best time: Morning (9am to 12)" in summary
    assert "Number: 0113 496 0000" in summary
    assert "Area:" not in summary

    await chat.press("Yes, send it")
    assert "Someone from our team will call you." in chat.text
    assert chat.last.labels == menu_labels()
    ticket = await ticket_by_ref(db, ref_in(chat.text))
    assert ticket.category is TicketCategory.CALLBACK
    assert ticket.priority is TicketPriority.NORMAL
    assert ticket.details == {"best_time": "morning", "phone": "+441134960000"}


async def test_a_bad_number_is_asked_for_again(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.press("Call me back")
    await chat.press("Any time")
    for bad in ("12345", "07700 90012", "call me on my mobile"):
        await chat.send(bad)
        assert "doesn't look like a UK phone number" in chat.text, bad
        assert "What number should we call?" in chat.last.text, bad
    await chat.send("07700 900123")
    assert "Number: 07700 900123" in chat.last.text


async def test_the_number_we_already_know_is_offered_and_not_asked_again(
    db: SessionFactory,
) -> None:
    chat = await ready_chat(
        db, channel=Channel.SMS, external_id="+447700900123", phone="+447700900123"
    )
    await chat.press("Call me back")
    await chat.press("Early evening (5 to 7pm)")

    assert "Shall we call you on 07700 900123?" in chat.last.text
    assert "What number should we call?" not in chat.text
    assert chat.last.labels == ["Yes, that number"]
    await chat.press("Yes, that number")

    assert "Number: 07700 900123" in chat.last.text
    await chat.press("Yes, send it")
    ticket = await ticket_by_ref(db, ref_in(chat.text))
    assert ticket.channel is Channel.SMS
    assert ticket.details == {"best_time": "evening", "phone": "+447700900123"}


async def test_another_number_can_be_typed_instead_of_the_known_one(db: SessionFactory) -> None:
    chat = await ready_chat(
        db, channel=Channel.SMS, external_id="+447700900123", phone="+447700900123"
    )
    await chat.press("Call me back")
    await chat.press("Any time")
    await chat.send("07700 900456")
    assert "Number: 07700 900456" in chat.last.text
    await chat.press("Yes, send it")
    ticket = await ticket_by_ref(db, ref_in(chat.text))
    assert ticket.details["phone"] == "+447700900456"
