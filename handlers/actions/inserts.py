"""Inserts that let the database settle a clash on a unique key, without a savepoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

Row = TypeVar("Row", bound=SQLModel)


def dialect_insert(session: AsyncSession) -> Any:
    """The INSERT construct of the session's database, which knows ON CONFLICT."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    return (postgresql if dialect == "postgresql" else sqlite).insert


async def insert_unless_present(
    session: AsyncSession, row: Row, unique: Sequence[str]
) -> Row | None:
    """Store `row` (new, not added to the session) unless one with the same `unique` columns
    exists; returns the stored row, now in the session, or None when one was there first.

    One statement (INSERT ... ON CONFLICT DO NOTHING RETURNING), where a savepoint around a
    plain INSERT takes three: a concurrent insert of the same key waits for the other
    transaction and then yields nothing, as the savepoint's unique violation did.
    """
    model = type(row)
    table: Any = model.__table__  # type: ignore[attr-defined]
    values = {
        c.name: getattr(row, c.name)
        for c in table.columns
        if not (c.primary_key and getattr(row, c.name) is None)
    }
    statement = (
        dialect_insert(session)(model)
        .values(values)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(model)
    )
    stored: Row | None = (await session.exec(statement)).scalars().first()
    return stored
