"""Carer respite: services near a postcode district, nearest first; then an offer of a call."""

from __future__ import annotations

from bot.db import SessionFactory
from models import DirectoryEntry
from models.enums import TicketCategory
from tests.support.chat import Chat
from tests.support.flows import menu_labels, ready_chat, ref_in, seed_directory
from tests.support.tickets import all_tickets, ticket_by_ref


async def _ask_for_area(chat: Chat, area: str) -> None:
    await chat.press("Carer respite information")
    assert "Which area" in chat.last.text
    await chat.send(area)


async def test_services_in_the_district_come_first_then_nearby_never_far(
    db: SessionFactory,
) -> None:
    await seed_directory(db, "M1", "LS27", "LS7", "LS6")
    chat = await ready_chat(db, external_id="carer-1")
    await _ask_for_area(chat, "ls6")

    listing = chat.replies[0].text
    assert listing.startswith("Here are services near LS6:")
    positions = [listing.find(f"Carers in {area}") for area in ("LS6", "LS7", "LS27")]
    assert -1 not in positions, listing
    assert positions == sorted(positions), listing
    assert "Carers in M1" not in chat.text
    assert "0113 496 0000" in listing

    assert "Would you like someone from our carer support team to call you?" in chat.last.text
    assert chat.last.labels == ["Yes, please call me", "No, thank you"]


async def test_a_full_postcode_is_read_as_its_district(db: SessionFactory) -> None:
    await seed_directory(db, "LS6", "M1")
    chat = await ready_chat(db)
    await _ask_for_area(chat, "LS6 2AB")
    assert "Here are services near LS6:" in chat.text
    assert "Carers in LS6" in chat.text
    assert "Carers in M1" not in chat.text


async def test_an_area_with_no_services_gets_a_kind_answer_and_the_offer(
    db: SessionFactory,
) -> None:
    await seed_directory(db, "LS6", "M1")
    chat = await ready_chat(db)
    await _ask_for_area(chat, "BD1")
    assert "I couldn't find services near BD1" in chat.text
    assert "Carers in" not in chat.text
    assert chat.last.labels == ["Yes, please call me", "No, thank you"]


async def test_something_that_is_not_a_district_is_asked_again(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _ask_for_area(chat, "12345")
    assert "first part of a UK postcode" in chat.text
    assert "Which area" in chat.last.text


async def test_accepting_the_offer_files_a_respite_call_back_with_the_area(
    db: SessionFactory,
) -> None:
    await seed_directory(db, "LS6")
    chat = await ready_chat(db, external_id="carer-2")
    await _ask_for_area(chat, "LS6")
    await chat.press("Yes, please call me")
    assert "When is the best time to call you?" in chat.last.text
    await chat.press("Afternoon (12 to 5pm)")
    await chat.send("07700 900123")

    summary = chat.last.text
    assert "Best time: Afternoon (12 to 5pm)" in summary
    assert "Number: 07700 900123" in summary
    assert "Area: LS6" in summary

    await chat.press("Yes, send it")
    ticket = await ticket_by_ref(db, ref_in(chat.text))
    assert ticket.category is TicketCategory.RESPITE
    assert ticket.details == {
        "area": "LS6",
        "best_time": "afternoon",
        "phone": "+447700900123",
    }


async def test_declining_the_offer_returns_to_the_menu_with_no_ticket(
    db: SessionFactory,
) -> None:
    await seed_directory(db, "LS6")
    chat = await ready_chat(db)
    await _ask_for_area(chat, "LS6")
    await chat.press("No, thank you")
    assert chat.last.labels == menu_labels()
    assert await all_tickets(db) == []


async def test_an_unclear_answer_to_the_offer_asks_again(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await _ask_for_area(chat, "LS6")
    await chat.send("perhaps")
    assert "call you?" in chat.last.text
    assert chat.last.labels == ["Yes, please call me", "No, thank you"]
    await chat.send("yes please call me")
    assert "When is the best time to call you?" in chat.last.text


async def test_a_shared_location_finds_services_close_by(db: SessionFactory) -> None:
    async with db() as session:
        session.add(
            DirectoryEntry(name="Headingley Carers", area="LS6", latitude=53.82, longitude=-1.58)
        )
        session.add(
            DirectoryEntry(name="Manchester Carers", area="M1", latitude=53.48, longitude=-2.24)
        )
        await session.commit()
    chat = await ready_chat(db)
    await chat.press("Carer respite information")
    await chat.send(location=(53.81, -1.56))
    assert "Headingley Carers" in chat.text
    assert "Manchester Carers" not in chat.text


async def test_a_service_without_phone_or_website_shows_no_empty_lines(db: SessionFactory) -> None:
    async with db() as session:
        session.add(
            DirectoryEntry(name="Quiet Hours Club", area="LS6", description="Tea on Fridays.")
        )
        await session.commit()
    chat = await ready_chat(db)
    await chat.press("Carer respite information")
    await chat.send("LS6")
    listing = chat.replies[0].text
    assert "Quiet Hours Club\nTea on Fridays." in listing
    assert "Phone" not in listing
    assert "\n\n\n" not in listing
