"""Opting out and back in, and the wording that differs on SMS, with plain events."""

from __future__ import annotations

from sqlmodel import col, select

from bot.db import SessionFactory, transaction
from handlers.conversation.catalog import has, t
from handlers.conversation.engine import handle_event
from handlers.conversation.events import IncomingEvent, Keyword
from models import ChannelIdentity, Conversation, Message
from models.enums import Channel, TicketPriority
from tests.support.chat import Chat, Said
from tests.support.flows import menu_labels
from tests.support.tickets import all_tickets


async def keyword(
    chat: Chat, text: str, word: Keyword | None, *, provider_confirms: bool = False
) -> list[Said]:
    """Send `text` as the channel would with `word` recognised, and return the replies."""
    event = IncomingEvent(
        channel=chat.channel,
        external_id=chat.external_id,
        text=text,
        display_name=chat.name,
        keyword=word,
        provider_confirms_opt_out=provider_confirms,
    )
    async with transaction(chat.db) as session:
        outcome = await handle_event(session=session, event=event, now=chat.now)
    async with chat.db() as session:
        rows = (
            await session.exec(
                select(Message)
                .where(col(Message.id).in_(outcome.outbound_ids))
                .order_by(col(Message.id))
            )
        ).all()
    chat.replies = [
        Said(r.body, [(str(i), str(label)) for i, label in r.payload.get("options", [])])
        for r in rows
    ]
    return chat.replies


async def identity(db: SessionFactory, chat: Chat) -> ChannelIdentity:
    async with db() as session:
        statement = select(ChannelIdentity).where(
            ChannelIdentity.channel == chat.channel,
            ChannelIdentity.external_id == chat.external_id,
        )
        return (await session.exec(statement)).one()


async def conversation_state(db: SessionFactory, chat: Chat) -> tuple[str, dict[str, object]]:
    found = await identity(db, chat)
    async with db() as session:
        statement = select(Conversation).where(Conversation.identity_id == found.id)
        row = (await session.exec(statement)).one()
        return row.state, row.data


async def outbound_payloads(db: SessionFactory) -> list[dict[str, object]]:
    async with db() as session:
        statement = select(Message).where(Message.direction == "out").order_by(col(Message.id))
        return [m.payload for m in (await session.exec(statement)).all()]


async def test_opt_out_confirmed_by_the_bot(db: SessionFactory) -> None:
    chat = Chat(db, channel=Channel.WHATSAPP, external_id="+447700900001")
    await chat.onboard()
    await chat.press("Food")
    replies = await keyword(chat, "STOP", Keyword.OPT_OUT)
    assert [r.text for r in replies] == [t("optout.confirmed")]
    assert (await identity(db, chat)).opted_out
    state, data = await conversation_state(db, chat)
    assert state == "menu"
    assert data == {}
    # The confirmation is marked so delivery sends it despite the opt-out.
    assert (await outbound_payloads(db))[-1] == {"notice": True}


async def test_opt_out_confirmed_by_the_provider_gets_no_reply(db: SessionFactory) -> None:
    chat = Chat(db, channel=Channel.SMS, external_id="+447700900002")
    await chat.onboard()
    assert await keyword(chat, "STOP", Keyword.OPT_OUT, provider_confirms=True) == []
    assert (await identity(db, chat)).opted_out


async def test_messages_after_opt_out_are_kept_but_not_answered(db: SessionFactory) -> None:
    chat = Chat(db, channel=Channel.SMS, external_id="+447700900003")
    await chat.onboard()
    await keyword(chat, "STOP", Keyword.OPT_OUT, provider_confirms=True)
    assert await chat.send("menu") == []
    assert await chat.send("food") == []
    assert await chat.send("help") == []
    async with db() as session:
        # In the order they came: without ORDER BY, PostgreSQL returns rows in storage order,
        # which an update to an earlier row changes.
        rows = (await session.exec(select(Message).order_by(col(Message.id)))).all()
        bodies = [m.body for m in rows]
    assert bodies[-3:] == ["menu", "food", "help"]


async def test_an_emergency_after_opt_out_creates_an_urgent_ticket_and_no_notice(
    db: SessionFactory,
) -> None:
    chat = Chat(db, channel=Channel.SMS, external_id="+447700900004")
    await chat.onboard()
    await keyword(chat, "STOP", Keyword.OPT_OUT, provider_confirms=True)
    [answer] = await chat.send("I think my husband is having a heart attack")
    [ticket] = await all_tickets(db)
    assert ticket.priority is TicketPriority.URGENT
    assert ticket.ref in answer.text
    # Only the answer is queued, and not as a notice: delivery records it as not sent (opted
    # out) on the ticket rather than texting someone who said STOP.
    assert (await outbound_payloads(db))[-1].get("notice") is None


async def test_opt_in_shows_the_menu_again(db: SessionFactory) -> None:
    chat = Chat(db, channel=Channel.SMS, external_id="+447700900005")
    await chat.onboard()
    await keyword(chat, "STOP", Keyword.OPT_OUT, provider_confirms=True)
    replies = await keyword(chat, "START", Keyword.OPT_IN)
    assert t("optout.welcome_back") in replies[-1].text
    assert replies[-1].labels == menu_labels()
    assert not (await identity(db, chat)).opted_out


async def test_opt_in_before_consent_shows_the_notice(db: SessionFactory) -> None:
    chat = Chat(db, channel=Channel.SMS, external_id="+447700900006")
    await chat.send("hello")
    await keyword(chat, "STOP", Keyword.OPT_OUT, provider_confirms=True)
    replies = await keyword(chat, "START", Keyword.OPT_IN)
    assert "Before we start" in replies[-1].text
    assert replies[-1].labels == ["Yes, I agree", "No, thank you"]
    await chat.press("Yes, I agree")
    assert "tenant" in chat.last.text


async def test_opt_in_words_from_someone_not_opted_out_are_answers(db: SessionFactory) -> None:
    chat = Chat(db, channel=Channel.SMS, external_id="+447700900007")
    await chat.send("hello")
    # "YES" is an opt-in word on SMS, and also the natural answer to the privacy notice.
    replies = await keyword(chat, "YES", Keyword.OPT_IN)
    assert "tenant" in replies[-1].text
    replies = await keyword(chat, "START", Keyword.OPT_IN)
    assert replies[-1].labels == menu_labels()


def test_sms_help_never_says_cancel_but_telegram_help_does() -> None:
    assert "cancel" not in t("help.text", "en", variant="sms").lower()
    assert "cancel" in t("help.text", "en", variant="telegram").lower()
    assert "cancel" not in t("form.cancel", "en", variant="sms").lower()
    assert t("form.cancel", "en", variant="whatsapp") == "Cancel"
    assert has("help.text", variant="sms")
    assert not has("no.such.key", variant="sms")


async def test_the_sms_confirm_step_offers_no_cancel(db: SessionFactory) -> None:
    chat = Chat(db, channel=Channel.SMS, external_id="+447700900008")
    await chat.onboard()
    await chat.send("help")
    assert "cancel" not in chat.text.lower()
    for answer in ("food", "me", "1", "halal", "today", "LS6 2AB"):
        await chat.send(answer)
    assert chat.last.labels == ["Yes, send it", "Go back", "Don't send it"]
    await chat.send("3")
    assert "I have stopped that request" in chat.text
    assert chat.last.labels == menu_labels()
