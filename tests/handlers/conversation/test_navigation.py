"""Menu, back, cancel and help at every step, and free text at the menu."""

from __future__ import annotations

import pytest

from bot.db import SessionFactory
from handlers.conversation.catalog import t
from tests.support.chat import Chat
from tests.support.flows import (
    FORM_STEPS,
    menu_labels,
    ready_chat,
    ref_in,
    seed_directory,
    shows_menu,
    walk,
)
from tests.support.tickets import all_tickets

HELP_TEXT = "You can type these words at any time"
SUMMARY = "Please check your request"

# Every question of every form, and each form's summary (index = number of questions).
POSITIONS = [
    pytest.param(form, index, id=f"{form}-{FORM_STEPS[form][1][index].prompt_key.split('.')[1]}")
    for form in FORM_STEPS
    for index in range(len(FORM_STEPS[form][1]))
] + [
    pytest.param(form, len(FORM_STEPS[form][1]), id=f"{form}-summary")
    for form in FORM_STEPS
    if form != "respite"
]

# How people actually type the words: any case, with stray punctuation or a slash.
SPELLINGS = {
    "menu": (
        "menu",
        "MENU",
        "Menu.",
        "/menu",
        "main menu",
        "\uff2d\uff25\uff2e\uff35",
    ),  # full-width, as some keyboards type it
    "back": ("back", "Back", "BACK!", "/back", "go back"),
    "cancel": ("cancel", "Cancel.", "CANCEL", "/cancel", "cancel!"),
    "help": ("help", "Help?", "/help", "HELP", "help!"),
}


def spelling(command: str, form: str, index: int) -> str:
    variants = SPELLINGS[command]
    return variants[(index + len(form)) % len(variants)]


async def _at(db: SessionFactory, form: str, index: int) -> Chat:
    """A person at question `index` of `form` (or at its summary)."""
    if form == "respite":
        await seed_directory(db, "LS6")
    chat = await ready_chat(db)
    await walk(chat, form, index)
    return chat


def _expected_prompt(form: str, index: int) -> str:
    steps = FORM_STEPS[form][1]
    return steps[index].prompt if index < len(steps) else SUMMARY


@pytest.mark.parametrize(("form", "index"), POSITIONS)
async def test_menu_goes_to_the_menu_and_forgets_the_request(
    db: SessionFactory, form: str, index: int
) -> None:
    chat = await _at(db, form, index)
    await chat.send(spelling("menu", form, index))
    assert shows_menu(chat)
    assert "What do you need help with?" in chat.last.text
    # The old question is gone: its answer is now read as a menu choice.
    await chat.send("6")
    assert "You have no open requests." in chat.text
    assert await all_tickets(db) == []


@pytest.mark.parametrize(("form", "index"), POSITIONS)
async def test_cancel_says_nothing_was_sent_and_files_nothing(
    db: SessionFactory, form: str, index: int
) -> None:
    chat = await _at(db, form, index)
    await chat.send(spelling("cancel", form, index))
    assert "Nothing was sent" in chat.text
    assert shows_menu(chat)
    assert await all_tickets(db) == []


@pytest.mark.parametrize(("form", "index"), POSITIONS)
async def test_help_shows_help_and_asks_the_same_question_again(
    db: SessionFactory, form: str, index: int
) -> None:
    chat = await _at(db, form, index)
    before = chat.last
    await chat.send(spelling("help", form, index))
    assert HELP_TEXT in chat.text
    assert "999" in chat.text
    assert _expected_prompt(form, index) in chat.last.text
    assert chat.last.labels == before.labels

    # The form carries on from where it was.
    steps = FORM_STEPS[form][1]
    if index < len(steps):
        await steps[index].give(chat)
        assert HELP_TEXT not in chat.text
        assert "Please choose" not in chat.text
        assert "didn't understand" not in chat.text
    else:
        await chat.press("Yes, send it")
        ref_in(chat.text)
        assert len(await all_tickets(db)) == 1


@pytest.mark.parametrize(("form", "index"), POSITIONS)
async def test_back_returns_to_the_previous_question(
    db: SessionFactory, form: str, index: int
) -> None:
    chat = await _at(db, form, index)
    await chat.send(spelling("back", form, index))
    if index == 0:
        assert shows_menu(chat)
        assert await all_tickets(db) == []
        return

    steps = FORM_STEPS[form][1]
    previous = steps[index - 1]
    assert previous.prompt in chat.last.text
    assert "Nothing was sent" not in chat.text
    # Answering it again moves on to where the person was.
    await previous.give(chat)
    assert _expected_prompt(form, index) in chat.last.text


async def test_back_from_the_summary_button_and_word_agree(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "callback", 2)
    await chat.press("Go back")
    by_button = chat.last.text
    await chat.send("07700 900123")
    await chat.send("Back.")
    assert chat.last.text == by_button


async def test_cancel_button_on_the_summary_files_nothing(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await walk(chat, "food", 5)
    await chat.press("Cancel")
    assert "Nothing was sent" in chat.text
    assert shows_menu(chat)
    assert await all_tickets(db) == []


@pytest.mark.parametrize("command", ["menu", "back", "cancel", "help"])
async def test_words_on_the_respite_offer(db: SessionFactory, command: str) -> None:
    await seed_directory(db, "LS6")
    chat = await ready_chat(db)
    await walk(chat, "respite", 1)
    assert chat.last.labels == ["Yes, please call me", "No, thank you"]
    await chat.send(command.title() + ".")
    if command == "help":
        assert HELP_TEXT in chat.text
        assert chat.last.labels == ["Yes, please call me", "No, thank you"]
    else:
        assert shows_menu(chat)
        assert ("Nothing was sent" in chat.text) == (command == "cancel")
    assert await all_tickets(db) == []


async def test_help_at_the_menu_shows_help_and_the_menu(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.send("/HELP")
    assert HELP_TEXT in chat.text
    assert shows_menu(chat)


async def test_cancel_and_back_at_the_menu_just_show_the_menu(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    for word in ("cancel", "back"):
        await chat.send(word)
        assert shows_menu(chat)
        assert "Nothing was sent" not in chat.text


async def test_command_words_inside_a_sentence_are_answers_not_commands(
    db: SessionFactory,
) -> None:
    chat = await ready_chat(db)
    await chat.press("Medicine")
    await chat.send("Help Pharmacy, Back Lane")
    assert "When will it be ready" in chat.last.text
    assert HELP_TEXT not in chat.text


@pytest.mark.parametrize(
    ("text", "first_prompt"),
    [
        ("I need a lift to the hospital", "transport.purpose"),
        ("can you help with my prescription", "medicine.pharmacy"),
        ("we have nothing to eat", "food.who_for"),
        ("I look after my mum and need a break", "respite.district"),
        ("please ring me", "callback.best_time"),
        ("3", "transport.purpose"),
        ("option 2", "medicine.pharmacy"),
        ("transprot", "transport.purpose"),
        ("Medecine", "medicine.pharmacy"),
        ("food!", "food.who_for"),
    ],
)
async def test_free_text_at_the_menu_starts_the_right_request(
    db: SessionFactory, text: str, first_prompt: str
) -> None:
    chat = await ready_chat(db)
    await chat.send(text)
    assert t(first_prompt) in chat.last.text
    assert "didn't understand" not in chat.text


async def test_my_requests_can_be_typed(db: SessionFactory) -> None:
    chat = await ready_chat(db)
    await chat.send("6")
    assert "You have no open requests." in chat.text


@pytest.mark.parametrize("text", ["asdf qwerty", "blue", "?"])
async def test_gibberish_at_the_menu_gets_a_hint_and_the_options(
    db: SessionFactory, text: str
) -> None:
    chat = await ready_chat(db)
    await chat.send(text)
    assert "Sorry, I didn't understand that." in chat.text
    assert "a lift to hospital" in chat.text
    assert chat.last.labels == menu_labels()
