"""The Telegram webhook's edges: secrets, unreadable bodies, media, replays and health."""

from __future__ import annotations

import httpx
import pytest

from bot.db import SessionFactory
from models import Message
from tests.bot.telegram_webhook.person import TOKEN, Person, count, inbound
from tests.doubles.telegram_api import BOT_USER, TelegramApiDouble


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


async def test_health_and_readiness(client: httpx.AsyncClient, database_url: str) -> None:
    health = await client.get("/healthz")
    ready = await client.get("/readyz")

    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200
    body = ready.json()
    if database_url.startswith("sqlite"):
        # No inbox and no workers: the web process handles every message itself.
        assert set(body) == {"status", "database", "channels"}
    else:
        # The service as deployed: its worker is alive, and nothing waits for it.
        assert body.pop("inbox") == {"waiting": 0, "oldest_seconds": None}
        assert body.pop("workers") >= 1
    assert body == {
        "status": "ok",
        "database": "ok",
        "channels": {"telegram": "up", "whatsapp": "off", "sms": "off", "voice": "off"},
    }


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
