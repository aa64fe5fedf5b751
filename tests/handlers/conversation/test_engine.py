"""The engine: idle expiry, safeguarding first, redeliveries, media, odd input, many people."""

from __future__ import annotations

from sqlmodel import col, select

from bot.db import SessionFactory
from handlers.conversation.events import MediaKind
from models import ChannelIdentity, Contact, Message, Ticket, TicketEvent
from models.enums import Channel, EventKind, TicketCategory, TicketPriority
from models.messages import BODY_LIMIT
from tests.support.chat import Chat
from tests.support.flows import (
    MENU_LABELS,
    all_tickets,
    contact_of,
    events_of,
    inbound_messages,
    ready_chat,
    ref_in,
    shows_menu,
    ticket_by_ref,
    walk,
)

# --- Coming back after a long silence --------------------------------------------------------


async def test_after_half_an_hour_the_person_is_welcomed_back(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "food", 2)
    chat.wait(minutes=31)
    await chat.send("Halal")

    assert "Welcome back" in chat.text
    assert "food" in chat.text
    assert "carry on" in chat.text
    assert chat.last.labels == ["Carry on", "Start again"]


async def test_carry_on_resumes_the_same_question_with_earlier_answers_kept(
    db: SessionFactory,
) -> None:
    chat = await ready_chat(db)
    await chat.press("Food")
    await chat.press("Someone else")
    await chat.send("4")
    assert "special diet" in chat.last.text
    chat.wait(minutes=31)
    await chat.send("Vegetarian")
    await chat.press("Carry on")

    assert "special diet" in chat.last.text
    await chat.press("Vegetarian")
    await chat.press("This week")
    await chat.send("LS6 2AB")
    assert "For: Someone else" in chat.last.text
    assert "People: 4" in chat.last.text
    await chat.press("Yes, send it")

    ticket = await ticket_by_ref(db, ref_in(chat.text))
    assert ticket.details == {
        "who_for": "someone_else",
        "people": 4,
        "diet": "vegetarian",
        "when": "this_week",
        "postcode": "LS6 2AB",
    }


async def test_carry_on_at_the_summary_shows_the_summary_again(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "callback", 2)
    chat.wait(hours=3)
    await chat.press("Yes, send it")
    assert "Welcome back" in chat.text
    assert await all_tickets(db) == []
    await chat.send("carry on")
    assert "Please check your request" in chat.last.text
    assert "Number: 07700 900123" in chat.last.text
    await chat.press("Yes, send it")
    assert len(await all_tickets(db)) == 1


async def test_start_again_goes_to_the_menu_and_forgets_the_answers(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "food", 3)
    chat.wait(minutes=45)
    await chat.send("Today")
    await chat.press("Start again")
    assert shows_menu(chat)

    await chat.press("Food")
    assert "Who is the food for?" in chat.last.text
    assert await all_tickets(db) == []


async def test_under_half_an_hour_there_is_no_welcome_back(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "food", 2)
    chat.wait(minutes=29)
    await chat.press("Halal")
    assert "Welcome back" not in chat.text
    assert "How soon" in chat.last.text


async def test_a_long_silence_at_the_menu_needs_no_welcome_back(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    chat.wait(days=2)
    await chat.press("Medicine")
    assert "Welcome back" not in chat.text
    assert "Which pharmacy" in chat.last.text


async def test_help_after_a_long_silence_helps_and_asks_the_same_question(
    db: SessionFactory,
) -> None:
    chat = await ready_chat(db)
    await walk(chat, "food", 3)
    chat.wait(minutes=45)
    await chat.send("help")
    assert "Welcome back" not in chat.text
    assert "go back one question" in chat.text
    assert "How soon" in chat.last.text


async def test_menu_after_a_long_silence_goes_straight_to_the_menu(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "transport", 3)
    chat.wait(hours=1)
    await chat.send("Menu")
    assert "Welcome back" not in chat.text
    assert shows_menu(chat)


# --- Safeguarding comes first ----------------------------------------------------------------


async def _welfare_tickets(db: SessionFactory) -> list[Ticket]:
    return [t for t in await all_tickets(db) if t.category is TicketCategory.WELFARE]


async def test_an_emergency_as_the_first_message_gets_999_before_any_notice(
    db: SessionFactory,
) -> None:
    chat = Chat(db)
    await chat.send("my mum has fallen and can't get up")

    assert "999" in chat.text
    assert "we keep what you tell us" not in chat.text
    ref = ref_in(chat.text)
    ticket = await ticket_by_ref(db, ref)
    assert ticket.category is TicketCategory.WELFARE
    assert ticket.priority is TicketPriority.URGENT
    kinds = [event.kind for event in await events_of(db, ticket)]
    assert EventKind.CREATED in kinds
    assert EventKind.ALERT in kinds
    assert EventKind.MESSAGE_IN in kinds
    assert (await contact_of(db, chat)).consented_at is None


async def test_chest_pain_mid_form_gets_999_and_the_form_waits(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "food", 3)
    assert "How soon" in chat.last.text
    await chat.send("I have chest pain")

    assert "999" in chat.text
    welfare = await _welfare_tickets(db)
    assert len(welfare) == 1
    assert welfare[0].priority is TicketPriority.URGENT
    assert ref_in(chat.text) == welfare[0].ref
    # The 999 answer comes first; then the question the form waits on is shown again.
    assert "999" in chat.replies[0].text
    assert "How soon" in chat.last.text
    assert chat.last.labels == ["Today", "Tomorrow", "This week"]

    # The next answer carries on the same form from the same question.
    await chat.send("Today")
    assert "postcode" in chat.last.text
    await chat.send("LS6 2AB")
    assert "When: Today" in chat.last.text
    await chat.press("Yes, send it")
    food = [t for t in await all_tickets(db) if t.category is TicketCategory.FOOD]
    assert len(food) == 1


async def test_a_gas_smell_gets_the_gas_emergency_line_and_999(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.send("I can smell gas in the kitchen")
    assert "0800 111 999" in chat.text
    assert "999 now" in chat.text
    assert len(await _welfare_tickets(db)) == 1


async def test_a_suicidal_message_gives_the_samaritans_number(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.send("I want to kill myself")
    assert "116 123" in chat.text
    assert "999" in chat.text
    welfare = await _welfare_tickets(db)
    assert len(welfare) == 1
    assert welfare[0].priority is TicketPriority.URGENT


async def test_a_second_alarm_within_the_hour_joins_the_same_urgent_ticket(
    db: SessionFactory,
) -> None:
    chat = await ready_chat(db)
    await chat.send("chest pain")
    first = ref_in(chat.text)
    chat.wait(minutes=40)
    await chat.send("he is not breathing")
    assert "999" in chat.text
    assert ref_in(chat.text) == first

    welfare = await _welfare_tickets(db)
    assert len(welfare) == 1
    async with db() as session:
        alerts = (
            await session.exec(
                select(TicketEvent).where(
                    TicketEvent.ticket_id == welfare[0].id, TicketEvent.kind == EventKind.ALERT
                )
            )
        ).all()
    assert len(alerts) == 2


async def test_everyday_worries_mid_form_raise_no_alarm(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.press("Medicine")
    await chat.send("I fell behind on rent so Boots on the corner")
    assert "999" not in chat.text
    assert "When will it be ready" in chat.last.text
    assert await _welfare_tickets(db) == []


async def test_an_alarm_reaches_another_persons_ticket_never(db: SessionFactory) -> None:
    ann = await ready_chat(db, external_id="ann")
    bob = await ready_chat(db, external_id="bob", name="Bob")
    await ann.send("chest pain")
    await bob.send("chest pain")
    assert ref_in(ann.text) != ref_in(bob.text)
    assert len(await _welfare_tickets(db)) == 2


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
    assert chat.last.labels == MENU_LABELS

    await chat.press("Food")
    await chat.send("👍")
    assert "Please choose one of the options" in chat.text
    assert "Who is the food for?" in chat.last.text


async def test_arabic_text_gets_a_sensible_answer(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.send("أحتاج مساعدة")
    assert "didn't understand" in chat.text
    assert chat.last.labels == MENU_LABELS

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
