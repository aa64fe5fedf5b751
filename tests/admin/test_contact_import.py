"""Contacts in bulk: the CSV import over HTTP, matched by the landlord's reference."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select

from models import ChannelIdentity, Contact
from tests.admin.conftest import Api

FIXTURE = Path(__file__).parents[1] / "fixtures" / "contacts" / "landlord_export.csv"
CSV = {"Content-Type": "text/csv"}


async def _contacts(api: Api) -> list[Contact]:
    async with api.db() as session:
        return list((await session.exec(select(Contact).order_by(col(Contact.id)))).all())


async def test_a_landlord_file_imports_reports_bad_rows_and_reimports_without_duplicates(
    api: Api,
) -> None:
    body = FIXTURE.read_bytes()
    response = await api.call("POST", "/contacts/import", api.supervisor, content=body, headers=CSV)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["created"], result["updated"]) == (4, 0)
    assert result["rejected"] == [
        {"line": 5, "reason": "phone is needed for sms"},
        {"line": 6, "reason": "vulnerable must be true or false (yes/no, 1/0)"},
        {"line": 7, "reason": "next_alarm_test must be a date like 2024-03-01"},
        {"line": 8, "reason": "consent_source is needed with consent_at"},
        {"line": 10, "reason": "the same person as line 2"},
    ]
    people = {c.tenant_ref: c for c in await _contacts(api)}
    margaret = people["T-1001"]
    assert (margaret.display_name, margaret.phone, margaret.preferred_channel) == (
        "Margaret Jones",
        "+447700900123",
        "whatsapp",
    )
    assert (margaret.vulnerable, margaret.telecare, margaret.has_carer) == (True, True, False)
    assert margaret.consented_at is not None and margaret.consent_source == "tenancy sign-up form"
    assert str(margaret.next_alarm_test) == "2026-12-01"
    assert people["T-1002"].language == "cy"
    assert people["T-1003"].has_carer and people["T-1003"].phone is None
    assert people[None].preferred_channel == "voice"
    async with api.db() as session:
        identities = (await session.exec(select(ChannelIdentity))).all()
    assert sorted((i.channel.value, i.external_id) for i in identities) == [
        ("sms", "+447700900456"),
        # A landline is called: its person gets a voice identity at once.
        ("voice", "+447700900333"),
        ("whatsapp", "+447700900123"),
    ]

    # The next month's file: one person changed, one new; nobody twice.
    again = (
        "tenant_ref,name,phone,channel,vulnerable\n"
        "T-1001,Margaret Jones-Smith,07700 900123,whatsapp,no\n"
        ",Phone Only,07700 900333,voice,yes\n"
        "T-2000,New Person,07700 900999,sms,yes\n"
    )
    second = await api.call(
        "POST", "/contacts/import", api.supervisor, content=again.encode(), headers=CSV
    )
    assert second.json() == {"created": 1, "updated": 2, "rejected": []}
    people = {c.tenant_ref: c for c in await _contacts(api)}
    assert len(people) == 5
    assert people["T-1001"].display_name == "Margaret Jones-Smith"
    assert people["T-1001"].vulnerable is False
    # Left empty, so kept: the consent imported last time.
    assert people["T-1001"].consent_source == "tenancy sign-up form"


async def test_a_multipart_upload_works_and_bad_files_get_clear_answers(api: Api) -> None:
    upload = await api.call(
        "POST",
        "/contacts/import",
        api.supervisor,
        files={"file": ("people.csv", b"tenant_ref,phone\nR1,07700900123\n", "text/csv")},
    )
    assert upload.json() == {"created": 1, "updated": 0, "rejected": []}
    no_header = await api.call(
        "POST", "/contacts/import", api.supervisor, content=b"name,language\nA,en\n", headers=CSV
    )
    assert no_header.status_code == 422
    assert "tenant_ref or a phone" in no_header.json()["detail"]
    not_text = await api.call(
        "POST", "/contacts/import", api.supervisor, content=b"\xff\xfe\x00", headers=CSV
    )
    assert not_text.status_code == 400
    as_json = await api.call("POST", "/contacts/import", api.supervisor, json={"a": 1})
    assert as_json.status_code == 415
    agent = await api.call("POST", "/contacts/import", api.agent, content=b"phone\n", headers=CSV)
    assert agent.status_code == 403
    assert len(await _contacts(api)) == 1


async def test_unreadable_cells_are_refused_clearly_and_change_nothing(api: Api) -> None:
    nul = await api.call(
        "POST",
        "/contacts/import",
        api.supervisor,
        content=b"tenant_ref,name\nR1,Ann\x00e\nR2,Bob\n",
        headers=CSV,
    )
    assert nul.json() == {
        "created": 1,
        "updated": 0,
        "rejected": [{"line": 2, "reason": "name holds a NUL character"}],
    }
    huge = b"tenant_ref,name\nR3," + b"x" * 200_000 + b"\n"
    refused = await api.call("POST", "/contacts/import", api.supervisor, content=huge, headers=CSV)
    assert refused.status_code == 422
    assert "cannot be read as CSV" in refused.json()["detail"]
    assert [c.tenant_ref for c in await _contacts(api)] == ["R2"]
