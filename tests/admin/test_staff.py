"""Staff accounts and tokens: made by an admin or the command line, revoked, and bootstrapped."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
from sqlmodel import select

from bot.db import transaction
from handlers.actions.staff import hash_token
from models import StaffToken
from models.base import utcnow
from tests.admin.conftest import Api
from tests.support.app import serving, settings_for

HELPBOT = str(Path(sys.executable).parent / "helpbot")


async def test_an_admin_creates_an_account_whose_token_works_once_shown(api: Api) -> None:
    created = await api.post(
        "/staff",
        {
            "email": " Lee@Example.org",
            "name": "Lee Chan",
            "role": "supervisor",
            "password": "twelve chars!",
        },
        as_=api.admin,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["staff"]["email"] == "lee@example.org" and "password" not in body["staff"]
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert (await api.client.get("/api/v1/me", headers=headers)).json()["role"] == "supervisor"
    async with api.db() as session:
        stored = (
            await session.exec(select(StaffToken).where(StaffToken.staff_id == body["staff"]["id"]))
        ).one()
    assert stored.token_hash == hash_token(body["token"]) and body["token"] not in stored.token_hash

    again = await api.post(
        "/staff", {"email": "lee@example.org", "name": "Lee", "role": "agent"}, as_=api.admin
    )
    assert again.status_code == 409
    for bad in (
        {"email": "not-an-email", "name": "X", "role": "agent"},
        {"email": "x@example.org", "name": "X", "role": "owner"},
        {"email": "x@example.org", "name": "X", "role": "agent", "password": "short"},
    ):
        assert (await api.post("/staff", bad, as_=api.admin)).status_code == 422, bad

    listed = await api.all_pages("/staff", {"limit": 2}, as_=api.admin)
    assert "lee@example.org" in [s["email"] for s in listed] and len(listed) == 4


async def test_revoked_tokens_and_deactivated_accounts_are_locked_out(api: Api) -> None:
    base = f"/staff/{api.agent.id}"
    issued = (await api.post(f"{base}/tokens", {"label": "tablet"}, as_=api.admin)).json()
    second = {"Authorization": f"Bearer {issued['token']}"}
    assert (await api.client.get("/api/v1/me", headers=second)).status_code == 200

    tokens = (await api.get(f"{base}/tokens", as_=api.admin)).json()["items"]
    assert [t["label"] for t in tokens] == ["tablet", "first token"]
    revoked = await api.call("DELETE", f"{base}/tokens/{issued['record']['id']}", api.admin)
    assert revoked.status_code == 204
    assert (await api.client.get("/api/v1/me", headers=second)).status_code == 401
    assert (await api.get("/me")).status_code == 200  # the agent's other token still works
    other = await api.call(
        "DELETE", f"/staff/{api.supervisor.id}/tokens/{issued['record']['id']}", api.admin
    )
    assert other.status_code == 404

    off = await api.patch(base, {"is_active": False}, as_=api.admin)
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert (await api.get("/me")).status_code == 401
    await api.patch(base, {"is_active": True}, as_=api.admin)
    assert (await api.get("/me")).status_code == 200


async def test_admins_cannot_lock_themselves_out(api: Api) -> None:
    me = f"/staff/{api.admin.id}"
    for change in ({"role": "agent"}, {"is_active": False}):
        response = await api.patch(me, change, as_=api.admin)
        assert response.status_code == 409
    assert (await api.patch(me, {"name": "Admin Renamed"}, as_=api.admin)).status_code == 200


async def test_signing_out_revokes_the_token_and_sign_in_tokens_expire(api: Api) -> None:
    await api.patch(f"/staff/{api.agent.id}", {"password": "a long pass phrase"}, as_=api.admin)
    signed_in = await api.client.post(
        "/api/v1/auth/token",
        data={"username": api.agent.staff.email, "password": "a long pass phrase"},
    )
    token = signed_in.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await api.client.get("/api/v1/me", headers=headers)).status_code == 200

    async with transaction(api.db) as session:
        record = (
            await session.exec(select(StaffToken).where(StaffToken.token_hash == hash_token(token)))
        ).one()
        record.expires_at = utcnow() - timedelta(seconds=1)
    assert (await api.client.get("/api/v1/me", headers=headers)).status_code == 401

    assert (await api.call("DELETE", "/auth/token", api.agent)).status_code == 204
    assert (await api.get("/me")).status_code == 401


async def test_the_bootstrap_token_makes_an_admin_at_start(database_url: str, api: Api) -> None:
    token = "bootstrap-0123456789-abcdefghij"
    settings = settings_for(database_url, helpbot_bootstrap_admin_token=token)
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(2):  # a restart keeps the same admin
        with serving(settings) as url:
            async with httpx.AsyncClient(base_url=url) as client:
                me = await client.get("/api/v1/me", headers=headers)
                assert me.status_code == 200, me.text
                assert me.json()["role"] == "admin"
                staff = await client.get("/api/v1/staff", headers=headers)
                bootstrap = [s for s in staff.json()["items"] if s["email"].startswith("bootstrap")]
                assert len(bootstrap) == 1


def test_staff_add_prints_a_token_that_works(database_url: str, app_url: str, api: Api) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(Path.home()),
        "LANG": "C.UTF-8",
        "DATABASE_URL": database_url,
    }
    result = subprocess.run(
        [
            HELPBOT,
            "staff",
            "add",
            "robin@example.org",
            "--name",
            "Robin Hill",
            "--role",
            "supervisor",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.splitlines()[1].strip()
    me = httpx.get(f"{app_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == "robin@example.org" and me.json()["role"] == "supervisor"

    twice = subprocess.run(
        [HELPBOT, "staff", "add", "robin@example.org", "--name", "Robin", "--role", "agent"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert twice.returncode == 2
    assert "already exists" in twice.stderr and "Traceback" not in twice.stderr
