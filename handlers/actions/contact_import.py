"""Importing a landlord's contact list from CSV: rows checked one by one, then written in chunks.

A row is matched to an existing person by the landlord's `tenant_ref`, else by phone (only a
person with no other reference), so a second import of the same file updates and never
duplicates. A bad row is reported with its line and reason and the others still go in. Each
chunk is written with a handful of statements, whatever its size, so a 50,000-row file takes
seconds. WhatsApp and SMS people get their channel identity at once; Telegram people join
through an invitation link (`invitations`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.conversation.parsers.phones import parse_uk_phone
from models import ChannelIdentity, Contact
from models.base import UTCDateTime
from models.enums import Channel

CHANNELS = ("whatsapp", "sms", "telegram", "voice")
COLUMNS = (
    "name",
    "phone",
    "channel",
    "language",
    "vulnerable",
    "telecare",
    "carer",
    "next_alarm_test",
    "tenant_ref",
    "consent_at",
    "consent_source",
)
CHUNK = 1000
MAX_ROWS = 200_000

_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
_REF = re.compile(r"^[\w./ -]{1,64}$")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (no header, no usable columns)."""


@dataclass(frozen=True)
class Rejected:
    """A row left out, with the file's line number and why."""

    line: int
    reason: str


@dataclass
class ImportResult:
    """How many people were created and updated, and the rows left out."""

    created: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True)
class ImportRow:
    """One checked row. A field that is None was left empty: kept as it is on an update."""

    line: int
    tenant_ref: str | None
    phone: str | None
    name: str | None
    channel: str | None
    language: str | None
    vulnerable: bool | None
    telecare: bool | None
    carer: bool | None
    next_alarm_test: date | None
    consent_at: datetime | None
    consent_source: str | None

    def values(self) -> dict[str, Any]:
        """The contact's columns this row sets."""
        given = {
            "display_name": self.name,
            "phone": self.phone,
            "preferred_channel": self.channel,
            "language": self.language,
            "vulnerable": self.vulnerable,
            "telecare": self.telecare,
            "has_carer": self.carer,
            "next_alarm_test": self.next_alarm_test,
            "consented_at": self.consent_at,
            "consent_source": self.consent_source,
        }
        return {k: v for k, v in given.items() if v is not None}


def _flag(value: str, column: str) -> bool | None:
    text = value.strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{column} must be true or false (yes/no, 1/0)")


def _phone(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    found = parse_uk_phone(text)
    if found is None:
        compact = re.sub(r"[ ()\-.]", "", text)
        found = compact if _E164.match(compact) else None
    if found is None:
        raise ValueError("phone is not a UK number or an international one starting with +")
    return found


def _consent_time(value: str) -> datetime | None:
    text = value.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("consent_at must be a date like 2024-03-01 (or a date and time)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_row(line: int, cells: dict[str, str], today: date) -> ImportRow:
    """One CSV row as an ImportRow; ValueError says what is wrong with it."""
    get = {name: (cells.get(name) or "").strip() for name in COLUMNS}
    tenant_ref = get["tenant_ref"] or None
    if tenant_ref is not None and not _REF.match(tenant_ref):
        raise ValueError("tenant_ref may hold up to 64 letters, digits, spaces and . / - _")
    phone = _phone(get["phone"])
    channel = get["channel"].lower() or ("sms" if phone else None)
    if channel is not None and channel not in CHANNELS:
        raise ValueError("channel must be whatsapp, sms, telegram or voice")
    if channel in ("whatsapp", "sms", "voice") and phone is None:
        raise ValueError(f"phone is needed for {channel}")
    if tenant_ref is None and phone is None:
        raise ValueError("a row needs a tenant_ref or a phone")
    language = get["language"].lower() or None
    if language is not None and not _LANGUAGE.match(language):
        raise ValueError("language must be a code like en or cy")
    if len(get["name"]) > 200:
        raise ValueError("name is longer than 200 characters")
    alarm = None
    if get["next_alarm_test"]:
        try:
            alarm = date.fromisoformat(get["next_alarm_test"])
        except ValueError:
            raise ValueError("next_alarm_test must be a date like 2024-03-01") from None
    consent_at = _consent_time(get["consent_at"])
    source = get["consent_source"] or None
    if consent_at is not None and source is None:
        raise ValueError("consent_source is needed with consent_at")
    if consent_at is not None and consent_at.date() > today:
        raise ValueError("consent_at is in the future")
    if source is not None and len(source) > 200:
        raise ValueError("consent_source is longer than 200 characters")
    return ImportRow(
        line=line,
        tenant_ref=tenant_ref,
        phone=phone,
        name=get["name"] or None,
        channel=channel,
        language=language,
        vulnerable=_flag(get["vulnerable"], "vulnerable"),
        telecare=_flag(get["telecare"], "telecare"),
        carer=_flag(get["carer"], "carer"),
        next_alarm_test=alarm,
        consent_at=consent_at,
        consent_source=source,
    )


def read_rows(text: str, today: date) -> Iterator[ImportRow | Rejected]:
    """Each data row of a CSV file, checked; ImportFileError when the header is unusable."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise ImportFileError("The file is empty: it needs a header row.")
    if "tenant_ref" not in header and "phone" not in header:
        raise ImportFileError("The header row needs a tenant_ref or a phone column.")
    reader.fieldnames = header
    seen: dict[str, int] = {}
    count = 0
    for cells in reader:
        line = reader.line_num
        count += 1
        if count > MAX_ROWS:
            yield Rejected(line, f"more than {MAX_ROWS} rows: import the rest separately")
            return
        if None in cells:
            yield Rejected(line, "more cells than the header has columns")
            continue
        try:
            row = check_row(line, cells, today)
        except ValueError as exc:
            yield Rejected(line, str(exc))
            continue
        key = f"ref:{row.tenant_ref}" if row.tenant_ref else f"phone:{row.phone}"
        if key in seen:
            yield Rejected(line, f"the same person as line {seen[key]}")
            continue
        seen[key] = line
        yield row


def dialect_insert(session: AsyncSession) -> Any:
    """The INSERT construct of the session's database, which knows ON CONFLICT."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    return (postgresql if dialect == "postgresql" else sqlite).insert


async def _existing(session: AsyncSession, rows: Sequence[ImportRow]) -> dict[int, int]:
    """For each row (by line), the id of the person it updates, if any."""
    refs = [r.tenant_ref for r in rows if r.tenant_ref]
    by_ref: dict[str, int] = {}
    if refs:
        found = await session.exec(
            select(Contact.tenant_ref, Contact.id).where(col(Contact.tenant_ref).in_(refs))
        )
        by_ref = {str(ref): int(i) for ref, i in found.all() if i is not None}
    phones = [r.phone for r in rows if r.phone and r.tenant_ref not in by_ref]
    by_phone: dict[str, int] = {}
    if phones:
        # Only a person with no reference of their own can be matched by number.
        found = await session.exec(
            select(Contact.phone, Contact.id).where(
                col(Contact.phone).in_(phones), col(Contact.tenant_ref).is_(None)
            )
        )
        by_phone = {str(p): int(i) for p, i in found.all() if i is not None}
        # Someone who already wrote in from the number: found by the identity's own key.
        talked = await session.exec(
            select(ChannelIdentity.external_id, ChannelIdentity.contact_id)
            .join(Contact, col(Contact.id) == ChannelIdentity.contact_id)
            .where(
                col(ChannelIdentity.channel).in_((Channel.WHATSAPP, Channel.SMS)),
                col(ChannelIdentity.external_id).in_(phones),
                col(Contact.tenant_ref).is_(None),
            )
        )
        for phone, contact_id in talked.all():
            by_phone.setdefault(str(phone), int(contact_id))
    matched: dict[int, int] = {}
    for row in rows:
        if row.tenant_ref and row.tenant_ref in by_ref:
            matched[row.line] = by_ref[row.tenant_ref]
        elif row.phone and row.phone in by_phone:
            matched[row.line] = by_phone[row.phone]
    return matched


# Each chunk's updates are staged here, then applied by one UPDATE ... FROM: a statement per
# chunk rather than one per row. A temporary table, the connection's own, gone at commit on
# PostgreSQL and emptied before each use.
_STAGE = sa.Table(
    "contact_import_stage",
    sa.MetaData(),
    sa.Column("contact_id", sa.Integer, primary_key=True),
    sa.Column("display_name", sa.String(200)),
    sa.Column("phone", sa.String(32)),
    sa.Column("preferred_channel", sa.String(16)),
    sa.Column("language", sa.String(10)),
    sa.Column("vulnerable", sa.Boolean),
    sa.Column("telecare", sa.Boolean),
    sa.Column("has_carer", sa.Boolean),
    sa.Column("next_alarm_test", sa.Date),
    sa.Column("consented_at", UTCDateTime()),
    sa.Column("consent_source", sa.String(200)),
    sa.Column("tenant_ref", sa.String(64)),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
_KEPT = [c.name for c in _STAGE.columns if c.name != "contact_id"]


async def _update_matched(
    session: AsyncSession, rows: Sequence[ImportRow], matched: dict[int, int], now: datetime
) -> None:
    """Apply the rows that update someone; an empty cell keeps what the person had."""
    staged = [
        {
            "contact_id": matched[r.line],
            **dict.fromkeys(_KEPT),
            **r.values(),
            "tenant_ref": r.tenant_ref,
        }
        for r in rows
        if r.line in matched
    ]
    if not staged:
        return
    connection = await session.connection()
    await connection.run_sync(lambda sync: _STAGE.create(sync, checkfirst=True))
    await connection.execute(_STAGE.delete())
    # RETURNING makes SQLAlchemy batch the rows into multi-row INSERTs (insertmanyvalues).
    await connection.execute(sa.insert(_STAGE).returning(_STAGE.c.contact_id), staged)
    contacts = Contact.__table__  # type: ignore[attr-defined]
    await connection.execute(
        sa.update(contacts)
        .where(contacts.c.id == _STAGE.c.contact_id)
        .values(
            {name: sa.func.coalesce(_STAGE.c[name], contacts.c[name]) for name in _KEPT}
            | {"updated_at": now}
        )
    )


async def _write_chunk(
    session: AsyncSession, rows: Sequence[ImportRow], now: datetime, result: ImportResult
) -> None:
    matched = await _existing(session, rows)
    await _update_matched(session, rows, matched, now)
    result.updated += len(matched)
    connection = await session.connection()
    table = Contact.__table__  # type: ignore[attr-defined]
    new = [row for row in rows if row.line not in matched]
    if new:
        params = [
            {
                "display_name": r.name,
                "phone": r.phone,
                "preferred_channel": r.channel,
                "language": r.language or "en",
                "vulnerable": bool(r.vulnerable),
                "telecare": bool(r.telecare),
                "has_carer": bool(r.carer),
                "next_alarm_test": r.next_alarm_test,
                "consented_at": r.consent_at,
                "consent_source": r.consent_source,
                "tenant_ref": r.tenant_ref,
                "created_at": now,
                "updated_at": now,
            }
            for r in new
        ]
        # Batched by the driver; the new ids are read back by reference (or number).
        await connection.execute(sa.insert(table).returning(table.c.id), params)
        made = await _existing(session, new)
        matched.update(made)
        result.created += len(new)

    identities = [
        {
            "contact_id": matched[r.line],
            "channel": r.channel,
            "external_id": r.phone,
            "phone": r.phone,
            "profile": {},
            "opted_out": False,
            "created_at": now,
        }
        for r in rows
        if r.channel in (Channel.WHATSAPP.value, Channel.SMS.value) and r.phone
    ]
    if identities:
        ident_table = ChannelIdentity.__table__  # type: ignore[attr-defined]
        # Someone who already wrote from that number keeps their identity (and its history).
        await connection.execute(
            dialect_insert(session)(ident_table)
            .on_conflict_do_nothing(index_elements=["channel", "external_id"])
            .returning(ident_table.c.id),
            identities,
        )


async def do_import_contacts(
    *,
    session: AsyncSession,
    text: str,
    now: datetime,
    on_progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import a CSV contact list in the caller's transaction; `on_progress` hears rows done."""
    result = ImportResult()
    chunk: list[ImportRow] = []
    for item in read_rows(text, now.date()):
        if isinstance(item, Rejected):
            result.rejected.append(item)
            if on_progress:
                on_progress(1)
            continue
        chunk.append(item)
        if len(chunk) >= CHUNK:
            await _write_chunk(session, chunk, now, result)
            if on_progress:
                on_progress(len(chunk))
            chunk = []
    if chunk:
        await _write_chunk(session, chunk, now, result)
        if on_progress:
            on_progress(len(chunk))
    return result


def count_rows(text: str) -> int:
    """About how many data rows a file holds (its lines less the header), for a progress bar."""
    return max(text.count("\n") - (0 if text.endswith("\n") else -1) - 1, 0)
