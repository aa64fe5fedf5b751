"""After staff write to someone, their words join that ticket; REOPEN reopens a finished one."""

from __future__ import annotations

from sqlmodel import col, select

from bot.db import SessionFactory, transaction
from handlers.actions.staff import do_create_staff
from handlers.actions.ticket_work import TicketChanges, do_change_ticket, do_staff_reply
from models import Message, Staff, Ticket, TicketEvent
from models.base import utcnow
from models.enums import EventKind, TicketStatus
from models.staff import StaffRole
from tests.support.chat import Chat
from tests.support.flows import menu_labels, ready_chat, ref_in
from tests.support.tickets import all_tickets, ticket_by_ref


async def _officer(db: SessionFactory) -> Staff:
    async with transaction(db) as session:
        staff, _ = await do_create_staff(
            session=session,
            email="officer@example.org",
            name="Priya Officer",
            role=StaffRole.AGENT,
            password=None,
            now=utcnow(),
        )
    return staff


async def _food_request(chat: Chat) -> str:
    await chat.press("Food")
    for answer in ("Me", "2", "No special diet", "This week"):
        await chat.press(answer)
    await chat.send("LS6 2AB")
    await chat.press("Yes, send it")
    return ref_in(chat.text)


async def _staff_writes(db: SessionFactory, staff: Staff, ref: str, text: str) -> None:
    async with transaction(db) as session:
        ticket = await session.get(Ticket, (await ticket_by_ref(db, ref)).id)
        assert ticket is not None
        await do_staff_reply(session=session, staff=staff, ticket=ticket, text=text, now=utcnow())


async def _joined_texts(db: SessionFactory, ref: str) -> list[str]:
    ticket = await ticket_by_ref(db, ref)
    async with db() as session:
        rows = await session.exec(
            select(Message.body)
            .join(TicketEvent, col(TicketEvent.message_id) == Message.id)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.MESSAGE_IN)
            .order_by(col(TicketEvent.id))
        )
        return list(rows.all())


async def test_an_answer_to_staff_joins_their_ticket_and_the_bot_says_so(
    db: SessionFactory,
) -> None:
    staff = await _officer(db)
    chat = await ready_chat(db)
    ref = await _food_request(chat)
    await _staff_writes(db, staff, ref, "Which day suits you best?")
    assert (await ticket_by_ref(db, ref)).status is TicketStatus.WAITING

    # Words that would otherwise start a transport request belong to the ticket now.
    await chat.send("Tuesday, after my hospital appointment")

    assert f"added this to your request {ref}" in chat.text
    assert chat.last.labels == menu_labels()
    assert await _joined_texts(db, ref) == ["Tuesday, after my hospital appointment"]
    assert (await ticket_by_ref(db, ref)).status is TicketStatus.IN_PROGRESS
    assert len(await all_tickets(db)) == 1

    await chat.send("and please ring the bell twice")
    assert await _joined_texts(db, ref) == [
        "Tuesday, after my hospital appointment",
        "and please ring the bell twice",
    ]


async def test_a_menu_choice_still_starts_a_request_after_staff_wrote(db: SessionFactory) -> None:
    staff = await _officer(db)
    chat = await ready_chat(db)
    ref = await _food_request(chat)
    await _staff_writes(db, staff, ref, "Is Tuesday all right?")

    await chat.press("Transport")

    assert "What is the trip for?" in chat.last.text
    assert await _joined_texts(db, ref) == []


async def test_without_a_staff_reply_free_text_is_read_as_a_need(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    ref = await _food_request(chat)

    await chat.send("I need a lift to the hospital")

    assert "What is the trip for?" in chat.last.text
    assert await _joined_texts(db, ref) == []


async def test_after_resolving_words_no_longer_join_and_reopen_opens_it_again(
    db: SessionFactory,
) -> None:
    staff = await _officer(db)
    chat = await ready_chat(db)
    ref = await _food_request(chat)
    await _staff_writes(db, staff, ref, "Delivered today.")
    async with transaction(db) as session:
        ticket = await session.get(Ticket, (await ticket_by_ref(db, ref)).id)
        assert ticket is not None
        await do_change_ticket(
            session=session,
            staff=staff,
            ticket=ticket,
            changes=TicketChanges(status=TicketStatus.RESOLVED),
            now=utcnow(),
        )

    await chat.send("lovely jubbly")
    assert "added this to your request" not in chat.text
    assert await _joined_texts(db, ref) == []

    await chat.send("REOPEN")
    assert f"opened your request {ref} again" in chat.text
    assert (await ticket_by_ref(db, ref)).status is TicketStatus.IN_PROGRESS
    assert await _joined_texts(db, ref) == ["REOPEN"]


async def test_reopen_with_nothing_finished_says_so(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.send("reopen")
    assert "couldn't find a recently finished request" in chat.text
    assert chat.last.labels == menu_labels()


async def test_answers_inside_a_request_are_not_taken_for_the_ticket(db: SessionFactory) -> None:
    staff = await _officer(db)
    chat = await ready_chat(db)
    ref = await _food_request(chat)
    await _staff_writes(db, staff, ref, "Which day suits you?")

    await chat.press("Medicine")
    await chat.send("Boots on Otley Road")

    assert "When will it be ready" in chat.last.text
    assert await _joined_texts(db, ref) == []
