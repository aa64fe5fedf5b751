"""The engine: redeliveries, media, odd input, and many people at once."""

from __future__ import annotations

import asyncio

from sqlmodel import SQLModel, col, select

from bot.db import SessionFactory, transaction
from handlers.conversation.engine import Outcome, handle_event
from handlers.conversation.events import IncomingEvent, MediaKind
from models import ChannelIdentity, Contact, Conversation, Message
from models.enums import Channel, Direction, EventKind
from models.messages import BODY_LIMIT
from tests.support.chat import Chat
from tests.support.flows import (
    contact_of,
    inbound_messages,
    menu_labels,
    ready_chat,
    ref_in,
    shows_menu,
    walk,
)
from tests.support.tickets import all_tickets, events_of, ticket_by_ref

# --- Redelivery ------------------------------------------------------------------------------


async def test_a_redelivered_confirm_is_ignored(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "food", 5)
    await chat.send(choice="send", provider_id="update-77")
    assert not chat.last_outcome.duplicate
    ref_in(chat.text)

    await chat.send(choice="send", provider_id="update-77")
    assert chat.last_outcome.duplicate
    assert chat.replies == []
    assert len(await all_tickets(db)) == 1


async def test_the_same_provider_id_from_two_people_is_not_mixed_up(db: SessionFactory) -> None:
    ann = await ready_chat(db, channel=Channel.TELEGRAM, external_id="1")
    bob = await ready_chat(db, channel=Channel.SMS, external_id="2", name="Bob")
    await ann.send("help", provider_id="same-id")
    await bob.send("help", provider_id="same-id")
    assert not bob.last_outcome.duplicate
    assert bob.replies


# --- What a person sends ---------------------------------------------------------------------


async def test_a_photo_where_words_are_expected_is_answered_kindly(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "medicine", 0)
    await chat.send(media=MediaKind.PHOTO)
    assert "photos" in chat.text
    assert "type your answer" in chat.text
    assert "Which pharmacy" in chat.last.text


async def test_a_voice_message_is_answered_kindly_and_the_question_asked_again(
    db: SessionFactory,
) -> None:
    chat = await ready_chat(db)
    await walk(chat, "food", 1)
    await chat.send(media=MediaKind.VOICE)
    assert "voice messages" in chat.text
    assert "How many people" in chat.last.text
    assert chat.last.labels == ["1", "2", "3", "4", "5 or more"]


async def test_media_before_agreeing_shows_the_notice_again(db: SessionFactory) -> None:
    chat = Chat(db)
    await chat.send("hello")
    await chat.send(media=MediaKind.STICKER)
    assert "stickers" in chat.text
    assert chat.last.labels == ["Yes, I agree", "No, thank you"]


async def test_a_location_where_none_is_wanted_is_declined_politely(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "food", 0)
    await chat.send(location=(53.8, -1.5))
    assert "Thank you for sharing your location. I don't need it" in chat.text
    assert "Who is the food for?" in chat.last.text

    await chat.send("menu")
    await chat.send(location=(53.8, -1.5))
    assert "I don't need it" in chat.text
    assert shows_menu(chat)


async def test_a_huge_answer_is_refused_kindly_and_stored_cut_short(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "medicine", 0)
    await chat.send("x" * 50_000)
    assert "very long" in chat.text
    assert "shorter answer" in chat.text
    assert "Which pharmacy" in chat.last.text

    stored = (await inbound_messages(db))[-1]
    assert len(stored.body) == BODY_LIMIT
    assert stored.payload["truncated_from"] == 50_000


async def test_emoji_only_gets_a_sensible_answer(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.send("🙏🙏")
    assert "didn't understand" in chat.text
    assert chat.last.labels == menu_labels()

    await chat.press("Food")
    await chat.send("👍")
    assert "Please choose one of the options" in chat.text
    assert "Who is the food for?" in chat.last.text


async def test_arabic_text_gets_a_sensible_answer(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.send("أحتاج مساعدة")
    assert "didn't understand" in chat.text
    assert chat.last.labels == menu_labels()

    await chat.press("Medicine")
    await chat.send("صيدلية بوتس")
    assert "When will it be ready" in chat.last.text
    stored = (await inbound_messages(db))[-1]
    assert stored.body == "صيدلية بوتس"


async def test_a_pressed_button_from_an_old_message_does_not_crash(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.press("Food")
    await chat.send(choice="agree")
    assert "Please choose one of the options" in chat.text
    assert "Who is the food for?" in chat.last.text


# --- Many people -----------------------------------------------------------------------------


async def test_two_people_have_independent_conversations(db: SessionFactory) -> None:
    ann = await ready_chat(db, external_id="ann")
    bob = await ready_chat(db, external_id="bob", name="Bob")
    await ann.press("Food")
    await bob.press("Transport")
    await ann.press("Me")
    assert "How many people" in ann.last.text
    await bob.press("GP appointment")
    assert "What day" in bob.last.text

    await ann.send("cancel")
    await bob.press("Tomorrow")
    assert "What time" in bob.last.text


async def test_the_same_id_on_two_channels_is_two_people(db: SessionFactory) -> None:
    on_telegram = Chat(db, channel=Channel.TELEGRAM, external_id="447700900123")
    await on_telegram.onboard()
    on_sms = Chat(db, channel=Channel.SMS, external_id="447700900123")
    await on_sms.send("hello")
    assert "we keep what you tell us" in on_sms.text

    async with db() as session:
        identities = (
            await session.exec(select(ChannelIdentity).order_by(col(ChannelIdentity.id)))
        ).all()
        contacts = (await session.exec(select(Contact))).all()
    assert [i.channel for i in identities] == [Channel.TELEGRAM, Channel.SMS]
    assert identities[0].contact_id != identities[1].contact_id
    assert len(contacts) == 2
    assert (await contact_of(db, on_sms)).consented_at is None


async def test_every_message_in_and_out_is_recorded(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "callback", 2)
    await chat.press("Yes, send it")
    ticket = await ticket_by_ref(db, ref_in(chat.text))

    async with db() as session:
        confirmation = (
            await session.exec(
                select(Message).where(Message.ticket_id == ticket.id, Message.direction == "out")
            )
        ).all()
    assert len(confirmation) == 1
    assert ticket.ref in confirmation[0].body
    kinds = [event.kind for event in await events_of(db, ticket)]
    assert kinds == [EventKind.CREATED, EventKind.MESSAGE_OUT]


# --- Two deliveries at once ------------------------------------------------------------------


async def _first_messages(db: SessionFactory, provider_ids: list[str]) -> list[Outcome]:
    """A new person's first message, delivered as these updates at the same moment."""

    async def one(provider_id: str) -> Outcome:
        event = IncomingEvent(
            channel=Channel.TELEGRAM,
            external_id="4401",
            provider_id=provider_id,
            text="hello",
            display_name="Ann",
        )
        async with transaction(db) as session:
            return await handle_event(session=session, event=event)

    return list(await asyncio.gather(*(one(p) for p in provider_ids)))


async def _rows(db: SessionFactory, model: type[SQLModel]) -> int:
    async with db() as session:
        return len((await session.exec(select(model))).all())


async def test_two_first_messages_at_once_make_one_person(db: SessionFactory) -> None:
    outcomes = await _first_messages(db, ["update:1", "update:2"])

    assert [o.duplicate for o in outcomes] == [False, False]
    assert all(o.outbound_ids for o in outcomes)
    assert await _rows(db, Contact) == 1
    assert await _rows(db, ChannelIdentity) == 1
    assert await _rows(db, Conversation) == 1
    async with db() as session:
        inbound = await session.exec(select(Message).where(Message.direction == Direction.IN))
        assert sorted(m.provider_message_id or "" for m in inbound) == ["update:1", "update:2"]


async def test_one_update_delivered_twice_at_once_is_handled_once(db: SessionFactory) -> None:
    outcomes = await _first_messages(db, ["update:9", "update:9"])

    assert sorted(o.duplicate for o in outcomes) == [False, True]
    assert await _rows(db, Contact) == 1
    async with db() as session:
        messages = (await session.exec(select(Message))).all()
    assert [m.direction for m in messages].count(Direction.IN) == 1
    answered = next(o for o in outcomes if not o.duplicate)
    assert {m.id for m in messages if m.direction is Direction.OUT} == set(answered.outbound_ids)
