"""Working a ticket end to end with the keyboard, and seeing the reply reach the person."""

from __future__ import annotations

from playwright.async_api import Page, expect

from models.enums import Channel, TicketCategory, TicketPriority
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
