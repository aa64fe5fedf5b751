"""The ticket queue: every filter and sort is exact, and paging survives tickets arriving."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from bot.db import SessionFactory, transaction
from handlers.actions.ticket_work import do_add_note
from models import Ticket
from models.base import utcnow
from models.enums import Channel, TicketCategory, TicketPriority, TicketStatus
from tests.admin.conftest import Api
from tests.support.tickets import Seeded, all_tickets, seed_ticket

RANK = {TicketPriority.URGENT: 0, TicketPriority.HIGH: 1, TicketPriority.NORMAL: 2, "low": 3}
BASE = datetime.fromisoformat("2026-11-20T09:00:00.123456+00:00")
SORTS: dict[str, Callable[[Ticket], Any]] = {
    "-created_at": lambda t: (t.created_at, t.id),
    "priority": lambda t: (RANK[t.priority], t.created_at, t.id),
    "due_at": lambda t: (t.due_at is None, t.due_at or BASE, t.id),
}


def in_order(tickets: list[Ticket], sort: str) -> list[str]:
    ordered = sorted(tickets, key=SORTS[sort], reverse=sort.startswith("-"))
    return [t.ref for t in ordered]


async def people(db: SessionFactory) -> list[Seeded]:
    """One person per channel, each with a first ticket."""
    names = ["Alice Brown", "Bob Café", "Zoë Ångström", "Eluned Hughes", "Dev Patel"]
    return [
        await seed_ticket(db, channel=channel, name=name, now=BASE - timedelta(days=30))
        for channel, name in zip(Channel, names, strict=True)
    ]


def ticket_rows(
    rng: random.Random, who: list[Seeded], assignees: list[int | None], count: int, start: datetime
) -> list[dict[str, Any]]:
    """Ticket rows for a bulk insert; creation times repeat, so ties in the sort keys abound."""
    rows = []
    for n in range(count):
        person = rng.choice(who)
        created = start - timedelta(minutes=rng.randint(0, 150))
        rows.append(
            {
                "contact_id": person.contact.id,
                "identity_id": person.identity.id,
                "channel": person.identity.channel,
                "category": rng.choice(list(TicketCategory)),
                "status": rng.choice(list(TicketStatus)),
                "priority": rng.choice(list(TicketPriority)),
                "assignee_id": rng.choice(assignees),
                "details": {"item": f"parcel {n}", "need": rng.choice(["nappies", "rice", "tea"])},
                "due_at": rng.choice([None, created + timedelta(hours=rng.randint(1, 6))]),
                "created_at": created,
                "updated_at": created,
            }
        )
    return rows


async def insert(db: SessionFactory, rows: list[dict[str, Any]]) -> None:
    async with transaction(db) as session:
        connection = await session.connection()
        await connection.execute(sa.insert(Ticket), rows)


async def test_every_filter_and_sort_over_many_tickets_pages_exactly(api: Api) -> None:
    rng = random.Random(20261123)
    who = await people(api.db)
    await insert(api.db, ticket_rows(rng, who, [None, api.agent.id, api.supervisor.id], 520, BASE))
    tickets = await all_tickets(api.db)
    assert len(tickets) == 520 + len(who)
    names = {p.contact.id: p.contact.display_name or "" for p in who}
    window = (BASE - timedelta(minutes=100), BASE - timedelta(minutes=40))

    cases: list[tuple[dict[str, Any], Callable[[Ticket], bool]]] = [
        ({}, lambda t: True),
        ({"status": "new"}, lambda t: t.status == "new"),
        ({"status": ["waiting", "resolved"]}, lambda t: t.status in ("waiting", "resolved")),
        ({"category": "medicine"}, lambda t: t.category == "medicine"),
        ({"priority": "urgent"}, lambda t: t.priority == "urgent"),
        ({"channel": "sms"}, lambda t: t.channel == "sms"),
        ({"assignee": "none"}, lambda t: t.assignee_id is None),
        ({"assignee": "me"}, lambda t: t.assignee_id == api.agent.id),
        ({"assignee": str(api.supervisor.id)}, lambda t: t.assignee_id == api.supervisor.id),
        ({"contact_id": who[1].contact.id}, lambda t: t.contact_id == who[1].contact.id),
        (
            {"created_after": window[0].isoformat(), "created_before": window[1].isoformat()},
            lambda t: window[0] <= t.created_at < window[1],
        ),
        ({"q": "NAPPIES"}, lambda t: t.details.get("need") == "nappies"),
        ({"q": "ångström"}, lambda t: names[t.contact_id] == "Zoë Ångström"),
        (
            {"q": "parcel 7", "priority": ["urgent", "high"]},
            lambda t: "parcel 7" in str(t.details.get("item")) and t.priority in ("urgent", "high"),
        ),
    ]
    for params, wanted in cases:
        expected = [t for t in tickets if wanted(t)]
        assert expected, f"the data has no case for {params}"
        for sort in SORTS:
            items = await api.all_pages("/tickets", {**params, "sort": sort, "limit": 37})
            assert [i["ref"] for i in items] == in_order(expected, sort), (params, sort)


async def test_a_page_holds_limit_items_and_the_last_page_no_cursor(api: Api) -> None:
    for _ in range(3):
        await seed_ticket(api.db)
    first = (await api.get("/tickets", params={"limit": 2})).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = (await api.get("/tickets", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    default = (await api.get("/tickets")).json()
    assert len(default["items"]) == 3


@pytest.mark.parametrize("sort", list(SORTS))
async def test_tickets_arriving_while_paging_never_skip_or_repeat_one(api: Api, sort: str) -> None:
    rng = random.Random(sort)
    who = await people(api.db)
    await insert(api.db, ticket_rows(rng, who, [None], 520, BASE))
    original = await all_tickets(api.db)
    expected = in_order(original, sort)

    stop = asyncio.Event()

    async def keep_arriving() -> int:
        """Tickets arriving all the time, as the flows would create them, in another task."""
        made = 0
        while not stop.is_set():
            person = rng.choice(who)
            await seed_ticket(
                api.db,
                channel=person.identity.channel,
                external_id=person.identity.external_id,
                priority=rng.choice(list(TicketPriority)),
            )
            made += 1
            await asyncio.sleep(0)
        return made

    arriving = asyncio.create_task(keep_arriving())
    seen: list[str] = []
    cursor = None
    try:
        while True:
            params: dict[str, Any] = {"sort": sort, "limit": 50}
            if cursor:
                params["cursor"] = cursor
            page = (await api.get("/tickets", params=params)).json()
            seen += [item["ref"] for item in page["items"]]
            cursor = page["next_cursor"]
            # And a burst between pages, some older and some newer than what was paged.
            burst = ticket_rows(
                rng, who, [None], 5, utcnow() - rng.choice([0, 1]) * (utcnow() - BASE)
            )
            await insert(api.db, burst)
            if cursor is None:
                break
    finally:
        stop.set()
        made = await arriving
    assert made > 0
    assert len(seen) == len(set(seen)), "a ticket was shown twice"
    originals = set(expected)
    assert [ref for ref in seen if ref in originals] == expected


async def test_text_search_reads_details_notes_and_names_literally(api: Api) -> None:
    wheelchair = await seed_ticket(api.db, details={"access": "Needs a WHEELCHAIR ramp"})
    noted = await seed_ticket(api.db, name="Ruth Ellis")
    named = await seed_ticket(api.db, name="Ngozi O'Brien")
    percent = await seed_ticket(api.db, details={"note": "100%_sure"})
    await seed_ticket(api.db, details={"note": "1000 sure"})
    async with transaction(api.db) as session:
        ticket = await session.get(Ticket, noted.ticket.id)
        assert ticket is not None
        await do_add_note(
            session=session,
            staff=api.agent.staff,
            ticket=ticket,
            text="Fridge broken, insulin at risk",
            now=utcnow(),
        )

    async def found(q: str) -> set[str]:
        return {i["ref"] for i in await api.all_pages("/tickets", {"q": q})}

    assert await found("wheelchair") == {wheelchair.ref}
    assert await found("INSULIN") == {noted.ref}
    assert await found("o'brien") == {named.ref}
    assert await found("100%_") == {percent.ref}
    assert await found(noted.ref.lower()) == {noted.ref}
    assert await found("nothing like this") == set()


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"status": "lost"},
        {"sort": "name"},
        {"assignee": "someone"},
        {"assignee": "99999999999"},
        {"contact_id": "0"},
        {"created_after": "yesterday"},
        {"q": "x" * 201},
        {"q": "nul\x00byte"},
        {"cursor": "not a cursor"},
        {"cursor": "eyJsIjoiY29udGFjdHMiLCJrIjpbMV19"},  # a contacts cursor
    ],
)
async def test_bad_list_parameters_are_422(api: Api, params: dict[str, Any]) -> None:
    response = await api.get("/tickets", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


async def test_a_cursor_only_works_with_its_own_sort(api: Api) -> None:
    for _ in range(3):
        await seed_ticket(api.db)
    page = (await api.get("/tickets", params={"limit": 1})).json()
    other = await api.get(
        "/tickets", params={"limit": 1, "sort": "priority", "cursor": page["next_cursor"]}
    )
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["query", "cursor"]
