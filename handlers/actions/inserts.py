"""Inserts that let the database settle a clash on a unique key, without a savepoint, and
inserts of new rows that return them as the session's own objects, with statements built once."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

Row = TypeVar("Row", bound=SQLModel)


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind else "sqlite"


def _insert_in(dialect: str) -> Any:
    return (postgresql if dialect == "postgresql" else sqlite).insert


def dialect_insert(session: AsyncSession) -> Any:
    """The INSERT construct of the session's database, which knows ON CONFLICT."""
    return _insert_in(_dialect(session))


def _returning(session: AsyncSession, model: type[SQLModel], unique: tuple[str, ...] | None) -> Any:
    return _returning_in(_dialect(session), model, unique)


@cache
def _returning_in(dialect: str, model: type[SQLModel], unique: tuple[str, ...] | None) -> Any:
    """INSERT ... RETURNING for `model` (ON CONFLICT DO NOTHING on `unique`), built once: its
    columns are the parameters' keys, so one statement serves every row of a model."""
    insert = _insert_in(dialect)(model)
    if unique is not None:
        insert = insert.on_conflict_do_nothing(index_elements=list(unique))
    return insert.returning(model, sort_by_parameter_order=True)


def _values(row: SQLModel) -> dict[str, Any]:
    table: Any = type(row).__table__  # type: ignore[attr-defined]
    return {
        c.name: getattr(row, c.name)
        for c in table.columns
        if not (c.primary_key and getattr(row, c.name) is None)
    }


async def insert_unless_present(
    session: AsyncSession, row: Row, unique: Sequence[str]
) -> Row | None:
    """Store `row` (new, not added to the session) unless one with the same `unique` columns
    exists; returns the stored row, now in the session, or None when one was there first.

    One statement (INSERT ... ON CONFLICT DO NOTHING RETURNING), where a savepoint around a
    plain INSERT takes three: a concurrent insert of the same key waits for the other
    transaction and then yields nothing, as the savepoint's unique violation did.
    """
    statement = _returning(session, type(row), tuple(unique))
    stored: Row | None = (await session.exec(statement, params=_values(row))).scalars().first()
    return stored


async def insert_rows(session: AsyncSession, rows: Sequence[Row]) -> list[Row]:
    """Store new rows of one model (not added to the session) in one statement; returns them
    as stored, in order, now in the session. A flush would write the same rows, at several
    times the CPU for the session's bookkeeping around them."""
    if not rows:
        return []
    statement = _returning(session, type(rows[0]), None)
    params = [_values(row) for row in rows]
    stored: list[Row] = list((await session.exec(statement, params=params)).scalars().all())
    return stored
