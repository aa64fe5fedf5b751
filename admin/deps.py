"""Who is calling the staff API, and whether their role allows the route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer

from bot.deps import SessionDep, reads_only
from handlers.actions.reply_window import ReplyWindows
from handlers.actions.staff import access_staff_by_token
from handlers.actions.staff_sessions import SessionRules
from models import Staff, StaffToken
from models.base import utcnow
from models.staff import StaffRole

__all__ = [
    "Auth",
    "AuthDep",
    "CurrentStaff",
    "ReplyWindowsDep",
    "SessionDep",
    "SignInRulesDep",
    "reads_only",
    "require_role",
]

bearer = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    description="A staff API token: from `helpbot staff add`, an admin, or a password sign-in.",
)


def unauthorized(detail: str) -> HTTPException:
    """A 401 that tells the client to send a bearer token."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


@dataclass(frozen=True)
class Auth:
    """The signed-in staff member and the token they used."""

    staff: Staff
    token: StaffToken


async def get_auth(session: SessionDep, token: Annotated[str | None, Depends(bearer)]) -> Auth:
    if not token:
        raise unauthorized("Not signed in: send the header Authorization: Bearer <token>.")
    found = await access_staff_by_token(session=session, token=token, now=utcnow())
    if found is None:
        raise unauthorized("This token is not valid: it is unknown, revoked or expired.")
    return Auth(*found)


AuthDep = Annotated[Auth, Depends(get_auth)]


async def get_current_staff(auth: AuthDep) -> Staff:
    return auth.staff


CurrentStaff = Annotated[Staff, Depends(get_current_staff)]


def require_role(role: StaffRole) -> Callable[[Staff], Awaitable[Staff]]:
    """A dependency that lets through staff with `role` or a higher one, and 403s the rest."""

    async def check(staff: CurrentStaff) -> Staff:
        if staff.role.rank < role.rank:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"This needs the {role.value} role or higher; you are {staff.role.value}.",
            )
        return staff

    return check


def get_reply_windows(request: Request) -> ReplyWindows:
    """The channels' rules for staff replies, which the service puts on the app at start-up."""
    windows: ReplyWindows = request.app.state.reply_windows
    return windows


ReplyWindowsDep = Annotated[ReplyWindows, Depends(get_reply_windows)]


def get_sign_in_rules(request: Request) -> SessionRules:
    """How long sign-ins last and when wrong passwords lock sign-in, from the settings."""
    rules: SessionRules = request.app.state.sign_in_rules
    return rules


SignInRulesDep = Annotated[SessionRules, Depends(get_sign_in_rules)]

AgentDep = Annotated[Staff, Depends(require_role(StaffRole.AGENT))]
SupervisorDep = Annotated[Staff, Depends(require_role(StaffRole.SUPERVISOR))]
AdminDep = Annotated[Staff, Depends(require_role(StaffRole.ADMIN))]
