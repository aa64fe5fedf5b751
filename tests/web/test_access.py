"""Who gets in, and what is refused: sign-in, lock-out, CSRF and roles."""

from __future__ import annotations

import re

from playwright._impl._api_structures import SetCookieParam
from playwright.async_api import Page, expect

from tests.support.tickets import events_of, seed_ticket
from tests.web.conftest import Staffed, sign_in


async def test_sign_in_sets_a_guarded_cookie_and_sign_out_ends_it(
    page: Page, site: Staffed
) -> None:
    await page.goto(f"{site.url}/staff/")
    await expect(page).to_have_url(re.compile(r"/staff/sign-in\?next="))
    await sign_in(page, site, site.agent)
    await expect(page.get_by_role("heading", name="Queue: Urgent")).to_be_visible()
    cookie = next(c for c in await page.context.cookies() if c["name"] == "helpbot_staff")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/staff"

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("status")).to_have_text("You have signed out.")
    # An old copy of the cookie, put back, signs nobody in: the session ended on the server.
    old = SetCookieParam(name=cookie["name"], value=cookie["value"], url=f"{site.url}/staff/")
    await page.context.add_cookies([old])
    response = await page.goto(f"{site.url}/staff/")
    assert response is not None and "/staff/sign-in" in response.url


async def test_repeated_wrong_passwords_lock_the_account_with_a_time(
    page: Page, site: Staffed
) -> None:
    for _ in range(4):
        await sign_in(page, site, site.agent, password="not the password at all")
        await expect(page.get_by_role("alert")).to_contain_text("not right")
    await sign_in(page, site, site.agent, password="not the password at all")
    locked = page.get_by_role("alert")
    await expect(locked).to_contain_text("signing in is paused until")
    await expect(locked).to_contain_text(re.compile(r"\d{2}:\d{2}"))
    # Even the right password waits now: guessing on gains nothing.
    await sign_in(page, site, site.agent)
    await expect(page.get_by_role("alert")).to_contain_text("signing in is paused until")
    # Someone else, signing in from elsewhere, is not locked out by it.
    await sign_in(page, site, site.supervisor)
    await expect(page.get_by_role("heading", name="Queue: Urgent")).to_be_visible()


async def test_a_post_without_the_csrf_token_is_refused(page: Page, site: Staffed) -> None:
    seeded = await seed_ticket(site.db)
    await sign_in(page, site, site.agent)
    note = f"{site.url}/staff/tickets/{seeded.ref}/notes"
    missing = await page.request.post(note, form={"text": "sneaky"})
    wrong = await page.request.post(note, form={"text": "sneaky", "csrf_token": "guess"})
    header = await page.request.post(
        note, form={"text": "sneaky"}, headers={"X-CSRF-Token": "guess"}
    )
    assert [missing.status, wrong.status, header.status] == [403, 403, 403]
    assert "did not come from this page" in await missing.text()
    assert [e.kind for e in await events_of(site.db, seeded.ticket)] == ["created"]
    # The sign-in form has a token too: a post from elsewhere cannot sign anyone in.
    cross = await page.request.post(
        f"{site.url}/staff/sign-in",
        form={"email": site.agent.staff.email, "password": "x" * 12},
        headers={"Cookie": ""},
    )
    assert cross.status == 403


async def test_an_agent_is_refused_the_supervisors_report(page: Page, site: Staffed) -> None:
    await sign_in(page, site, site.agent)
    await expect(page.get_by_role("link", name="Reports")).to_have_count(0)
    response = await page.goto(f"{site.url}/staff/reports")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    csv = await page.request.get(f"{site.url}/staff/reports.csv")
    assert csv.status == 403
