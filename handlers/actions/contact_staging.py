"""Writing an import's rows set by set: staged in a temporary table, then matched, updated and
inserted by a few statements per chunk, whatever its size.

On PostgreSQL the rows are staged with COPY, the fastest way in, through whichever driver the
operator's URL names (psycopg or asyncpg); on SQLite (one process, in memory) an ordinary
batched INSERT. Every step after is the same SQL on both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.inserts import dialect_insert
from models import ChannelIdentity, Contact
from models.base import UTCDateTime
from models.enums import Channel

# Channels whose identity is the phone number itself: made at import, matched by it.
PHONE_CHANNELS = (Channel.WHATSAPP.value, Channel.SMS.value, Channel.VOICE.value)

# The connection's own, gone at commit on PostgreSQL, emptied before each use on SQLite.
STAGE = sa.Table(
    "contact_import_stage",
    sa.MetaData(),
    sa.Column("line", sa.Integer, primary_key=True),
    sa.Column("contact_id", sa.Integer),
    sa.Column("tenant_ref", sa.String(64)),
    sa.Column("phone", sa.String(32)),
    sa.Column("display_name", sa.String(200)),
    sa.Column("preferred_channel", sa.String(16)),
    sa.Column("language", sa.String(10)),
    sa.Column("vulnerable", sa.Boolean),
    sa.Column("telecare", sa.Boolean),
    sa.Column("has_carer", sa.Boolean),
    sa.Column("next_alarm_test", sa.Date),
    sa.Column("consented_at", UTCDateTime()),
    sa.Column("consent_source", sa.String(200)),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
# The person's columns a row can set; an empty cell (NULL) keeps what is there.
KEPT = [c.name for c in STAGE.columns if c.name not in ("line", "contact_id")]
_DEFAULTS: dict[str, Any] = {"language": "en", "vulnerable": False, "telecare": False}
_DEFAULTS["has_carer"] = False


async def _stage(connection: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    await connection.run_sync(lambda sync: STAGE.create(sync, checkfirst=True))
    await connection.execute(STAGE.delete())
    names = [c.name for c in STAGE.columns]
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        records = [tuple(row.get(n) for n in names) for row in rows]
        if connection.dialect.driver == "asyncpg":
            await driver.copy_records_to_table(STAGE.name, records=records, columns=names)
            return
        async with driver.cursor() as cursor:
            columns = ", ".join(names)
            async with cursor.copy(f"COPY {STAGE.name} ({columns}) FROM STDIN") as copy:
                for record in records:
                    await copy.write_row(record)
    else:
        await connection.execute(sa.insert(STAGE), [{n: r.get(n) for n in names} for r in rows])


async def _match(connection: AsyncConnection) -> None:
    """Find who each staged row is: by reference, else by number (only someone without a
    reference of their own), on their record or on the identity they wrote in from."""
    contacts = Contact.__table__  # type: ignore[attr-defined]
    identities = ChannelIdentity.__table__  # type: ignore[attr-defined]
    unmatched = STAGE.c.contact_id.is_(None)
    await connection.execute(
        sa.update(STAGE)
        .where(contacts.c.tenant_ref == STAGE.c.tenant_ref)
        .values(contact_id=contacts.c.id)
    )
    await connection.execute(
        sa.update(STAGE)
        .where(unmatched, contacts.c.phone == STAGE.c.phone, contacts.c.tenant_ref.is_(None))
        .values(contact_id=contacts.c.id)
    )
    await connection.execute(
        sa.update(STAGE)
        .where(
            unmatched,
            identities.c.channel.in_(PHONE_CHANNELS),
            identities.c.external_id == STAGE.c.phone,
            contacts.c.id == identities.c.contact_id,
            contacts.c.tenant_ref.is_(None),
        )
        .values(contact_id=identities.c.contact_id)
    )


async def write_rows(
    session: AsyncSession, rows: Sequence[dict[str, Any]], now: datetime
) -> tuple[int, int]:
    """Create or update the people in `rows` (one dict per row: `line` and the KEPT columns
    given); returns how many were created and how many updated."""
    connection = await session.connection()
    contacts = Contact.__table__  # type: ignore[attr-defined]
    await _stage(connection, rows)
    await _match(connection)
    matched = STAGE.c.contact_id.is_not(None)
    total = (await connection.execute(sa.select(sa.func.count()).select_from(STAGE))).scalar_one()
    updated = (
        await connection.execute(sa.select(sa.func.count()).select_from(STAGE).where(matched))
    ).scalar_one()
    await connection.execute(
        sa.update(contacts)
        .where(contacts.c.id == STAGE.c.contact_id)
        .values(
            {n: sa.func.coalesce(STAGE.c[n], contacts.c[n]) for n in KEPT} | {"updated_at": now}
        )
    )
    fresh = [
        sa.func.coalesce(STAGE.c[n], _DEFAULTS[n]) if n in _DEFAULTS else STAGE.c[n] for n in KEPT
    ]
    new_rows = sa.select(*fresh, sa.literal(now, UTCDateTime()), sa.literal(now, UTCDateTime()))
    await connection.execute(
        sa.insert(contacts).from_select(
            [*KEPT, "created_at", "updated_at"], new_rows.where(~matched)
        )
    )
    created = int(total) - int(updated)
    # The new people's ids, by reference, else by number among those made just now.
    await connection.execute(
        sa.update(STAGE)
        .where(~matched, contacts.c.tenant_ref == STAGE.c.tenant_ref)
        .values(contact_id=contacts.c.id)
    )
    await connection.execute(
        sa.update(STAGE)
        .where(
            ~matched,
            STAGE.c.tenant_ref.is_(None),
            contacts.c.tenant_ref.is_(None),
            contacts.c.phone == STAGE.c.phone,
            contacts.c.created_at == now,
        )
        .values(contact_id=contacts.c.id)
    )
    identities = ChannelIdentity.__table__  # type: ignore[attr-defined]
    messaged = sa.select(
        STAGE.c.contact_id,
        STAGE.c.preferred_channel,
        STAGE.c.phone,
        STAGE.c.phone,
        sa.literal({}, sa.JSON()),
        sa.literal(False),
        sa.literal(now, UTCDateTime()),
    ).where(
        STAGE.c.preferred_channel.in_(PHONE_CHANNELS),
        STAGE.c.phone.is_not(None),
        matched,
    )
    columns = ["contact_id", "channel", "external_id", "phone", "profile", "opted_out"]
    # Someone who already wrote from that number keeps their identity (and its history).
    await connection.execute(
        dialect_insert(session)(identities)
        .from_select([*columns, "created_at"], messaged)
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
    )
    return created, int(updated)
