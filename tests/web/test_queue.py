"""The queue: saved views, search, and urgent tickets that appear without a reload."""

from __future__ import annotations

from playwright.async_api import Page, expect

from models.enums import TicketPriority
from tests.support.tickets import seed_ticket
from tests.web.conftest import Staffed, sign_in


async def test_a_new_urgent_ticket_appears_without_a_reload(page: Page, site: Staffed) -> None:
    await sign_in(page, site, site.agent)
    await expect(page.get_by_role("heading", name="Queue: Urgent")).to_be_visible()
    await expect(page.get_by_text("No tickets here.")).to_be_visible()
    arrived = await seed_ticket(site.db, priority=TicketPriority.URGENT, name="Hilda Ogden")
    news = page.locator("#new-urgent")
    await expect(news).to_contain_text("New urgent tickets since you opened this page: 1")
    await news.get_by_role("link", name=arrived.ref).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(arrived.ref)


async def test_search_finds_a_postcode_and_views_narrow_the_queue(
    page: Page, site: Staffed
) -> None:
    wanted = await seed_ticket(site.db, name="Albert Tatlock", details={"postcode": "M21 9QQ"})
    await seed_ticket(site.db, name="Ena Sharples", details={"postcode": "LS6 2AB"})
    await sign_in(page, site, site.agent)
    await page.get_by_role("link", name="All open").click()
    await expect(page.locator("[data-row]")).to_have_count(2)
    await page.keyboard.press("/")
    await page.keyboard.type("m21 9qq")
    await page.keyboard.press("Enter")
    await expect(page.locator("[data-row]")).to_have_count(1)
    await expect(page.get_by_role("row", name=wanted.ref)).to_contain_text("Albert Tatlock")

    await page.get_by_role("row", name=wanted.ref).get_by_role("button").click()
    await expect(page.get_by_role("status")).to_have_text(f"{wanted.ref} is now assigned to you.")
    await page.get_by_role("link", name="Mine").click()
    await expect(page.locator("[data-row]")).to_have_count(1)
