"""Every staff page passes axe-core with no serious or critical violation."""

from __future__ import annotations

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page

from models.enums import Channel, TicketPriority
from tests.support.checkins import finished_run, london
from tests.support.tickets import seed_ticket
from tests.web.conftest import Staffed, sign_in

SERIOUS = {"serious", "critical"}


async def _problems(page: Page) -> list[str]:
    results = await Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} places)"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


async def test_each_page_has_no_serious_accessibility_problem(page: Page, site: Staffed) -> None:
    seeded = await seed_ticket(
        site.db, channel=Channel.WHATSAPP, priority=TicketPriority.URGENT, name="Minnie Caldwell"
    )
    done = await finished_run(site.db, london("2030-06-04 10:00"))
    run = f"/staff/campaigns/{done.campaign.id}/runs/{done.run.id}"
    await page.goto(f"{site.url}/staff/sign-in")
    found = {"sign-in": await _problems(page)}
    await sign_in(page, site, site.supervisor, password="wrong password, twice over")
    found["sign-in, refused"] = await _problems(page)
    await sign_in(page, site, site.supervisor)
    pages = {
        "queue": "/staff/?view=urgent",
        "search": "/staff/?view=all&q=nothing+matches+this",
        "ticket": f"/staff/tickets/{seeded.ref}",
        "contact": f"/staff/contacts/{seeded.contact.id}",
        "contact with check-ins": f"/staff/contacts/{done.silent.contact_id}",
        "no response to a check-in": "/staff/?view=no_response",
        "campaigns": "/staff/campaigns",
        "campaign run": run,
        "reports": "/staff/reports",
        "reports by month": "/staff/reports?period=month&by=channel",
        "not found": "/staff/tickets/HH-999999",
    }
    for name, path in pages.items():
        await page.goto(site.url + path)
        found[name] = await _problems(page)
    await page.goto(f"{site.url}/staff/tickets/{seeded.ref}")
    await page.keyboard.press("?")
    found["keys dialog"] = await _problems(page)
    assert {name: problems for name, problems in found.items() if problems} == {}


async def test_pages_reflow_at_200_percent_zoom(page: Page, site: Staffed) -> None:
    """An old laptop's 1280-pixel screen at 200 % zoom leaves 640 CSS pixels: nothing may need
    scrolling sideways (WCAG 1.4.10)."""
    seeded = await seed_ticket(site.db, priority=TicketPriority.URGENT, name="Elsie Tanner")
    await sign_in(page, site, site.supervisor)
    await page.set_viewport_size({"width": 640, "height": 800})
    done = await finished_run(site.db, london("2030-06-04 10:00"))
    run = f"/staff/campaigns/{done.campaign.id}/runs/{done.run.id}"
    contact = f"/staff/contacts/{done.silent.contact_id}"
    for path in ["/staff/", f"/staff/tickets/{seeded.ref}", contact, "/staff/campaigns", run]:
        await page.goto(site.url + path)
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 200 % zoom"
