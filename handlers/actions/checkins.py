"""Running check-ins: a run's people chosen, their messages queued when due, and the record.

A run's check-ins are made in one statement per chunk with `ON CONFLICT DO NOTHING` on
(run, contact), in one transaction with the run's move to `running`: two processes, or one
restarted midway, make exactly one check-in per person. Queueing claims due check-ins with
`FOR UPDATE SKIP LOCKED` and writes their messages (bulk priority) in the same transaction, so a
check-in is sent once. Only people who agreed to messages are asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.campaigns import in_window, next_in_window, window_closes
from handlers.actions.contact_import import dialect_insert
from handlers.actions.outbox import DeliveryRequest, request_deliveries
from handlers.checkins.scripts import CheckinConfig, options_for, payload_for, question_for
from models import Campaign, ChannelIdentity, Checkin, CheckinRun, Contact, Conversation, Message
from models.checkins import CampaignKind, CheckinStatus, RunStatus
from models.enums import Channel, DeliveryStatus, Direction, OutboundPriority

FILL_CHUNK = 5000
QUEUE_CHUNK = 2000
# Someone in the middle of a request is asked again this much later.
BUSY_PAUSE = timedelta(minutes=5)
# Conversation states in the middle of a request (see handlers.conversation.navigation).
BUSY_STATES = ("question", "confirm", "respite_offer", "resume")
_REACHABLE = (Channel.TELEGRAM, Channel.WHATSAPP, Channel.SMS, Channel.VOICE)


def audience_filter(campaign: Campaign, today: Any) -> list[Any]:
    """The WHERE conditions choosing the campaign's people: its flags or list, and consent."""
    audience = campaign.audience
    conditions: list[Any] = [col(Contact.consented_at).is_not(None)]
    if "contact_ids" in audience:
        conditions.append(col(Contact.id).in_([int(i) for i in audience["contact_ids"]]))
    for flag, column in (
        ("vulnerable", Contact.vulnerable),
        ("telecare", Contact.telecare),
        ("carer", Contact.has_carer),
    ):
        if flag in audience:
            conditions.append(col(column).is_(bool(audience[flag])))
    if campaign.kind is CampaignKind.ALARM_TEST:
        # Only people whose alarm test is due (or never set) are reminded.
        conditions.append(
            sa.or_(col(Contact.next_alarm_test).is_(None), col(Contact.next_alarm_test) <= today)
        )
    return conditions


async def do_fill_run(
    *, session: AsyncSession, run: CheckinRun, campaign: Campaign, now: datetime
) -> int:
    """Make the run's check-ins, spread over `spread_minutes` from its start (within the
    window), and mark it running; returns how many there are."""
    local_today = run.starts_at.astimezone(next_in_window(campaign, now).tzinfo).date()
    ids = list(
        (
            await session.exec(
                select(Contact.id)
                .where(*audience_filter(campaign, local_today))
                .order_by(col(Contact.id))
            )
        ).all()
    )
    start = max(run.starts_at, now)
    span = min(
        timedelta(minutes=campaign.spread_minutes),
        max(window_closes(campaign, start) - start, timedelta(0)),
    )
    step = span / len(ids) if ids else timedelta(0)
    table = Checkin.__table__  # type: ignore[attr-defined]
    insert = dialect_insert(session)(table).on_conflict_do_nothing(
        index_elements=["run_id", "contact_id"]
    )
    for first in range(0, len(ids), FILL_CHUNK):
        rows = [
            {
                "run_id": run.id,
                "contact_id": contact_id,
                "status": CheckinStatus.PENDING.value,
                "due_at": start + step * (first + n),
                "updated_at": now,
            }
            for n, contact_id in enumerate(ids[first : first + FILL_CHUNK])
        ]
        await (await session.connection()).execute(insert, rows)
    run.status = RunStatus.RUNNING
    await session.flush()
    return len(ids)


async def do_fill_started_runs(*, session: AsyncSession, now: datetime) -> int:
    """Fill every run whose start has come (its campaign not paused); returns the runs filled."""
    statement = (
        select(CheckinRun, Campaign)
        .join(Campaign, col(Campaign.id) == CheckinRun.campaign_id)
        .where(
            CheckinRun.status == RunStatus.SCHEDULED,
            col(CheckinRun.starts_at) <= now,
            col(Campaign.paused).is_(False),
        )
        .with_for_update(of=CheckinRun, skip_locked=True)
    )
    filled = 0
    for run, campaign in (await session.exec(statement)).all():
        await do_fill_run(session=session, run=run, campaign=campaign, now=now)
        filled += 1
    return filled


@dataclass(frozen=True)
class Target:
    """Where one check-in goes: the identity, or why there is none."""

    identity: ChannelIdentity | None
    reason: str | None = None


def choose_identity(contact: Contact, identities: Sequence[ChannelIdentity]) -> Target:
    """The channel to ask the person on: the one the landlord named, else any they use."""
    usable = [i for i in identities if i.channel in _REACHABLE]
    preferred = [i for i in usable if i.channel.value == contact.preferred_channel]
    ordered = preferred or usable
    if not ordered:
        where = contact.preferred_channel or "any channel"
        return Target(None, f"no way to message them on {where}")
    reachable = [i for i in ordered if not i.opted_out]
    if not reachable:
        return Target(ordered[0], "opted_out")
    return Target(reachable[0])


async def _identities(
    session: AsyncSession, contact_ids: Sequence[int]
) -> dict[int, list[ChannelIdentity]]:
    found: dict[int, list[ChannelIdentity]] = {}
    rows = await session.exec(
        select(ChannelIdentity)
        .where(col(ChannelIdentity.contact_id).in_(contact_ids))
        .order_by(col(ChannelIdentity.id))
    )
    for identity in rows.all():
        found.setdefault(identity.contact_id, []).append(identity)
    return found


async def find_busy(
    session: AsyncSession, identity_ids: Sequence[int], since: datetime
) -> set[int]:
    """The identities in the middle of a request, active since `since`."""
    if not identity_ids:
        return set()
    rows = await session.exec(
        select(Conversation.identity_id).where(
            col(Conversation.identity_id).in_(identity_ids),
            col(Conversation.state).in_(BUSY_STATES),
            col(Conversation.updated_at) > since,
        )
    )
    return set(rows.all())


async def queue_messages(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Write outbound bulk messages in one statement and ask for their delivery; their ids."""
    if not rows:
        return []
    table = Message.__table__  # type: ignore[attr-defined]
    inserted = await (await session.connection()).execute(
        sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows)
    )
    ids = [int(i) for i in inserted.scalars().all()]
    await request_deliveries(
        session=session,
        requests=[DeliveryRequest(r["identity_id"], OutboundPriority.BULK) for r in rows],
    )
    return ids


def message_row(
    identity: ChannelIdentity, text: str, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """An outbound bulk message for `queue_messages`."""
    return {
        "contact_id": identity.contact_id,
        "identity_id": identity.id,
        "channel": identity.channel.value,
        "direction": Direction.OUT.value,
        "body": text,
        "payload": payload,
        "status": DeliveryStatus.QUEUED.value,
        "attempts": 0,
        "next_attempt_at": now,
        "priority": int(OutboundPriority.BULK),
        "sent_parts": [],
        "maybe_duplicate": False,
        "created_at": now,
        "updated_at": now,
    }


async def do_queue_due_checkins(
    *, session: AsyncSession, now: datetime, config: CheckinConfig, limit: int = QUEUE_CHUNK
) -> int:
    """Queue the messages of up to `limit` due check-ins; returns how many were due (all sent,
    settled or put off), so a full `limit` means more may be waiting.

    One that cannot be sent (no channel, opted out, WhatsApp with no template) is marked so,
    and the follow-up escalates it at once; one for someone mid-request waits a little.
    """
    statement = (
        select(Checkin, Campaign, Contact)
        .join(CheckinRun, col(CheckinRun.id) == Checkin.run_id)
        .join(Campaign, col(Campaign.id) == CheckinRun.campaign_id)
        .join(Contact, col(Contact.id) == Checkin.contact_id)
        .where(
            Checkin.status == CheckinStatus.PENDING,
            col(Checkin.due_at) <= now,
            col(Campaign.paused).is_(False),
        )
        .order_by(col(Checkin.due_at))
        .limit(limit)
        .with_for_update(of=Checkin, skip_locked=True)
    )
    due = list((await session.exec(statement)).all())
    if not due:
        return 0
    identities = await _identities(session, [c.contact_id for c, _, _ in due])
    targets = {c.id: choose_identity(p, identities.get(p.id or 0, [])) for c, _, p in due}
    busy = await find_busy(
        session,
        [t.identity.id for t in targets.values() if t.identity and t.identity.id],
        now - config.idle_after,
    )
    later: dict[datetime, list[int]] = {}
    sends: list[tuple[Checkin, dict[str, Any]]] = []
    settled: list[dict[str, Any]] = []
    for checkin, campaign, contact in due:
        target = targets[checkin.id]
        identity = target.identity
        if not in_window(campaign, now):
            later.setdefault(next_in_window(campaign, now), []).append(checkin.id)  # type: ignore[arg-type]
            continue
        if target.reason is not None or identity is None:
            status = (
                CheckinStatus.OPTED_OUT if target.reason == "opted_out" else CheckinStatus.FAILED
            )
            settled.append(_settle(checkin, status, target.reason, identity, now))
            continue
        if identity.id in busy:
            later.setdefault(now + BUSY_PAUSE, []).append(checkin.id)  # type: ignore[arg-type]
            continue
        channel = identity.channel.value
        options = options_for(campaign.kind, contact.language, channel)
        payload = payload_for(
            options=options,
            channel=identity.channel,
            last_inbound_at=identity.last_inbound_at,
            now=now,
            config=config,
        )
        if payload is None:
            reason = "WhatsApp needs an approved template after 24 hours; none is set"
            settled.append(_settle(checkin, CheckinStatus.FAILED, reason, identity, now))
            continue
        text = question_for(campaign, contact.language, channel, reminder=False)
        sends.append((checkin, message_row(identity, text, payload, now)))
        checkin.identity_id = identity.id
        # From now on `due_at` is when silence earns a reminder.
        checkin.due_at = now + timedelta(minutes=campaign.reply_wait_minutes)
    ids = await queue_messages(session, [row for _, row in sends])
    updates = [
        {
            "_id": c.id,
            "_status": CheckinStatus.SENT.value,
            "_identity": c.identity_id,
            "_message": m,
            "_reason": None,
            "_due": c.due_at,
        }
        for (c, _), m in zip(sends, ids, strict=True)
    ]
    table = Checkin.__table__  # type: ignore[attr-defined]
    for group in (updates, settled):
        if group:
            await (await session.connection()).execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("_id"))
                .values(
                    status=sa.bindparam("_status"),
                    identity_id=sa.bindparam("_identity"),
                    message_id=sa.bindparam("_message"),
                    reason=sa.bindparam("_reason"),
                    due_at=sa.bindparam("_due"),
                    sent_at=now,
                    updated_at=now,
                ),
                group,
            )
    for moment, checkin_ids in later.items():
        await session.exec(
            update(Checkin).where(col(Checkin.id).in_(checkin_ids)).values(due_at=moment)
        )
    # The rows were changed behind the ORM's back: forget them, so nothing stale is flushed.
    session.expunge_all()
    return len(due)


def _settle(
    checkin: Checkin,
    status: CheckinStatus,
    reason: str | None,
    identity: ChannelIdentity | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "_id": checkin.id,
        "_status": status.value,
        "_identity": identity.id if identity else None,
        "_message": None,
        "_reason": reason,
        "_due": now,
    }
