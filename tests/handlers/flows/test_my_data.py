"""My data in the chat: what is kept, a copy, deleting it, and stopping messages."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.channels.console import ConsoleSender
from bot.db import SessionFactory, transaction
from handlers.conversation.catalog import t
from models import ChannelIdentity, Contact, Message, Ticket
from models.enums import Channel, Direction
from tests.support.chat import Chat
from tests.support.flows import contact_of, ready_chat, shows_menu, walk_to_summary
from tests.support.outbox import deliverer
from tests.support.privacy import leftovers


async def _outbound(db: SessionFactory, ids: list[int]) -> list[Message]:
    async with db() as session:
        rows = await session.exec(select(Message).where(col(Message.id).in_(ids)))
        return list(rows.all())


async def test_my_data_says_what_is_kept_and_offers_a_copy(db: SessionFactory) -> None:
    chat = await ready_chat(db, name="Winifred")
    await walk_to_summary(chat, "food")
    await chat.press("Yes, send it")
    await chat.send("My data")
    summary = chat.last.text
    assert "your name: Winifred" in summary
    assert "how you talk to us: this chat" in summary
    assert "your requests: 1" in summary
    assert chat.last.labels == [
        "Send me a copy",
        "Delete my data",
        "Stop all messages",
        "Back to the menu",
    ]
    await chat.press("Send me a copy")
    [copy] = [
        m
        for m in await _outbound(db, chat.last_outcome.outbound_ids)
        if m.payload.get("attachment")
    ]
    assert copy.body == t("my_data.copy_sent")
    assert copy.payload["attachment"] == "data_copy"
    assert shows_menu(chat)


@pytest.mark.parametrize(
    ("language", "known_on"),
    [
        ("en", "this chat and text message"),
        ("cy", "y sgwrs hon a neges destun"),
        ("ar", "هذه المحادثة ورسالة نصية"),
    ],
)
async def test_the_channels_someone_is_known_on_read_as_their_language_lists(
    db: SessionFactory, language: str, known_on: str
) -> None:
    chat = await ready_chat(db)
    person = await contact_of(db, chat)
    async with transaction(db) as session:
        found = await session.get(Contact, person.id)
        assert found is not None
        found.language = language
        session.add(
            ChannelIdentity(
                contact_id=person.id or 0,
                channel=Channel.SMS,
                external_id="+447700900555",
                phone="+447700900555",
            )
        )
    await chat.send(t("words.my_data", language).split("|")[0])
    assert known_on in chat.last.text


async def test_my_data_works_in_the_middle_of_a_request_and_back_leaves_it(
    db: SessionFactory,
) -> None:
    chat = await ready_chat(db)
    await chat.press("Food")
    await chat.send("delete my data")
    assert "You can't undo this" in chat.last.text
    assert chat.last.labels == ["Yes, delete it", "No, keep it"]
    await chat.press("No, keep it")
    assert "nothing has changed" in chat.replies[0].text
    assert shows_menu(chat)
    contact_name = (await _contact(db, chat)).display_name
    assert contact_name == "Ann"


async def _contact(db: SessionFactory, chat: Chat) -> Contact:
    async with db() as session:
        identity = (
            await session.exec(
                select(ChannelIdentity).where(ChannelIdentity.external_id == chat.external_id)
            )
        ).one()
        contact = await session.get(Contact, identity.contact_id)
        assert contact is not None
        return contact


async def test_deleting_in_the_chat_erases_and_confirms(
    db: SessionFactory, engine: AsyncEngine
) -> None:
    chat = await ready_chat(db, external_id="qq-user-17", name="Dorothy Pargeter")
    await walk_to_summary(chat, "food")
    await chat.press("Yes, send it")
    await chat.send("my data")
    await chat.press("Delete my data")
    assert "we remove your name, your number and all our messages" in chat.last.text
    await chat.press("Yes, delete it")
    assert chat.last.text == t("my_data.erased")
    [confirmation] = await _outbound(db, chat.last_outcome.outbound_ids)
    # The confirmation still has to reach the person; after it, the address goes too.
    assert confirmation.payload == {"notice": True, "last": True}
    assert await leftovers(engine, ("Pargeter", "Dorothy", "LS6 2AB")) == []
    assert await leftovers(engine, ("qq-user-17",)) == [
        "channel_identities.external_id holds 'qq-user-17'"
    ]
    shown: list[str] = []
    await deliverer(db, {Channel.CONSOLE: ConsoleSender(shown.append)}).drain(
        confirmation.identity_id
    )
    # Only the confirmation went; the request's unsent messages had lost their words.
    assert shown == [f"\nbot: {t('my_data.erased')}\n"]
    assert await leftovers(engine, ("qq-user-17", "Pargeter", "Dorothy", "LS6 2AB")) == []
    async with db() as session:
        ticket = (await session.exec(select(Ticket))).one()
    assert ticket.details == {} and ticket.category == "food"

    # Writing again starts afresh, with the privacy notice.
    await chat.send("hello")
    assert t("consent.agree") in chat.last.labels


async def test_stop_withdraws_consent_and_stops_messages_at_once(db: SessionFactory) -> None:
    chat = await ready_chat(db, channel=Channel.TELEGRAM, external_id="55501")
    await chat.send("my data")
    await chat.press("Stop all messages")
    assert chat.last.text == t("my_data.stopped")
    [notice] = await _outbound(db, chat.last_outcome.outbound_ids)
    assert notice.payload == {"notice": True}
    contact = await _contact(db, chat)
    assert contact.consented_at is None
    async with db() as session:
        identity = (await session.exec(select(ChannelIdentity))).one()
    assert identity.opted_out

    typed = await ready_chat(db, channel=Channel.TELEGRAM, external_id="55502", name="Bea")
    await typed.send("Stop")
    assert typed.last.text == t("optout.confirmed", variant="telegram")
    async with db() as session:
        opted = (
            await session.exec(
                select(ChannelIdentity).where(ChannelIdentity.external_id == "55502")
            )
        ).one()
        outbound = (
            await session.exec(select(Message).where(Message.direction == Direction.OUT))
        ).all()
    assert opted.opted_out and len(outbound) > 0
