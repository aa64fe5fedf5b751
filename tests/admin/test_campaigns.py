"""Campaigns over the staff API: made, paused and run by supervisors; a run's results as JSON
and CSV; each person's check-ins on their record; invitations; overdue alarm tests."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import col, select

from bot.db import transaction
from models import ChannelIdentity, Contact, Message
from models.enums import Direction
from tests.admin.conftest import Api
from tests.bot.telegram_webhook.person import Person
from tests.support.app import TELEGRAM_SECRET
from tests.support.checkins import (
    import_people,
    london,
    person,
)
from tests.support.servers import wait_for_idle_outbox

JUNE = london("2026-06-02 10:00")
BODY = {
    "name": "Winter welfare",
    "kind": "checkin",
    "audience": {"vulnerable": True},
    "schedule": {"weekdays": ["mon", "thu"], "time": "10:00"},
    "window": {"start": "09:00", "end": "19:00"},
    "reply_wait_minutes": 120,
    "messages": {"cy": "Sut wyt ti heddiw?"},
}


async def test_supervisors_make_pause_and_run_campaigns(api: Api) -> None:
    made = await api.post("/campaigns", BODY, as_=api.supervisor)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["id"] and body["next_run_at"] and body["paused"] is False
    assert body["schedule"] == {"weekdays": ["mon", "thu"], "time": "10:00"}
    assert (await api.post("/campaigns", BODY)).status_code == 403  # an agent
    for bad in (
        {**BODY, "reply_wait_minutes": 0},
        {**BODY, "audience": {}},
        {**BODY, "audience": {"vulnerable": True, "contact_ids": [1]}},
        {**BODY, "window": {"start": "19:00", "end": "09:00"}},
        {**BODY, "schedule": {"weekdays": [], "time": "10:00"}},
        {**BODY, "schedule": {"weekdays": ["someday"], "time": "10:00"}},
        {**BODY, "kind": "survey"},
    ):
        assert (await api.post("/campaigns", bad, as_=api.supervisor)).status_code == 422, bad
    path = f"/campaigns/{body['id']}"
    paused = await api.patch(path, {"paused": True}, as_=api.supervisor)
    assert paused.status_code == 200 and paused.json()["paused"] is True
    started = await api.post(f"{path}/runs", {}, as_=api.supervisor)
    assert started.status_code == 201, started.text
    run = started.json()
    assert run["status"] == "scheduled" and run["starts_at"]
    assert (await api.post("/campaigns/999999/runs", {}, as_=api.supervisor)).status_code == 404


async def test_an_invitation_joins_a_telegram_chat_to_the_imported_person(
    api: Api, bot_api
) -> None:
    bot_api.reset()
    rows = ["T-7,Amina Hassan,,telegram,True,False,2026-01-01,tenancy form\n"]
    await import_people(api.db, rows, JUNE)
    async with api.db() as session:
        amina = (await session.exec(select(Contact))).one()
    invited = await api.post(f"/contacts/{amina.id}/invitation", {}, as_=api.supervisor)
    assert invited.status_code == 200, invited.text
    url = invited.json()["url"]
    assert url.startswith("https://t.me/housing_help_test_bot?start=")
    token = url.split("start=")[1]

    chat = Person(api.client, bot_api, api.db, chat_id=555001, first_name="Amina")
    update = chat.message_update(text=f"/start {token}")
    assert await chat.post(update, secret=TELEGRAM_SECRET) == 200
    await wait_for_idle_outbox(api.db)
    async with api.db() as session:
        identity = (
            await session.exec(
                select(ChannelIdentity).where(ChannelIdentity.external_id == "555001")
            )
        ).one()
        people = (await session.exec(select(Contact))).all()
        said = (await session.exec(select(Message).where(Message.direction == Direction.IN))).all()
    assert identity.contact_id == amina.id and len(people) == 1
    # The link's own message, recorded with the chat's first identity, is on her record too.
    assert [(m.contact_id, m.body) for m in said] == [(amina.id, f"/start {token}")]
    # Greeted by the name on their record, then asked for consent in the chat as anyone is.
    greeting, notice = chat.seen()
    assert "Amina Hassan" in greeting.text
    assert notice.labels[0] == "Yes, I agree"

    # Used once: another chat with the same link stays its own person.
    other = Person(api.client, bot_api, api.db, chat_id=555002, first_name="Someone")
    assert (
        await other.post(other.message_update(text=f"/start {token}"), secret=TELEGRAM_SECRET)
        == 200
    )
    await wait_for_idle_outbox(api.db)
    async with api.db() as session:
        assert len((await session.exec(select(Contact))).all()) == 2


async def test_overdue_alarm_tests_are_listed_for_staff(api: Api) -> None:
    rows = [person("A", "07700900001", telecare=True), person("B", "07700900002", telecare=True)]
    await import_people(api.db, rows, JUNE)
    async with transaction(api.db) as session:
        a, b = (await session.exec(select(Contact).order_by(col(Contact.id)))).all()
        a.next_alarm_test = date.today() - timedelta(days=8)
        b.next_alarm_test = date.today() - timedelta(days=6)
    listed = await api.get("/telecare/overdue")
    assert listed.status_code == 200
    assert [p["tenant_ref"] for p in listed.json()] == ["A"]
