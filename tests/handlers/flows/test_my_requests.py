"""My requests: the person's own open requests, with their references and where each one is."""

from __future__ import annotations

from sqlmodel import select

from bot.db import SessionFactory
from models import Ticket
from models.enums import TicketStatus
from tests.support.chat import Chat
from tests.support.flows import menu_labels, ready_chat, ref_in, walk_to_summary


async def _send_request(chat: Chat, form: str) -> str:
    await walk_to_summary(chat, form)
    await chat.press("Yes, send it")
    return ref_in(chat.text)


async def test_no_requests_says_so(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.press("My requests")
    assert "You have no open requests." in chat.text
    assert chat.last.labels == menu_labels()


async def test_two_requests_are_listed_with_their_status(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    food = await _send_request(chat, "food")
    transport = await _send_request(chat, "transport")

    await chat.press("My requests")
    listing = chat.replies[0].text
    assert "Your open requests:" in listing
    assert f"{food}: Food, received (sent 23 November)" in listing
    assert f"{transport}: Transport, received (sent 23 November)" in listing
    assert listing.index(food) < listing.index(transport)
    assert chat.last.labels == menu_labels()


async def test_status_changes_show_and_finished_requests_drop_off(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    food = await _send_request(chat, "food")
    medicine = await _send_request(chat, "medicine")
    async with db() as session:
        for ticket in (await session.exec(select(Ticket))).all():
            ticket.status = (
                TicketStatus.IN_PROGRESS if ticket.ref == food else TicketStatus.RESOLVED
            )
            session.add(ticket)
        await session.commit()

    await chat.send("my requests")
    assert f"{food}: Food, being worked on" in chat.text
    assert medicine not in chat.text


async def test_another_persons_requests_never_appear(db: SessionFactory) -> None:
    ann = await ready_chat(db, external_id="ann")
    bob = await ready_chat(db, external_id="bob", name="Bob")
    ann_ref = await _send_request(ann, "food")
    bob_ref = await _send_request(bob, "callback")

    await ann.press("My requests")
    assert ann_ref in ann.text
    assert bob_ref not in ann.text

    await bob.press("My requests")
    assert bob_ref in bob.text
    assert ann_ref not in bob.text


async def test_a_person_with_none_does_not_see_someone_elses(db: SessionFactory) -> None:
    ann = await ready_chat(db, external_id="ann")
    await _send_request(ann, "food")
    carol = await ready_chat(db, external_id="carol", name="Carol")
    await carol.press("My requests")
    assert "You have no open requests." in carol.text
    assert "HH-" not in carol.text
