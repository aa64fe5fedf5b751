"""A message the conversation failed on every time goes to staff as an urgent ticket holding what
the person sent, for someone new as for someone known; the person is told, in their language,
that a person will reply, unless a text makes no sense (a call) or must not go (opted out)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.db import SessionFactory, transaction
from handlers.actions.oncall_pages import (
    OncallPolicy,
    configure_oncall_policy,
    current_oncall_policy,
)
from handlers.actions.unhandled import do_hand_to_staff
from handlers.conversation.catalog import messages
from handlers.conversation.events import IncomingEvent, Keyword, Location, Media, MediaKind
from models import ChannelIdentity, Contact, Message, OncallPage, Ticket, TicketEvent
from models.base import utcnow
from models.enums import (
    ActorType,
    Channel,
    DeliveryStatus,
    Direction,
    EventKind,
    LanguageSource,
    OncallDestination,
    OutboundPriority,
    TicketCategory,
    TicketPriority,
)
from tests.support.chat import Chat
from tests.support.refusals import refusing

APOLOGY = "error.handed_to_staff"


@pytest.fixture(autouse=True)
def oncall_chat() -> Iterator[None]:
    before = current_oncall_policy()
    destinations = (OncallDestination.TELEGRAM,)
    configure_oncall_policy(OncallPolicy(destinations=destinations, repeat=timedelta(minutes=15)))
    yield
    configure_oncall_policy(before)


async def _hand(db: SessionFactory, event: IncomingEvent) -> Ticket:
    now = utcnow()
    async with transaction(db) as session:
        return await do_hand_to_staff(
            session=session, event=event, received_at=now - timedelta(minutes=34), now=now
        )


async def _timeline(db: SessionFactory, ticket: Ticket) -> list[tuple[str, str]]:
    async with db() as session:
        rows = await session.exec(
            select(TicketEvent.kind, TicketEvent.actor_type)
            .where(TicketEvent.ticket_id == ticket.id)
            .order_by(col(TicketEvent.id))
        )
        return list(rows.all())


async def _sent_out(db: SessionFactory) -> list[Message]:
    """Every message queued to anyone, oldest first."""
    async with db() as session:
        statement = select(Message).where(Message.direction == Direction.OUT)
        return list((await session.exec(statement.order_by(col(Message.id)))).all())


async def _known(
    db: SessionFactory,
    channel: Channel,
    external_id: str,
    *,
    language: str | None = None,
    opted_out: bool = False,
) -> None:
    """Someone who has used the bot, at its menu, speaking `language` if given, perhaps since
    opted out; what the conversation sent them so far is forgotten, so only the hand-over's is
    read."""
    await Chat(db, channel=channel, external_id=external_id, name="Jan").onboard()
    async with transaction(db) as session:
        [identity] = (await session.exec(select(ChannelIdentity))).all()
        identity.opted_out = opted_out
        if language is not None:
            contact = await session.get(Contact, identity.contact_id)
            assert contact is not None
            contact.language, contact.language_source = language, LanguageSource.PERSON
        for message in (await session.exec(select(Message))).all():
            await session.delete(message)


async def test_someone_new_gets_an_urgent_ticket_with_what_they_sent(db: SessionFactory) -> None:
    event = IncomingEvent(
        channel=Channel.WHATSAPP,
        external_id="whatsapp:+447700900321",
        provider_id="SM0001",
        text="I fell last night and cannot get up the stairs",
        location=Location(53.8, -1.55),
        media=(Media(MediaKind.PHOTO, "https://example.org/1", "image/jpeg"),),
        display_name="Edna",
        phone="+447700900321",
    )
    ticket = await _hand(db, event)

    assert ticket.priority == TicketPriority.URGENT
    assert ticket.category == TicketCategory.OTHER
    assert ticket.channel == Channel.WHATSAPP
    assert ticket.details["message"] == event.text
    assert ticket.details["location"] == "53.8, -1.55"
    assert ticket.details["media"] == "photo"
    assert "received_at" in ticket.details
    assert await _timeline(db, ticket) == [
        (EventKind.CREATED, ActorType.CONTACT),
        (EventKind.HANDLING_FAILED, ActorType.SYSTEM),
        (EventKind.MESSAGE_OUT, ActorType.SYSTEM),
    ]
    async with db() as session:
        identity = await session.get(ChannelIdentity, ticket.identity_id)
        contact = await session.get(Contact, ticket.contact_id)
        pages = (await session.exec(select(OncallPage))).all()
    assert identity is not None and identity.external_id == "whatsapp:+447700900321"
    # Staff's reply window on WhatsApp runs from when Edna wrote, 34 minutes ago.
    assert identity.last_inbound_at is not None
    since = utcnow() - identity.last_inbound_at
    assert timedelta(minutes=34) <= since < timedelta(minutes=35)
    assert contact is not None and contact.display_name == "Edna"
    # Urgent, so whoever is on duty is told at once.
    assert [page.ticket_id for page in pages] == [ticket.id]
    # And Edna is told, once, that a person will reply: queued with the ticket, on its timeline.
    [apology] = await _sent_out(db)
    assert apology.body == messages("en")[APOLOGY]
    assert "999" in apology.body
    assert (apology.identity_id, apology.ticket_id) == (ticket.identity_id, ticket.id)
    assert apology.channel == Channel.WHATSAPP
    assert apology.status == DeliveryStatus.QUEUED
    assert apology.priority == OutboundPriority.REPLY
    assert apology.payload == {}


async def test_someone_known_keeps_their_record(db: SessionFactory) -> None:
    chat = Chat(db, channel=Channel.TELEGRAM, external_id="5551234", name="Mabel")
    await chat.onboard()
    async with db() as session:
        [known] = (await session.exec(select(ChannelIdentity))).all()

    pressed = IncomingEvent(channel=Channel.TELEGRAM, external_id="5551234", choice="menu:food")
    ticket = await _hand(db, pressed)

    assert (ticket.contact_id, ticket.identity_id) == (known.contact_id, known.id)
    assert ticket.details["message"] == ""
    assert ticket.details["button"] == "menu:food"
    async with db() as session:
        assert len((await session.exec(select(Contact))).all()) == 1


async def test_the_apology_is_in_the_language_on_their_record(db: SessionFactory) -> None:
    await _known(db, Channel.TELEGRAM, "5557001", language="pl")

    ticket = await _hand(db, IncomingEvent(Channel.TELEGRAM, "5557001", text="pomocy"))

    [apology] = await _sent_out(db)
    assert apology.body == messages("pl")[APOLOGY]
    assert apology.body != messages("en")[APOLOGY]
    assert apology.ticket_id == ticket.id
    assert ticket.language == "pl"


async def test_someone_new_is_told_in_their_apps_language(db: SessionFactory) -> None:
    event = IncomingEvent(Channel.TELEGRAM, "5557002", text="hello?", language="ar-EG")
    ticket = await _hand(db, event)

    [apology] = await _sent_out(db)
    assert apology.body == messages("ar")[APOLOGY]
    # Kept on their record, as their first answer would have kept it, and told to staff.
    async with db() as session:
        contact = await session.get(Contact, ticket.contact_id)
    assert contact is not None
    assert (contact.language, contact.language_source) == ("ar", LanguageSource.CHANNEL)
    assert ticket.language == "ar"


async def test_someone_new_whose_app_says_nothing_is_told_in_english(db: SessionFactory) -> None:
    # Their words are Polish, but the detector is part of the step that kept failing.
    event = IncomingEvent(Channel.SMS, "+447700900555", text="Dzień dobry, potrzebuję pomocy")
    await _hand(db, event)

    [apology] = await _sent_out(db)
    assert apology.body == messages("en")[APOLOGY]


async def test_nothing_is_sent_to_someone_who_opted_out(db: SessionFactory) -> None:
    await _known(db, Channel.SMS, "+447700900777", opted_out=True)

    event = IncomingEvent(Channel.SMS, "+447700900777", provider_id="SM9", text="hello")
    ticket = await _hand(db, event)

    assert ticket.priority == TicketPriority.URGENT
    assert await _sent_out(db) == []
    assert [kind for kind, _ in await _timeline(db, ticket)] == [
        EventKind.CREATED,
        EventKind.HANDLING_FAILED,
    ]


async def test_nothing_is_sent_after_the_word_that_opts_out(db: SessionFactory) -> None:
    event = IncomingEvent(
        Channel.SMS, "+447700900778", text="STOP", keyword=Keyword.OPT_OUT, provider_id="SM10"
    )
    ticket = await _hand(db, event)

    assert ticket.details["message"] == "STOP"
    assert await _sent_out(db) == []
    # And the STOP holds, though the step broke on it: nothing more goes to them, check-ins
    # included.
    async with db() as session:
        identity = await session.get(ChannelIdentity, ticket.identity_id)
    assert identity is not None and identity.opted_out is True


async def test_a_start_that_failed_still_lets_messages_through(db: SessionFactory) -> None:
    await _known(db, Channel.SMS, "+447700900779", opted_out=True)
    event = IncomingEvent(
        Channel.SMS, "+447700900779", text="START", keyword=Keyword.OPT_IN, provider_id="SM11"
    )
    ticket = await _hand(db, event)

    [apology] = await _sent_out(db)
    assert apology.ticket_id == ticket.id
    async with db() as session:
        identity = await session.get(ChannelIdentity, ticket.identity_id)
    assert identity is not None and identity.opted_out is False


async def test_someone_back_on_telegram_is_told(db: SessionFactory) -> None:
    # Blocking the bot is Telegram's only opt-out; writing again undoes it, as in a conversation.
    await _known(db, Channel.TELEGRAM, "5557003", opted_out=True)

    ticket = await _hand(db, IncomingEvent(Channel.TELEGRAM, "5557003", text="hello"))

    [apology] = await _sent_out(db)
    assert apology.ticket_id == ticket.id
    async with db() as session:
        identity = await session.get(ChannelIdentity, ticket.identity_id)
    assert identity is not None and identity.opted_out is False


async def test_nothing_is_queued_for_an_answer_on_a_call(db: SessionFactory) -> None:
    # The call has ended by the time of the hand-over, and a message queued on the voice channel
    # would ring the person to say sorry.
    event = IncomingEvent(
        Channel.VOICE,
        "+447700900888",
        provider_id="CA123:1",
        text="I need my prescription",
        phone="+447700900888",
        replies_inline=True,
    )
    ticket = await _hand(db, event)

    assert ticket.channel == Channel.VOICE
    assert ticket.details["message"] == "I need my prescription"
    assert await _sent_out(db) == []


async def test_the_ticket_opens_even_when_the_apology_cannot_be_written(
    db: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    said = "The boiler is leaking into the flat below"
    async with refusing(db, "messages"):
        ticket = await _hand(db, IncomingEvent(Channel.TELEGRAM, "5557004", text=said))

    # What the rolled-back savepoint had changed on it was read again: still usable.
    assert ticket.id is not None and ticket.updated_at is not None
    assert await _sent_out(db) == []
    assert await _timeline(db, ticket) == [
        (EventKind.CREATED, ActorType.CONTACT),
        (EventKind.HANDLING_FAILED, ActorType.SYSTEM),
    ]
    async with db() as session:
        kept = await session.get(Ticket, ticket.id)
        pages = (await session.exec(select(OncallPage))).all()
    assert kept is not None and kept.details["message"] == said
    assert [page.ticket_id for page in pages] == [ticket.id]
    assert f"ticket {ticket.ref} is open, but its apology" in caplog.text
