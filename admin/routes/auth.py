"""Signing in with a password, signing out, and who am I."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from admin.deps import AuthDep, SessionDep, SignInRulesDep, unauthorized
from admin.errors import AUTH_ERRORS, error_response
from admin.schemas.staff import AccessToken, StaffPublic
from handlers.actions.staff import do_login, do_sign_out
from handlers.actions.staff_sessions import check_sign_in_allowed, do_record_failed_sign_in
from models.base import utcnow
from models.text import check_clean

router = APIRouter(tags=["auth"])


def _locked(until: datetime, now: datetime) -> HTTPException:
    wait = max(int((until - now).total_seconds()) + 1, 1)
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        detail=f"Too many wrong passwords: signing in is paused until {until.isoformat()}.",
        headers={"Retry-After": str(wait)},
    )


@router.post(
    "/auth/token",
    response_model=AccessToken,
    responses={
        401: error_response("Wrong email or password."),
        429: error_response(
            "Too many wrong passwords for this email or from this address: paused for a while "
            "(`Retry-After` says how long), as on the staff web page."
        ),
    },
)
async def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    request: Request,
    rules: SignInRulesDep,
) -> AccessToken:
    """Exchange an email (`username`) and password for a bearer token valid for 12 hours.

    Wrong passwords count towards the same lock-out as the web page's sign-in.
    """
    now = utcnow()
    address = request.client.host if request.client else "unknown"
    try:
        email, password = check_clean(form.username), check_clean(form.password)
    except ValueError:
        raise unauthorized("Wrong email or password.") from None
    locked = await check_sign_in_allowed(
        session=session, email=email, address=address, rules=rules, now=now
    )
    if locked is not None:
        raise _locked(locked, now)
    issued = await do_login(session=session, email=email, password=password, now=now)
    if issued is None:
        await do_record_failed_sign_in(
            session=session, email=email, address=address, rules=rules, now=now
        )
        await session.commit()
        raise unauthorized("Wrong email or password.")
    await session.commit()
    record, token = issued
    return AccessToken(access_token=token, expires_at=record.expires_at)


@router.delete("/auth/token", status_code=status.HTTP_204_NO_CONTENT, responses={**AUTH_ERRORS})
async def sign_out(auth: AuthDep, session: SessionDep) -> None:
    """Revoke the token this request was made with."""
    await do_sign_out(session=session, token=auth.token, now=utcnow())
    await session.commit()


@router.get("/me", response_model=StaffPublic, responses={**AUTH_ERRORS})
async def me(auth: AuthDep) -> StaffPublic:
    """The staff member the token belongs to."""
    return StaffPublic.of(auth.staff)
