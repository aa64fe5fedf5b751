"""When staff may write freely: WhatsApp allows free text only within 24 hours of the person's
last message, and after that only an approved template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from models.enums import Channel

WHATSAPP_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class ReplyWindow:
    """A channel's rule for free-form messages: only within `length` of the person's last
    message; after that only an approved template (`template_sid`, the reference as its
    variable 1), or nothing when none is configured."""

    length: timedelta
    template_sid: str | None = None


@dataclass(frozen=True)
class ReplyWindows:
    """Each channel's rule for staff replies, as this deployment is configured."""

    whatsapp_template_sid: str | None = None

    def for_channel(self, channel: Channel) -> ReplyWindow | None:
        """The provider's limit on free-form messages for a channel, if it has one."""
        if channel is Channel.WHATSAPP:
            return ReplyWindow(WHATSAPP_WINDOW, self.whatsapp_template_sid)
        return None


@dataclass(frozen=True)
class WindowState:
    """Where a person stands in a channel's window: whether staff may write freely now, until
    when, and whether a template can go instead once it has closed."""

    is_open: bool
    closes_at: datetime | None
    has_template: bool


def find_window_state(
    *, window: ReplyWindow, last_inbound_at: datetime | None, now: datetime
) -> WindowState:
    """The window's state for a person last heard from at `last_inbound_at` (None: never)."""
    closes_at = last_inbound_at + window.length if last_inbound_at is not None else None
    return WindowState(
        is_open=closes_at is not None and now <= closes_at,
        closes_at=closes_at,
        has_template=window.template_sid is not None,
    )
