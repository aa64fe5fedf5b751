"""A supervisor's impact report: the chart, its table, and the CSV download."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from playwright.async_api import Page, expect

from bot.db import transaction
from handlers.actions.ticket_work import TicketChanges, do_change_ticket
from models import Ticket
from models.base import utcnow
from models.enums import TicketCategory, TicketPriority, TicketStatus
from tests.support.tickets import seed_ticket
from tests.web.conftest import Staffed, sign_in


async def test_a_supervisor_sees_the_chart_and_downloads_the_same_numbers(
    page: Page, site: Staffed
) -> None:
    opened = utcnow() - timedelta(hours=3)
    for category in [TicketCategory.FOOD, TicketCategory.FOOD, TicketCategory.WELFARE]:
        await seed_ticket(site.db, category=category, now=opened)
    urgent = await seed_ticket(site.db, priority=TicketPriority.URGENT, now=opened)
    async with transaction(site.db) as session:
        ticket = await session.get(Ticket, urgent.ticket.id)
        assert ticket is not None
        changes = TicketChanges(status=TicketStatus.RESOLVED, referred=True)
        await do_change_ticket(
            session=session,
            staff=site.supervisor.staff,
            ticket=ticket,
            changes=changes,
            now=opened + timedelta(hours=2),
        )

    await sign_in(page, site, site.supervisor)
    await page.get_by_role("link", name="Reports").click()
    await expect(page.get_by_role("heading", name="Impact report")).to_be_visible()
    chart = page.get_by_role("img", name="Requests per period, by category")
    await expect(chart.locator("rect")).to_have_count(2)  # food (3 with the urgent one), welfare
    # The food bar (at the bottom of its stack) reaches the gridline labelled 3, not between two.
    food_top = float(await chart.locator("rect", has_text="Food: 3").get_attribute("y") or "nan")
    gridlines = {
        (await label.text_content() or "").strip(): float(await line.get_attribute("y1") or "nan")
        for label, line in zip(
            await chart.locator("text[text-anchor=end]").all(),
            await chart.locator("line").all(),
            strict=True,
        )
    }
    assert gridlines["3"] == food_top, (gridlines, food_top)
    table = page.get_by_role("table", name="Every measure, per period")
    food = table.get_by_role("row").filter(has_text="Food")
    await expect(food.get_by_role("cell")).to_have_text(
        ["Food", "3", "0", "0", "1", "1", "2.0 h", "2.0 h", "2.0 h", "2.0 h"]
    )

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Download as CSV").click()
    download = await waiting.value
    path = await download.path()
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    food_row = next(r for r in rows if r["group"] == "food")
    assert food_row["requests"] == "3"
    assert food_row["escalations"] == "1" and food_row["referrals"] == "1"
    assert food_row["resolution_median_hours"] == "2.00"
    overall = [r for r in rows if r["group_by"] == "all" and r["requests"] != "0"]
    assert [r["requests"] for r in overall] == ["4"]
