"""The Telegram webhook end to end: real updates over HTTP in, replies to a fake Bot API out."""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from bot.app import create_app
from bot.config import Settings
from bot.db import SessionFactory
from models import Message, Ticket
from models.enums import Channel, Direction, TicketCategory, TicketPriority
from tests.doubles.telegram_api import BOT_USER, Call, TelegramApiDouble, serve
from tests.support.servers import ThreadedServer, wait_for_idle_outbox

TOKEN = "123456:TEST-token"
SECRET = "s3cret-token"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIXTURES = Path(__file__).parents[2] / "fixtures" / "telegram"
CHAT_ID = 387654321

# Update and callback ids only need to be unique within a run; the tables are emptied per test.
_update_ids = itertools.count(702_400_000)
_callback_ids = itertools.count(1_664_970_286_439_900_000)


def fixture(name: str) -> dict[str, Any]:
    """A stored Bot API update, with a fresh update_id."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    data["update_id"] = next(_update_ids)
    return data


@dataclass
class Shown:
    """One message as the person's Telegram app shows it."""

    text: str
    buttons: list[tuple[str, str]]  # (label, callback_data)
    message_id: int
    reply_markup: dict[str, Any] | None

    @classmethod
    def of(cls, call: Call) -> Shown:
        markup = call.params.get("reply_markup")
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        buttons = [(b["text"], b["callback_data"]) for row in rows for b in row]
        return cls(call.params["text"], buttons, call.result["message_id"], markup)

    @property
    def labels(self) -> list[str]:
        return [label for label, _ in self.buttons]


class Person:
    """Someone in a private chat with the bot: posts updates as Telegram would, reads replies."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        api: TelegramApiDouble,
        db: SessionFactory,
        chat_id: int = CHAT_ID,
        first_name: str = "Margaret",
    ) -> None:
        self.client = client
        self.api = api
        self.db = db
        self.chat_id = chat_id
        self.user = {
            "id": chat_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": "en",
        }
        self.chat = {"id": chat_id, "first_name": first_name, "type": "private"}
        self.last_callback_id = ""

    def message_update(self, name: str = "text_message", **fields: Any) -> dict[str, Any]:
        """A message update from this person, from a stored fixture with fields replaced."""
        update = fixture(name)
        update["message"].update({"from": dict(self.user), "chat": dict(self.chat), **fields})
        return update

    def press_update(self, label: str) -> dict[str, Any]:
        """The callback_query update Telegram sends when the person presses a shown button."""
        for shown in reversed(self.seen()):
            for shown_label, data in shown.buttons:
                if shown_label == label:
                    update = fixture("callback_query")
                    self.last_callback_id = str(next(_callback_ids))
                    query = update["callback_query"]
                    query["id"] = self.last_callback_id
                    query["from"] = dict(self.user)
                    query["data"] = data
                    query["message"].update(
                        message_id=shown.message_id,
                        chat=dict(self.chat),
                        text=shown.text,
                        reply_markup=shown.reply_markup,
                    )
                    return update
        raise AssertionError(f"no button {label!r} in {[s.labels for s in self.seen()]}")

    def seen(self) -> list[Shown]:
        """Every message the bot has delivered to this chat."""
        return [Shown.of(call) for call in self.api.sent(self.chat_id)]

    async def post(self, body: dict[str, Any] | bytes, secret: str | None = SECRET) -> int:
        """POST a webhook body and return the HTTP status."""
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        if isinstance(body, bytes):
            headers["Content-Type"] = "application/json"
            response = await self.client.post("/webhooks/telegram", content=body, headers=headers)
        else:
            response = await self.client.post("/webhooks/telegram", json=body, headers=headers)
        return response.status_code

    async def send(self, update: dict[str, Any] | bytes) -> list[Shown]:
        """Deliver an update, wait for the bot's answers to be sent, and return them."""
        before = len(self.seen())
        status = await self.post(update)
        assert 200 <= status < 300, status
        await wait_for_idle_outbox(self.db)
        return self.seen()[before:]

    async def say(self, text: str) -> list[Shown]:
        return await self.send(self.message_update(text=text))

    async def press(self, label: str) -> list[Shown]:
        return await self.send(self.press_update(label))

    async def onboard(self) -> list[Shown]:
        """Say hello, agree to the privacy notice and say they are a tenant: the menu shows."""
        await self.say("Hello")
        await self.press("Yes, I agree")
        return await self.press("I'm a tenant")


def text_of(replies: list[Shown]) -> str:
    return "\n".join(reply.text for reply in replies)


async def count(db: SessionFactory, model: Any, *where: Any) -> int:
    async with db() as session:
        statement = select(func.count()).select_from(model).where(*where)
        return int((await session.exec(statement)).one())


async def tickets(db: SessionFactory) -> list[Ticket]:
    async with db() as session:
        return list((await session.exec(select(Ticket).order_by(col(Ticket.id)))).all())


async def inbound(db: SessionFactory) -> list[Message]:
    async with db() as session:
        statement = (
            select(Message).where(Message.direction == Direction.IN).order_by(col(Message.id))
        )
        return list((await session.exec(statement)).all())


@pytest.fixture(scope="module")
def bot_api() -> Iterator[TelegramApiDouble]:
    with serve(TOKEN) as double:
        yield double


@pytest.fixture(scope="module")
def app_url(database_url: str, bot_api: TelegramApiDouble) -> Iterator[str]:
    """The service, served over HTTP against the fake Bot API, once per database kind."""
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        telegram_bot_token=TOKEN,
        telegram_webhook_secret=SECRET,
        telegram_api_base_url=bot_api.base_url,
    )
    server = ThreadedServer(create_app(settings)).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
async def client(app_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=app_url, timeout=10.0) as client:
        yield client


@pytest.fixture
def person(db: SessionFactory, bot_api: TelegramApiDouble, client: httpx.AsyncClient) -> Person:
    bot_api.reset()
    return Person(client, bot_api, db)


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
    [ticket] = await tickets(db)
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
    assert len(await tickets(db)) == 1
    # Each delivery of a button press is answered, so the spinner stops even if Telegram
    # retried because it missed our first answer; the reply itself is sent once.
    assert len(bot_api.calls("answerCallbackQuery")) == answers_before + 2
    await wait_for_idle_outbox(db)
    assert len(bot_api.calls("sendMessage")) == len(person.seen())
    assert [r.text for r in person.seen()].count(first[0].text) == 1


@pytest.mark.parametrize("secret", ["wrong-token", None, ""])
async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(
    person: Person, bot_api: TelegramApiDouble, db: SessionFactory, secret: str | None
) -> None:
    status = await person.post(person.message_update(text="Hello"), secret=secret)

    assert status == 403
    assert await count(db, Message) == 0
    assert bot_api.calls("sendMessage") == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"update_id": 702345101, "message": {"text": ', id="malformed-json"),
        pytest.param(b"\xff\xfe not even text", id="not-utf8"),
        pytest.param(b"[1, 2, 3]", id="json-array"),
        pytest.param(b'{"message": {"text": "Hello"}}', id="no-update-id"),
        pytest.param(b'{"update_id": "702345101"}', id="update-id-not-a-number"),
        pytest.param(b'{"update_id": 702345101, "message": "Hello"}', id="message-not-an-object"),
        pytest.param(
            b'{"update_id": 702345101, "message": {"message_id": 1, "date": 99999999999999999,'
            b' "chat": {"id": 387654321, "type": "private"}, "text": "Hello"}}',
            id="date-out-of-range",
        ),
        pytest.param(b"[" * 100_000, id="deeply-nested"),
        pytest.param(b'{"update_id": ' + b"7" * 5000 + b"}", id="number-too-long"),
    ],
)
async def test_unreadable_bodies_are_acknowledged_and_ignored(
    person: Person, bot_api: TelegramApiDouble, db: SessionFactory, body: bytes
) -> None:
    # Telegram retries anything but 2xx for hours; a body we can never read must not loop.
    assert await person.send(body) == []
    assert await count(db, Message) == 0


async def test_a_50000_character_message_gets_a_kind_reply(
    person: Person, db: SessionFactory
) -> None:
    await person.onboard()
    await person.press("Food")
    essay = ("Please could someone help me with my shopping this week. " * 900)[:50_000]

    replies = await person.say(essay)

    assert "That message is very long" in replies[-1].text
    assert "Who is the food for?" in replies[-1].text
    stored = (await inbound(db))[-1]
    assert len(stored.body) == 4000
    assert stored.payload["truncated_from"] == 50_000


@pytest.mark.parametrize(
    ("name", "kind"),
    [("photo", "photos"), ("voice", "voice messages"), ("sticker", "stickers")],
)
async def test_media_gets_a_kind_reply_and_the_question_again(
    person: Person, db: SessionFactory, name: str, kind: str
) -> None:
    await person.onboard()
    await person.press("Food")

    replies = await person.send(person.message_update(name))

    assert len(replies) == 1
    assert f"I can't open {kind} yet" in replies[0].text
    assert "Who is the food for?" in replies[0].text
    assert replies[0].labels == ["Me", "The person I care for", "Someone else"]
    assert (await inbound(db))[-1].payload["media"][0]["kind"] == name


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
    [ticket] = await tickets(db)
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
    [ticket] = await tickets(db)
    assert ticket.details["postcode"] == {
        "location": {"latitude": 53.817505, "longitude": -1.575966}
    }


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    ready = await client.get("/readyz")

    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok"}


def test_the_bot_api_double_answers_like_telegram(bot_api: TelegramApiDouble) -> None:
    # The double stands in for Telegram in every test above, so its answers must look real.
    with httpx.Client(base_url=bot_api.base_url) as http:
        me = http.post(f"/bot{TOKEN}/getMe").json()
        unknown = http.post(f"/bot{TOKEN}/sendDice", data={"chat_id": "1"})
        bad_token = http.post("/bot1:nope/getMe")
    assert me == {"ok": True, "result": BOT_USER}
    assert unknown.status_code == 404
    assert unknown.json()["description"] == "Not Found: method not found"
    assert bad_token.status_code == 401
