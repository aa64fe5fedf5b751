"""The database engine and sessions, for SQLite and PostgreSQL alike."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

SessionFactory = async_sessionmaker[AsyncSession]

# What a database that cannot be reached raises: the driver's errors (wrapped by SQLAlchemy), a
# refused or dropped connection (asyncpg raises a plain OSError, TimeoutError among them), or
# no free connection in the pool in time.
DATABASE_ERRORS: tuple[type[Exception], ...] = (DBAPIError, OSError, PoolTimeout)

# A pooled connection idle longer than this is checked before use (`_ping`).
PING_AFTER_IDLE = 2.0
_IDLE_SINCE = "helpbot.idle_since"


def _unicode_lower(value: object) -> str | None:
    return None if value is None else str(value).lower()


def create_engine(database_url: str) -> AsyncEngine:
    """An engine for the URL; SQLite gets foreign keys and a busy timeout so writers queue."""
    if database_url.startswith("sqlite"):
        engine = create_async_engine(database_url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()
            # SQLite's own lower() folds only ASCII; searches must match "Zoë" as PostgreSQL does.
            dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

        return engine
    engine = create_async_engine(database_url)
    event.listen(engine.sync_engine, "checkin", _checked_in)
    event.listen(engine.sync_engine, "checkout", _ping)
    return engine


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info[_IDLE_SINCE] = time.monotonic()


def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Check that a pooled connection that sat idle still answers before it is handed out.

    In place of `pool_pre_ping`, whose asyncpg form wraps its statement in BEGIN and ROLLBACK:
    three round trips on every checkout, where this takes one, and only after PING_AFTER_IDLE
    (a busy service reuses each connection within milliseconds; a check on each of those was a
    twentieth of a reply's statements). A connection that does not answer is replaced, and so
    is every other pooled one (after a restart none answer). Within the idle time, a connection
    lost since is found by its first statement: SQLAlchemy then replaces the pool the same way,
    and the request fails as a database error (503 to Telegram, which sends it again; Twilio's
    forms go to the spool).
    """
    since = record.info.get(_IDLE_SINCE)
    if since is not None and time.monotonic() - since < PING_AFTER_IDLE:
        return
    try:
        await_(dbapi_connection.driver_connection.execute("SELECT 1"))
    except Exception as error:
        raise InvalidatePoolError("the pooled connection no longer answers") from error


def create_session_factory(
    engine: AsyncEngine,
    *,
    after_commit: Callable[[Session], None] | None = None,
    info: dict[str, Any] | None = None,
) -> SessionFactory:
    """Sessions that keep loaded objects usable after commit; `after_commit` runs after each
    commit of a whole transaction, and each new session's `info` starts as a copy of `info`."""
    if after_commit is None:
        return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False, info=info)

    # A class of its own, so the hook belongs to this factory's sessions and no others.
    class _HookedSession(Session):
        pass

    def committed(session: Session) -> None:
        # Releasing a savepoint fires after_commit too; only the real commit makes rows visible.
        if not session.in_nested_transaction():
            after_commit(session)

    event.listen(_HookedSession, "after_commit", committed)
    return async_sessionmaker(
        engine,
        class_=AsyncSession,
        sync_session_class=_HookedSession,
        expire_on_commit=False,
        info=info,
    )


@asynccontextmanager
async def transaction(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One unit of work: committed when the block ends, rolled back if it raises.

    The block may commit part of its work early (an emergency is kept before the rest of its
    step runs); what follows is then a transaction of its own, under the same rule.
    """
    async with factory() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


async def reachable(factory: SessionFactory) -> bool:
    """Whether the database answers a trivial query now."""
    try:
        async with factory() as session:
            await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    except DATABASE_ERRORS:
        return False
    return True
