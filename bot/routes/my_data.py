"""The single-use link to a copy of someone's data, for channels that cannot send files.

No sign-in: the unguessable token is the key. Opening the link shows a page with a button;
only pressing it uses the link up, so a messaging app fetching the link for a preview does not
spend it. The page is in the person's language.
"""

from __future__ import annotations

import json
from html import escape
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response

from bot.deps import SessionDep
from handlers.actions.data_copies import do_use_data_link, find_link_contact
from handlers.actions.errors import NotFoundError
from handlers.conversation.catalog import DEFAULT_LANGUAGE, t
from models.base import utcnow

router = APIRouter(tags=["privacy"], include_in_schema=False)

Token = Annotated[str, Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
_PRIVATE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


def _page(language: str, body: str, status_code: int = 200) -> HTMLResponse:
    title = escape(t("my_data.page_title", language))
    html = (
        f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status_code, headers=_PRIVATE)


def _gone(language: str = DEFAULT_LANGUAGE) -> HTMLResponse:
    return _page(language, f"<p>{escape(t('my_data.page_gone', language))}</p>", 404)


@router.get("/my-data/{token}", response_class=HTMLResponse)
async def data_copy_page(token: Token, session: SessionDep) -> HTMLResponse:
    """A page with one button that downloads the copy."""
    try:
        contact = await find_link_contact(session=session, token=token, now=utcnow())
    except NotFoundError:
        return _gone()
    language = contact.language
    body = (
        f"<p>{escape(t('my_data.page_ready', language))}</p>"
        f'<form method="post"><button type="submit">'
        f"{escape(t('my_data.page_download', language))}</button></form>"
    )
    return _page(language, body)


@router.post("/my-data/{token}", response_model=None)
async def download_data_copy(token: Token, session: SessionDep) -> Response:
    """The copy as a JSON file; the link works no more."""
    now = utcnow()
    try:
        export = await do_use_data_link(session=session, token=token, now=now)
    except NotFoundError:
        return _gone()
    await session.commit()
    content = json.dumps(export, ensure_ascii=False, indent=2).encode()
    headers = {
        **_PRIVATE,
        "Content-Disposition": f'attachment; filename="my-data-{now:%Y-%m-%d}.json"',
    }
    return Response(content, media_type="application/json", headers=headers)
