"""My data over Telegram: the copy comes as a document in the chat."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.bot.telegram_webhook.person import CHAT_ID, Person, text_of
from tests.support.privacy import wait_until_forgotten
from tests.support.servers import wait_for_idle_outbox


async def test_a_copy_arrives_as_a_json_document(person: Person) -> None:
    await person.onboard()
    summary = text_of(await person.say("My data"))
    assert "your name: Margaret" in summary and "how you talk to us: Telegram" in summary
    await person.press("Send me a copy")
    await wait_for_idle_outbox(person.db)
    [call] = person.api.calls("sendDocument")
    assert call.params["chat_id"] == CHAT_ID
    assert "Here is a copy of everything we keep about you" in call.params["caption"]
    document = call.params["document"]
    assert document["filename"].startswith("my-data-") and document["filename"].endswith(".json")
    copy = json.loads(document["content"])
    assert copy["contact"]["name"] == "Margaret"
    assert copy["identities"][0]["address"] == str(CHAT_ID)
    assert copy["consent"]["version"] == "2026-11"
    # No link is shown where the file itself can go.
    assert "/my-data/" not in call.params["caption"]


async def test_deleting_over_telegram_forgets_the_chat_once_confirmed(
    person: Person, engine: AsyncEngine
) -> None:
    await person.onboard()
    await person.say("delete my data")
    replies = await person.press("Yes, delete it")
    assert "We have deleted your data" in text_of(replies)
    await wait_until_forgotten(engine, (str(CHAT_ID), "Margaret"))
