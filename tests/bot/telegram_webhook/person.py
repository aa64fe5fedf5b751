"""A person on Telegram, as the webhook tests drive them: updates out, replies read back."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import col, select

from bot.db import SessionFactory
from models import Message
from models.enums import Direction
from tests.doubles.telegram_api import Call, TelegramApiDouble
from tests.support.servers import wait_for_idle_outbox

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


async def inbound(db: SessionFactory) -> list[Message]:
    async with db() as session:
        statement = (
            select(Message).where(Message.direction == Direction.IN).order_by(col(Message.id))
        )
        return list((await session.exec(statement)).all())
