"""Working a ticket end to end with the keyboard, and seeing the reply reach the person."""

from __future__ import annotations

from playwright.async_api import Page, expect

from bot.db import transaction
from handlers.actions.delivery import (
    Claimed,
    RetryRule,
    SendFailure,
    do_claim_next,
    do_record_failure,
)
from handlers.actions.outbox import queue_reply
from handlers.conversation.events import Reply
from models import ChannelIdentity, Ticket
from models.base import utcnow
from models.enums import Channel, DeliveryStatus, TicketCategory, TicketPriority
from tests.doubles.telegram_api import BLOCKED, TelegramApiDouble
from tests.support.tickets import seed_ticket, ticket_by_ref
from tests.web.conftest import Staffed, sign_in

CHAT_ID = "700100200"


async def test_an_agent_works_a_ticket_with_the_keyboard_and_sees_the_reply_delivered(
    page: Page, site: Staffed, web_bot_api: TelegramApiDouble
) -> None:
    seeded = await seed_ticket(
        site.db,
        channel=Channel.TELEGRAM,
        external_id=CHAT_ID,
        name="Edna Moss",
        category=TicketCategory.MEDICINE,
        priority=TicketPriority.URGENT,
        details={"postcode": "LS6 2AB", "need": "insulin collected"},
    )
    await sign_in(page, site, site.agent)
    await expect(page.get_by_role("heading", name="Queue: Urgent")).to_be_visible()
    await expect(page.get_by_role("row", name=seeded.ref)).to_contain_text("Edna Moss")

    await page.keyboard.press("j")
    await expect(page.get_by_role("link", name=seeded.ref)).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"{seeded.ref}: Medicine")

    await page.keyboard.press("a")
    await expect(page.get_by_role("status")).to_have_text("The ticket is assigned to you.")
    await expect(page.locator(".facts").first).to_contain_text(site.agent.staff.name)

    await page.keyboard.press("n")
    await expect(page.get_by_label("Internal note")).to_be_focused()
    await page.keyboard.type("Rang the pharmacy; ready after 2pm.")
    await page.keyboard.press("Control+Enter")
    await expect(page.get_by_role("status")).to_have_text("Your note is added.")
    await expect(page.locator(".timeline")).to_contain_text("Rang the pharmacy; ready after 2pm.")

    await page.keyboard.press("r")
    await expect(page.get_by_label("Reply to the person (sent by Telegram)")).to_be_focused()
    await page.keyboard.type("A volunteer will bring your insulin at 3pm.")
    await page.keyboard.press("Control+Enter")
    await expect(page.get_by_role("status")).to_contain_text("Your reply is on its way")
    sent = page.locator(".kind-message_out").last
    await expect(sent).to_contain_text("A volunteer will bring your insulin at 3pm.")
    # The page polls the timeline until the message has left; Telegram reports it sent.
    await expect(sent.locator("[data-delivery]")).to_have_text("Sent")

    delivered = [c for c in web_bot_api.sent(int(CHAT_ID))]
    assert any("insulin at 3pm" in c.params["text"] for c in delivered)
    ticket = await ticket_by_ref(site.db, seeded.ref)
    assert ticket.assignee_id == site.agent.id
    assert ticket.status == "waiting"


async def test_a_failed_delivery_is_a_task_on_the_ticket_and_in_the_queue(
    page: Page, site: Staffed, web_bot_api: TelegramApiDouble
) -> None:
    seeded = await seed_ticket(
        site.db, channel=Channel.TELEGRAM, external_id="700100201", name="Stan Ogden"
    )
    web_bot_api.fail_next("sendMessage", BLOCKED)
    await sign_in(page, site, site.agent)
    await page.goto(f"{site.url}/staff/tickets/{seeded.ref}")
    await page.get_by_label("Reply to the person (sent by Telegram)").fill("Are you at home?")
    await page.get_by_role("button", name="Send reply").click()
    await expect(page.locator(".kind-message_out [data-delivery]")).to_have_text("Failed")
    await page.reload()
    task = page.get_by_role("region", name="A message to this person did not get through")
    await expect(task).to_be_visible()

    await page.goto(f"{site.url}/staff/?view=failed")
    await expect(page.get_by_role("row", name=seeded.ref)).to_contain_text("Message failed")


async def test_a_message_out_of_retries_and_one_that_may_have_come_twice_show_on_the_ticket(
    page: Page, site: Staffed
) -> None:
    seeded = await seed_ticket(
        site.db, channel=Channel.TELEGRAM, external_id="700100202", name="Hilda Ogden"
    )
    # Queued by the test's own sessions, so no delivery job runs for them: the engine's steps
    # are taken here instead.
    async with transaction(site.db) as session:
        identity = await session.get(ChannelIdentity, seeded.identity.id)
        ticket = await session.get(Ticket, seeded.ticket.id)
        assert identity is not None and ticket is not None
        twice = await queue_reply(
            session=session,
            identity=identity,
            reply=Reply("A parcel comes on Friday."),
            ticket=ticket,
            now=utcnow(),
        )
        # Sent again after an attempt whose outcome was unknown.
        twice.status = DeliveryStatus.SENT
        twice.maybe_duplicate = True
        lost = await queue_reply(
            session=session,
            identity=identity,
            reply=Reply("Are you at home today?"),
            ticket=ticket,
            now=utcnow(),
        )
    async with transaction(site.db) as session:
        claimed = await do_claim_next(session=session, identity_id=lost.identity_id, now=utcnow())
        assert isinstance(claimed, Claimed) and claimed.message.id == lost.id
    assert lost.id is not None
    async with transaction(site.db) as session:
        status = await do_record_failure(
            session=session,
            message_id=lost.id,
            failure=SendFailure("could not reach Telegram", retryable=True),
            now=utcnow(),
            rule=RetryRule(max_attempts=1),
        )
    assert status is DeliveryStatus.FAILED

    await sign_in(page, site, site.agent)
    await page.goto(f"{site.url}/staff/tickets/{seeded.ref}")
    failed = page.locator(".kind-delivery_failed")
    await expect(failed).to_contain_text("A message could not be sent, after every retry:")
    await expect(failed).to_contain_text("could not reach Telegram")
    maybe_twice = page.locator(".kind-message_out", has_text="A parcel comes on Friday.")
    await expect(maybe_twice).to_contain_text("May have arrived twice")
    await expect(
        page.locator(".kind-message_out", has_text="Are you at home today?")
    ).not_to_contain_text("May have arrived twice")
