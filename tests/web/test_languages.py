"""The staff page shows each person's language, filters the queue by it, and offers saved
replies in it."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from handlers.conversation.catalog import messages
from tests.support.tickets import seed_ticket
from tests.web.conftest import Staffed, sign_in


@pytest.mark.usefixtures("placeholder_catalogs")
async def test_an_agent_finds_the_welsh_tickets_and_replies_in_welsh(
    page: Page, site: Staffed
) -> None:
    welsh = await seed_ticket(site.db, name="Gwen Jones", language="cy")
    await seed_ticket(site.db, name="Ena Sharples")
    await sign_in(page, site, site.agent)
    await page.get_by_role("link", name="All open").click()
    await expect(page.locator("[data-row]")).to_have_count(2)

    await page.get_by_label("Language").select_option("cy")
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator("[data-row]")).to_have_count(1)
    await page.get_by_role("row", name=welsh.ref).get_by_role("link", name=welsh.ref).click()

    # The ticket's language and the person's, both by name.
    await expect(page.locator("dd[data-language]")).to_have_text(["Welsh", "Welsh"])
    welsh_words = messages("cy")["staff_replies.phone_today"]
    await page.get_by_role("button", name=welsh_words).click()
    await expect(page.locator("#reply")).to_have_value(welsh_words)
