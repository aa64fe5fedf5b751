"""Behind TLS the session cookie is sent only over TLS; pages are never cached."""

from __future__ import annotations

import re

import httpx

from bot.db import SessionFactory
from models.staff import StaffRole
from tests.admin.conftest import make_staff
from tests.support.app import serving, settings_for
from tests.web.conftest import PASSWORD


async def test_the_cookie_is_secure_when_the_service_is_reached_over_tls(
    web_db: SessionFactory, web_database_url: str
) -> None:
    account = await make_staff(web_db, StaffRole.AGENT, password=PASSWORD)
    settings = settings_for(web_database_url, public_base_url="https://help.example.org")
    with serving(settings) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            form = await client.get("/staff/sign-in")
            assert form.headers["cache-control"] == "no-store"
            assert "frame-ancestors 'none'" in form.headers["content-security-policy"]
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token is not None
            # httpx keeps Secure cookies for https only, so the form's cookie is sent by hand.
            signed = await client.post(
                "/staff/sign-in",
                data={"email": account.staff.email, "password": PASSWORD, "csrf_token": token[1]},
                headers={"Cookie": f"helpbot_sign_in={token[1]}"},
            )
    assert signed.status_code == 303, signed.text[-1500:]
    cookie = next(
        c for c in signed.headers.get_list("set-cookie") if c.startswith("helpbot_staff=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/staff"} <= flags
