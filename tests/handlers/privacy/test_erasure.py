"""Erasure leaves nothing that identifies the person anywhere, and keeps their tickets as counts."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col, select

from bot.db import SessionFactory, transaction
from handlers.actions.data_rights import do_erase_contact
from handlers.actions.erasure import POLICIES, NotLinked, owner_columns
from models import AuditEntry, Erasure, Ticket
from models.enums import TicketCategory, TicketPriority
from models.privacy import ErasedBy, PrivacyReason
from tests.support.chat import START
from tests.support.privacy import (
    leftovers,
    seed_person,
    staff_named,
    tables_without_rows_of,
)


def test_every_table_says_what_erasure_does_to_it() -> None:
    tables = {table.name: table for table in SQLModel.metadata.sorted_tables}
    assert sorted(set(tables) - set(POLICIES)) == [], "add an erasure policy for these tables"
    assert sorted(set(POLICIES) - set(tables)) == [], "policies for tables that do not exist"
    for name, policy in POLICIES.items():
        if isinstance(policy, NotLinked):
            # A table that points at a person cannot claim to hold nobody's data.
            assert owner_columns(tables[name]) == [], name


async def test_erasure_leaves_no_trace_of_the_person_in_any_table(
    db: SessionFactory, engine: AsyncEngine
) -> None:
    person = await seed_person(
        db,
        name="Margaret Quixby",
        telegram_id="987650321",
        phone="+447700900461",
        postcode="LS6 2QX",
        phrase="purple wellington boots",
        start=START,
    )
    other = await seed_person(
        db,
        name="Harold Abernethy",
        telegram_id="987650999",
        phone="+447700900999",
        postcode="M14 5TP",
        phrase="green umbrella",
        start=START,
    )
    # The seed reaches every table that can hold a row of a person, but the records that
    # erasure and retention themselves write.
    assert sorted(await tables_without_rows_of(db, person.contact_id)) == [
        "anonymised_tickets",
        "erasures",
    ]
    assert await leftovers(engine, person.needles) != []
    async with db() as session:
        before = (
            await session.exec(
                select(Ticket)
                .where(Ticket.contact_id == person.contact_id)
                .order_by(col(Ticket.id))
            )
        ).all()
    assert [t.category for t in before] == [
        TicketCategory.FOOD,
        TicketCategory.CALLBACK,
        TicketCategory.WELFARE,
    ]

    staff = await staff_named(db, "officer-ls@example.org")
    async with transaction(db) as session:
        erasure = await do_erase_contact(
            session=session,
            contact_id=person.contact_id,
            reason=PrivacyReason.ERASURE_REQUEST,
            staff=staff,
            now=START,
        )

    assert await leftovers(engine, person.needles) == []
    # Someone else's record is untouched.
    assert len(await leftovers(engine, other.needles)) > 5

    async with db() as session:
        after = (
            await session.exec(
                select(Ticket)
                .where(Ticket.contact_id == person.contact_id)
                .order_by(col(Ticket.id))
            )
        ).all()
        audit = (
            await session.exec(
                select(AuditEntry).where(
                    AuditEntry.contact_id == person.contact_id, AuditEntry.action == "contact.erase"
                )
            )
        ).one()
        record = (await session.exec(select(Erasure))).one()
    # Reports still count the requests: same categories, priorities, statuses and dates.
    assert [(t.id, t.category, t.priority, t.status, t.created_at) for t in after] == [
        (t.id, t.category, t.priority, t.status, t.created_at) for t in before
    ]
    assert after[-1].priority == TicketPriority.URGENT
    assert all(t.details == {} for t in after)
    assert audit.staff_id == staff.id and audit.data == {"reason": "erasure_request"}
    assert record.erased_by is ErasedBy.STAFF and record.tickets_kept == 3
    assert erasure.messages_cleared > 10
    # Twilio still holds the WhatsApp and SMS messages: their ids are listed to ask for deletion.
    held = {copy["channel"] for copy in record.provider_copies}
    assert held == {"whatsapp", "sms"}
