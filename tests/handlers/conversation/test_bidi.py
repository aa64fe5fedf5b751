"""References, phone numbers and postcodes keep their order inside Arabic and Urdu text."""

from __future__ import annotations

import pytest

from bot.db import SessionFactory
from handlers.conversation.bidi import LRI, PDI, isolate_runs
from handlers.conversation.catalog import messages
from tests.support.chat import Chat
from tests.support.flows import ready_chat, ref_in


def isolated(run: str) -> str:
    return f"{LRI}{run}{PDI}"


@pytest.mark.parametrize(
    "run", ["HH-000123", "116 123", "0800 111 999", "+44 7700 900123", "LS6 2AB", "M14"]
)
def test_each_left_to_right_run_is_isolated_in_arabic_and_urdu(run: str) -> None:
    for language in ("ar", "ur"):
        assert isolate_runs(f"رقم {run} هنا", language) == f"رقم {isolated(run)} هنا"


def test_left_to_right_languages_are_left_alone() -> None:
    text = "Your reference is HH-000123. Call 116 123."
    for language in ("en", "cy", "pl", "bn", "pa"):
        assert isolate_runs(text, language) == text


def test_ordinary_numbers_and_words_are_not_wrapped() -> None:
    assert isolate_runs("لدي 3 أطفال", "ar") == "لدي 3 أطفال"


@pytest.mark.usefixtures("placeholder_catalogs")
async def test_an_arabic_confirmation_keeps_its_reference_and_numbers_in_order(
    db: SessionFactory,
) -> None:
    chat: Chat = await ready_chat(db)
    await chat.send("اللغة")
    await chat.press("العربية")
    await chat.press("Food")
    await chat.press("Me")
    await chat.send("٢")
    await chat.press("No special diet")
    await chat.press("Tomorrow")
    await chat.send("LS6 2AB")
    assert isolated("LS6 2AB") in chat.last.text
    await chat.press("Yes, send it")

    ref = ref_in(chat.text)
    confirmation = chat.replies[0].text
    assert isolated(ref) in confirmation
    assert isolated("116 123") in confirmation
    assert confirmation.startswith(messages("ar")["form.done"].split("\n")[0])
