"""On-call pages on a ticket's timeline, as the staff page shows them."""

from __future__ import annotations

from admin.web.core import Pages, WebConfig
from handlers.actions.ticket_timeline import TimelineEntry
from models import Ticket, TicketEvent
from models.base import utcnow
from models.enums import ActorType, Channel, EventKind, TicketCategory


def _render(*events: TicketEvent) -> str:
    ticket = Ticket(id=7, contact_id=1, channel=Channel.TELEGRAM, category=TicketCategory.WELFARE)
    template = Pages(WebConfig()).templates.get_template("_timeline.html")
    timeline = [TimelineEntry(event=e, message=None, staff=None) for e in events]
    return template.render(ticket=ticket, timeline=timeline, pending=False, poll=10)


def _event(kind: EventKind, **data: object) -> TicketEvent:
    return TicketEvent(
        ticket_id=7, kind=kind, actor_type=ActorType.SYSTEM, data=data, created_at=utcnow()
    )


def test_each_page_and_each_failed_attempt_shows_where_and_why() -> None:
    html = _render(
        _event(EventKind.ONCALL_SENT, destination="telegram", attempt=1),
        _event(
            EventKind.ONCALL_FAILED,
            destination="webhook",
            attempt=3,
            reason="the webhook answered HTTP 503",
            final=True,
        ),
    )
    assert "On-call alert sent to the staff Telegram chat (attempt 1)." in html
    assert "On-call alert to the landlord&#39;s system (webhook) failed (attempt 3):" in html
    assert "the webhook answered HTTP 503" in html
    assert "Paging the next on-call destination instead." in html
