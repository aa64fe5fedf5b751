"""Reads sent straight to asyncpg, for lists whose cheapest queries cost less than SQLAlchemy.

A cheap page of the queue takes PostgreSQL a few tenths of a millisecond. Through SQLAlchemy's
execution (its execution context, the DBAPI adapter, a result and a `Row` per row, each value
through its type's processor) the same query cost twice that again. Here a Core statement is
compiled once, each run only fills in its values (`DriverStatements`), and it is sent on the
session's own connection with asyncpg's `fetch`, whose prepared-statement cache serves it as it
serves SQLAlchemy's: the same SQL, the same values, the same plan.

Only where that changes nothing: on asyncpg, and on a connection with no transaction to begin
first (in autocommit, as `bot.db.reading` gives, or inside a transaction already begun). Every
other database and driver (SQLite, psycopg) goes through SQLAlchemy as before.
"""

from __future__ import annotations

import weakref
from typing import Any

import asyncpg
import sqlalchemy as sa
from asyncpg.connection import Connection as AsyncpgConnection
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Select

DRIVER_ERRORS: tuple[type[Exception], ...] = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    OSError,
)
"""What a direct read may raise from the driver: the caller runs the statement again through
SQLAlchemy, which raises it as it raises any database error (and replaces a lost connection)."""


def direct_driver(connection: sa.Connection) -> AsyncpgConnection | None:
    """The asyncpg connection under `connection` when a statement may go to it directly.

    Not when asyncpg is not the driver, nor when SQLAlchemy's adapter would first begin a
    transaction (not in autocommit, none begun yet): a read sent directly would run outside it.
    """
    if connection.dialect.driver != "asyncpg" or connection.invalidated or connection.closed:
        return None
    pooled = connection.connection
    adapter, driver = pooled.dbapi_connection, pooled.driver_connection
    if adapter is None or not isinstance(driver, AsyncpgConnection) or driver.is_closed():
        return None
    if adapter.autocommit or driver.is_in_transaction():
        return driver
    return None


def held_connection(session: Session) -> sa.Connection | None:
    """The connection `session` holds already, found without taking one (which may need the
    database, so only the session's synchronous side may do it)."""
    transaction = session.get_transaction()
    if transaction is None or session.in_nested_transaction():
        return None
    connections = transaction.connections
    return next(iter(connections)) if len(connections) == 1 else None


class _Compiled:
    """A statement compiled for one dialect, and how to fill in its values.

    Values written into the SQL (the queue's vocabularies, a search's words) and lists of
    values change the SQL itself: it is finished once for each set of them and kept (a few
    dozen), so a run only puts its values in the order of the placeholders.
    """

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        self.dialect = dialect
        self.compiled: SQLCompiler = statement.compile(dialect=dialect)
        # The values' own conversions (a timestamp to UTC), as SQLAlchemy applies them.
        self.processors = {
            name: processor
            for name, bind in self.compiled.binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        self._shaping = tuple(
            name
            for name, bind in self.compiled.binds.items()
            if bind.literal_execute or bind.expanding
        )
        # Escaped parameter names differ from the values' names: such SQL is finished each time.
        self._keeps = not self.compiled.escaped_bind_names
        self._finished: dict[tuple[Any, ...], tuple[str, list[_Slot]]] = {}

    def bound(self, parameters: dict[str, Any]) -> tuple[str, list[Any]]:
        """The SQL to send with `parameters` (values written into it are written in now), and
        the values in the order of its placeholders."""
        shape = tuple(_hashable(parameters.get(name)) for name in self._shaping)
        finished = self._finished.get(shape)
        if finished is None:
            finished = self._finish(parameters)
            if self._keeps:
                if len(self._finished) >= _FINISHED_KEPT:
                    self._finished.clear()
                self._finished[shape] = finished
        sql, slots = finished
        values = [parameters.get(name, fixed) for name, fixed, _ in slots]
        for position, (_, _, processor) in enumerate(slots):
            if processor is not None:
                values[position] = processor(values[position])
        return sql, values

    def _finish(self, parameters: dict[str, Any]) -> tuple[str, list[_Slot]]:
        state = self.compiled.construct_expanded_state(parameters)
        assert state.positiontup is not None, "asyncpg's placeholders are positional"
        # The elements of a list of values (`IN`) have conversions of their own.
        processors = {**self.processors, **state.processors}
        # A value the statement holds itself (an element of a list) is the same each run.
        return state.statement, [
            (name, state.parameters[name], processors.get(name)) for name in state.positiontup
        ]


_Slot = tuple[str, Any, Any]
"""A placeholder: the value's name, the statement's own value, and its conversion (or None)."""

_FINISHED_KEPT = 64


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class DriverStatements:
    """Statements compiled once each for the driver, kept for as long as the statement is."""

    def __init__(self) -> None:
        self._compiled: weakref.WeakKeyDictionary[Select[Any], _Compiled] = (
            weakref.WeakKeyDictionary()
        )

    def bound(
        self, statement: Select[Any], dialect: Dialect, parameters: dict[str, Any]
    ) -> tuple[str, list[Any]]:
        """The SQL of `statement` for `dialect`, and its values from `parameters`."""
        compiled = self._compiled.get(statement)
        if compiled is None or compiled.dialect is not dialect:
            compiled = self._compiled[statement] = _Compiled(statement, dialect)
        return compiled.bound(parameters)
