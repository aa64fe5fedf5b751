"""Shared rate limits: one row per limited thing (a bot, a chat, a sending number)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class RateSlot(SQLModel, table=True):
    """When the next send under `key` may start, in seconds since the epoch.

    Every process takes its turn by moving `next_free` on in one statement, so all of them
    together keep to the limit.
    """

    __tablename__ = "rate_slots"

    key: str = Field(primary_key=True, max_length=200)
    next_free: float = 0.0
