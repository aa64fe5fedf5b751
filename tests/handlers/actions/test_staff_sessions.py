"""Web sign-in: sessions end when idle or old, and guessing locks the account and the address."""

from __future__ import annotations

from datetime import timedelta

from bot.db import SessionFactory, transaction
from handlers.actions.staff_sessions import (
    SessionRules,
    access_web_session,
    csrf_token_for,
    do_web_sign_in,
)
from models.base import utcnow
from models.staff import StaffRole
from tests.admin.conftest import make_staff

PASSWORD = "a long enough password"
RULES = SessionRules(
    idle=timedelta(minutes=30),
    longest=timedelta(hours=8),
    max_failures=3,
    max_failures_per_address=5,
    lockout=timedelta(minutes=15),
)


async def sign_in(db: SessionFactory, email: str, password: str, address: str, minutes: float = 0):
    async with transaction(db) as session:
        return await do_web_sign_in(
            session=session,
            email=email,
            password=password,
            address=address,
            rules=RULES,
            now=utcnow() + timedelta(minutes=minutes),
        )


async def test_a_session_ends_after_idling_or_at_its_longest(db: SessionFactory) -> None:
    account = await make_staff(db, StaffRole.AGENT, password=PASSWORD)
    result = await sign_in(db, account.staff.email, PASSWORD, "10.0.0.1")
    assert result.token is not None
    start = utcnow()

    async def who(after: timedelta) -> str | None:
        async with transaction(db) as session:
            found = await access_web_session(
                session=session, token=result.token or "", rules=RULES, now=start + after
            )
        return found.staff.email if found else None

    assert await who(timedelta(minutes=20)) == account.staff.email
    assert await who(timedelta(minutes=45)) == account.staff.email  # seen at 20, so not idle
    assert await who(timedelta(minutes=80)) is None  # 35 minutes since it was last seen
    assert csrf_token_for(result.token) != csrf_token_for(result.token + "x")


async def test_wrong_passwords_lock_the_account_then_the_address(db: SessionFactory) -> None:
    first = await make_staff(db, StaffRole.AGENT, password=PASSWORD)
    second = await make_staff(db, StaffRole.AGENT, password=PASSWORD)
    tries = [await sign_in(db, first.staff.email, "wrong", "10.0.0.2") for _ in range(3)]
    assert [t.locked_until is not None for t in tries] == [False, False, True]
    locked = tries[-1].locked_until
    assert locked is not None and timedelta(minutes=14) < locked - utcnow() <= RULES.lockout
    assert (await sign_in(db, first.staff.email, PASSWORD, "10.0.0.3")).token is None
    # Someone else from another address is not held up by it.
    assert (await sign_in(db, second.staff.email, PASSWORD, "10.0.0.3")).token is not None
    # The address that made the guesses is locked for everyone after a few more.
    for n in range(2):
        await sign_in(db, f"nobody{n}@example.org", "wrong", "10.0.0.2")
    assert (await sign_in(db, second.staff.email, PASSWORD, "10.0.0.2")).locked_until
    # After the lock-out period, the right password works again.
    later = await sign_in(db, first.staff.email, PASSWORD, "10.0.0.4", minutes=16)
    assert later.token is not None
