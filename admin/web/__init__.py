"""The staff web page at `/staff/`: server-rendered pages over the same domain actions as the API.

`mount` adds it to the app: the routes (collected on `auth.router`), the static files (htmx,
the page's script and styles, no build step), and the answers for a missing sign-in or a
refusal.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from admin.web import campaigns, contacts, queue, reports, tickets
from admin.web.auth import NotSignedIn, PageRefused, router, sign_in_redirect
from admin.web.core import HERE, Pages, WebConfig

__all__ = ["WebConfig", "mount"]

# The modules whose routes `router` collects; imported for that effect.
_PAGES = (campaigns, contacts, queue, reports, tickets)


def mount(app: FastAPI, config: WebConfig) -> None:
    """Serve the staff page on `app` under `/staff/`."""
    pages = Pages(config)
    app.state.staff_pages = pages
    app.include_router(router)
    app.mount("/staff/static", StaticFiles(directory=HERE / "static"), name="staff-static")

    async def not_signed_in(request: Request, exc: Exception) -> Response:
        return sign_in_redirect(request)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageRefused)
        return pages.render(request, "refused.html", 403, reason=exc.reason)

    app.add_exception_handler(NotSignedIn, not_signed_in)
    app.add_exception_handler(PageRefused, refused)
