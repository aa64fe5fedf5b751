"""Recognising a need named in free text at the menu ("I need a lift to the hospital").

English words are read by each flow's own pattern; in every language, the menu's own labels
are looked for in the text ("potrzebuję jedzenia" names "Jedzenie").
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.conversation.menu_flow import MenuFlow
from handlers.conversation.parsers.text import fold

# Label words shorter than this ("my", "de") name nothing on their own.
_MIN_WORD = 4
# A word's ending changes with its grammar ("jedzenie", "jedzenia"): this many letters of it
# may differ, as long as what is left is at least `_MIN_WORD` long.
_ENDING = 2


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


def detect_labelled_intent(text: str, options: Sequence[tuple[str, str]]) -> str | None:
    """The one option whose label's words the text contains, allowing a changed ending."""
    typed = fold(text).split()
    found = set()
    for item, label in options:
        for word in fold(label).split():
            if len(word) < _MIN_WORD:
                continue
            stem = word[: max(_MIN_WORD, len(word) - _ENDING)]
            if any(stem in typed_word for typed_word in typed):
                found.add(item)
    return found.pop() if len(found) == 1 else None
