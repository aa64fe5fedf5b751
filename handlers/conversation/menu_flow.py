"""What a main-menu item is: its id, the words that name it, and how its flow begins."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers.conversation.forms import Form, start_form
from handlers.conversation.turn import State, Turn


@dataclass(frozen=True)
class MenuFlow:
    """One item of the main menu, declared in its flow's module and listed in the registry.

    `item` is the option id and the catalog key `menu.<item>` of its label. `intent` finds the
    need in free text ("I need a lift to the hospital"); when words could name two needs, the
    flow with the lower `intent_rank` wins. A flow is either a `form` or its own `begin` step.
    """

    item: str
    intent: re.Pattern[str]
    intent_rank: int
    form: Form | None = None
    begin: Callable[[Turn], Awaitable[State]] | None = None

    def __post_init__(self) -> None:
        if (self.form is None) == (self.begin is None):
            raise ValueError(f"menu flow {self.item} needs either a form or a begin step")

    async def start(self, turn: Turn) -> State:
        """Begin this flow from the menu."""
        if self.begin is not None:
            return await self.begin(turn)
        assert self.form is not None
        return start_form(turn, self.form)
