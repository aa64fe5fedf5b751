"""Signing staff in to the web page: sessions, their CSRF tokens, and locking out guessers.

A session's cookie is a random token and only its SHA-256 is stored, as with API tokens. Its
CSRF token is derived from the cookie's token, so it needs no storage and a page from another
site, which cannot read the cookie, cannot know it.

Wrong passwords count against the account (the email typed, whether or not it exists, so a
lock-out does not reveal who has an account) and against the address they came from. Too many
within the lock-out period and sign-in is refused until the last of them is that old.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.staff import check_password_login, hash_token
from models import SignInFailure, Staff, StaffSession

# Touching `last_seen_at` on every request would make each page view a write; once a
# minute is enough to measure idleness in minutes.
_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionRules:
    """How long a sign-in lasts, and how many wrong passwords lock sign-in for how long."""

    idle: timedelta = timedelta(minutes=60)
    longest: timedelta = timedelta(hours=12)
    max_failures: int = 5
    max_failures_per_address: int = 20
    lockout: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class SignedIn:
    """A staff member signed in on the web page, and their session."""

    staff: Staff
    session: StaffSession
    csrf_token: str


@dataclass(frozen=True)
class SignInResult:
    """The outcome of a sign-in: a new session's token, or why not and until when."""

    token: str | None = None
    locked_until: datetime | None = None


def csrf_token_for(token: str) -> str:
    """The CSRF token of the session whose cookie holds `token`."""
    return hmac.new(token.encode(), b"staff-web-csrf", hashlib.sha256).hexdigest()


def check_csrf(expected: str, given: str | None) -> bool:
    """Whether a request's CSRF token is the expected one (compared in constant time)."""
    return given is not None and hmac.compare_digest(expected, given)


def _failure_key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8", "surrogateescape")).hexdigest()


async def _locked_until(
    session: AsyncSession, key: str, limit: int, rules: SessionRules, now: datetime
) -> datetime | None:
    statement = select(func.count(), func.max(SignInFailure.created_at)).where(
        SignInFailure.key_hash == key, col(SignInFailure.created_at) > now - rules.lockout
    )
    count, latest = (await session.exec(statement)).one()
    if count < limit or latest is None:
        return None
    # SQLite hands back the aggregate as text; a stored timestamp is always UTC.
    if isinstance(latest, str):
        latest = datetime.fromisoformat(latest)
    return latest.replace(tzinfo=latest.tzinfo or now.tzinfo) + rules.lockout


async def check_sign_in_allowed(
    *, session: AsyncSession, email: str, address: str, rules: SessionRules, now: datetime
) -> datetime | None:
    """When sign-in for this email or from this address is locked, the time it unlocks."""
    email = email.strip().lower()
    ends = [
        await _locked_until(
            session, _failure_key("account", email), rules.max_failures, rules, now
        ),
        await _locked_until(
            session,
            _failure_key("address", address),
            rules.max_failures_per_address,
            rules,
            now,
        ),
    ]
    locked = [end for end in ends if end is not None and end > now]
    return max(locked) if locked else None


async def do_record_failed_sign_in(
    *, session: AsyncSession, email: str, address: str, rules: SessionRules, now: datetime
) -> datetime | None:
    """Count a wrong password against the email and the address; when sign-in is now locked,
    the time it unlocks."""
    # Failures older than the lock-out period count for nothing; clearing them keeps the
    # table small.
    await session.exec(
        delete(SignInFailure).where(col(SignInFailure.created_at) < now - rules.lockout)
    )
    email = email.strip().lower()
    for key in (_failure_key("account", email), _failure_key("address", address)):
        session.add(SignInFailure(key_hash=key, created_at=now))
    await session.flush()
    return await check_sign_in_allowed(
        session=session, email=email, address=address, rules=rules, now=now
    )


async def do_web_sign_in(
    *,
    session: AsyncSession,
    email: str,
    password: str,
    address: str,
    rules: SessionRules,
    now: datetime,
) -> SignInResult:
    """Check the password unless locked out; a right one starts a session, a wrong one counts.

    The password is not even checked while locked, so guessing on gains nothing.
    """
    email = email.strip().lower()
    locked = await check_sign_in_allowed(
        session=session, email=email, address=address, rules=rules, now=now
    )
    if locked is not None:
        return SignInResult(locked_until=locked)
    staff = await check_password_login(session=session, email=email, password=password)
    if staff is None:
        locked = await do_record_failed_sign_in(
            session=session, email=email, address=address, rules=rules, now=now
        )
        return SignInResult(locked_until=locked)
    await session.exec(
        delete(SignInFailure).where(col(SignInFailure.key_hash) == _failure_key("account", email))
    )
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            staff_id=staff.id,  # type: ignore[arg-type]
            token_hash=hash_token(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + rules.longest,
        )
    )
    await session.flush()
    return SignInResult(token=token)


async def access_web_session(
    *, session: AsyncSession, token: str, rules: SessionRules, now: datetime
) -> SignedIn | None:
    """The staff member a session cookie signs in, unless it ended, idled out or expired."""
    statement = (
        select(StaffSession, Staff)
        .join(Staff, col(Staff.id) == StaffSession.staff_id)
        .where(StaffSession.token_hash == hash_token(token))
    )
    row = (await session.exec(statement)).first()
    if row is None:
        return None
    record, staff = row
    if record.revoked_at is not None or not staff.is_active or record.expires_at <= now:
        return None
    if now - record.last_seen_at > rules.idle:
        return None
    if now - record.last_seen_at > _TOUCH_EVERY:
        record.last_seen_at = now
        session.add(record)
        await session.flush()
    return SignedIn(staff=staff, session=record, csrf_token=csrf_token_for(token))


async def do_web_sign_out(*, session: AsyncSession, record: StaffSession, now: datetime) -> None:
    """End a web session; its cookie signs nobody in again."""
    if record.revoked_at is None:
        record.revoked_at = now
        session.add(record)
        await session.flush()
