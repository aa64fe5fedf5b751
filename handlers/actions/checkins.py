"""Running check-ins: a run's people chosen, their messages queued when due, and the record.

A run's check-ins are made in one statement per chunk with `ON CONFLICT DO NOTHING` on
(run, contact), in one transaction with the run's move to `running`: two processes, or one
restarted midway, make exactly one check-in per person. Queueing claims due check-ins with
`FOR UPDATE SKIP LOCKED` and writes their messages (bulk priority) in the same transaction, so a
check-in is sent once. Only people who agreed to messages are asked.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.campaigns import LONDON, in_window, next_in_window, window_closes
from handlers.actions.checkin_messages import MessageGroup, do_send_group
from handlers.actions.inserts import dialect_insert
from handlers.actions.outbox import DeliveryRequest, request_deliveries
from handlers.actions.reply_window import WHATSAPP_WINDOW
from handlers.checkins.scripts import CheckinConfig, options_for, payload_for, question_for
from models import Campaign, ChannelIdentity, Checkin, CheckinRun, Contact, Conversation
from models.base import UTCDateTime
from models.checkins import CampaignKind, CheckinStatus, RunStatus
from models.enums import Channel, OutboundPriority

FILL_CHUNK = 5000
QUEUE_CHUNK = 5000
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
    """Make the run's check-ins in one INSERT ... SELECT and mark it running; its sends are
    spread over `spread_minutes` (within the window) by `run_quotas`. Returns how many."""
    start = max(run.starts_at, now)
    local_today = start.astimezone(LONDON).date()
    chosen: Any = sa.select(
        sa.literal(run.id).label("run_id"),
        col(Contact.id).label("contact_id"),
        sa.literal(CheckinStatus.PENDING.value).label("status"),
        sa.literal(start, UTCDateTime()).label("due_at"),
        sa.literal(now, UTCDateTime()).label("updated_at"),
    ).where(*audience_filter(campaign, local_today))
    # People are asked in the order they were listed; PostgreSQL's heap order after updates is
    # not that order.
    chosen = chosen.order_by(col(Contact.id))
    table = Checkin.__table__  # type: ignore[attr-defined]
    columns = ["run_id", "contact_id", "status", "due_at", "updated_at"]
    insert = dialect_insert(session)(table).from_select(columns, chosen)
    # A second filler (a restart, another worker) adds nobody twice.
    insert = insert.on_conflict_do_nothing(index_elements=["run_id", "contact_id"])
    made = await (await session.connection()).execute(insert)
    span = min(
        timedelta(minutes=campaign.spread_minutes),
        max(window_closes(campaign, start) - start, timedelta(0)),
    )
    run.starts_at = start
    run.spread_until = start + span
    run.status = RunStatus.RUNNING
    await session.flush()
    return int(made.rowcount or 0)


NO_LIMIT = 10**9


async def run_quotas(session: AsyncSession, now: datetime) -> dict[int, int]:
    """For each running run, how many more of its check-ins may go now: its people spread
    evenly from its start to `spread_until`, the first at once. A run whose spread is over may
    send all its due check-ins, and costs no count."""
    connection = await session.connection()
    runs = await connection.execute(
        sa.select(col(CheckinRun.id), col(CheckinRun.starts_at), col(CheckinRun.spread_until))
        .where(col(CheckinRun.status) == RunStatus.RUNNING)
        .order_by(col(CheckinRun.id))
    )
    quotas: dict[int, int] = {}
    for run_id, starts_at, until in runs.all():
        if until is None or until <= starts_at or now >= until:
            quotas[run_id or 0] = NO_LIMIT
            continue
        pending = sa.func.sum(
            sa.case((col(Checkin.status) == CheckinStatus.PENDING.value, 1), else_=0)
        )
        total, waiting = (
            await connection.execute(
                sa.select(sa.func.count(), pending).where(col(Checkin.run_id) == run_id)
            )
        ).one()
        share = (now - starts_at) / (until - starts_at)
        allowed = min(total, math.floor(total * max(share, 0.0)) + 1)
        quotas[run_id or 0] = max(allowed - (total - (waiting or 0)), 0)
    return quotas


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
class Reach:
    """What queueing needs of one of a person's channel identities."""

    id: int
    contact_id: int
    channel: Channel
    opted_out: bool
    last_inbound_at: datetime | None


@dataclass(frozen=True)
class Target:
    """Where one check-in goes: the identity, or why there is none."""

    identity: Reach | None
    reason: str | None = None


def choose_identity(preferred_channel: str | None, identities: Sequence[Reach]) -> Target:
    """The channel to ask the person on: the one the landlord named, else any they use."""
    usable = [i for i in identities if i.channel in _REACHABLE]
    preferred = [i for i in usable if i.channel.value == preferred_channel]
    ordered = preferred or usable
    if not ordered:
        where = preferred_channel or "any channel"
        return Target(None, f"no way to message them on {where}")
    reachable = [i for i in ordered if not i.opted_out]
    if not reachable:
        return Target(ordered[0], "opted_out")
    return Target(reachable[0])


async def _identities(session: AsyncSession, contact_ids: Sequence[int]) -> dict[int, list[Reach]]:
    table = ChannelIdentity.__table__  # type: ignore[attr-defined]
    found: dict[int, list[Reach]] = {}
    rows = await (await session.connection()).execute(
        sa.select(
            table.c.id,
            table.c.contact_id,
            table.c.channel,
            table.c.opted_out,
            table.c.last_inbound_at,
        )
        .where(table.c.contact_id.in_(contact_ids))
        .order_by(table.c.id)
    )
    for row in rows.all():
        found.setdefault(row.contact_id, []).append(
            Reach(row.id, row.contact_id, Channel(row.channel), row.opted_out, row.last_inbound_at)
        )
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


@dataclass(frozen=True)
class Due:
    """A due check-in, as much of it as queueing needs."""

    id: int
    contact_id: int
    language: str
    preferred_channel: str | None
    campaign: Campaign


async def _claim_due(session: AsyncSession, now: datetime, limit: int) -> list[Due]:
    """Lock up to `limit` due check-ins, within each run's share for now (spread sends)."""
    quotas = await run_quotas(session, now)
    due: list[Due] = []
    for run_id, quota in quotas.items():
        take = min(quota, limit - len(due))
        if take <= 0:
            continue
        run = await session.get(CheckinRun, run_id)
        campaign = await session.get(Campaign, run.campaign_id) if run else None
        if campaign is None or campaign.paused:
            continue
        rows = await session.exec(
            select(Checkin.id, Checkin.contact_id, Contact.language, Contact.preferred_channel)
            .join(Contact, col(Contact.id) == Checkin.contact_id)
            .where(
                Checkin.run_id == run_id,
                Checkin.status == CheckinStatus.PENDING,
                col(Checkin.due_at) <= now,
            )
            .order_by(col(Checkin.id))
            .limit(take)
            .with_for_update(of=Checkin, skip_locked=True)
        )
        due += [Due(i or 0, c, lang, pref, campaign) for i, c, lang, pref in rows.all()]
    return due


async def _settle_many(
    session: AsyncSession, now: datetime, status: CheckinStatus, values: dict[int, dict[str, Any]]
) -> None:
    """Mark check-ins that cannot be sent (few): each with its identity and reason; with no
    sending time, which only a real send gives (`do_start_wait`)."""
    if not values:
        return
    table = Checkin.__table__  # type: ignore[attr-defined]
    await (await session.connection()).execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("_id"))
        .values(
            status=status.value,
            identity_id=sa.bindparam("_identity"),
            reason=sa.bindparam("_reason"),
            updated_at=now,
        ),
        [
            {"_id": i, "_identity": v["identity_id"], "_reason": v["reason"]}
            for i, v in values.items()
        ],
    )


def _group_for(
    campaign: Campaign, language: str, identity: Reach, now: datetime, config: CheckinConfig
) -> MessageGroup | None:
    """The words and options one kind of person gets; None when nothing may be sent."""
    channel = identity.channel.value
    payload = payload_for(
        options=options_for(campaign.kind, language, channel),
        channel=identity.channel,
        last_inbound_at=identity.last_inbound_at,
        now=now,
        config=config,
    )
    if payload is None:
        return None
    text = question_for(campaign, language, channel, reminder=False)
    return MessageGroup(
        campaign.id or 0, campaign.reply_wait_minutes, text, json.dumps(payload, sort_keys=True)
    )


async def do_queue_due_checkins(
    *, session: AsyncSession, now: datetime, config: CheckinConfig, limit: int = QUEUE_CHUNK
) -> int:
    """Queue the messages of up to `limit` due check-ins; returns how many were due (all sent,
    settled or put off), so a full `limit` means more may be waiting.

    One that cannot be sent (no channel, opted out, WhatsApp with no template) is marked so,
    and the follow-up escalates it at once; one for someone mid-request waits a little.
    """
    due = await _claim_due(session, now, limit)
    if not due:
        return 0
    identities = await _identities(session, [d.contact_id for d in due])
    targets = {
        d.id: choose_identity(d.preferred_channel, identities.get(d.contact_id, [])) for d in due
    }
    busy = await find_busy(
        session,
        [t.identity.id for t in targets.values() if t.identity and t.identity.id],
        now - config.idle_after,
    )
    later: dict[datetime, list[int]] = {}
    # Rounds keep each person (and contact) once per statement; a second check-in for the same
    # person in this chunk (two campaigns at once) goes in the next round.
    rounds: list[dict[MessageGroup, list[tuple[int, int]]]] = []
    placed: list[set[int]] = []
    failed: dict[int, dict[str, Any]] = {}
    opted_out: dict[int, dict[str, Any]] = {}
    open_now: dict[int, bool] = {}
    # The words depend only on the campaign, language, channel and whether WhatsApp's window
    # has closed: worked out once per such kind of person, not once per person.
    groups: dict[tuple[int, str, Channel, bool], MessageGroup | None] = {}
    for item in due:
        campaign = item.campaign
        target = targets[item.id]
        identity = target.identity
        key_open = campaign.id or 0
        if key_open not in open_now:
            open_now[key_open] = in_window(campaign, now)
        if not open_now[key_open]:
            later.setdefault(next_in_window(campaign, now), []).append(item.id)
            continue
        if target.reason is not None or identity is None:
            settled = opted_out if target.reason == "opted_out" else failed
            settled[item.id] = {
                "identity_id": identity.id if identity else None,
                "reason": target.reason,
            }
            continue
        if identity.id in busy:
            later.setdefault(now + BUSY_PAUSE, []).append(item.id)
            continue
        closed = identity.channel is Channel.WHATSAPP and (
            identity.last_inbound_at is None or now - identity.last_inbound_at > WHATSAPP_WINDOW
        )
        key = (campaign.id or 0, item.language, identity.channel, closed)
        if key not in groups:
            groups[key] = _group_for(campaign, item.language, identity, now, config)
        group = groups[key]
        if group is None:
            reason = "WhatsApp needs an approved template after 24 hours; none is set"
            failed[item.id] = {"identity_id": identity.id, "reason": reason}
            continue
        n = next((k for k, seen in enumerate(placed) if item.contact_id not in seen), len(placed))
        if n == len(placed):
            placed.append(set())
            rounds.append({})
        placed[n].add(item.contact_id)
        rounds[n].setdefault(group, []).append((item.id, identity.id))
    people: list[int] = []
    for round_groups in rounds:
        for group, members in round_groups.items():
            people += await do_send_group(session, now, group, members)
    await request_deliveries(
        session=session,
        requests=[DeliveryRequest(i, OutboundPriority.BULK) for i in people],
    )
    await _settle_many(session, now, CheckinStatus.FAILED, failed)
    await _settle_many(session, now, CheckinStatus.OPTED_OUT, opted_out)
    for moment, checkin_ids in later.items():
        await session.exec(
            update(Checkin).where(col(Checkin.id).in_(checkin_ids)).values(due_at=moment)
        )
    return len(due)
