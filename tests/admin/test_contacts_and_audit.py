"""People's records: what staff see and change, and the audit trail every look leaves."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.db import transaction
from models import AuditEntry
from models.enums import Channel
from tests.admin.conftest import Api
from tests.support.tickets import seed_ticket


async def test_a_contact_shows_identities_flags_consent_and_tickets(api: Api) -> None:
    first = await seed_ticket(api.db, channel=Channel.TELEGRAM, external_id="4242")
    second = await seed_ticket(api.db, channel=Channel.TELEGRAM, external_id="4242")
    contact_id = first.contact.id
    response = await api.get(f"/contacts/{contact_id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["display_name"] == "Margaret Jones"
    assert (body["language"], body["role"]) == ("en", None)
    assert (body["vulnerable"], body["telecare"], body["has_carer"]) == (False, False, False)
    assert body["consent"]["version"] == "2026-11" and body["consent"]["consented_at"]
    assert [(i["channel"], i["external_id"]) for i in body["identities"]] == [("telegram", "4242")]
    assert [t["ref"] for t in body["tickets"]] == [second.ref, first.ref]


async def test_flags_and_notes_change_and_are_audited(api: Api) -> None:
    seeded = await seed_ticket(api.db)
    path = f"/contacts/{seeded.contact.id}"
    changed = await api.patch(
        path, {"vulnerable": True, "has_carer": True, "notes": "Deaf; text only."}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["vulnerable"], changed.json()["has_carer"]) == (True, True)
    assert changed.json()["notes"] == "Deaf; text only."
    cleared = await api.patch(path, {"notes": None})
    assert cleared.json()["notes"] is None
    for bad in (
        {"vulnerable": None},
        {"vulnerable": "maybe"},
        {"notes": "n" * 4001},
        {"name": "x"},
    ):
        assert (await api.patch(path, bad)).status_code == 422, bad
    assert (await api.patch("/contacts/999999", {"telecare": True})).status_code == 404

    audit = (await api.get(f"{path}/audit", as_=api.supervisor)).json()["items"]
    updates = [e for e in audit if e["action"] == "contact.update"]
    assert [e["data"] for e in updates] == [
        {"notes": "cleared"},
        {
            "vulnerable": {"from": False, "to": True},
            "has_carer": {"from": False, "to": True},
            "notes": "changed",
        },
    ]


async def test_reading_a_record_leaves_an_audit_entry_supervisors_can_see(api: Api) -> None:
    seeded = await seed_ticket(api.db)
    contact_id = seeded.contact.id
    assert (await api.get(f"/contacts/{contact_id}")).status_code == 200
    assert (await api.get(f"/tickets/{seeded.ref}", as_=api.supervisor)).status_code == 200
    assert (
        await api.post(f"/tickets/{seeded.ref}/notes", {"text": "Rang back."})
    ).status_code == 201

    denied = await api.get(f"/contacts/{contact_id}/audit")
    assert denied.status_code == 403

    page = await api.get(f"/contacts/{contact_id}/audit", as_=api.supervisor)
    assert page.status_code == 200
    entries = page.json()["items"]
    assert [(e["action"], e["staff"]["id"], e["object_id"]) for e in entries] == [
        ("ticket.note", api.agent.id, seeded.ref),
        ("ticket.read", api.supervisor.id, seeded.ref),
        ("contact.read", api.agent.id, str(contact_id)),
    ]
    assert all(e["contact_id"] == contact_id and e["created_at"] for e in entries)

    # Reading the audit trail is not itself a read of the record, so it adds nothing.
    again = (await api.get(f"/contacts/{contact_id}/audit", as_=api.admin)).json()["items"]
    assert len(again) == 3
    first = (
        await api.get(f"/contacts/{contact_id}/audit", as_=api.admin, params={"limit": 2})
    ).json()
    rest = await api.get(
        f"/contacts/{contact_id}/audit", as_=api.admin, params={"cursor": first["next_cursor"]}
    )
    assert [e["id"] for e in first["items"] + rest.json()["items"]] == [e["id"] for e in again]


async def test_audit_entries_cannot_be_changed_or_deleted(api: Api) -> None:
    seeded = await seed_ticket(api.db)
    await api.get(f"/contacts/{seeded.contact.id}")
    async with api.db() as session:
        entry = (await session.exec(select(AuditEntry))).one()
    for change in ("update", "delete"):
        with pytest.raises(PermissionError):
            async with transaction(api.db) as session:
                row = await session.get(AuditEntry, entry.id)
                assert row is not None
                if change == "update":
                    row.action = "nothing.happened"
                else:
                    await session.delete(row)
    async with api.db() as session:
        assert (await session.exec(select(AuditEntry))).one().action == "contact.read"


async def test_contacts_are_found_by_name_a_page_at_a_time(api: Api) -> None:
    names = ["Anne Smith", "Bea Smithson", "Carl Jones", "Dora SMITH", "Zoë Smith"]
    for name in names:
        await seed_ticket(api.db, name=name)
    found = await api.all_pages("/contacts", {"q": "smith", "limit": 2})
    assert [c["display_name"] for c in found] == [
        "Zoë Smith",
        "Dora SMITH",
        "Bea Smithson",
        "Anne Smith",
    ]
    assert [c["display_name"] for c in await api.all_pages("/contacts", {"q": "ZOË"})] == [
        "Zoë Smith"
    ]
    everyone = await api.all_pages("/contacts", {"limit": 3})
    assert len(everyone) == 5
    assert (await api.get("/contacts/0")).status_code == 422
    assert (await api.get("/contacts/424242")).status_code == 404
