"""Signing in with a password, signing out, and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.security import OAuth2PasswordRequestForm

from admin.deps import AuthDep, SessionDep, unauthorized
from admin.errors import AUTH_ERRORS, error_response
from admin.schemas.staff import AccessToken, StaffPublic
from handlers.actions.staff import do_login, do_sign_out
from models.base import utcnow
from models.text import check_clean

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/token",
    response_model=AccessToken,
    responses={401: error_response("Wrong email or password.")},
)
async def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep
) -> AccessToken:
    """Exchange an email (`username`) and password for a bearer token valid for 12 hours."""
    try:
        email, password = check_clean(form.username), check_clean(form.password)
    except ValueError:
        raise unauthorized("Wrong email or password.") from None
    issued = await do_login(session=session, email=email, password=password, now=utcnow())
    if issued is None:
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
