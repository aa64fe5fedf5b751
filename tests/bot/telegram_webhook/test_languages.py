"""Telegram's language_code chooses the person's language, over real HTTP.

Uses the real Polish catalog (handlers/locales/pl.toml): without it this fails, as it should.
"""

from __future__ import annotations

from telegram import Update

from bot.channels.telegram import translate_update
from handlers.conversation.catalog import LOCALES, t
from models.enums import Channel, LanguageSource
from tests.bot.telegram_webhook.person import Person, fixture, text_of
from tests.support.chat import Chat
from tests.support.flows import contact_of


async def test_the_apps_language_is_the_one_the_bot_speaks(person: Person) -> None:
    assert (LOCALES / "pl.toml").is_file(), "the Polish catalog is missing"
    person.user["language_code"] = "pl"

    replies = await person.say("Hello")

    assert text_of(replies).startswith(t("greeting", "pl", name=", Margaret"))
    assert replies[-1].labels == [t("consent.agree", "pl"), t("consent.decline", "pl")]
    contact = await contact_of(
        person.db, Chat(person.db, channel=Channel.TELEGRAM, external_id=str(person.chat_id))
    )
    assert (contact.language, contact.language_source) == ("pl", LanguageSource.CHANNEL)


def test_an_updates_language_code_reaches_the_engine_as_the_events_language() -> None:
    update = Update.de_json(fixture("text_message"), None)
    event = translate_update(update)
    assert event is not None and event.language == "en"
    callback = translate_update(Update.de_json(fixture("callback_query"), None))
    assert callback is not None and callback.language == "en"
