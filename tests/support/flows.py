"""Small helpers the conversation tests share: walking a person to a step, reading the DB."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from bot.db import SessionFactory
from handlers.conversation.catalog import t
from handlers.conversation.turn import main_menu
from handlers.flows.registry import MENU_ITEMS
from models import ChannelIdentity, Contact, DirectoryEntry, Message
from models.enums import Direction
from tests.support.chat import Chat

REF = re.compile(r"\bHH-\d{6}\b")


def menu_labels(language: str = "en") -> list[str]:
    """The main menu as the person sees it, in the registry's order, with the language button
    when the catalogs offer more than one language."""
    return [option.label for option in main_menu(MENU_ITEMS, language)]


async def ready_chat(db: SessionFactory, **kwargs: Any) -> Chat:
    """A person who has agreed to the notice, chosen a role, and now sees the menu."""
    chat = Chat(db, **kwargs)
    await chat.onboard()
    assert chat.last.labels == menu_labels()
    return chat


def ref_in(text: str) -> str:
    """The one ticket reference the text quotes."""
    found: list[str] = REF.findall(text)
    assert len(found) == 1, f"expected one reference in {text!r}"
    return found[0]


def shows_menu(chat: Chat) -> bool:
    return chat.last.labels == menu_labels()


async def contact_of(db: SessionFactory, chat: Chat) -> Contact:
    async with db() as session:
        identity = (
            await session.exec(
                select(ChannelIdentity).where(
                    ChannelIdentity.channel == chat.channel,
                    ChannelIdentity.external_id == chat.external_id,
                )
            )
        ).one()
        contact = await session.get(Contact, identity.contact_id)
        assert contact is not None
        return contact


async def inbound_messages(db: SessionFactory) -> list[Message]:
    async with db() as session:
        statement = (
            select(Message).where(Message.direction == Direction.IN).order_by(col(Message.id))
        )
        return list((await session.exec(statement)).all())


async def seed_directory(db: SessionFactory, *areas: str) -> None:
    """One service per postcode district, named after it ("Carers in LS6")."""
    async with db() as session:
        for area in areas:
            session.add(
                DirectoryEntry(
                    name=f"Carers in {area}",
                    area=area,
                    phone="0113 496 0000",
                    description=f"Short breaks for carers around {area}.",
                )
            )
        await session.commit()


@dataclass(frozen=True)
class Step:
    """One question of a form: the catalog key of its prompt and a good answer to it."""

    prompt_key: str
    answer: str
    press: bool = True  # press a button with this label, or else type it

    @property
    def prompt(self) -> str:
        return t(self.prompt_key)

    async def give(self, chat: Chat) -> None:
        if self.press:
            await chat.press(self.answer)
        else:
            await chat.send(self.answer)


# Each request form: the menu item that starts it and a good path through its questions.
FORM_STEPS: dict[str, tuple[str, tuple[Step, ...]]] = {
    "food": (
        "Food",
        (
            Step("food.who_for", "Me"),
            Step("food.people", "2"),
            Step("food.diet", "No special diet"),
            Step("food.when", "Tomorrow"),
            Step("food.postcode", "LS6 2AB", press=False),
        ),
    ),
    "medicine": (
        "Medicine",
        (
            Step("medicine.pharmacy", "Boots, Otley Road", press=False),
            Step("medicine.ready", "Tomorrow"),
            Step("medicine.who_for", "Me"),
        ),
    ),
    "transport": (
        "Transport",
        (
            Step("transport.purpose", "Something else"),
            Step("transport.purpose_detail", "Dentist", press=False),
            Step("transport.date", "Tomorrow"),
            Step("transport.time", "10am", press=False),
            Step("transport.pickup", "My home"),
            Step("transport.destination", "Park Lane Dental", press=False),
            Step("transport.mobility", "No help needed"),
        ),
    ),
    "callback": (
        "Call me back",
        (
            Step("callback.best_time", "Morning (9am to 12)"),
            Step("callback.phone", "07700 900123", press=False),
        ),
    ),
    "respite": ("Carer respite information", (Step("respite.district", "LS6", press=False),)),
}


async def walk(chat: Chat, form: str, answered: int) -> None:
    """From the menu, start `form` and answer its first `answered` questions."""
    item, steps = FORM_STEPS[form]
    await chat.press(item)
    assert steps[0].prompt in chat.last.text
    for step in steps[:answered]:
        await step.give(chat)


async def walk_to_summary(chat: Chat, form: str) -> None:
    """Answer every question of `form`, arriving at the summary with its Send button."""
    await walk(chat, form, len(FORM_STEPS[form][1]))
    assert "Yes, send it" in chat.last.labels
