"""Importing a landlord's contact list from CSV: rows checked one by one, then written in chunks.

A row is matched to an existing person by the landlord's `tenant_ref`, else by phone (only a
person with no other reference), so a second import of the same file updates and never
duplicates. A bad row is reported with its line and reason and the others still go in. Each
chunk is written with a handful of statements, whatever its size, so a 50,000-row file takes
seconds. WhatsApp, SMS and voice (landline) people get their channel identity at once;
Telegram people join through an invitation link (`invitations`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.contact_staging import write_rows
from handlers.conversation.parsers.phones import parse_uk_phone

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
CHUNK = 5000
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
    for name, value in get.items():
        if "\x00" in value:
            raise ValueError(f"{name} holds a NUL character")
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


def _records(reader: csv.DictReader[str]) -> Iterator[dict[str, str]]:
    """The reader's records; a file the csv module cannot read is refused with its line."""
    try:
        yield from reader
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num} cannot be read as CSV: {exc}.") from None


def read_rows(text: str, today: date) -> Iterator[ImportRow | Rejected]:
    """Each data row of a CSV file, checked; ImportFileError when the header is unusable."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        names = reader.fieldnames or []
    except csv.Error as exc:
        raise ImportFileError(f"The header row cannot be read as CSV: {exc}.") from None
    header = [h.strip().lower() for h in names]
    if not header:
        raise ImportFileError("The file is empty: it needs a header row.")
    if "tenant_ref" not in header and "phone" not in header:
        raise ImportFileError("The header row needs a tenant_ref or a phone column.")
    reader.fieldnames = header
    seen: dict[str, int] = {}
    count = 0
    for cells in _records(reader):
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


def _staged(row: ImportRow) -> dict[str, Any]:
    return {"line": row.line, "tenant_ref": row.tenant_ref, **row.values()}


async def _write_chunk(
    session: AsyncSession, rows: Sequence[ImportRow], now: datetime, result: ImportResult
) -> None:
    created, updated = await write_rows(session, [_staged(r) for r in rows], now)
    result.created += created
    result.updated += updated


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
