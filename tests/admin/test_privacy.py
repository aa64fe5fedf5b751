"""Supervisors export and erase a person's record, and answer access requests within the month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.db import transaction
from handlers.actions.retention import months_before
from models import AuditEntry, Ticket
from models.base import utcnow
from models.enums import Channel, TicketPriority, TicketStatus
from tests.admin.conftest import Api
from tests.support.privacy import leftovers
from tests.support.tickets import seed_ticket


async def _audit_of(api: Api, contact_id: int) -> list[tuple[str, dict[str, object]]]:
    async with api.db() as session:
        rows = (
            await session.exec(select(AuditEntry).where(AuditEntry.contact_id == contact_id))
        ).all()
    return [(row.action, row.data) for row in rows]


async def test_only_supervisors_export_or_erase_and_each_needs_a_reason(api: Api) -> None:
    seeded = await seed_ticket(api.db, channel=Channel.TELEGRAM, name="Edna Pollard")
    contact = seeded.contact.id
    export = f"/contacts/{contact}/export"
    erase = f"/contacts/{contact}/erasure"
    assert (await api.get(export, params={"reason": "subject_access"})).status_code == 403
    assert (await api.post(erase, {"reason": "erasure_request"})).status_code == 403
    assert (await api.get("/data-requests")).status_code == 403
    no_reason = await api.get(export, as_=api.supervisor)
    assert no_reason.status_code == 422
    made_up = await api.post(erase, {"reason": "felt like it"}, as_=api.supervisor)
    assert made_up.status_code == 422
    missing = await api.get(
        "/contacts/999999/export", params={"reason": "subject_access"}, as_=api.supervisor
    )
    assert missing.status_code == 404
    # Nothing was erased by the refusals.
    still = await api.get(f"/contacts/{contact}")
    assert still.json()["display_name"] == "Edna Pollard"


async def test_export_then_erase_through_the_api(api: Api, engine: AsyncEngine) -> None:
    seeded = await seed_ticket(
        api.db,
        channel=Channel.TELEGRAM,
        external_id="31337001",
        name="Edna Pollard",
        details={"postcode": "LS7 3QQ", "people": "1"},
    )
    contact = seeded.contact.id
    assert contact is not None
    note = await api.post(
        f"/tickets/{seeded.ref}/notes", {"text": "Edna's hip is worse; lives alone"}
    )
    assert note.status_code == 201, note.text

    exported = await api.get(
        f"/contacts/{contact}/export", params={"reason": "subject_access"}, as_=api.supervisor
    )
    assert exported.status_code == 200, exported.text
    body = exported.json()
    assert body["contact"]["name"] == "Edna Pollard"
    assert body["consent"]["version"] == "2026-11"
    assert [i["address"] for i in body["identities"]] == ["31337001"]
    [ticket] = body["tickets"]
    assert ticket["ref"] == seeded.ref and ticket["details"]["postcode"] == "LS7 3QQ"
    assert [e["kind"] for e in ticket["timeline"]] == ["created", "note"]
    assert ticket["timeline"][1]["data"]["text"] == "Edna's hip is worse; lives alone"

    erased = await api.post(
        f"/contacts/{contact}/erasure", {"reason": "erasure_request"}, as_=api.supervisor
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["tickets_kept"] == 1
    assert await leftovers(engine, ("Edna", "Pollard", "31337001", "LS7 3QQ", "hip is worse")) == []
    kept = (await api.get(f"/tickets/{seeded.ref}")).json()
    assert (kept["category"], kept["status"], kept["details"]) == ("food", "new", {})
    audit = await _audit_of(api, contact)
    assert ("contact.export", {"reason": "subject_access"}) in audit
    assert ("contact.erase", {"reason": "erasure_request"}) in audit


async def test_an_access_request_is_due_a_month_later_and_completed_with_the_export(
    api: Api,
) -> None:
    seeded = await seed_ticket(api.db, name="Edna Pollard")
    made = await api.post(
        "/data-requests",
        {"contact_id": seeded.contact.id, "received_at": "2026-01-31T10:00:00Z"},
        as_=api.supervisor,
    )
    assert made.status_code == 201, made.text
    request = made.json()
    # A month after 31 January is the last day of February.
    assert request["due_at"] == "2026-02-28T10:00:00Z"
    assert request["overdue"] is True
    later = await api.post("/data-requests", {"contact_id": seeded.contact.id}, as_=api.supervisor)
    received = datetime.fromisoformat(later.json()["received_at"])
    due = datetime.fromisoformat(later.json()["due_at"])
    assert due.month == received.month % 12 + 1 and due.tzinfo == UTC
    assert later.json()["overdue"] is False

    listed = (await api.get("/data-requests", as_=api.supervisor)).json()["items"]
    assert [item["id"] for item in listed] == [request["id"], later.json()["id"]]

    done = await api.post(f"/data-requests/{request['id']}/complete", {}, as_=api.supervisor)
    assert done.status_code == 200, done.text
    assert done.json()["request"]["completed_at"] is not None
    assert done.json()["export"]["contact"]["name"] == "Edna Pollard"
    again = await api.post(f"/data-requests/{request['id']}/complete", {}, as_=api.supervisor)
    assert again.status_code == 409
    listed = (await api.get("/data-requests", as_=api.supervisor)).json()["items"]
    assert [item["id"] for item in listed] == [later.json()["id"]]


async def test_old_safeguarding_tickets_are_for_supervisors_and_listed_before_retention(
    api: Api,
) -> None:
    long_ago = months_before(utcnow(), 30)
    old = await seed_ticket(api.db, priority=TicketPriority.URGENT, now=long_ago)
    recent = await seed_ticket(api.db, priority=TicketPriority.URGENT)
    plain = await seed_ticket(api.db, now=long_ago)
    async with transaction(api.db) as session:
        for ticket in (old.ticket, plain.ticket):
            row = await session.get(Ticket, ticket.id)
            assert row is not None
            row.status = TicketStatus.CLOSED
            row.resolved_at = long_ago + timedelta(days=1)
    assert (await api.get(f"/tickets/{old.ref}")).status_code == 403
    assert (await api.get(f"/tickets/{old.ref}", as_=api.supervisor)).status_code == 200
    assert (await api.get(f"/tickets/{recent.ref}")).status_code == 200
    listed = {
        item["ref"]: item["details"]
        for item in (await api.get("/tickets", params={"status": "closed"})).json()["items"]
    }
    assert listed[old.ref] == {} and listed[plain.ref]["postcode"] == "LS6 2AB"
    as_supervisor = (await api.get("/tickets", as_=api.supervisor)).json()["items"]
    assert {i["ref"]: i["details"] for i in as_supervisor}[old.ref]["postcode"] == "LS6 2AB"
    # Nor can an agent learn what the old one says by searching for its words.
    search = {"status": "closed", "q": "LS6 2AB"}
    found = [i["ref"] for i in (await api.get("/tickets", params=search)).json()["items"]]
    assert found == [plain.ref]
    found = (await api.get("/tickets", params=search, as_=api.supervisor)).json()["items"]
    assert sorted(i["ref"] for i in found) == sorted([old.ref, plain.ref])

    assert (await api.get("/retention")).status_code == 403
    report = await api.get("/retention", as_=api.supervisor)
    assert report.status_code == 200, report.text
    body = report.json()
    # The ordinary ticket is past its 24 months; the safeguarding one waits for its 84.
    assert (body["tickets"], body["safeguarding_tickets"]) == (1, 0)
    assert [item["ref"] for item in body["items"]] == [plain.ref]
