"""Where a ticket stands: the status moves allowed, and making one with its timeline event."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.errors import ConflictError
from handlers.actions.tickets import add_event
from models import Ticket, TicketEvent
from models.enums import ActorType, EventKind, TicketStatus

S = TicketStatus
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.NEW: frozenset({S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.WAITING, S.RESOLVED, S.CLOSED}),
    S.WAITING: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.IN_PROGRESS, S.CLOSED}),
    S.CLOSED: frozenset(),
}
"""The status moves staff may make; moving from resolved back to in_progress reopens."""


def check_transition(ticket: Ticket, wanted: TicketStatus) -> None:
    """Raise ConflictError unless the ticket may move from its status to `wanted`."""
    current = ticket.status
    if wanted == current or wanted in TRANSITIONS[current]:
        return
    allowed = sorted(s.value for s in TRANSITIONS[current])
    if not allowed:
        raise ConflictError(f"Ticket {ticket.ref} is closed, so its status cannot change.")
    raise ConflictError(
        f"Ticket {ticket.ref} is {current.value}; it can move to {', '.join(allowed)}, "
        f"not to {wanted.value}."
    )


async def do_set_status(
    *,
    session: AsyncSession,
    ticket: Ticket,
    status: TicketStatus,
    actor_type: ActorType,
    actor_id: int | None,
    now: datetime,
) -> TicketEvent:
    """Move the ticket to `status` (already checked) and record the move on its timeline."""
    before = ticket.status
    data: dict[str, object] = {"from": before.value, "to": status.value}
    if before == TicketStatus.RESOLVED and status == TicketStatus.IN_PROGRESS:
        data["reopened"] = True
        ticket.resolved_at = None
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
    ticket.status = status
    session.add(ticket)
    return await add_event(
        session=session,
        ticket=ticket,
        kind=EventKind.STATUS_CHANGED,
        actor_type=actor_type,
        actor_id=actor_id,
        now=now,
        data=data,
    )
