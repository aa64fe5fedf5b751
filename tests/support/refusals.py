"""A database that refuses writes to some tables, as when one of them is what broke a step: a
trigger on each table, on SQLite or PostgreSQL, that fails the statement with "refused"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from sqlalchemy import text

from bot.db import SessionFactory

Write = Literal["INSERT", "UPDATE"]

# One function serves every table's trigger on PostgreSQL; dropping it drops them all.
_POSTGRES_FUNCTION = """CREATE FUNCTION refuse_writes() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'refused'; END $$"""


async def refuse_writes(db: SessionFactory, *tables: str, write: Write = "INSERT") -> None:
    """Make every `write` to `tables` fail until `allow_writes`."""
    async with db() as session, session.begin():
        connection = await session.connection()
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            await connection.execute(text(_POSTGRES_FUNCTION))
        for table in tables:
            trigger = f"CREATE TRIGGER refuse_{table} BEFORE {write} ON {table}"
            if postgres:
                trigger += " FOR EACH ROW EXECUTE FUNCTION refuse_writes()"
            else:
                trigger += " BEGIN SELECT RAISE(ABORT, 'refused'); END"
            await connection.execute(text(trigger))


async def allow_writes(db: SessionFactory) -> None:
    """Undo `refuse_writes`, on every table it named."""
    async with db() as session, session.begin():
        connection = await session.connection()
        if connection.dialect.name == "postgresql":
            await connection.execute(text("DROP FUNCTION refuse_writes() CASCADE"))
            return
        found = await connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'refuse_%'")
        )
        for (name,) in found.all():
            await connection.execute(text(f"DROP TRIGGER {name}"))


@asynccontextmanager
async def refusing(
    db: SessionFactory, *tables: str, write: Write = "INSERT"
) -> AsyncIterator[None]:
    """Every `write` to `tables` fails inside the block."""
    await refuse_writes(db, *tables, write=write)
    try:
        yield
    finally:
        await allow_writes(db)
