"""The Telegram webhook end to end: conversations over real HTTP, replies to a fake Bot API."""

from __future__ import annotations

import copy
import re

import pytest

from bot.db import SessionFactory
from models import Message
from models.enums import Channel, TicketCategory, TicketPriority
from tests.bot.telegram_webhook.person import Person, Shown, count, fixture, inbound, text_of
from tests.doubles.telegram_api import TelegramApiDouble
from tests.support.servers import wait_for_idle_outbox
from tests.support.tickets import all_tickets


@pytest.mark.parametrize("first", ["text_message", "start_command"])
async def test_first_message_gets_greeting_privacy_notice_and_buttons(
    person: Person, bot_api: TelegramApiDouble, first: str
) -> None:
    assert await person.post(person.message_update(first)) == 200
    replies = [Shown.of(call) for call in await bot_api.wait_for_calls("sendMessage", 2)]

    assert len(replies) == 2
    assert replies[0].text.startswith("Hello, Margaret!")
    notice = replies[1]
    assert "Before we start" in notice.text
    assert notice.labels == ["Yes, I agree", "No, thank you"]
    assert notice.reply_markup is not None and "inline_keyboard" in notice.reply_markup
    for shown in person.seen():
        for _, data in shown.buttons:
            assert 0 < len(data.encode()) <= 64

    replies = await person.press("Yes, I agree")

    answered = bot_api.calls("answerCallbackQuery")
    assert [c.params["callback_query_id"] for c in answered] == [person.last_callback_id]
    assert all(c.ok for c in answered)
    assert len(replies) == 1
    assert "Are you a tenant, or do you look after someone (a carer)?" in replies[0].text
    assert replies[0].labels == ["I'm a tenant", "I'm a carer"]


async def test_food_request_over_the_webhook_files_a_ticket(
    person: Person, db: SessionFactory
) -> None:
    menu = await person.onboard()
    assert "Food" in menu[-1].labels

    assert "Who is the food for?" in text_of(await person.press("Food"))
    assert "How many people" in text_of(await person.press("Me"))
    assert "special diet" in text_of(await person.say("2"))
    assert "How soon" in text_of(await person.press("Halal"))
    assert "postcode" in text_of(await person.press("Today"))
    summary = await person.say("ls6 2ab")
    assert "Deliver to: LS6 2AB" in summary[-1].text
    assert summary[-1].labels == ["Yes, send it", "Go back", "Cancel"]

    done = text_of(await person.press("Yes, send it"))

    found = re.search(r"HH-\d{6}", done)
    assert found is not None, done
    [ticket] = await all_tickets(db)
    assert ticket.ref == found.group()
    assert ticket.category is TicketCategory.FOOD
    assert ticket.channel is Channel.TELEGRAM
    assert ticket.priority is TicketPriority.HIGH  # no food today is seen first
    assert ticket.details == {
        "who_for": "me",
        "people": 2,
        "diet": "halal",
        "when": "today",
        "postcode": "LS6 2AB",
    }


async def test_a_replayed_update_is_answered_once(
    person: Person, bot_api: TelegramApiDouble, db: SessionFactory
) -> None:
    hello = person.message_update(text="Hello")
    assert len(await person.send(hello)) == 2
    assert await person.send(copy.deepcopy(hello)) == []
    assert len(await inbound(db)) == 1

    await person.press("Yes, I agree")
    await person.press("I'm a tenant")
    await person.press("Food")
    await person.press("Someone else")
    await person.press("1")
    await person.press("No special diet")
    await person.press("This week")
    await person.say("M14 5RG")
    send_it = person.press_update("Yes, send it")
    answers_before = len(bot_api.calls("answerCallbackQuery"))

    first = await person.send(send_it)
    again = await person.send(copy.deepcopy(send_it))

    assert again == []
    assert len(first) == 2  # the reference, then the menu again
    assert len(await all_tickets(db)) == 1
    # Each delivery of a button press is answered, so the spinner stops even if Telegram
    # retried because it missed our first answer; the reply itself is sent once.
    assert len(bot_api.calls("answerCallbackQuery")) == answers_before + 2
    await wait_for_idle_outbox(db)
    assert len(bot_api.calls("sendMessage")) == len(person.seen())
    assert [r.text for r in person.seen()].count(first[0].text) == 1


async def test_emoji_only_first_message_is_greeted(person: Person) -> None:
    replies = await person.say("🙏😊")

    assert replies[0].text.startswith("Hello, Margaret!")
    assert replies[-1].labels == ["Yes, I agree", "No, thank you"]


async def test_arabic_text_at_the_menu_gets_the_menu_again(
    person: Person, db: SessionFactory
) -> None:
    await person.onboard()

    replies = await person.say("أحتاج مساعدة من فضلك")

    assert "Sorry, I didn't understand that" in replies[-1].text
    assert "Food" in replies[-1].labels
    assert (await inbound(db))[-1].body == "أحتاج مساعدة من فضلك"


@pytest.mark.parametrize("name", ["group_message", "edited_message", "my_chat_member"])
async def test_updates_that_are_not_a_private_message_get_no_reply(
    person: Person, bot_api: TelegramApiDouble, db: SessionFactory, name: str
) -> None:
    update = fixture(name)

    assert await person.send(update) == []
    assert bot_api.calls("sendMessage") == []
    assert await count(db, Message) == 0


async def test_a_button_pressed_in_a_group_is_answered_but_starts_nothing(
    person: Person, bot_api: TelegramApiDouble, db: SessionFactory
) -> None:
    update = fixture("callback_query")
    query = update["callback_query"]
    query["message"]["chat"] = {"id": -1001234567890, "title": "Tenants", "type": "supergroup"}

    assert await person.send(update) == []
    assert [c.params["callback_query_id"] for c in bot_api.calls("answerCallbackQuery")] == [
        query["id"]
    ]
    assert bot_api.calls("sendMessage") == []
    assert await count(db, Message) == 0


async def test_an_emergency_as_the_first_message_is_answered_with_999(
    person: Person, db: SessionFactory
) -> None:
    replies = await person.say("I've fallen and can't get up")

    assert "999" in replies[0].text
    [ticket] = await all_tickets(db)
    assert ticket.priority is TicketPriority.URGENT
    assert ticket.ref in replies[0].text


async def test_a_shared_location_answers_the_delivery_question(
    person: Person, db: SessionFactory
) -> None:
    await person.onboard()
    await person.press("Food")
    await person.press("Me")
    await person.press("3")
    await person.press("Vegetarian")
    await person.press("Tomorrow")

    summary = await person.send(person.message_update("location"))

    assert "Deliver to: Shared location" in summary[-1].text
    await person.press("Yes, send it")
    [ticket] = await all_tickets(db)
    assert ticket.details["postcode"] == {
        "location": {"latitude": 53.817505, "longitude": -1.575966}
    }
