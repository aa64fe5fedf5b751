"""The database engine and sessions, for SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import logging
import select
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from psycopg import AsyncConnection, OperationalError
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection as EngineConnection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

SessionFactory = async_sessionmaker[AsyncSession]

log = logging.getLogger(__name__)

# How long a pooled connection may sit unused before it is asked whether it still answers. One
# back within this time is trusted unless its socket has closed: a server that restarts or ends
# a connection closes the socket, which the event loop notices without a word sent, and the
# silent losses (a firewall forgetting an idle connection) come only after much longer.
PING_AFTER_IDLE = 5.0

# What a database that cannot be reached raises: the driver's errors (wrapped by SQLAlchemy), a
# refused or dropped connection (asyncpg raises a plain OSError, TimeoutError among them), or
# no free connection in the pool in time.
DATABASE_ERRORS: tuple[type[Exception], ...] = (DBAPIError, OSError, PoolTimeout)


def _unicode_lower(value: object) -> str | None:
    return None if value is None else str(value).lower()


def create_engine(database_url: str, connections: int | None = None) -> AsyncEngine:
    """An engine for the URL; SQLite gets foreign keys and a busy timeout so writers queue.
    With `connections` (PostgreSQL), the pool keeps that many and opens no more."""
    if database_url.startswith("sqlite"):
        engine = create_async_engine(
            database_url, connect_args={"timeout": 30}, hide_parameters=True
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()
            # SQLite's own lower() folds only ASCII; searches must match "Zoë" as PostgreSQL does.
            dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

        @event.listens_for(engine.sync_engine, "checkout")
        def _write_lock_first(dbapi_connection, _record, _proxy):  # type: ignore[no-untyped-def]
            # The driver begins a transaction at its first write. Deferred, a transaction
            # whose first write is to a temporary table reads the tables as they stood then,
            # and its first write to one of them fails at once ("database is locked", no
            # waiting) if another connection wrote in between. Immediate, the transaction
            # takes the write lock as it begins and waits its turn for it instead. A reading
            # session (autocommit) has this undone while it holds the connection, and the
            # pool's reset after it makes it deferred again, hence each checkout.
            if dbapi_connection.isolation_level == "":
                dbapi_connection.isolation_level = "IMMEDIATE"

        return engine
    # A statement's values (what a person wrote, their number) stay out of its errors' text.
    pool: dict[str, Any] = {}
    if connections is not None:
        pool = {"pool_size": connections, "max_overflow": 0}
    engine = create_async_engine(database_url, hide_parameters=True, **pool)
    event.listen(engine.sync_engine, "connect", _mark_used)
    event.listen(engine.sync_engine, "checkin", _mark_used)
    event.listen(engine.sync_engine, "checkout", _ping)
    return engine


def _mark_used(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info["last_used"] = time.monotonic()


def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Check that a pooled connection still answers before it is handed out.

    In place of `pool_pre_ping`, whose asyncpg form wraps its statement in BEGIN and ROLLBACK:
    three round trips on every checkout, where this takes one, and none for a connection back
    in the pool within `PING_AFTER_IDLE` whose socket is still open. A connection that does
    not answer is replaced, and so is every other pooled one (after a restart none answer).
    """
    driver = dbapi_connection.driver_connection
    if _ended(driver):
        raise InvalidatePoolError("the server closed the pooled connection")
    if time.monotonic() - record.info.get("last_used", 0.0) < PING_AFTER_IDLE and not _waiting(
        driver
    ):
        return
    try:
        await_(driver.execute("SELECT 1"))
        if getattr(driver, "autocommit", True) is False:
            # psycopg began a transaction for it, and a connection in one cannot be switched
            # to autocommit, as a reading session's is: handed out as it was given back.
            await_(driver.rollback())
    except Exception as error:
        raise InvalidatePoolError("the pooled connection no longer answers") from error


def _ended(driver: Any) -> bool:
    """Whether the driver already knows its connection is gone (asyncpg's event loop reads an
    idle socket, and so sees the server close it; psycopg knows once it has tried to use it;
    SQLite has no server to end it)."""
    is_closed = getattr(driver, "is_closed", None)
    return bool(is_closed()) if is_closed is not None else bool(getattr(driver, "closed", False))


def _waiting(driver: Any) -> bool:
    """Whether an idle psycopg connection's socket has something to read: nothing is owed to
    it, so that is the server's goodbye (or a notice), and a ping tells which."""
    fileno = getattr(driver, "fileno", None)
    if fileno is None:
        return False
    readable, _, _ = select.select([fileno()], [], [], 0)
    return bool(readable)


# When each of the task engine's pooled connections was last given back (see `job_pool`).
_returned: weakref.WeakKeyDictionary[AsyncConnection[Any], float] = weakref.WeakKeyDictionary()


def job_pool(**kwargs: Any) -> AsyncConnectionPool[Any]:
    """The task engine's connection pool: its connections in autocommit, and checked as our
    engine's are (`_ping`). Every task-engine query is one statement, a transaction of its own
    either way, so BEGIN and COMMIT around it were two round trips for nothing; and the
    engine's own check asked every connection taken out whether it answers, a third."""
    assert "configure" not in kwargs, "job_pool sets connections up itself"
    # In place of the engine's own check, which it passes here.
    ours = {"configure": _autocommit, "check": _check_job_connection, "reset": _given_back}
    return AsyncConnectionPool(**{**kwargs, **ours})


async def _autocommit(connection: AsyncConnection[Any]) -> None:
    # Not a connection argument: the task engine opens its listening connection with the
    # pool's arguments and autocommit of its own.
    await connection.set_autocommit(True)


async def _given_back(connection: AsyncConnection[Any]) -> None:
    _returned[connection] = time.monotonic()


async def _check_job_connection(connection: AsyncConnection[Any]) -> None:
    """Raise when a pooled connection no longer answers; a round trip only after it sat idle
    or when its socket has something to say (see `_ping`)."""
    if connection.closed:
        raise OperationalError("the server closed the pooled connection")
    idle = time.monotonic() - _returned.get(connection, 0.0)
    if idle < PING_AFTER_IDLE and not _waiting(connection):
        return
    await AsyncConnectionPool.check_connection(connection)


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


class ReadSessions:
    """Sessions for work that only reads: each statement runs on its own, so no BEGIN and
    ROLLBACK go to the database around it (two of a short read's round trips).

    A statement sees the data as it stood when it began, as in a transaction at PostgreSQL's
    READ COMMITTED, so a read of one statement, or of several that need not agree, sees the same.

    A session closed cleanly is kept and handed out again, as new: building one cost a cheap
    list's request an eighth of its CPU. Its `info` is made the factory's again, and closing it
    has already released its connection and forgotten its objects.

    The last session to end cleanly keeps its connection, for the next block to use at once:
    taking a connection from the pool and giving it back cost a cheap list's request as much
    as its query took to run. It holds no transaction (nothing is begun on it), forgets its
    objects as closing would, and is trusted only as the pool trusts a connection given back:
    for `PING_AFTER_IDLE`, and while its socket is open. Then it goes back to the pool (at the
    next block or on a timer, whichever is first), and `release` gives it back at shutdown.
    """

    def __init__(self, factory: SessionFactory, *, keep: int = 16) -> None:
        engine = factory.kw["bind"]
        kw = {**factory.kw, "bind": engine.execution_options(isolation_level="AUTOCOMMIT")}
        self._factory: SessionFactory = async_sessionmaker(class_=factory.class_, **kw)
        # The factory's own dict, not a copy: hooks are put in it after start-up.
        self._info: dict[Any, Any] = factory.kw.get("info") or {}
        self._keep = keep
        self._idle: list[AsyncSession] = []
        self._warm: AsyncSession | None = None
        self._warm_until = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._closing: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        """A session, closed when the block ends; kept for the next block unless it raised."""
        session = await self._take()
        try:
            yield session
        except BaseException:
            # Such a session is closed and simply dropped.
            await session.close()
            raise
        if self._warm is None and _holds_one_live_connection(session):
            session.expunge_all()
            self._reset(session)
            self._warm, self._warm_until = session, time.monotonic() + PING_AFTER_IDLE
            if self._timer is None:
                self._timer = asyncio.get_running_loop().call_later(PING_AFTER_IDLE, self._expire)
            return
        await session.close()
        self._put_back(session)

    async def release(self) -> None:
        """Give the kept connection back to the pool (before the engine is disposed of)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        warm, self._warm = self._warm, None
        if warm is not None:
            await warm.close()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    async def _take(self) -> AsyncSession:
        warm, self._warm = self._warm, None
        if warm is None:
            return self._idle.pop() if self._idle else self._factory()
        alive = _holds_one_live_connection(warm)
        if alive and time.monotonic() < self._warm_until:
            return warm
        try:
            if alive:
                # Unused too long to trust unasked: back to the pool, which asks it.
                await warm.close()
            else:
                # The server ended it: replaced, as the pool replaces one that will not answer.
                await warm.invalidate()
        except DATABASE_ERRORS:
            log.warning("a kept read connection could not be given back; dropped", exc_info=True)
            return self._idle.pop() if self._idle else self._factory()
        return warm

    def _expire(self) -> None:
        self._timer = None
        if self._warm is None:
            return
        left = self._warm_until - time.monotonic()
        if left > 0:
            self._timer = asyncio.get_running_loop().call_later(left, self._expire)
            return
        warm, self._warm = self._warm, None
        task = asyncio.get_running_loop().create_task(self._close_kept(warm))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close_kept(self, session: AsyncSession) -> None:
        try:
            await session.close()
        except DATABASE_ERRORS:
            log.warning("a kept read connection could not be given back; dropped", exc_info=True)
            return
        self._put_back(session)

    def _reset(self, session: AsyncSession) -> None:
        session.info.clear()
        session.info.update(self._info)

    def _put_back(self, session: AsyncSession) -> None:
        self._reset(session)
        if len(self._idle) < self._keep:
            self._idle.append(session)


def _holds_one_live_connection(session: AsyncSession) -> bool:
    """Whether the session holds one connection, which the server has not ended nor sent word
    on (see `_ping`), and nothing else: no savepoint, no failed flush, no changes not written."""
    sync = session.sync_session
    transaction = sync.get_transaction()
    if transaction is None or not transaction.is_active or sync.in_nested_transaction():
        return False
    if sync.new or sync.dirty or sync.deleted:
        return False
    connections = transaction.connections
    if len(connections) != 1:
        return False
    (connection,) = connections
    if connection.invalidated or connection.closed:
        return False
    driver = connection.connection.driver_connection
    return not (_ended(driver) or _waiting(driver))


def reading(factory: SessionFactory) -> ReadSessions:
    """Sessions like `factory`'s for work that only reads (see `ReadSessions`)."""
    return ReadSessions(factory)


@asynccontextmanager
async def autocommit(engine: AsyncEngine) -> AsyncIterator[EngineConnection]:
    """A connection whose each statement is its own transaction: no BEGIN and COMMIT round
    trips around a statement that stands alone."""
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


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
