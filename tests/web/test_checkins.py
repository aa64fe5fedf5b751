"""Check-ins on the staff page: the no-response view, campaign runs and their CSV, a person's
check-in history, check-ins in the impact report, and the campaign pages refused to agents."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from playwright.async_api import Page, expect

from admin.web.core import say as say_staff
from models.base import utcnow
from models.enums import TicketCategory, TicketPriority
from tests.doubles.telegram_api import TelegramApiDouble
from tests.doubles.twilio_api import TwilioApiDouble, serve
from tests.support.app import serving, settings_for
from tests.support.checkins import (
    FinishedRun,
    campaign,
    delivered,
    finished_run,
    import_people,
    london,
    person,
    run_now,
    say,
    tick,
)
from tests.support.tickets import seed_ticket
from tests.web.conftest import Staffed, sign_in

# Years ahead of the real clock, so the service's own tick finds nothing of these runs due.
JUNE = london("2030-06-04 10:00")


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[TwilioApiDouble]:
    with serve("AC" + "7" * 32, "web-checkins-auth-token") as double:
        yield double


@pytest.fixture(scope="module")
def web_url(
    web_database_url: str, web_bot_api: TelegramApiDouble, twilio_api: TwilioApiDouble
) -> Iterator[str]:
    """The service with SMS on (the fake Twilio), so the check-ins it delivers are sent."""
    settings = settings_for(
        web_database_url,
        telegram=web_bot_api,
        twilio=twilio_api,
        twilio_sms_from="+447700900999",
        staff_page_poll_seconds=1,
    )
    with serving(settings) as url:
        yield url


@pytest.fixture
async def done(site: Staffed) -> FinishedRun:
    return await finished_run(site.db, JUNE)


async def test_the_no_response_view_lists_the_silent_persons_ticket(
    page: Page, site: Staffed, done: FinishedRun
) -> None:
    # A welfare ticket someone asked for is not a silence: it stays out of the view.
    await seed_ticket(
        site.db, category=TicketCategory.WELFARE, priority=TicketPriority.HIGH, name="Ena Sharples"
    )
    await sign_in(page, site, site.agent)
    await page.get_by_role("link", name="No response to a check-in").click()
    await expect(
        page.get_by_role("heading", name="Queue: No response to a check-in")
    ).to_be_visible()
    rows = page.locator("[data-row]")
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("Person B")
    await expect(rows).to_contain_text("Welfare")

    await page.keyboard.press("j")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Welfare")
    await expect(page.locator("main")).to_contain_text("no response - please phone")
    # The run is a supervisors' page: an agent is not offered it.
    await expect(
        page.get_by_role("link", name="See the check-in run this came from")
    ).to_have_count(0)


async def test_a_supervisor_opens_a_run_and_downloads_its_results(
    page: Page, site: Staffed, done: FinishedRun
) -> None:
    await sign_in(page, site, site.supervisor)
    await page.get_by_role("link", name="Check-ins").click()
    await expect(page.get_by_role("heading", name="Check-in campaigns")).to_be_visible()
    await expect(page.get_by_role("heading", name="Weekly check-in")).to_be_visible()
    await page.get_by_role("link", name=f"Run {done.run.id}").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Weekly check-in: run {done.run.id}"
    )
    counts = {
        "targeted": "2",
        "sent": "2",
        "ok": "1",
        "no_response": "1",
        "escalated": "1",
        "needs_help": "0",
        "opted_out": "0",
    }
    for key, value in counts.items():
        await expect(page.locator(f"[data-count={key}] dd")).to_have_text(value)
    results = page.get_by_role("region", name="Each person")
    await expect(results.get_by_role("row", name=re.compile("Person B"))).to_contain_text(
        "No response"
    )

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Download the results as CSV").click()
    download = await waiting.value
    assert download.suggested_filename == f"campaign-{done.campaign.id}-run-{done.run.id}.csv"
    text = (await download.path()).read_text(encoding="utf-8")
    table = list(csv.DictReader(io.StringIO(text)))
    assert [(r["tenant_ref"], r["name"], r["status"]) for r in table] == [
        ("A", "Person A", "ok"),
        ("B", "Person B", "no_response"),
    ]
    assert table[0]["ticket"] == "" and table[1]["ticket"].startswith("HH-")

    # From the silent person's ticket, back to the run it came from.
    await results.get_by_role("link", name=table[1]["ticket"]).click()
    await page.get_by_role("link", name="See the check-in run this came from").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Weekly check-in: run {done.run.id}"
    )


async def test_the_persons_record_shows_their_checkins(
    page: Page, site: Staffed, done: FinishedRun
) -> None:
    await sign_in(page, site, site.agent)
    await expect(page.get_by_role("heading", name="Queue: Urgent")).to_be_visible()
    await page.goto(f"{site.url}/staff/contacts/{done.silent.contact_id}")
    history = page.get_by_role("region", name="Welfare check-ins")
    row = history.locator(f"[data-checkin='{done.silent.id}']")
    await expect(row.get_by_role("cell")).to_have_text(
        [re.compile(r"2030"), "SMS", "No response", re.compile(r"^HH-\d+$")]
    )
    await expect(row.get_by_role("rowheader")).to_have_text(f"Weekly check-in, run {done.run.id}")
    # An agent reads the history but is not offered the supervisors' run page.
    await expect(row.get_by_role("link", name=re.compile("Weekly check-in"))).to_have_count(0)
    await row.get_by_role("link", name=re.compile(r"^HH-")).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Welfare")


async def test_an_agent_is_refused_the_campaign_pages(
    page: Page, site: Staffed, done: FinishedRun
) -> None:
    await sign_in(page, site, site.agent)
    await expect(page.get_by_role("link", name="Check-ins")).to_have_count(0)
    run = f"{site.url}/staff/campaigns/{done.campaign.id}/runs/{done.run.id}"
    for address in [f"{site.url}/staff/campaigns", run]:
        response = await page.goto(address)
        assert response is not None and response.status == 403, address
        await expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    results = await page.request.get(f"{run}/results.csv")
    assert results.status == 403
    assert "Person B" not in await results.text()


async def test_the_report_counts_checkins_sent_and_answered(page: Page, site: Staffed) -> None:
    # The report ends today, so this run goes now, in a window open all day (the service's own
    # tick may send it too; either way each person is asked once).
    now = utcnow()
    await import_people(site.db, [person("A", "07700900011"), person("B", "07700900012")], now)
    made = await campaign(
        site.db, now, window_start="00:00", window_end="24:00", skip_bank_holidays=False
    )
    await run_now(site.db, made.id or 0, now)
    await tick(site.db, now)
    # Counted once really sent (the service's deliverer may have sent them already).
    await delivered(site.db, utcnow())
    await say(site.db, "+447700900011", utcnow(), "fine thanks")

    await sign_in(page, site, site.supervisor)
    await page.goto(f"{site.url}/staff/reports?by=none")
    table = page.get_by_role("table", name="Every measure, per period")
    latest = table.get_by_role("row").last
    # Group, requests, check-ins sent, answered, escalations, referrals, then four times.
    await expect(latest.get_by_role("cell")).to_have_text(
        ["All", "0", "2", "1", "0", "0", *[say_staff("units.none")] * 4]
    )
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Download as CSV").click()
    text = (await (await waiting.value).path()).read_text(encoding="utf-8")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["checkins_sent"] != "0"]
    assert [(r["group_by"], r["checkins_sent"], r["checkins_answered"]) for r in rows] == [
        ("none", "2", "1"),
        ("all", "2", "1"),
    ]
