"""Choosing the person's language once, and changing it from any step.

These run on placeholder catalogs (tests/fixtures/locales) so they test the mechanism whatever
the real translations say; tests/handlers/flows/test_in_other_languages.py uses the real ones.
"""

from __future__ import annotations

import pytest

from bot.db import SessionFactory, transaction
from handlers.conversation.catalog import messages, t
from handlers.conversation.languages import (
    available_languages,
    detect_language,
    language_name,
    language_of_tag,
)
from models import Contact
from models.enums import Channel, LanguageSource
from tests.support.chat import Chat
from tests.support.flows import contact_of, ready_chat

pytestmark = pytest.mark.usefixtures("placeholder_catalogs")


def language_menu() -> list[str]:
    """The language menu's labels: every language with a catalog, each in its own tongue."""
    labels = [language_name(code) for code in available_languages()]
    assert {"English", "Cymraeg", "Polski", "العربية"} <= set(labels)
    return labels


def test_the_placeholders_stand_in_for_three_languages() -> None:
    assert {"en", "cy", "pl", "ar"} <= set(available_languages())


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("pl", "pl"), ("pl-PL", "pl"), ("en-GB", "en"), ("cy", "cy"), ("ar-SA", "ar")],
)
def test_a_channels_language_tag_names_one_of_ours(tag: str, expected: str) -> None:
    assert language_of_tag(tag) == expected


@pytest.mark.parametrize("tag", ["de", "fr-FR", "", None, "x", "zz-Latn"])
def test_a_language_we_do_not_speak_is_not_chosen(tag: str | None) -> None:
    assert language_of_tag(tag) is None


async def test_telegrams_language_code_chooses_the_language(db: SessionFactory) -> None:
    chat = Chat(db, channel=Channel.TELEGRAM, external_id="7001", language="pl-PL")
    await chat.send("hello")

    assert chat.replies[0].text.startswith(t("greeting", "pl", name=", Ann")[:12])
    contact = await contact_of(db, chat)
    assert (contact.language, contact.language_source) == ("pl", LanguageSource.CHANNEL)


async def test_the_first_words_choose_the_language_when_the_detector_is_sure(
    db: SessionFactory,
) -> None:
    chat = Chat(db, channel=Channel.WHATSAPP, external_id="+447700900301")
    await chat.send("Dzień dobry, potrzebuję pomocy z jedzeniem")

    assert "Dzień dobry, Ann!" in chat.replies[0].text
    contact = await contact_of(db, chat)
    assert (contact.language, contact.language_source) == ("pl", LanguageSource.DETECTED)


@pytest.mark.parametrize("first", ["hello", "hi", "menu", "ok", "Hola", "bore da"])
async def test_words_the_detector_is_unsure_of_leave_english(
    db: SessionFactory, first: str
) -> None:
    chat = Chat(db, channel=Channel.SMS, external_id="+447700900302")
    await chat.send(first)

    assert chat.replies[0].text.startswith("Hello, Ann!")
    contact = await contact_of(db, chat)
    assert (contact.language, contact.language_source) == ("en", None)


def test_the_detector_is_sure_only_of_real_sentences() -> None:
    assert detect_language("Mae angen bwyd arnaf i os gwelwch yn dda") == "cy"
    assert detect_language("أحتاج إلى مساعدة في الطعام") == "ar"
    assert detect_language("I need some food please") == "en"
    assert detect_language("help") is None
    assert detect_language("🙂") is None


async def test_a_language_once_chosen_is_never_guessed_again(db: SessionFactory) -> None:
    chat = Chat(db, channel=Channel.TELEGRAM, external_id="7002", language="pl")
    await chat.send("hello")
    chat.language = "cy"
    await chat.send("Mae angen bwyd arnaf i os gwelwch yn dda")

    contact = await contact_of(db, chat)
    assert (contact.language, contact.language_source) == ("pl", LanguageSource.CHANNEL)


async def test_the_language_on_the_persons_record_wins_over_their_app(
    db: SessionFactory,
) -> None:
    chat = Chat(db, channel=Channel.TELEGRAM, external_id="7003", language="pl")
    await chat.send("hello")
    contact = await contact_of(db, chat)
    async with transaction(db) as session:
        stored = await session.get(Contact, contact.id)
        assert stored is not None
        # As an import or a member of staff would set it, before the person writes again.
        stored.language, stored.language_source, stored.consented_at = "cy", None, None
    await chat.send("Dzień dobry, potrzebuję pomocy z jedzeniem")

    contact = await contact_of(db, chat)
    assert (contact.language, contact.language_source) == ("cy", None)


async def test_a_language_change_mid_request_asks_the_same_question_in_the_new_language(
    db: SessionFactory,
) -> None:
    chat = await ready_chat(db)
    await chat.press("Food")
    await chat.press("Me")
    assert "How many people need food?" in chat.last.text

    await chat.send("iaith")
    assert chat.last.labels == language_menu()
    await chat.press("Cymraeg")

    assert messages("cy")["food.people"] in chat.last.text
    contact = await contact_of(db, chat)
    assert (contact.language, contact.language_source) == ("cy", LanguageSource.PERSON)
    # The request carries on where it was: the answer given before the change is kept.
    await chat.send("3")
    assert "special diet" in chat.last.text


@pytest.mark.parametrize("word", ["language", "Iaith", "język", "jezyk", "اللغة"])
async def test_the_language_word_of_any_language_opens_the_menu(
    db: SessionFactory, word: str
) -> None:
    chat = await ready_chat(db)
    await chat.send(word)
    assert chat.last.labels == language_menu()


async def test_the_main_menu_has_a_language_button(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    assert chat.last.labels[-1] == "🌐 English"
    await chat.press("🌐 English")
    await chat.press("Polski")

    assert chat.last.labels[0] == "Jedzenie"
    assert chat.last.labels[-1] == "🌐 Polski"


async def test_back_from_the_language_menu_keeps_the_language(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.press("Food")
    await chat.send("language")
    await chat.send("back")

    assert "Who is the food for?" in chat.last.text
    assert (await contact_of(db, chat)).language == "en"


async def test_the_language_can_be_changed_before_agreeing_to_the_notice(
    db: SessionFactory,
) -> None:
    chat = Chat(db)
    await chat.send("hello")
    await chat.send("language")
    await chat.press("Polski")

    assert chat.last.labels == [t("consent.agree", "pl"), t("consent.decline", "pl")]
    await chat.send("tak")
    assert "tenant" in chat.last.text


async def test_navigation_and_dates_are_understood_in_the_persons_language(
    db: SessionFactory,
) -> None:
    chat = await ready_chat(db)
    await chat.send("iaith")
    await chat.press("Cymraeg")
    await chat.press("Trafnidiaeth")
    await chat.press("GP appointment")
    assert messages("cy")["transport.date"] in chat.last.text

    await chat.send("yfory")
    assert "What time" in chat.last.text
    await chat.send("nôl")
    assert messages("cy")["transport.date"] in chat.last.text
    await chat.send("dewislen")
    assert chat.last.labels[0] == "Bwyd"


async def test_a_need_named_in_the_persons_language_starts_its_flow(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.send("język")
    await chat.press("Polski")
    await chat.send("Potrzebuję jedzenia dla rodziny")

    assert "Who is the food for?" in chat.last.text


@pytest.mark.parametrize(("answer", "agreed"), [("ie", True), ("Iawn", True), ("na", False)])
async def test_yes_and_no_are_understood_in_the_persons_language(
    db: SessionFactory, answer: str, agreed: bool
) -> None:
    chat = Chat(db)
    await chat.send("hello")
    await chat.send("iaith")
    await chat.press("Cymraeg")
    await chat.send(answer)

    contact = await contact_of(db, chat)
    assert (contact.consented_at is not None) is agreed
    assert (t("consent.declined", "cy") in chat.text) is not agreed
