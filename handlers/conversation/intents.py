"""Recognising a need named in free text at the menu ("I need a lift to the hospital")."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.conversation.menu_flow import MenuFlow


def detect_intent(text: str, flows: Sequence[MenuFlow]) -> str | None:
    """The menu item the text asks for, or None when it names no need we know.

    Flows are tried by `intent_rank`: a prescription to pick up from the hospital is medicine,
    not transport.
    """
    lowered = text.casefold()
    for flow in sorted(flows, key=lambda flow: flow.intent_rank):
        if flow.intent.search(lowered):
            return flow.item
    return None
