"""First contact: greeting, the privacy notice and its Agree button, tenant or carer, the menu."""

from __future__ import annotations

from bot.db import SessionFactory
from handlers.conversation.catalog import t
from models.enums import ContactRole
from tests.support.chat import Chat
from tests.support.flows import contact_of, menu_labels
from tests.support.tickets import all_tickets


async def test_first_message_gets_a_greeting_and_the_privacy_notice(db: SessionFactory) -> None:
    chat = Chat(db, name="Ann")
    await chat.send("hello")

    assert len(chat.replies) == 2
    assert chat.replies[0].text.startswith("Hello, Ann!")
    assert "housing team" in chat.replies[0].text
    assert "we keep what you tell us" in chat.last.text
    assert chat.last.labels == ["Yes, I agree", "No, thank you"]


async def test_greeting_without_a_name_reads_naturally(db: SessionFactory) -> None:
    chat = Chat(db, name=None)
    await chat.send("hi")
    assert chat.replies[0].text.startswith("Hello! This is")


async def test_agreeing_records_the_notice_version_and_time(db: SessionFactory) -> None:
    chat = Chat(db)
    await chat.send("hello")
    assert (await contact_of(db, chat)).consented_at is None

    agreed_at = chat.now
    await chat.press("Yes, I agree")

    contact = await contact_of(db, chat)
    assert contact.consent_version == t("consent.version")
    assert contact.consented_at == agreed_at
    assert "tenant" in chat.last.text and "carer" in chat.last.text
    assert chat.last.labels == ["I'm a tenant", "I'm a carer"]


async def test_agreeing_by_typing_works_too(db: SessionFactory) -> None:
    chat = Chat(db)
    await chat.send("hello")
    await chat.send("yes i agree")
    assert (await contact_of(db, chat)).consented_at is not None
    assert chat.last.labels == ["I'm a tenant", "I'm a carer"]


async def test_declining_stores_no_consent_and_keeps_the_menu_out_of_reach(
    db: SessionFactory,
) -> None:
    chat = Chat(db)
    await chat.send("hello")
    await chat.press("No, thank you")

    assert "That's OK" in chat.text
    assert "999" in chat.text
    assert all(reply.labels != menu_labels() for reply in chat.replies)

    for attempt in ("menu", "Food", "MENU.", "I need a lift to the hospital"):
        await chat.send(attempt)
        assert "we keep what you tell us" in chat.text, attempt
        assert chat.last.labels == ["Yes, I agree", "No, thank you"], attempt

    contact = await contact_of(db, chat)
    assert contact.consented_at is None
    assert contact.consent_version is None
    assert await all_tickets(db) == []


async def test_help_before_agreeing_shows_help_and_the_notice_again(db: SessionFactory) -> None:
    chat = Chat(db)
    await chat.send("hello")
    await chat.send("Help?")
    assert "You can type these words at any time" in chat.text
    assert chat.last.labels == ["Yes, I agree", "No, thank you"]


async def test_a_person_who_declined_can_still_agree_later(db: SessionFactory) -> None:
    chat = Chat(db)
    await chat.send("hello")
    await chat.press("No, thank you")
    await chat.send("I've changed my mind")
    await chat.press("Yes, I agree")
    assert (await contact_of(db, chat)).consented_at is not None


async def test_choosing_carer_is_stored_and_the_menu_follows(db: SessionFactory) -> None:
    chat = Chat(db)
    await chat.send("hello")
    await chat.press("Yes, I agree")
    await chat.press("I'm a carer")

    assert (await contact_of(db, chat)).role is ContactRole.CARER
    assert chat.last.labels == menu_labels()
    assert "What do you need help with?" in chat.last.text


async def test_choosing_tenant_by_typing_is_stored(db: SessionFactory) -> None:
    chat = Chat(db)
    await chat.send("hello")
    await chat.press("Yes, I agree")
    await chat.send("tenant")
    assert (await contact_of(db, chat)).role is ContactRole.TENANT
    assert chat.last.labels == menu_labels()


async def test_an_unclear_role_is_asked_again(db: SessionFactory) -> None:
    chat = Chat(db)
    await chat.send("hello")
    await chat.press("Yes, I agree")
    await chat.send("what?")
    assert "Please choose one of the options" in chat.text
    assert chat.last.labels == ["I'm a tenant", "I'm a carer"]
    assert (await contact_of(db, chat)).role is None


async def test_the_menu_offers_every_kind_of_help(db: SessionFactory) -> None:
    chat = Chat(db)
    await chat.onboard()
    assert chat.last.labels == menu_labels()


async def test_menu_after_onboarding_needs_no_second_notice(db: SessionFactory) -> None:
    chat = Chat(db)
    await chat.onboard()
    await chat.send("hello again")
    assert "we keep what you tell us" not in chat.text
    assert chat.last.labels == menu_labels()
