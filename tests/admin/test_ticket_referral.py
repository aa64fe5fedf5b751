"""Marking a referral through the API: it lands in the timeline, and due times come with tickets."""

from __future__ import annotations

from tests.admin.conftest import Api
from tests.support.tickets import seed_ticket


async def test_a_referral_is_marked_unmarked_and_kept_in_the_timeline(api: Api) -> None:
    seeded = await seed_ticket(api.db)
    marked = await api.patch(f"/tickets/{seeded.ref}", {"referred": True})
    assert marked.status_code == 200, marked.text
    assert marked.json()["referred_at"] is not None
    assert marked.json()["due_at"] is not None
    unmarked = await api.patch(f"/tickets/{seeded.ref}", {"referred": False})
    assert unmarked.json()["referred_at"] is None
    detail = (await api.get(f"/tickets/{seeded.ref}")).json()
    changes = [(e["kind"], e["data"]) for e in detail["timeline"] if e["kind"] == "referred"]
    assert changes == [
        ("referred", {"from": False, "to": True}),
        ("referred", {"from": True, "to": False}),
    ]
    refused = await api.patch(f"/tickets/{seeded.ref}", {"referred": None})
    assert refused.status_code == 422
    refused = await api.patch(f"/tickets/{seeded.ref}", {"referred": "yes"})
    assert refused.status_code == 422
