"""Keyset pagination: an opaque cursor holds the last row's sort key, so pages stay stable.

A page asks for rows strictly after the cursor in one total order (the sort key, then the id),
so rows added while someone pages never shift the rows they have not seen yet.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.elements import ColumnElement

from handlers.actions.errors import InvalidError
from models.text import MAX_DB_ID

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing; `next_cursor` asks for the next, and is None on the last."""

    items: list[T]
    next_cursor: str | None


def page_of(
    rows: Sequence[T], limit: int, listing: str, sort_values: Callable[[T], Sequence[Any]]
) -> Page[T]:
    """The first `limit` of `rows`, fetched as `limit + 1` so that one more says a page follows."""
    items = list(rows[:limit])
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor(listing, sort_values(items[-1]))
    return Page(items=items, next_cursor=next_cursor)


@dataclass(frozen=True)
class Key:
    """One part of a sort order: an expression, its direction, and how its value is stored."""

    expression: ColumnElement[Any] | Mapped[Any]
    descending: bool = False
    kind: str = "int"  # "int", "str" or "datetime": how the cursor spells the value


def encode_cursor(listing: str, values: Sequence[Any]) -> str:
    """An opaque cursor for the row with these sort values."""
    spelled = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps({"l": listing, "k": spelled}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bad() -> InvalidError:
    return InvalidError(
        "not a cursor from this listing; start again without it", loc=("query", "cursor")
    )


def decode_cursor(cursor: str, listing: str, keys: Sequence[Key]) -> list[Any]:
    """The sort values a cursor holds, checked against the listing and its keys."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _bad() from None
    if not isinstance(data, dict) or data.get("l") != listing:
        raise _bad()
    values = data.get("k")
    if not isinstance(values, list) or len(values) != len(keys):
        raise _bad()
    decoded: list[Any] = []
    for key, value in zip(keys, values, strict=True):
        decoded.append(_decode_value(key, value))
    return decoded


def _decode_value(key: Key, value: Any) -> Any:
    if value is None:
        return None
    if key.kind == "datetime" and isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise _bad() from None
        if parsed.tzinfo is None:
            raise _bad()
        return parsed
    if key.kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > MAX_DB_ID:
            raise _bad()
        return value
    if key.kind == "str" and isinstance(value, str) and len(value) <= 400 and "\x00" not in value:
        return value
    raise _bad()


def after(keys: Sequence[Key], values: Sequence[Any], bind: str = "") -> ColumnElement[bool]:
    """Rows strictly after `values` in the order `keys` describes.

    When every key runs the same way this is one row comparison, `(a, b) < (x, y)`, which an
    index on (a, b) reads as a single range; an OR of ties is only the fallback for mixed
    directions, which no index serves. A key whose cursor value is None is skipped: callers put
    a null-flag key before a nullable column, so all rows tied on the flag have a null there
    and only later keys tell them apart.

    With `bind`, the values are parameters named from it (their values: `after_values`), so a
    statement built once runs after any row whose cursor skips the same keys.
    """
    pairs = _given(keys, values)
    columns = [cast(ColumnElement[Any], k.expression) for k, _ in pairs]
    bound = [
        sa.bindparam(f"{bind}{n}", v, type_=c.type) if bind else sa.literal(v, type_=c.type)
        for n, (c, (_, v)) in enumerate(zip(columns, pairs, strict=True))
    ]
    if len({k.descending for k, _ in pairs}) == 1:
        descending = pairs[0][0].descending
        left: ColumnElement[Any] = columns[0] if len(pairs) == 1 else sa.tuple_(*columns)
        right: ColumnElement[Any] = bound[0] if len(pairs) == 1 else sa.tuple_(*bound)
        return left < right if descending else left > right
    clauses: list[ColumnElement[bool]] = []
    for position, (key, _) in enumerate(pairs):
        ties = [k.expression == b for (k, _), b in zip(pairs[:position], bound, strict=False)]
        value = bound[position]
        beyond = key.expression < value if key.descending else key.expression > value
        clauses.append(sa.and_(*ties, beyond))
    return sa.or_(*clauses)


def after_values(keys: Sequence[Key], values: Sequence[Any], bind: str) -> dict[str, Any]:
    """The parameters of `after(keys, values, bind)`."""
    return {f"{bind}{n}": v for n, (_, v) in enumerate(_given(keys, values))}


def _given(keys: Sequence[Key], values: Sequence[Any]) -> list[tuple[Key, Any]]:
    return [(k, v) for k, v in zip(keys, values, strict=True) if v is not None]


def order_by(keys: Sequence[Key]) -> list[ColumnElement[Any]]:
    """The ORDER BY for these keys."""
    return [k.expression.desc() if k.descending else k.expression.asc() for k in keys]
