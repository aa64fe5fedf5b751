"""The services directory, kept by supervisors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.admin.conftest import Api

CAFE = {
    "name": "Headingley Carers Café",
    "area": "ls6",
    "phone": "0113 496 0101",
    "website": "https://example.org/cafe",
    "description": "A weekly drop-in.",
    "latitude": 53.82,
    "longitude": -1.576,
}


async def test_create_read_change_and_delete_an_entry(api: Api) -> None:
    created = await api.post("/directory", CAFE, as_=api.supervisor)
    assert created.status_code == 201, created.text
    entry = created.json()
    assert entry["area"] == "LS6" and entry["is_sample"] is False
    path = f"/directory/{entry['id']}"

    assert (await api.get(path, as_=api.supervisor)).json()["name"] == CAFE["name"]
    changed = await api.patch(path, {"phone": None, "description": "Tuesdays."}, as_=api.admin)
    assert changed.status_code == 200
    assert (changed.json()["phone"], changed.json()["description"]) == (None, "Tuesdays.")

    listed = await api.all_pages("/directory", {"area": "LS6"}, as_=api.supervisor)
    assert [e["id"] for e in listed] == [entry["id"]]

    assert (await api.call("DELETE", path, api.supervisor)).status_code == 204
    assert (await api.get(path, as_=api.supervisor)).status_code == 404
    assert (await api.call("DELETE", path, api.supervisor)).status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        {"area": "Leeds"},
        {"area": None},
        {"name": ""},
        {"latitude": 91},
        {"longitude": "east"},
        {"website": "javascript:alert(1)"},
        {"phone": "call me"},
        {"description": "d" * 1001},
        {"is_sample": True},
    ],
)
async def test_bad_entries_are_422(api: Api, change: dict[str, Any]) -> None:
    response = await api.post("/directory", {**CAFE, **change}, as_=api.supervisor)
    assert response.status_code == 422, response.text
