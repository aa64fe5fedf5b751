"""When staff may write freely: WhatsApp allows free text only within 24 hours of the person's
last message, and after that only an approved template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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
