"""Who is using the staff page: the session cookie, CSRF checks, roles, and signing in and out."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from admin.web.core import Pages
from bot.deps import SessionDep
from handlers.actions.staff_sessions import (
    SignedIn,
    access_web_session,
    check_csrf,
    do_web_sign_in,
    do_web_sign_out,
)
from models.base import utcnow
from models.staff import StaffRole
from models.text import check_clean

COOKIE = "helpbot_staff"
SIGN_IN_COOKIE = "helpbot_sign_in"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

router = APIRouter(prefix="/staff", include_in_schema=False)


class NotSignedIn(Exception):
    """The request has no live session; the page sends the person to sign in."""


class PageRefused(Exception):
    """The request may not go on: a missing CSRF token, or a role too low for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def get_pages(request: Request) -> Pages:
    """The staff page's templates, which `admin.web.mount` puts on the app."""
    pages: Pages = request.app.state.staff_pages
    return pages


PagesDep = Annotated[Pages, Depends(get_pages)]


async def _given_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def get_signed_in(request: Request, session: SessionDep, pages: PagesDep) -> SignedIn:
    """The signed-in staff member; every request that changes something must carry the CSRF
    token of their session."""
    token = request.cookies.get(COOKIE)
    found = None
    if token:
        found = await access_web_session(
            session=session, token=token, rules=pages.config.rules, now=utcnow()
        )
        await session.commit()
    if found is None:
        raise NotSignedIn()
    if request.method not in SAFE_METHODS and not check_csrf(
        found.csrf_token, await _given_csrf(request)
    ):
        raise PageRefused("csrf")
    return found


SignedInDep = Annotated[SignedIn, Depends(get_signed_in)]


def page_role(role: StaffRole) -> Callable[[SignedIn], Awaitable[SignedIn]]:
    """A dependency that lets through staff with `role` or higher and refuses the rest (403)."""

    async def check(me: SignedInDep) -> SignedIn:
        if me.staff.role.rank < role.rank:
            raise PageRefused("role")
        return me

    return check


AgentPage = Annotated[SignedIn, Depends(page_role(StaffRole.AGENT))]
SupervisorPage = Annotated[SignedIn, Depends(page_role(StaffRole.SUPERVISOR))]


def _secure(request: Request, pages: Pages) -> bool:
    return pages.config.secure_cookies or request.url.scheme == "https"


def _safe_next(target: str | None) -> str:
    # Only somewhere on the staff page, so the sign-in form cannot send anyone elsewhere.
    if target and target.startswith("/staff/") and not target.startswith("/staff//"):
        return target
    return "/staff/"


def sign_in_redirect(request: Request) -> Response:
    """Off to the sign-in form, coming back here afterwards; htmx is told to go there too."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = "/staff/sign-in?next=" + quote(here)
    if request.headers.get("HX-Request"):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _sign_in_page(
    request: Request, pages: Pages, status_code: int = 200, **context: object
) -> Response:
    form_token = request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(32)
    response = pages.render(
        request,
        "sign_in.html",
        status_code=status_code,
        form_token=form_token,
        next=_safe_next(request.query_params.get("next")),
        **context,
    )
    # The sign-in form has no session yet, so its CSRF token is this cookie's double.
    response.set_cookie(
        SIGN_IN_COOKIE,
        form_token,
        httponly=True,
        secure=_secure(request, pages),
        samesite="strict",
        path="/staff",
    )
    return response


@router.get("/sign-in")
async def sign_in_form(request: Request, pages: PagesDep) -> Response:
    """The sign-in form."""
    return _sign_in_page(request, pages, signed_out=request.query_params.get("signed_out"))


@router.post("/sign-in")
async def sign_in(
    request: Request,
    pages: PagesDep,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/staff/",
) -> Response:
    """Check the email and password; sign in, or say why not (wrong, or locked until when)."""
    expected = request.cookies.get(SIGN_IN_COOKIE)
    if expected is None or not check_csrf(expected, csrf_token):
        raise PageRefused("csrf")
    try:
        email, password = check_clean(email), check_clean(password)
    except ValueError:
        email, password = "", ""
    address = request.client.host if request.client else "unknown"
    result = await do_web_sign_in(
        session=session,
        email=email,
        password=password,
        address=address,
        rules=pages.config.rules,
        now=utcnow(),
    )
    await session.commit()
    if result.locked_until is not None:
        return _sign_in_page(request, pages, 429, email=email, locked_until=result.locked_until)
    if result.token is None:
        return _sign_in_page(request, pages, 401, email=email, wrong=True)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        result.token,
        httponly=True,
        secure=_secure(request, pages),
        samesite="lax",
        path="/staff",
    )
    response.delete_cookie(SIGN_IN_COOKIE, path="/staff")
    return response


@router.post("/sign-out")
async def sign_out(me: SignedInDep, session: SessionDep) -> Response:
    """End this sign-in and go back to the sign-in form."""
    await do_web_sign_out(session=session, record=me.session, now=utcnow())
    await session.commit()
    response = RedirectResponse("/staff/sign-in?signed_out=1", status_code=303)
    response.delete_cookie(COOKIE, path="/staff")
    return response
