"""Why a domain action refused: the web layer turns each into its HTTP status."""

from __future__ import annotations


class ActionError(Exception):
    """A refusal with a sentence a staff member can act on."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(ActionError):
    """The thing asked for does not exist."""


class RestrictedError(NotFoundError):
    """The thing exists but this staff member may not read it (a safeguarding record kept
    past the ordinary retention period). To anyone who may not see it, it is as if absent."""


class ConflictError(ActionError):
    """The request is well-formed but clashes with the object's current state."""


class InvalidError(ActionError):
    """The request names something that cannot be used, such as an unknown assignee.

    `loc` says where, in the request, the bad value was: e.g. `("body", "assignee_id")`.
    """

    def __init__(self, detail: str, loc: tuple[str, ...] = ()) -> None:
        super().__init__(detail)
        self.loc = loc
