"""Working a ticket: status moves, assignment, notes, replies, and the timeline that results."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlmodel import col, select

from bot.db import SessionFactory, transaction
from models import ChannelIdentity, Conversation, Message, Ticket
from models.enums import Channel, DeliveryStatus, Direction, TicketStatus
from models.staff import StaffRole
from tests.admin.conftest import Api, make_staff
from tests.doubles.telegram_api import TelegramApiDouble
from tests.support.app import TELEGRAM_SECRET
from tests.support.servers import wait_until
from tests.support.tickets import seed_ticket

S = TicketStatus
ALLOWED = {
    S.NEW: {S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED},
    S.IN_PROGRESS: {S.WAITING, S.RESOLVED, S.CLOSED},
    S.WAITING: {S.IN_PROGRESS, S.RESOLVED, S.CLOSED},
    S.RESOLVED: {S.IN_PROGRESS, S.CLOSED},
    S.CLOSED: set(),
}


async def set_status(db: SessionFactory, ticket_id: int | None, status: TicketStatus) -> None:
    async with transaction(db) as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.status = status


async def outbound(db: SessionFactory, ticket_id: int | None) -> list[Message]:
    async with db() as session:
        statement = (
            select(Message)
            .where(Message.ticket_id == ticket_id, Message.direction == Direction.OUT)
            .order_by(col(Message.id))
        )
        return list((await session.exec(statement)).all())


@pytest.mark.parametrize(
    ("before", "after"), list(itertools.product(TicketStatus, TicketStatus)), ids=str
)
async def test_status_moves_follow_the_workflow(
    api: Api, before: TicketStatus, after: TicketStatus
) -> None:
    seeded = await seed_ticket(api.db)
    await set_status(api.db, seeded.ticket.id, before)
    response = await api.patch(f"/tickets/{seeded.ref}", {"status": after.value})
    if after == before or after in ALLOWED[before]:
        assert response.status_code == 200, response.text
        assert response.json()["status"] == after.value
    else:
        assert response.status_code == 409, response.text
        detail = response.json()["detail"]
        assert seeded.ref in detail and before.value in detail


async def test_each_change_is_a_timeline_event_with_who_made_it(api: Api) -> None:
    seeded = await seed_ticket(api.db)
    path = f"/tickets/{seeded.ref}"
    changed = await api.patch(
        path,
        {
            "status": "in_progress",
            "priority": "high",
            "category": "medicine",
            "assignee_id": api.supervisor.id,
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["status"], body["priority"], body["category"], body["assignee_id"]) == (
        "in_progress",
        "high",
        "medicine",
        api.supervisor.id,
    )
    note = await api.post(
        f"{path}/notes", {"text": "  Spoke to the GP surgery.  "}, as_=api.supervisor
    )
    assert note.status_code == 201, note.text
    assert note.json()["kind"] == "note" and note.json()["data"] == {
        "text": "Spoke to the GP surgery."
    }
    unassigned = await api.patch(path, {"assignee_id": None}, as_=api.supervisor)
    assert unassigned.json()["assignee_id"] is None
    assert (await api.patch(path, {})).status_code == 200  # nothing to change is fine

    detail = (await api.get(path)).json()
    assert detail["ref"] == seeded.ref
    assert detail["contact"]["display_name"] == "Margaret Jones"
    events = [(e["kind"], e["actor"], e["data"]) for e in detail["timeline"]]
    agent = {
        "type": "staff",
        "id": api.agent.id,
        "email": api.agent.staff.email,
        "name": "Agent Person",
    }
    supervisor = {
        "type": "staff",
        "id": api.supervisor.id,
        "email": api.supervisor.staff.email,
        "name": "Supervisor Person",
    }
    assert events == [
        ("created", {"type": "contact"}, {"category": "food", "priority": "normal"}),
        ("category_changed", agent, {"from": "food", "to": "medicine"}),
        ("priority_changed", agent, {"from": "normal", "to": "high"}),
        ("assigned", agent, {"from": None, "to": api.supervisor.id}),
        ("status_changed", agent, {"from": "new", "to": "in_progress"}),
        ("note", supervisor, {"text": "Spoke to the GP surgery."}),
        ("assigned", supervisor, {"from": api.supervisor.id, "to": None}),
    ]
    stamps = [e["created_at"] for e in detail["timeline"]]
    assert stamps == sorted(stamps)


@pytest.mark.parametrize(
    "body",
    [
        {"status": "lost"},
        {"priority": "whenever"},
        {"status": None},
        {"category": None},
        {"assignee_id": 0},
        {"assignee_id": 2**31},
        {"assignee_id": "me"},
        {"colour": "red"},
    ],
)
async def test_bad_changes_are_422(api: Api, body: dict[str, Any]) -> None:
    seeded = await seed_ticket(api.db)
    response = await api.patch(f"/tickets/{seeded.ref}", body)
    assert response.status_code == 422, response.text


async def test_only_active_staff_can_be_assigned(api: Api) -> None:
    seeded = await seed_ticket(api.db)
    gone = await make_staff(api.db, StaffRole.AGENT)
    async with transaction(api.db) as session:
        staff = await session.get(type(gone.staff), gone.id)
        assert staff is not None
        staff.is_active = False
    for assignee in (gone.id, 999_999):
        response = await api.patch(f"/tickets/{seeded.ref}", {"assignee_id": assignee})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "assignee_id"]


async def test_a_closed_ticket_cannot_change(api: Api) -> None:
    seeded = await seed_ticket(api.db)
    await set_status(api.db, seeded.ticket.id, TicketStatus.CLOSED)
    response = await api.patch(f"/tickets/{seeded.ref}", {"priority": "urgent"})
    assert response.status_code == 409
    assert "closed" in response.json()["detail"]
    reply = await api.post(f"/tickets/{seeded.ref}/replies", {"text": "Hello?"})
    assert reply.status_code == 409


@pytest.mark.parametrize("ref", ["HH-999999", "HH-0", "nonsense", "HH-99999999999999", "hh-x"])
async def test_unknown_references_are_404(api: Api, ref: str) -> None:
    response = await api.get(f"/tickets/{ref}")
    assert response.status_code == 404
    assert "was not found" in response.json()["detail"]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "x" * 4001, "nul \x00 byte", 42, None],
    ids=["empty", "blank", "long", "nul", "number", "null"],
)
async def test_notes_and_replies_need_sensible_text(api: Api, text: Any) -> None:
    seeded = await seed_ticket(api.db)
    for kind in ("notes", "replies"):
        response = await api.post(f"/tickets/{seeded.ref}/{kind}", {"text": text})
        assert response.status_code == 422, response.text
    assert (await api.post(f"/tickets/{seeded.ref}/notes", {"text": "y" * 4000})).status_code == 201


async def test_a_reply_is_queued_on_the_tickets_channel_headed_with_its_reference(api: Api) -> None:
    seeded = await seed_ticket(api.db, channel=Channel.WHATSAPP)
    response = await api.post(f"/tickets/{seeded.ref}/replies", {"text": "Is Friday morning OK?"})
    assert response.status_code == 201, response.text
    event = response.json()
    assert event["kind"] == "message_out"
    assert event["actor"]["type"] == "staff" and event["actor"]["id"] == api.agent.id
    assert event["message"]["text"] == f"{seeded.ref}: Is Friday morning OK?"
    assert event["message"]["channel"] == "whatsapp" and event["message"]["direction"] == "out"

    [message] = await outbound(api.db, seeded.ticket.id)
    assert message.body == f"{seeded.ref}: Is Friday morning OK?"
    assert (message.channel, message.identity_id) == (Channel.WHATSAPP, seeded.identity.id)
    detail = (await api.get(f"/tickets/{seeded.ref}")).json()
    assert detail["status"] == "waiting"
    kinds = [(e["kind"], e["actor"]["type"]) for e in detail["timeline"]]
    assert kinds == [("created", "contact"), ("message_out", "staff"), ("status_changed", "staff")]

    # WhatsApp is off in this service, so delivery fails, and the timeline says so.
    async def failed() -> bool:
        shown = (await api.get(f"/tickets/{seeded.ref}")).json()["timeline"][1]["message"]
        return bool(shown["status"] == "failed" and "off" in (shown["error"] or ""))

    await wait_until(failed, "the failed delivery to show in the timeline")


async def test_resolving_tells_the_person_how_to_reopen_and_reopening_works(api: Api) -> None:
    seeded = await seed_ticket(api.db)
    resolved = await api.patch(f"/tickets/{seeded.ref}", {"status": "resolved"})
    assert resolved.status_code == 200
    assert resolved.json()["resolved_at"] is not None
    [message] = await outbound(api.db, seeded.ticket.id)
    assert message.body.startswith(f"{seeded.ref}: ")
    assert "REOPEN" in message.body

    reopened = await api.patch(f"/tickets/{seeded.ref}", {"status": "in_progress"})
    assert reopened.json()["resolved_at"] is None
    timeline = (await api.get(f"/tickets/{seeded.ref}")).json()["timeline"]
    assert timeline[-1]["data"] == {"from": "resolved", "to": "in_progress", "reopened": True}


async def test_no_reply_to_someone_who_opted_out(api: Api) -> None:
    seeded = await seed_ticket(api.db, channel=Channel.SMS)
    async with transaction(api.db) as session:
        identity = await session.get(ChannelIdentity, seeded.identity.id)
        assert identity is not None
        identity.opted_out = True
    response = await api.post(f"/tickets/{seeded.ref}/replies", {"text": "Hello"})
    assert response.status_code == 409
    assert "opted out" in response.json()["detail"]
    resolved = await api.patch(f"/tickets/{seeded.ref}", {"status": "resolved"})
    assert resolved.status_code == 200
    assert await outbound(api.db, seeded.ticket.id) == []


async def test_a_reply_reaches_the_person_on_telegram(api: Api, bot_api: TelegramApiDouble) -> None:
    bot_api.reset()
    chat_id = 555_000_111
    seeded = await seed_ticket(api.db, channel=Channel.TELEGRAM, external_id=str(chat_id))
    response = await api.post(
        f"/tickets/{seeded.ref}/replies", {"text": "Your parcel is on its way."}
    )
    assert response.status_code == 201

    [call] = await bot_api.wait_for_calls("sendMessage", 1)
    assert call.params["chat_id"] == chat_id
    assert call.params["text"] == f"{seeded.ref}: Your parcel is on its way."

    async def sent() -> bool:
        timeline = (await api.get(f"/tickets/{seeded.ref}")).json()["timeline"]
        return bool(timeline[1]["message"]["status"] == DeliveryStatus.SENT.value)

    await wait_until(sent, "the sent status to show in the timeline")


async def test_the_persons_answer_on_telegram_joins_the_ticket(
    api: Api, bot_api: TelegramApiDouble
) -> None:
    bot_api.reset()
    chat_id = 555_000_222
    seeded = await seed_ticket(api.db, channel=Channel.TELEGRAM, external_id=str(chat_id))
    async with transaction(api.db) as session:
        # As after finishing a request in the chat: the conversation rests at the menu.
        assert seeded.identity.id is not None
        session.add(Conversation(identity_id=seeded.identity.id, state="menu"))
    reply = await api.post(f"/tickets/{seeded.ref}/replies", {"text": "Which day suits you?"})
    assert reply.status_code == 201
    await bot_api.wait_for_calls("sendMessage", 1)

    person = {"id": chat_id, "is_bot": False, "first_name": "Margaret", "language_code": "en"}
    update = {
        "update_id": 912_000_001,
        "message": {
            "message_id": 41,
            "from": person,
            "chat": {"id": chat_id, "first_name": "Margaret", "type": "private"},
            "date": 1_795_000_000,
            "text": "Tuesday morning is best",
        },
    }
    posted = await api.client.post(
        "/webhooks/telegram",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
    )
    assert posted.status_code == 200

    [_, answer] = await bot_api.wait_for_calls("sendMessage", 2)
    assert f"added this to your request {seeded.ref}" in answer.params["text"]
    detail = (await api.get(f"/tickets/{seeded.ref}")).json()
    assert detail["status"] == TicketStatus.IN_PROGRESS.value
    joined = [e for e in detail["timeline"] if e["kind"] == "message_in"]
    assert [e["message"]["text"] for e in joined] == ["Tuesday morning is best"]
    assert joined[0]["actor"] == {"type": "contact"}
