"""Who may call what: every route against every role, and against missing or dead tokens."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from admin.schemas.directory import DirectoryEntryCreate
from bot.db import transaction
from handlers.actions.data_rights import do_record_data_request
from handlers.actions.directory import do_create_directory_entry
from handlers.actions.staff import do_revoke_token, hash_token
from models import StaffToken
from models.base import utcnow
from models.privacy import DataRequestKind
from models.staff import StaffRole
from tests.admin.conftest import BAD_TOKEN, Account, Api, extra_token, make_staff
from tests.support.checkins import campaign as checkin_campaign
from tests.support.checkins import run_now
from tests.support.tickets import seed_ticket

_unique = itertools.count(1)
Setup = Callable[[Api], Awaitable[tuple[str, Any]]]
"""Makes what one call needs and returns the path and the JSON body (or None)."""


@dataclass(frozen=True)
class Route:
    method: str
    name: str
    least: StaffRole
    setup: Setup


async def _ticket(api: Api) -> str:
    return (await seed_ticket(api.db)).ref


async def _contact(api: Api) -> int:
    contact_id = (await seed_ticket(api.db)).contact.id
    assert contact_id is not None
    return contact_id


async def _entry(api: Api) -> int:
    async with transaction(api.db) as session:
        entry = await do_create_directory_entry(
            session=session,
            staff=api.admin.staff,
            entry=DirectoryEntryCreate(name="Carers Café", area="LS6"),
            now=utcnow(),
        )
    assert entry.id is not None
    return entry.id


async def _token_id(api: Api, account: Account) -> int:
    await extra_token(api.db, account)
    async with api.db() as session:
        statement = (
            select(StaffToken)
            .where(StaffToken.staff_id == account.id)
            .order_by(col(StaffToken.id).desc())
        )
        record = (await session.exec(statement)).first()
    assert record is not None and record.id is not None
    return record.id


def simple(path: str, body: Any = None) -> Setup:
    async def setup(api: Api) -> tuple[str, Any]:
        return path, body

    return setup


async def ticket_path(api: Api) -> tuple[str, Any]:
    return f"/tickets/{await _ticket(api)}", None


async def ticket_saved_replies(api: Api) -> tuple[str, Any]:
    return f"/tickets/{await _ticket(api)}/saved-replies", None


async def ticket_patch(api: Api) -> tuple[str, Any]:
    return f"/tickets/{await _ticket(api)}", {"priority": "high"}


async def ticket_note(api: Api) -> tuple[str, Any]:
    return f"/tickets/{await _ticket(api)}/notes", {"text": "Called the food bank."}


async def ticket_reply(api: Api) -> tuple[str, Any]:
    return f"/tickets/{await _ticket(api)}/replies", {"text": "A parcel comes on Friday."}


async def contact_path(api: Api) -> tuple[str, Any]:
    return f"/contacts/{await _contact(api)}", None


async def contact_patch(api: Api) -> tuple[str, Any]:
    return f"/contacts/{await _contact(api)}", {"telecare": True}


async def contact_audit(api: Api) -> tuple[str, Any]:
    return f"/contacts/{await _contact(api)}/audit", None


async def entry_path(api: Api) -> tuple[str, Any]:
    return f"/directory/{await _entry(api)}", None


async def entry_patch(api: Api) -> tuple[str, Any]:
    return f"/directory/{await _entry(api)}", {"phone": "0113 496 0999"}


async def new_entry(api: Api) -> tuple[str, Any]:
    return "/directory", {"name": f"Sitting Service {next(_unique)}", "area": "LS7"}


async def new_staff(api: Api) -> tuple[str, Any]:
    email = f"new-{next(_unique)}@example.org"
    return "/staff", {"email": email, "name": "New Person", "role": "agent"}


async def other_staff(api: Api) -> tuple[str, Any]:
    other = await make_staff(api.db, StaffRole.AGENT)
    return f"/staff/{other.id}", None


async def other_staff_patch(api: Api) -> tuple[str, Any]:
    other = await make_staff(api.db, StaffRole.AGENT)
    return f"/staff/{other.id}", {"name": "Renamed Person"}


async def other_staff_tokens(api: Api) -> tuple[str, Any]:
    other = await make_staff(api.db, StaffRole.AGENT)
    return f"/staff/{other.id}/tokens", None


async def other_staff_new_token(api: Api) -> tuple[str, Any]:
    other = await make_staff(api.db, StaffRole.AGENT)
    return f"/staff/{other.id}/tokens", {"label": "laptop"}


async def other_staff_revoke(api: Api) -> tuple[str, Any]:
    other = await make_staff(api.db, StaffRole.AGENT)
    return f"/staff/{other.id}/tokens/{await _token_id(api, other)}", None


async def contact_export(api: Api) -> tuple[str, Any]:
    return f"/contacts/{await _contact(api)}/export?reason=subject_access", None


async def contact_erasure(api: Api) -> tuple[str, Any]:
    return f"/contacts/{await _contact(api)}/erasure", {"reason": "erasure_request"}


async def new_data_request(api: Api) -> tuple[str, Any]:
    return "/data-requests", {"contact_id": await _contact(api)}


async def complete_data_request(api: Api) -> tuple[str, Any]:
    async with transaction(api.db) as session:
        request = await do_record_data_request(
            session=session,
            staff=api.supervisor.staff,
            contact_id=await _contact(api),
            kind=DataRequestKind.ACCESS,
            received_at=utcnow(),
            now=utcnow(),
        )
    return f"/data-requests/{request.id}/complete", None


async def contact_import(api: Api) -> tuple[str, Any]:
    n = next(_unique)
    return "/contacts/import", f"tenant_ref,phone\nR{n},07700900{n % 1000:03d}\n".encode()


async def contact_invitation(api: Api) -> tuple[str, Any]:
    return f"/contacts/{await _contact(api)}/invitation", {}


async def contact_checkins(api: Api) -> tuple[str, Any]:
    return f"/contacts/{await _contact(api)}/checkins", None


async def _campaign(api: Api) -> int:
    made = await checkin_campaign(api.db, utcnow())
    assert made.id is not None
    return made.id


async def new_campaign(api: Api) -> tuple[str, Any]:
    return "/campaigns", {"name": "Check-in", "audience": {"vulnerable": True}}


async def campaign_path(api: Api) -> tuple[str, Any]:
    return f"/campaigns/{await _campaign(api)}", None


async def campaign_patch(api: Api) -> tuple[str, Any]:
    return f"/campaigns/{await _campaign(api)}", {"paused": True}


async def campaign_runs(api: Api) -> tuple[str, Any]:
    return f"/campaigns/{await _campaign(api)}/runs", {}


async def _run_path(api: Api) -> str:
    campaign_id = await _campaign(api)
    run = await run_now(api.db, campaign_id, utcnow())
    return f"/campaigns/{campaign_id}/runs/{run.id}"


async def run_path(api: Api) -> tuple[str, Any]:
    return await _run_path(api), None


async def run_csv(api: Api) -> tuple[str, Any]:
    return f"{await _run_path(api)}/results.csv", None


AGENT, SUPERVISOR, ADMIN = StaffRole.AGENT, StaffRole.SUPERVISOR, StaffRole.ADMIN
ROUTES = [
    Route("GET", "/me", AGENT, simple("/me")),
    Route("GET", "/tickets", AGENT, simple("/tickets")),
    Route("GET", "/tickets/{ref}", AGENT, ticket_path),
    Route("PATCH", "/tickets/{ref}", AGENT, ticket_patch),
    Route("POST", "/tickets/{ref}/notes", AGENT, ticket_note),
    Route("POST", "/tickets/{ref}/replies", AGENT, ticket_reply),
    Route("GET", "/tickets/{ref}/saved-replies", AGENT, ticket_saved_replies),
    Route("GET", "/contacts", AGENT, simple("/contacts")),
    Route("GET", "/contacts/{id}", AGENT, contact_path),
    Route("PATCH", "/contacts/{id}", AGENT, contact_patch),
    Route("GET", "/contacts/{id}/audit", SUPERVISOR, contact_audit),
    Route("GET", "/directory", SUPERVISOR, simple("/directory")),
    Route("POST", "/directory", SUPERVISOR, new_entry),
    Route("GET", "/directory/{id}", SUPERVISOR, entry_path),
    Route("PATCH", "/directory/{id}", SUPERVISOR, entry_patch),
    Route("DELETE", "/directory/{id}", SUPERVISOR, entry_path),
    Route("GET", "/staff", ADMIN, simple("/staff")),
    Route("POST", "/staff", ADMIN, new_staff),
    Route("GET", "/staff/{id}", ADMIN, other_staff),
    Route("PATCH", "/staff/{id}", ADMIN, other_staff_patch),
    Route("GET", "/staff/{id}/tokens", ADMIN, other_staff_tokens),
    Route("POST", "/staff/{id}/tokens", ADMIN, other_staff_new_token),
    Route("DELETE", "/staff/{id}/tokens/{token_id}", ADMIN, other_staff_revoke),
    Route("DELETE", "/auth/token", AGENT, simple("/auth/token")),
    Route("GET", "/contacts/{id}/export", SUPERVISOR, contact_export),
    Route("POST", "/contacts/{id}/erasure", SUPERVISOR, contact_erasure),
    Route("POST", "/data-requests", SUPERVISOR, new_data_request),
    Route("GET", "/data-requests", SUPERVISOR, simple("/data-requests")),
    Route("POST", "/data-requests/{id}/complete", SUPERVISOR, complete_data_request),
    Route("GET", "/retention", SUPERVISOR, simple("/retention")),
    Route("POST", "/contacts/import", SUPERVISOR, contact_import),
    Route("POST", "/contacts/{id}/invitation", SUPERVISOR, contact_invitation),
    Route("GET", "/contacts/{id}/checkins", AGENT, contact_checkins),
    Route("POST", "/campaigns", SUPERVISOR, new_campaign),
    Route("GET", "/campaigns", SUPERVISOR, simple("/campaigns")),
    Route("GET", "/campaigns/{campaign_id}", SUPERVISOR, campaign_path),
    Route("PATCH", "/campaigns/{campaign_id}", SUPERVISOR, campaign_patch),
    Route("POST", "/campaigns/{campaign_id}/runs", SUPERVISOR, campaign_runs),
    Route("GET", "/campaigns/{campaign_id}/runs/{run_id}", SUPERVISOR, run_path),
    Route("GET", "/campaigns/{campaign_id}/runs/{run_id}/results.csv", SUPERVISOR, run_csv),
    Route("GET", "/telecare/overdue", AGENT, simple("/telecare/overdue")),
]


def test_every_route_of_the_api_is_in_the_matrix(app_url: str) -> None:
    spec = httpx.get(f"{app_url}/openapi.json").json()
    served = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in spec["paths"].items()
        if path.startswith("/api/v1")
        for method in operations
    }
    names = {
        "{contact_id}": "{id}",
        "{entry_id}": "{id}",
        "{staff_id}": "{id}",
        "{request_id}": "{id}",
    }
    normalised = set()
    for method, path in served:
        for name, short in names.items():
            path = path.replace(name, short)
        normalised.add((method, path))
    covered = {(r.method, r.name) for r in ROUTES} | {("POST", "/auth/token")}
    assert normalised == covered


async def _revoked_token(api: Api) -> str:
    token = await extra_token(api.db, api.admin)
    async with transaction(api.db) as session:
        statement = select(StaffToken).where(StaffToken.token_hash == hash_token(token))
        record = (await session.exec(statement)).one()
        await do_revoke_token(
            session=session,
            staff=api.admin.staff,
            token_id=record.id,  # type: ignore[arg-type]
            actor=api.admin.staff,
            now=utcnow(),
        )
    return token


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.name}")
async def test_role_matrix(api: Api, route: Route) -> None:
    revoked = await _revoked_token(api)
    callers: dict[str, dict[str, str]] = {
        "no token": {},
        "bad token": {"Authorization": f"Bearer {BAD_TOKEN}"},
        "revoked token": {"Authorization": f"Bearer {revoked}"},
        "not bearer": {"Authorization": f"Basic {api.admin.token}"},
    }
    for role in StaffRole:
        # A token of its own per call, since signing out revokes the token used.
        account = api.accounts[role]
        callers[role.value] = {"Authorization": f"Bearer {await extra_token(api.db, account)}"}

    seen: dict[str, int] = {}
    challenged: dict[str, str | None] = {}
    for caller, headers in callers.items():
        path, body = await route.setup(api)
        kwargs: dict[str, Any] = {"headers": headers}
        if isinstance(body, bytes):
            # A file upload (the contacts import) rather than JSON.
            kwargs.update(content=body, headers={**headers, "Content-Type": "text/csv"})
        elif body is not None:
            kwargs["json"] = body
        response = await api.client.request(route.method, f"/api/v1{path}", **kwargs)
        seen[caller] = response.status_code
        if response.status_code == 401:
            challenged[caller] = response.headers.get("www-authenticate")
        if response.status_code >= 400:
            assert isinstance(response.json()["detail"], str)

    def expected_for(caller: str) -> str:
        if caller not in {r.value for r in StaffRole}:
            return "401"
        return "2xx" if StaffRole(caller).rank >= route.least.rank else "403"

    def shown(code: int) -> str:
        return "2xx" if 200 <= code < 300 else str(code)

    assert {c: shown(s) for c, s in seen.items()} == {c: expected_for(c) for c in callers}
    assert set(challenged.values()) == {"Bearer"}


async def test_sign_in_needs_no_token_but_a_right_password(api: Api) -> None:
    account = await make_staff(
        api.db, StaffRole.AGENT, email="pat@example.org", password="a long pass phrase"
    )
    wrong = await api.client.post(
        "/api/v1/auth/token", data={"username": "pat@example.org", "password": "wrong guess!!"}
    )
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    unknown = await api.client.post(
        "/api/v1/auth/token", data={"username": "who@example.org", "password": "a long pass phrase"}
    )
    assert unknown.status_code == 401
    assert unknown.json() == wrong.json()

    right = await api.client.post(
        "/api/v1/auth/token", data={"username": "PAT@example.org", "password": "a long pass phrase"}
    )
    assert right.status_code == 200, right.text
    body = right.json()
    assert body["token_type"] == "bearer" and body["expires_at"]
    me = await api.client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.json()["id"] == account.id
