"""Staff see each person's language, filter the queue by it, and reply in it from a library."""

from __future__ import annotations

import pytest

from handlers.conversation.catalog import messages
from tests.admin.conftest import Api
from tests.support.tickets import seed_ticket

pytestmark = pytest.mark.usefixtures("placeholder_catalogs")


async def test_tickets_and_contacts_show_the_persons_language(api: Api) -> None:
    seeded = await seed_ticket(api.db, language="cy")

    ticket = (await api.get(f"/tickets/{seeded.ref}")).json()
    assert ticket["language"] == "cy"
    assert ticket["contact"]["language"] == "cy"
    contact = (await api.get(f"/contacts/{seeded.contact.id}")).json()
    assert contact["language"] == "cy"
    assert contact["tickets"][0]["language"] == "cy"


async def test_the_ticket_list_filters_by_language(api: Api) -> None:
    welsh = await seed_ticket(api.db, language="cy")
    arabic = await seed_ticket(api.db, language="ar")
    english = await seed_ticket(api.db)

    refs = {t["ref"] for t in await api.all_pages("/tickets", {"language": "cy"})}
    assert refs == {welsh.ref}
    refs = {t["ref"] for t in await api.all_pages("/tickets", {"language": ["ar", "en"]})}
    assert refs == {arabic.ref, english.ref}
    assert (await api.get("/tickets", params={"language": "not a tag"})).status_code == 422


async def test_saved_replies_are_listed_in_the_tickets_language(api: Api) -> None:
    seeded = await seed_ticket(api.db, language="cy")

    response = await api.get(f"/tickets/{seeded.ref}/saved-replies")
    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "cy"
    by_key = {item["key"]: item for item in body["items"]}
    assert by_key["phone_today"]["text"] == messages("cy")["staff_replies.phone_today"]
    assert by_key["phone_today"]["english"] == "We will phone you today."
    # A reply the Welsh catalog lacks is offered in English rather than not at all.
    assert by_key["food_on_way"]["text"] == "Your food parcel is on its way."


async def test_a_saved_reply_goes_to_the_person_in_their_language(api: Api) -> None:
    seeded = await seed_ticket(api.db, language="cy")

    response = await api.post(f"/tickets/{seeded.ref}/replies", {"saved_reply": "phone_today"})
    assert response.status_code == 201, response.text
    text = response.json()["message"]["text"]
    assert seeded.ref in text
    assert messages("cy")["staff_replies.phone_today"] in text


@pytest.mark.parametrize(
    "body",
    [
        {"saved_reply": "no_such_reply"},
        {"saved_reply": "Bad Key!"},
        {"text": "Hi", "saved_reply": "received"},
        {},
    ],
    ids=["unknown", "malformed", "both", "neither"],
)
async def test_a_reply_names_one_known_saved_reply_or_gives_text(
    api: Api, body: dict[str, str]
) -> None:
    seeded = await seed_ticket(api.db)
    response = await api.post(f"/tickets/{seeded.ref}/replies", body)
    assert response.status_code == 422


async def test_staff_set_a_contacts_language_which_then_counts_as_their_record(api: Api) -> None:
    seeded = await seed_ticket(api.db)

    response = await api.patch(f"/contacts/{seeded.contact.id}", {"language": "pl"})
    assert response.status_code == 200, response.text
    contact = (await api.get(f"/contacts/{seeded.contact.id}")).json()
    assert (contact["language"], contact["language_source"]) == ("pl", "record")
    refused = await api.patch(f"/contacts/{seeded.contact.id}", {"language": "de"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "language"]
