"""A whole food request in Welsh, Arabic and Polish, through the real engine and catalogs.

Every word pressed, typed and expected comes from the real catalog of that language
(handlers/locales/<code>.toml); a language whose catalog is missing fails here.
"""

from __future__ import annotations

import pytest

from bot.db import SessionFactory
from handlers.conversation.bidi import LRI, PDI, isolate_runs
from handlers.conversation.catalog import LOCALES, t, words
from handlers.conversation.formats import number
from models.enums import Channel, LanguageSource, TicketCategory
from tests.support.chat import Chat
from tests.support.flows import contact_of, menu_labels, ref_in
from tests.support.tickets import ticket_by_ref

# How each person writes "three": Arabic speakers often use Arabic-Indic digits.
THREE = {"cy": "3", "ar": "\u0663", "pl": "3"}


@pytest.mark.parametrize("language", ["cy", "ar", "pl"])
async def test_a_whole_food_request_in_the_persons_language(
    db: SessionFactory, language: str
) -> None:
    assert (LOCALES / f"{language}.toml").is_file(), f"the {language} catalog is missing"

    def say(key: str) -> str:
        """The text as the person reads it (with right-to-left isolates where they apply)."""
        return isolate_runs(t(key, language), language)

    chat = Chat(db, channel=Channel.TELEGRAM, external_id=f"8100{language}", language=language)
    await chat.send("/start")
    named = t("greeting_name", language, name="Ann")
    assert chat.replies[0].text == isolate_runs(t("greeting", language, name=named), language)
    if language == "ar":
        # Arabic script takes its own comma before the name ("مرحبًا، Ann!"), not a Latin one.
        assert "\u060c Ann" in chat.replies[0].text and ", Ann" not in chat.replies[0].text
    assert chat.last.labels == [say("consent.agree"), say("consent.decline")]
    await chat.send(words("yes", language)[0])
    await chat.press(say("role.tenant"))
    assert chat.last.labels == menu_labels(language)

    await chat.press(say("menu.food"))
    assert say("food.who_for") in chat.last.text
    await chat.press(say("answers.me"))
    assert say("food.people") in chat.last.text
    await chat.send(THREE[language])
    assert say("food.diet") in chat.last.text
    await chat.press(say("food.diet_halal"))
    await chat.send(words("tomorrow", language)[0])
    assert say("food.postcode") in chat.last.text
    await chat.send("LS6 2AB")

    summary = chat.last.text
    assert summary.startswith(say("form.summary_intro"))
    for key, shown in (
        ("food.who_for_summary", say("answers.me")),
        ("food.people_summary", number(3, language)),
        ("food.diet_summary", say("food.diet_halal")),
        ("food.when_summary", say("answers.tomorrow")),
    ):
        assert f"{say(key)}: {shown}" in summary
    assert chat.last.labels == [say("form.send"), say("form.back"), say("form.cancel")]
    await chat.press(say("form.send"))

    ref = ref_in(chat.text)
    confirmation = chat.replies[0].text
    assert say("food.next_steps") in confirmation
    if language == "ar":
        assert f"{LRI}{ref}{PDI}" in confirmation
    ticket = await ticket_by_ref(db, ref)
    assert ticket.category is TicketCategory.FOOD
    assert ticket.language == language
    assert ticket.details == {
        "who_for": "me",
        "people": 3,
        "diet": "halal",
        "when": "tomorrow",
        "postcode": "LS6 2AB",
    }
    contact = await contact_of(db, chat)
    assert (contact.language, contact.language_source) == (language, LanguageSource.CHANNEL)


async def test_a_change_of_language_mid_request_carries_on_in_welsh(db: SessionFactory) -> None:
    assert (LOCALES / "cy.toml").is_file(), "the Welsh catalog is missing"
    chat = Chat(db, channel=Channel.SMS, external_id="+447700900620")
    await chat.onboard()
    await chat.press("Food")
    await chat.press("Me")
    await chat.send("iaith")
    await chat.press("Cymraeg")

    assert t("food.people", "cy") in chat.last.text
    await chat.send("dau")  # not understood in any language: asked again, in Welsh
    assert t("food.people_invalid", "cy") in chat.text


@pytest.mark.parametrize(("typed", "agreed"), [("no", True), ("nie", False), ("yes", True)])
async def test_a_polish_no_is_yeah_at_a_yes_or_no_question(
    db: SessionFactory, typed: str, agreed: bool
) -> None:
    # "no" is a casual "yes" in Polish, never the English "no"; English "yes" still counts.
    chat = Chat(db, channel=Channel.TELEGRAM, external_id="8100pl", language="pl")
    await chat.send("/start")
    assert chat.last.labels == [t("consent.agree", "pl"), t("consent.decline", "pl")]
    await chat.send(typed)
    expected = t("role.question", "pl") if agreed else t("consent.declined", "pl")
    assert expected in chat.last.text
