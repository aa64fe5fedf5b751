"""Plain messages: those that may be claimed together with others and written claimed, having
nothing to settle around their send; and how many one claim takes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from models.enums import Channel, OutboundPriority

# The most messages one claim takes: the head and those behind it.
CLAIM_AT_ONCE = 4
# Channels whose messages wait for more than their turn: a call holds the person's line.
_ALONE = (Channel.VOICE,)


def plain(priority: int, channel: Channel, payload: Mapping[str, Any]) -> bool:
    """Whether a message of these has no check-in's window, call, copy of their data or
    erasure to settle around its send."""
    return (
        priority > OutboundPriority.BULK
        and channel not in _ALONE
        and "attachment" not in payload
        and payload.get("last") is not True
    )
