"""Storing where a conversation is at the end of a step.

On PostgreSQL, a step that has replies to queue stores its conversation in the same statement as
them (a write in the replies' WITH clause, `inserts.Along`): it was a round trip of its own in
every step, new person or returning. Otherwise it is written at once, as before.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.inserts import Along, can_carry, dialect_name, insert_rows
from handlers.conversation.turn import State, Turn
from models import Conversation

_TABLE: Any = Conversation.__table__  # type: ignore[attr-defined]


# As text: a Core UPDATE or INSERT inside another statement's WITH takes that statement's
# parameters for columns of its own (the replies' `identity_id`, `updated_at`).
_KEPT_COLUMNS = (
    "state = :kept_state, data = CAST(:kept_data AS json), updated_at = :kept_updated_at"
)


def _typed(statement: str) -> Any:
    return text(statement).bindparams(
        bindparam("kept_state", type_=_TABLE.c.state.type),
        bindparam("kept_data", type_=_TABLE.c.data.type),
        bindparam("kept_updated_at", type_=_TABLE.c.updated_at.type),
    )


@cache
def _insert_kept() -> Any:
    """A first conversation's row, as a write along another statement."""
    statement = _typed(
        "INSERT INTO conversations (identity_id, state, data, updated_at)"
        " VALUES (:kept_identity_id, :kept_state, CAST(:kept_data AS json), :kept_updated_at)"
    )
    return statement.columns().cte("kept_new")


@cache
def _update_kept() -> Any:
    """A stored conversation's new state, as a write along another statement."""
    statement = _typed(f"UPDATE conversations SET {_KEPT_COLUMNS} WHERE id = :kept_id")
    return statement.columns().cte("kept")


async def keep(
    session: AsyncSession, conversation: Conversation, state: State, turn: Turn
) -> Along | None:
    """Store where the conversation is now, or hand back the write for the insert of the turn's
    replies to make (PostgreSQL, with replies to queue). One made by this event is inserted,
    unless an alert's commit already stored it."""
    params = {"kept_state": state.value, "kept_data": turn.data, "kept_updated_at": turn.now}
    along = can_carry(len(turn.replies)) and dialect_name(session) == "postgresql"
    if conversation.id is None:
        if along:
            return Along(_insert_kept(), {**params, "kept_identity_id": conversation.identity_id})
        values: dict[str, object] = {
            "identity_id": conversation.identity_id,
            "state": state.value,
            "data": turn.data,
            "updated_at": turn.now,
        }
        await insert_rows(session, Conversation, [values])
        return None
    if along:
        # Written by the replies' statement: the session's object takes the values as stored,
        # not as changes of its own to flush.
        set_committed_value(conversation, "state", state.value)
        set_committed_value(conversation, "data", turn.data)
        set_committed_value(conversation, "updated_at", turn.now)
        return Along(_update_kept(), {**params, "kept_id": conversation.id})
    conversation.state = state.value
    conversation.data = turn.data
    conversation.updated_at = turn.now
    return None
