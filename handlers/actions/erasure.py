"""Erasing a person: every table says what erasure does to it, and nothing is left by default.

Each table in the models has a policy here (a test fails for a table without one). A row is the
person's when one of its foreign keys points at their contact, identities, tickets or messages,
so a new table that links to a person is found by its keys alone. In a scrubbed table every
column is blanked unless its policy keeps it, so a new column is erased until someone decides
it may stay. Tickets stay, as anonymous rows (category, status, priority, dates), so reports
still count them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from models.enums import Channel, DeliveryStatus

Row = sa.RowMapping


@dataclass(frozen=True)
class Scrub:
    """Keep the row, blank every column but `keep` (and keys); `replace` computes a column."""

    keep: frozenset[str]
    replace: Mapping[str, Callable[[Row, ErasureScope], object]] = field(default_factory=dict)


@dataclass(frozen=True)
class Delete:
    """Remove the person's rows."""


@dataclass(frozen=True)
class Keep:
    """Leave the person's rows as they are: `why` says why they hold nothing personal."""

    why: str


@dataclass(frozen=True)
class NotLinked:
    """A table whose rows belong to no person we help: `why` says what it holds instead."""

    why: str


Policy = Scrub | Delete | Keep | NotLinked


@dataclass
class ErasureScope:
    """Whose rows are erased: ids per linked table, and an identity that must keep its address
    until a last message (the confirmation) has gone."""

    now: datetime
    ids: dict[str, set[int]] = field(default_factory=dict)
    external_ids: list[str] = field(default_factory=list)
    keep_address_of: int | None = None


@dataclass(frozen=True)
class ProviderCopy:
    """A message a provider still holds a copy of: ask them to delete it."""

    channel: Channel
    provider_message_id: str | None
    media: bool


@dataclass(frozen=True)
class ErasureCounts:
    """What an erasure changed, and what providers still hold."""

    tickets_kept: int
    messages_cleared: int
    identities_cleared: int
    provider_copies: list[ProviderCopy]


# The person's rows are found through keys pointing at these, in this order.
OWNER_TABLES = ("contacts", "channel_identities", "tickets", "messages")
_UNFINISHED = (DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value)
# Timeline data that is vocabulary or ids, never words: kept so the timeline still reads.
_EVENT_DATA_KEPT = ("from", "to", "category", "priority", "alert", "event_id", "message_id")


def _identity_address(row: Row, scope: ErasureScope) -> object:
    if row["id"] == scope.keep_address_of:
        return row["external_id"]
    return f"erased:{row['id']}"


def _provider_id(row: Row, scope: ErasureScope) -> object:
    """A Telegram message id names the chat (`chat:message`): keep only a digest, still unique.

    Update ids and Twilio ids name no one and are what a provider needs to delete its copy.
    """
    value = row["provider_message_id"]
    if value is None or row["channel"] != Channel.TELEGRAM or value.startswith("update:"):
        return value
    if row["identity_id"] == scope.keep_address_of:
        return value
    return "erased:" + hashlib.sha256(value.encode()).hexdigest()[:40]


def _message_status(row: Row, scope: ErasureScope) -> object:
    # A message not yet sent has lost its words: it must never go. (The confirmation of an
    # erasure asked for in the chat is queued after this, and finished by a second pass.)
    if row["status"] in _UNFINISHED and not row["payload"].get("last"):
        return DeliveryStatus.FAILED
    return row["status"]


def _message_body(row: Row, scope: ErasureScope) -> object:
    return row["body"] if _is_last_unsent(row) else ""


def _message_payload(row: Row, scope: ErasureScope) -> object:
    return row["payload"] if _is_last_unsent(row) else {}


def _is_last_unsent(row: Row) -> bool:
    """The confirmation of an erasure, not yet sent: what the second pass must not stop."""
    return row["status"] in _UNFINISHED and row["payload"].get("last") is True


def _event_data(row: Row, scope: ErasureScope) -> object:
    data = row["data"] or {}
    return {
        key: value
        for key, value in data.items()
        if key in _EVENT_DATA_KEPT and (value is None or isinstance(value, bool | int | str))
    }


def _columns(names: str) -> frozenset[str]:
    return frozenset(names.split())


POLICIES: dict[str, Policy] = {
    "campaigns": NotLinked("a campaign's audience, schedule and wording, set by staff"),
    "checkin_runs": NotLinked("one run of a campaign: its dates and status"),
    # Kept so a run's results stay true: status, times and a reason from a fixed vocabulary.
    "checkins": Keep("a check-in's status, times and reason: ids and vocabulary, no words"),
    "invitations": Delete(),
    "oncall_pages": Keep(
        why="a page names the ticket and a staff destination, never the person or their words"
    ),
    "contacts": Scrub(
        keep=frozenset({"id", "role", "language", "created_at"}),
        replace={"updated_at": lambda row, scope: scope.now},
    ),
    "channel_identities": Scrub(
        keep=frozenset({"id", "contact_id", "channel", "created_at"}),
        replace={"external_id": _identity_address, "opted_out": lambda row, scope: True},
    ),
    "conversations": Scrub(
        keep=frozenset({"id", "identity_id"}),
        replace={"state": lambda row, scope: "new", "updated_at": lambda row, scope: scope.now},
    ),
    "messages": Scrub(
        keep=_columns(
            "id channel direction attempts priority maybe_duplicate next_attempt_at"
            " created_at updated_at"
        ),
        replace={
            "status": _message_status,
            "provider_message_id": _provider_id,
            "body": _message_body,
            "payload": _message_payload,
        },
    ),
    "tickets": Scrub(
        keep=_columns(
            "id channel category status priority language due_at first_response_at"
            " referred_at created_at updated_at resolved_at"
        )
    ),
    "ticket_events": Scrub(
        keep=frozenset({"id", "kind", "actor_type", "actor_id", "created_at"}),
        replace={"data": _event_data},
    ),
    "audit_entries": Keep("append-only record of staff actions: ids and vocabulary, no words"),
    "erasures": Keep("the record that an erasure happened: ids, counts and provider ids"),
    "data_requests": Keep("dates a request was received, due and completed: no personal data"),
    "data_links": Delete(),
    "anonymised_tickets": Keep("which tickets retention anonymised, and when"),
    "rate_slots": NotLinked("send pacing per bot, number and chat; a chat's slot is deleted"),
    "pending_delivery_reports": NotLinked("provider ids and statuses, dropped after a day"),
    "inbound_events": NotLinked(
        "what people wrote, waiting seconds for a worker and deleted as each is handled (or"
        " handed to staff as a ticket, the person's, when its step fails every try); retention"
        " deletes one left over a day. One handled after an erasure starts afresh, as a"
        " message arriving after it would"
    ),
    "staff": NotLinked("staff accounts"),
    "staff_tokens": NotLinked("staff API tokens (hashed)"),
    "staff_sessions": NotLinked("staff web sign-ins (hashed)"),
    "sign_in_failures": NotLinked("hashed staff sign-in failures"),
    "directory_entries": NotLinked("services, not people"),
}


class ErasureGap(Exception):
    """A table or column erasure does not know how to handle: a bug to fix in POLICIES."""


def owner_columns(table: sa.Table) -> list[tuple[sa.Column[Any], str]]:
    """The columns of `table` that point at a person's rows, with the table each points at."""
    found = []
    for column in table.columns:
        for key in column.foreign_keys:
            if key.column.table.name in OWNER_TABLES:
                found.append((column, key.column.table.name))
    return found


def policy_for(table: sa.Table) -> Policy:
    """The table's policy; ErasureGap when it has none."""
    policy = POLICIES.get(table.name)
    if policy is None:
        raise ErasureGap(f"table {table.name} has no erasure policy in handlers/actions/erasure.py")
    return policy


def _blank(column: sa.Column[Any], value: object) -> object:
    """The empty value a column is erased to."""
    if column.nullable:
        return None
    if isinstance(column.type, sa.JSON):
        return [] if isinstance(value, list) else {}
    python_type = column.type.python_type
    if python_type is bool:
        return False
    if python_type in (int, float):
        return 0
    if python_type is str and not isinstance(column.type, sa.Enum):
        return ""
    raise ErasureGap(f"column {column.table.name}.{column.name} has no blank value: keep it")


def _tables() -> list[sa.Table]:
    return list(SQLModel.metadata.sorted_tables)


def _owned(table: sa.Table, scope: ErasureScope) -> sa.ColumnElement[bool] | None:
    """Rows in scope: named by id, or pointing at a row in scope."""
    conditions = [
        column.in_(scope.ids[target])
        for column, target in owner_columns(table)
        if scope.ids.get(target)
    ]
    if scope.ids.get(table.name):
        conditions.append(table.c.id.in_(scope.ids[table.name]))
    return sa.or_(*conditions) if conditions else None


async def _collect(connection: AsyncConnection, scope: ErasureScope) -> None:
    """Find the ids of the person's rows in the owner tables, in order."""
    tables = {table.name: table for table in _tables()}
    for name in OWNER_TABLES:
        table = tables[name]
        condition = _owned(table, scope)
        ids: set[int] = set()
        if condition is not None:
            ids = set((await connection.execute(sa.select(table.c.id).where(condition))).scalars())
        scope.ids[name] = ids
    identities = tables["channel_identities"]
    rows = await connection.execute(
        sa.select(identities.c.external_id).where(
            identities.c.id.in_(scope.ids["channel_identities"])
        )
    )
    scope.external_ids = [value for value in rows.scalars() if not value.startswith("erased:")]


async def _provider_copies(connection: AsyncConnection, scope: ErasureScope) -> list[ProviderCopy]:
    """Messages providers keep: Twilio holds bodies and media until asked to delete them."""
    messages = SQLModel.metadata.tables["messages"]
    rows = await connection.execute(
        sa.select(messages.c.channel, messages.c.provider_message_id, messages.c.payload)
        .where(messages.c.id.in_(scope.ids["messages"]))
        .order_by(messages.c.id)
    )
    copies = []
    for channel, provider_id, payload in rows:
        if provider_id is None or channel is Channel.CONSOLE:
            continue
        media = bool((payload or {}).get("media"))
        if channel is Channel.TELEGRAM and not media:
            # Telegram keeps the chat with the person, who can delete it; nothing to ask for.
            continue
        copies.append(
            ProviderCopy(channel, provider_id if channel != Channel.TELEGRAM else None, media)
        )
    return copies


async def _scrub(
    connection: AsyncConnection, table: sa.Table, policy: Scrub, scope: ErasureScope
) -> None:
    condition = _owned(table, scope)
    if condition is None:
        return
    kept = set(policy.keep) | {column.name for column, _ in owner_columns(table)}
    rows = (await connection.execute(sa.select(table).where(condition))).mappings().all()
    for row in rows:
        values: dict[str, object] = {}
        for column in table.columns:
            if column.primary_key or column.computed is not None or column.foreign_keys:
                continue
            if column.name in policy.replace:
                values[column.name] = policy.replace[column.name](row, scope)
            elif column.name not in kept:
                values[column.name] = _blank(column, row[column.name])
        keys = [column == row[column.name] for column in table.primary_key.columns]
        await connection.execute(sa.update(table).where(*keys).values(values))


async def _refresh(session: AsyncSession) -> None:
    """Bring objects the caller holds up to date with what the statements changed."""
    for instance in list(session.identity_map.values()):
        try:
            await session.refresh(instance)
        except InvalidRequestError:
            session.expunge(instance)  # its row was deleted


async def _apply(connection: AsyncConnection, scope: ErasureScope) -> None:
    """Every table's policy, on the rows in scope, children first."""
    for table in reversed(_tables()):
        policy = policy_for(table)
        if isinstance(policy, Scrub):
            await _scrub(connection, table, policy, scope)
        elif isinstance(policy, Delete):
            condition = _owned(table, scope)
            if condition is not None:
                await connection.execute(sa.delete(table).where(condition))


async def do_scrub_tickets(
    *, session: AsyncSession, ticket_ids: set[int], message_ids: set[int], now: datetime
) -> None:
    """Remove what tickets and messages say, keeping them as anonymous rows (retention)."""
    await session.flush()
    scope = ErasureScope(now=now, ids={"tickets": ticket_ids, "messages": message_ids})
    await _apply(await session.connection(), scope)
    await _refresh(session)


async def do_scrub_person(
    *, session: AsyncSession, contact_id: int, now: datetime, keep_address_of: int | None = None
) -> ErasureCounts:
    """Remove everything personal about one contact, in the caller's transaction.

    `keep_address_of` names an identity whose address stays (and whose unsent messages go)
    until a last message has been sent; run again without it afterwards to finish.
    """
    await session.flush()
    connection = await session.connection()
    scope = ErasureScope(now=now, ids={"contacts": {contact_id}}, keep_address_of=keep_address_of)
    await _collect(connection, scope)
    copies = await _provider_copies(connection, scope)
    await _apply(connection, scope)
    await _forget_rate_slots(connection, scope)
    await _refresh(session)
    return ErasureCounts(
        tickets_kept=len(scope.ids["tickets"]),
        messages_cleared=len(scope.ids["messages"]),
        identities_cleared=len(scope.ids["channel_identities"]),
        provider_copies=copies,
    )


async def _forget_rate_slots(connection: AsyncConnection, scope: ErasureScope) -> None:
    """A chat's send pacing is kept under a key ending in its address."""
    slots = SQLModel.metadata.tables["rate_slots"]
    keep = None
    if scope.keep_address_of is not None:
        identities = SQLModel.metadata.tables["channel_identities"]
        keep = (
            await connection.execute(
                sa.select(identities.c.external_id).where(identities.c.id == scope.keep_address_of)
            )
        ).scalar()
    for address in scope.external_ids:
        if address != keep:
            await connection.execute(sa.delete(slots).where(slots.c.key.endswith(f":{address}")))
