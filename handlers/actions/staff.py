"""Staff accounts, their API tokens and password sign-in.

A token is shown once and only its SHA-256 is stored: tokens are long and random, so a fast
hash is enough and a stolen database holds nothing that signs in. Passwords, which people
choose, are hashed with Argon2 instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from pwdlib import PasswordHash
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.audit import do_record_audit
from handlers.actions.errors import ConflictError, NotFoundError
from handlers.actions.paging import Key, Page, after, decode_cursor, order_by, page_of
from models import Staff, StaffToken
from models.audit import AuditAction
from models.staff import StaffRole

TOKEN_PREFIX = "hbt_"
LOGIN_TOKEN_LIFETIME = timedelta(hours=12)
BOOTSTRAP_EMAIL = "bootstrap-admin@helpbot.invalid"


@dataclass(frozen=True)
class StaffChanges:
    """Changes an admin makes to an account; a field left as None stays as it is."""

    name: str | None = None
    role: StaffRole | None = None
    is_active: bool | None = None
    password: str | None = None


@cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


@cache
def _decoy_hash() -> str:
    # Checked against when the email is unknown, so a wrong email takes as long as a wrong
    # password and sign-in does not reveal who has an account.
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def new_token() -> str:
    """A fresh API token with 256 bits of randomness."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


async def hash_password(password: str) -> str:
    """An Argon2 hash, computed off the event loop since it is slow on purpose."""
    return await asyncio.to_thread(_hasher().hash, password)


async def access_staff_by_token(
    *, session: AsyncSession, token: str, now: datetime
) -> tuple[Staff, StaffToken] | None:
    """The active staff member a token belongs to, unless it is unknown, revoked or expired."""
    statement = (
        select(StaffToken, Staff)
        .join(Staff, col(Staff.id) == StaffToken.staff_id)
        .where(StaffToken.token_hash == hash_token(token))
    )
    row = (await session.exec(statement)).first()
    if row is None:
        return None
    record, staff = row
    if record.revoked_at is not None or not staff.is_active:
        return None
    if record.expires_at is not None and record.expires_at <= now:
        return None
    return staff, record


async def check_password_login(*, session: AsyncSession, email: str, password: str) -> Staff | None:
    """The active staff member with this email and password, or None."""
    statement = select(Staff).where(Staff.email == email.strip().lower())
    staff = (await session.exec(statement)).first()
    stored = staff.password_hash if staff is not None else None
    valid = await asyncio.to_thread(_hasher().verify, password, stored or _decoy_hash())
    if staff is None or stored is None or not valid or not staff.is_active:
        return None
    return staff


async def do_issue_token(
    *,
    session: AsyncSession,
    staff: Staff,
    now: datetime,
    label: str = "",
    expires_at: datetime | None = None,
    actor: Staff | None = None,
) -> tuple[StaffToken, str]:
    """A new token for `staff`; the token itself is returned this once and never stored."""
    token = new_token()
    record = StaffToken(
        staff_id=staff.id,  # type: ignore[arg-type]
        token_hash=hash_token(token),
        label=label,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(record)
    await session.flush()
    if actor is not None:
        await do_record_audit(
            session=session,
            staff=actor,
            action=AuditAction.TOKEN_CREATE,
            object_type="staff",
            object_id=staff.id,  # type: ignore[arg-type]
            data={"token_id": record.id, "label": label},
            now=now,
        )
    return record, token


async def do_login(
    *, session: AsyncSession, email: str, password: str, now: datetime
) -> tuple[StaffToken, str] | None:
    """Check a password and issue a short-lived token for it, or None if it is wrong."""
    staff = await check_password_login(session=session, email=email, password=password)
    if staff is None:
        return None
    return await do_issue_token(
        session=session,
        staff=staff,
        now=now,
        label="sign-in",
        expires_at=now + LOGIN_TOKEN_LIFETIME,
    )


async def do_create_staff(
    *,
    session: AsyncSession,
    email: str,
    name: str,
    role: StaffRole,
    now: datetime,
    password: str | None = None,
    actor: Staff | None = None,
) -> tuple[Staff, str]:
    """A new account and its first API token, returned once; ConflictError if the email is taken."""
    staff = Staff(
        email=email.strip().lower(),
        name=name.strip(),
        role=role,
        password_hash=await hash_password(password) if password else None,
        created_at=now,
        updated_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(staff)
            await session.flush()
    except IntegrityError:
        raise ConflictError(
            f"A staff account with the email {staff.email} already exists."
        ) from None
    if actor is not None:
        await do_record_audit(
            session=session,
            staff=actor,
            action=AuditAction.STAFF_CREATE,
            object_type="staff",
            object_id=staff.id,  # type: ignore[arg-type]
            data={"email": staff.email, "role": role.value},
            now=now,
        )
    _, token = await do_issue_token(session=session, staff=staff, now=now, label="first token")
    return staff, token


async def access_staff(*, session: AsyncSession, staff_id: int) -> Staff:
    """A staff member by id; NotFoundError if there is none."""
    staff = await session.get(Staff, staff_id)
    if staff is None:
        raise NotFoundError(f"Staff member {staff_id} was not found.")
    return staff


async def do_update_staff(
    *, session: AsyncSession, staff: Staff, changes: StaffChanges, actor: Staff, now: datetime
) -> Staff:
    """Change an account's name, role, password or active flag.

    An admin cannot demote or deactivate themself, so the last admin cannot lock everyone out.
    """
    if staff.id == actor.id and (
        changes.is_active is False or (changes.role is not None and changes.role != StaffRole.ADMIN)
    ):
        raise ConflictError("You cannot deactivate your own account or remove your own admin role.")
    recorded: dict[str, object] = {}
    if changes.name is not None and changes.name != staff.name:
        recorded["name"] = {"from": staff.name, "to": changes.name}
        staff.name = changes.name
    if changes.role is not None and changes.role != staff.role:
        recorded["role"] = {"from": staff.role.value, "to": changes.role.value}
        staff.role = changes.role
    if changes.is_active is not None and changes.is_active != staff.is_active:
        recorded["is_active"] = {"from": staff.is_active, "to": changes.is_active}
        staff.is_active = changes.is_active
    if changes.password is not None:
        recorded["password"] = "changed"
        staff.password_hash = await hash_password(changes.password)
    if recorded:
        staff.updated_at = now
        session.add(staff)
        await do_record_audit(
            session=session,
            staff=actor,
            action=AuditAction.STAFF_UPDATE,
            object_type="staff",
            object_id=staff.id,  # type: ignore[arg-type]
            data=recorded,
            now=now,
        )
    await session.flush()
    return staff


async def list_tokens(*, session: AsyncSession, staff: Staff) -> list[StaffToken]:
    """A staff member's tokens, newest first."""
    statement = (
        select(StaffToken)
        .where(StaffToken.staff_id == staff.id)
        .order_by(col(StaffToken.id).desc())
    )
    return list((await session.exec(statement)).all())


async def do_revoke_token(
    *, session: AsyncSession, staff: Staff, token_id: int, actor: Staff, now: datetime
) -> StaffToken:
    """Revoke one of `staff`'s tokens; revoking an already revoked one changes nothing."""
    record = await session.get(StaffToken, token_id)
    if record is None or record.staff_id != staff.id:
        raise NotFoundError(f"Token {token_id} of staff member {staff.id} was not found.")
    if record.revoked_at is None:
        record.revoked_at = now
        session.add(record)
        await do_record_audit(
            session=session,
            staff=actor,
            action=AuditAction.TOKEN_REVOKE,
            object_type="staff",
            object_id=staff.id,
            data={"token_id": token_id},
            now=now,
        )
        await session.flush()
    return record


_STAFF_KEYS = [Key(col(Staff.id))]


async def list_staff(*, session: AsyncSession, cursor: str | None, limit: int) -> Page[Staff]:
    """Staff accounts in the order they were made."""
    statement = select(Staff)
    if cursor is not None:
        statement = statement.where(after(_STAFF_KEYS, decode_cursor(cursor, "staff", _STAFF_KEYS)))
    rows = (await session.exec(statement.order_by(*order_by(_STAFF_KEYS)).limit(limit + 1))).all()
    return page_of(rows, limit, "staff", lambda staff: [staff.id])


async def do_ensure_bootstrap_admin(*, session: AsyncSession, token: str, now: datetime) -> Staff:
    """Make sure an active admin holds `token`, creating the account on first start.

    The token comes from the operator's settings, so it is honoured even if it was revoked
    through the API: taking it out of the settings is how it is retired.
    """
    statement = (
        select(StaffToken, Staff)
        .join(Staff, col(Staff.id) == StaffToken.staff_id)
        .where(StaffToken.token_hash == hash_token(token))
    )
    row = (await session.exec(statement)).first()
    if row is not None:
        record, staff = row
        record.revoked_at = None
        record.expires_at = None
        staff.is_active = True
        staff.role = StaffRole.ADMIN
        session.add_all([record, staff])
        await session.flush()
        return staff
    staff_row = (await session.exec(select(Staff).where(Staff.email == BOOTSTRAP_EMAIL))).first()
    if staff_row is None:
        staff_row = Staff(
            email=BOOTSTRAP_EMAIL,
            name="Bootstrap admin",
            role=StaffRole.ADMIN,
            created_at=now,
            updated_at=now,
        )
        session.add(staff_row)
        await session.flush()
    staff_row.is_active = True
    staff_row.role = StaffRole.ADMIN
    session.add(
        StaffToken(
            staff_id=staff_row.id,  # type: ignore[arg-type]
            token_hash=hash_token(token),
            label="HELPBOT_BOOTSTRAP_ADMIN_TOKEN",
            created_at=now,
        )
    )
    await session.flush()
    return staff_row


async def do_sign_out(*, session: AsyncSession, token: StaffToken, now: datetime) -> None:
    """Revoke the token a staff member is using, ending that sign-in."""
    if token.revoked_at is None:
        token.revoked_at = now
        session.add(token)
        await session.flush()
