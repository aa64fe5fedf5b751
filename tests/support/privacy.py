"""A person with data in every table and on every channel, and a search of the whole database
for anything that could still identify them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col, select

from bot.db import SessionFactory, transaction
from handlers.actions.contacts import access_contact_record
from handlers.actions.data_copies import do_make_data_link
from handlers.actions.data_rights import do_record_data_request
from handlers.actions.delivery import do_claim_next, do_record_sent
from handlers.actions.erasure import owner_columns
from handlers.actions.invitations import do_create_invitation
from handlers.actions.oncall_pages import (
    OncallPolicy,
    configure_oncall_policy,
    current_oncall_policy,
)
from handlers.actions.outbox import do_record_delivery_status
from handlers.actions.staff import do_create_staff
from handlers.actions.staff_sessions import SessionRules, do_web_sign_in
from handlers.actions.ticket_work import do_add_note, do_staff_reply
from handlers.actions.tickets import access_ticket
from models import ChannelIdentity, Contact, Message, RateSlot, Staff, Ticket
from models.base import utcnow
from models.enums import Channel, DeliveryStatus, Direction, OncallDestination
from models.privacy import DataRequestKind
from models.staff import StaffRole
from tests.support.chat import Chat
from tests.support.checkins import campaign, run_now, tick
from tests.support.flows import ref_in
from tests.support.servers import wait_until


@dataclass(frozen=True)
class Person:
    """Who was seeded, and the words that would give them away if any were left."""

    contact_id: int
    telegram_id: str
    phone: str
    refs: list[str]
    needles: tuple[str, ...]


async def _deliver_all(db: SessionFactory, identity_id: int, provider: str) -> None:
    """Send every queued message of one identity as the provider would accept it."""
    for number in range(1, 100):
        async with transaction(db) as session:
            claimed = await do_claim_next(session=session, identity_id=identity_id, now=utcnow())
            if claimed is None or not hasattr(claimed, "message"):
                return
            message_id = claimed.message.id
        assert message_id is not None
        provider_id = f"{provider}{message_id}:{number}"
        async with transaction(db) as session:
            await do_record_sent(
                session=session,
                message_id=message_id,
                provider_id=provider_id,
                parts=1,
                now=utcnow(),
            )


async def seed_person(
    db: SessionFactory,
    *,
    name: str,
    telegram_id: str,
    phone: str,
    postcode: str,
    phrase: str,
    start: datetime,
) -> Person:
    """A person on Telegram, WhatsApp and SMS, with a food request, a call-back request, an
    emergency, staff notes and replies, delivery reports, audit entries, a staff sign-in,
    a download link, an access request and send pacing: something in every table."""
    national = "0" + phone.removeprefix("+44")
    telegram = Chat(db, channel=Channel.TELEGRAM, external_id=telegram_id, name=name, now=start)
    await telegram.onboard()
    await telegram.press("Food")
    for label in ("Me", "2", "No special diet", "Tomorrow"):
        await telegram.press(label)
    await telegram.send(postcode)
    await telegram.press("Yes, send it")
    refs = [ref_in(telegram.text)]
    await telegram.press("Call me back")
    await telegram.press("Morning (9am to 12)")
    await telegram.send(national)
    await telegram.press("Yes, send it")
    refs.append(ref_in(telegram.text))
    # Staff on duty are paged about the emergency, so the seed has an on-call page too.
    previous = current_oncall_policy()
    configure_oncall_policy(OncallPolicy(destinations=(OncallDestination.WEBHOOK,)))
    try:
        await telegram.send(f"I fell over on my {phrase} and can't get up")
    finally:
        configure_oncall_policy(previous)

    async with transaction(db) as session:
        tg = (
            await session.exec(
                select(ChannelIdentity).where(ChannelIdentity.external_id == telegram_id)
            )
        ).one()
        contact_id = tg.contact_id
        for channel, address in ((Channel.WHATSAPP, phone), (Channel.SMS, phone)):
            session.add(
                ChannelIdentity(
                    contact_id=contact_id,
                    channel=channel,
                    external_id=address,
                    phone=phone,
                    profile={"name": name},
                )
            )
        session.add(RateSlot(key=f"telegram:chat:{telegram_id}", next_free=1.0))
        session.add(RateSlot(key=f"twilio:from:{phone}", next_free=1.0))
    for channel, address in ((Channel.WHATSAPP, phone), (Channel.SMS, phone)):
        chat = Chat(db, channel=channel, external_id=address, name=name, phone=phone, now=start)
        await chat.send(
            f"hello, it's {name} about the {phrase}", provider_id=f"SM{channel.value}{address[-6:]}"
        )

    async with transaction(db) as session:
        staff, _ = await do_create_staff(
            session=session,
            email=f"officer-{postcode[:2].lower()}@example.org",
            name="Officer Olu",
            role=StaffRole.SUPERVISOR,
            password="a long staff password",
            now=utcnow(),
        )
        ticket = await access_ticket(session=session, ref=refs[0], for_update=True)
        await do_add_note(
            session=session,
            staff=staff,
            ticket=ticket,
            text=f"Spoke to {name} on {national}; {phrase} mentioned",
            now=utcnow(),
        )
        await do_staff_reply(
            session=session,
            staff=staff,
            ticket=ticket,
            text=f"Hello {name}, the parcel goes to {postcode} tomorrow.",
            now=utcnow(),
        )
        await access_contact_record(
            session=session, staff=staff, contact_id=contact_id, now=utcnow()
        )
        await do_make_data_link(session=session, contact_id=contact_id, now=utcnow())
        await do_record_data_request(
            session=session,
            staff=staff,
            contact_id=contact_id,
            kind=DataRequestKind.ACCESS,
            received_at=start,
            now=utcnow(),
        )
        await do_web_sign_in(
            session=session,
            email=staff.email,
            password="a long staff password",
            address="127.0.0.1",
            rules=SessionRules(),
            now=utcnow(),
        )
    # The proactive side keeps rows of the person too: a check-in and an invitation.
    asked = await campaign(db, start, audience={"contact_ids": [contact_id]})
    assert asked.id is not None
    await run_now(db, asked.id, start)
    await tick(db, start)
    async with transaction(db) as session:
        contact = await session.get(Contact, contact_id)
        assert contact is not None
        await do_create_invitation(session=session, contact=contact, now=start)
    await _deliver_all(db, tg.id or 0, "")
    async with transaction(db) as session:
        ids = (
            await session.exec(
                select(ChannelIdentity.id).where(
                    ChannelIdentity.contact_id == contact_id,
                    ChannelIdentity.channel != Channel.TELEGRAM,
                )
            )
        ).all()
    for identity_id in ids:
        await _deliver_all(db, identity_id or 0, "SM")
    async with transaction(db) as session:
        sent = (
            await session.exec(
                select(Message).where(
                    Message.contact_id == contact_id,
                    Message.direction == Direction.OUT,
                    Message.channel == Channel.SMS,
                )
            )
        ).first()
        assert sent is not None and sent.provider_message_id is not None
        await do_record_delivery_status(
            session=session,
            channels=[Channel.SMS],
            provider_id=sent.provider_message_id,
            status=DeliveryStatus.DELIVERED,
            now=utcnow(),
        )
    needles = (
        name,
        name.split()[-1],
        telegram_id,
        phone,
        phone.removeprefix("+"),
        national,
        f"{national[:5]} {national[5:]}",
        postcode,
        postcode.replace(" ", ""),
        phrase,
    )
    return Person(contact_id, telegram_id, phone, refs, needles)


async def leftovers(engine: AsyncEngine, needles: tuple[str, ...]) -> list[str]:
    """Every `table.column` of every table in the database whose text holds a needle.

    The tables are read from the database itself, so tables added later (and the task
    engine's, on PostgreSQL) are searched without being named here.
    """

    def tables(connection: sa.Connection) -> list[sa.Table]:
        metadata = sa.MetaData()
        metadata.reflect(connection)
        return list(metadata.sorted_tables)

    found: list[str] = []
    wanted = [needle.casefold() for needle in needles]
    async with engine.connect() as connection:
        for table in await connection.run_sync(tables):
            rows = (await connection.execute(sa.select(table))).mappings().all()
            for row in rows:
                for column, value in row.items():
                    text = str(value).casefold()
                    for needle in wanted:
                        if needle in text:
                            found.append(f"{table.name}.{column} holds {needle!r}")
    return sorted(set(found))


async def tables_without_rows_of(db: SessionFactory, contact_id: int) -> list[str]:
    """The tables that link to a person (by their keys) holding no row of this one."""
    async with db() as session:
        ids: dict[str, set[int | None]] = {
            "contacts": {contact_id},
            "channel_identities": set(
                (
                    await session.exec(
                        select(ChannelIdentity.id).where(ChannelIdentity.contact_id == contact_id)
                    )
                ).all()
            ),
        }
        ids["tickets"] = set(
            (await session.exec(select(Ticket.id).where(Ticket.contact_id == contact_id))).all()
        )
        ids["messages"] = set(
            (await session.exec(select(Message.id).where(Message.contact_id == contact_id))).all()
        )
        empty = []
        for table in SQLModel.metadata.sorted_tables:
            links = owner_columns(table)
            if table.name == "contacts" or not links:
                continue
            condition = sa.or_(*[column.in_(ids[target]) for column, target in links])
            count = (
                await session.exec(select(sa.func.count()).select_from(table).where(condition))
            ).one()
            if count == 0:
                empty.append(table.name)
        return empty


async def contact_row(db: SessionFactory, contact_id: int) -> Contact:
    async with db() as session:
        contact = await session.get(Contact, contact_id)
        assert contact is not None
        return contact


async def staff_named(db: SessionFactory, email: str) -> Staff:
    async with db() as session:
        return (await session.exec(select(Staff).where(col(Staff.email) == email))).one()


async def wait_until_forgotten(engine: AsyncEngine, needles: tuple[str, ...]) -> None:
    """Wait for the erasure's last step, which runs just after its confirmation is sent."""

    async def forgotten() -> bool:
        return await leftovers(engine, needles) == []

    await wait_until(forgotten, f"no trace of {needles}")


def private_log_lines(records: list[logging.LogRecord], needles: tuple[str, ...]) -> list[str]:
    """Log lines (message and any traceback) that hold one of the needles."""
    found = []
    for record in records:
        line = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            line += f" {record.exc_info[1]!r}"
        if any(needle.casefold() in line.casefold() for needle in needles):
            found.append(f"{record.levelname} {record.name}: {line}")
    return found
