"""The queue's reads: search by values only, bounded; failed deliveries, due times and silent
check-ins as tasks."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlmodel import select

from bot.db import SessionFactory, transaction
from handlers.actions.ticket_queue import SAVED_VIEWS, VIEWS_BY_KEY, find_queue_rows
from handlers.actions.ticket_search import TicketQuery, search_tickets
from handlers.actions.ticket_work import TicketChanges, do_change_ticket, do_staff_reply
from models import Message, Ticket
from models.base import utcnow
from models.enums import DeliveryStatus, TicketCategory, TicketPriority, TicketStatus
from models.staff import StaffRole
from tests.admin.conftest import make_staff
from tests.support.checkins import finished_run, london
from tests.support.tickets import Seeded, seed_ticket, ticket_by_ref


async def refs(db: SessionFactory, query: TicketQuery) -> list[str]:
    async with db() as session:
        return [t.ref for t in (await search_tickets(session=session, query=query)).items]


async def test_search_reads_the_details_values_never_their_keys(db: SessionFactory) -> None:
    flat = await seed_ticket(db, details={"postcode": "LS6 2AB", "people": 3})
    nested = await seed_ticket(db, details={"items": ["Rice", {"brand": "Yorkshire Tea"}]})
    assert await refs(db, TicketQuery(words="postcode")) == []
    assert await refs(db, TicketQuery(words="items")) == []
    assert await refs(db, TicketQuery(words="ls6 2ab")) == [flat.ref]
    assert await refs(db, TicketQuery(words="YORKSHIRE")) == [nested.ref]
    assert await refs(db, TicketQuery(words="3")) == [flat.ref]
    # Values never run into each other: the end of one and the start of the next is no match.
    assert await refs(db, TicketQuery(words="rice yorkshire")) == []


async def test_a_broad_search_looks_at_the_newest_matches_only(db: SessionFactory) -> None:
    made = [await seed_ticket(db, details={"need": f"parcel {n}"}) for n in range(5)]
    newest = [s.ref for s in reversed(made)]
    assert await refs(db, TicketQuery(words="parcel")) == newest
    assert await refs(db, TicketQuery(words="parcel", search_limit=3)) == newest[:3]


async def test_words_with_quotes_and_wildcards_are_found_as_written(db: SessionFactory) -> None:
    # The words are written into the SQL as literals (so the planner sees them): quoting
    # must hold, and the wildcards stay plain characters.
    quoted = await seed_ticket(db, details={"note": "O'Brien's 100% rice"})
    await seed_ticket(db, details={"note": "OBriens 1000 rice"})
    assert await refs(db, TicketQuery(words="o'brien's 100%")) == [quoted.ref]
    assert await refs(db, TicketQuery(words="'; drop table tickets; --")) == []
    backslash = await seed_ticket(db, details={"note": "flat 2\\b, rear"})
    assert await refs(db, TicketQuery(words="2\\b")) == [backslash.ref]


async def test_each_persons_tickets_with_one_shape_of_query(db: SessionFactory) -> None:
    # Queries of one shape share a statement built once; each still gets its own values.
    first = await seed_ticket(db, name="Ann Ogden")
    second = await seed_ticket(db, name="Stan Ogden")
    for seeded in (first, second, first):
        query = TicketQuery(contact_id=seeded.ticket.contact_id)
        assert await refs(db, query) == [seeded.ref]


async def reply_delivered(db: SessionFactory, seeded: Seeded, status: DeliveryStatus) -> None:
    """A staff reply on the ticket, and what became of it."""
    staff = await make_staff(db, StaffRole.AGENT)
    async with transaction(db) as session:
        ticket = await session.get(Ticket, seeded.ticket.id)
        assert ticket is not None
        event = await do_staff_reply(
            session=session, staff=staff.staff, ticket=ticket, text="Hello", now=utcnow()
        )
        message = await session.get(Message, event.message_id)
        assert message is not None
        message.status = status
        session.add(message)


async def test_a_failed_delivery_stays_a_task_until_a_message_gets_through(
    db: SessionFactory,
) -> None:
    failed = await seed_ticket(db, details={"postcode": "LS6 2AB"})
    fine = await seed_ticket(db, details={"postcode": "LS6 2AB"})
    await reply_delivered(db, failed, DeliveryStatus.FAILED)
    await reply_delivered(db, fine, DeliveryStatus.DELIVERED)
    view = VIEWS_BY_KEY["failed"].query(staff_id=0, now=utcnow())
    assert await refs(db, view) == [failed.ref]
    # Searching within the view keeps to it.
    assert await refs(db, replace(view, words="ls6 2ab")) == [failed.ref]
    async with db() as session:
        tickets = (await session.exec(select(Ticket).order_by(Ticket.id))).all()  # type: ignore[arg-type]
        rows = await find_queue_rows(session=session, tickets=tickets, now=utcnow())
    assert [row.delivery_failed for row in rows] == [True, False]

    await reply_delivered(db, failed, DeliveryStatus.SENT)
    assert await refs(db, view) == []


async def test_due_times_are_set_kept_to_the_target_and_shown_when_passed(
    db: SessionFactory,
) -> None:
    opened = utcnow() - timedelta(days=10)
    late = await seed_ticket(db, category=TicketCategory.FOOD, now=opened)
    fresh = await seed_ticket(db, category=TicketCategory.RESPITE)
    assert late.ticket.due_at is not None and late.ticket.due_at > opened
    overdue = VIEWS_BY_KEY["overdue"].query(staff_id=0, now=utcnow())
    assert await refs(db, overdue) == [late.ref]

    supervisor = await make_staff(db, StaffRole.SUPERVISOR)
    async with transaction(db) as session:
        ticket = await session.get(Ticket, fresh.ticket.id)
        assert ticket is not None
        before = ticket.due_at
        changes = TicketChanges(priority=TicketPriority.URGENT, status=TicketStatus.IN_PROGRESS)
        await do_change_ticket(
            session=session, staff=supervisor.staff, ticket=ticket, changes=changes, now=utcnow()
        )
    changed = await ticket_by_ref(db, fresh.ref)
    assert before is not None and changed.due_at is not None and changed.due_at < before
    assert changed.first_response_at is not None


async def test_a_silent_checkin_is_a_task_until_its_ticket_is_done(db: SessionFactory) -> None:
    done = await finished_run(db, london("2030-06-04 10:00"))
    await seed_ticket(db, category=TicketCategory.WELFARE, priority=TicketPriority.HIGH)
    view = VIEWS_BY_KEY["no_response"].query(staff_id=0, now=utcnow())
    silent = await ticket_by_ref(db, (await refs(db, view))[0])
    assert (silent.id, silent.category) == (done.silent.ticket_id, TicketCategory.WELFARE)
    assert await refs(db, view) == [silent.ref]

    supervisor = await make_staff(db, StaffRole.SUPERVISOR)
    async with transaction(db) as session:
        ticket = await session.get(Ticket, silent.id)
        assert ticket is not None
        changes = TicketChanges(status=TicketStatus.RESOLVED)
        await do_change_ticket(
            session=session, staff=supervisor.staff, ticket=ticket, changes=changes, now=utcnow()
        )
    assert await refs(db, view) == []


def test_every_saved_view_has_its_own_key() -> None:
    assert len(VIEWS_BY_KEY) == len(SAVED_VIEWS)
