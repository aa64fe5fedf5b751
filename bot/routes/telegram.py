"""`POST /webhooks/telegram`: check the secret, translate the update, hand it to the engine."""

from __future__ import annotations

import hmac
import json
import logging

from fastapi import APIRouter, HTTPException, Request, status

from bot.channels.telegram import translate_update
from bot.channels.telegram_text import text_message
from bot.deps import ServicesDep
from bot.startup import ChannelState

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000


@router.post("/webhooks/telegram", include_in_schema=False)
async def telegram_webhook(request: Request, services: ServicesDep) -> dict[str, bool]:
    """Receive one Bot API update; anything authenticated but unusable is acknowledged."""
    telegram = services.telegram
    if telegram is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the Telegram channel is off")
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), telegram.secret.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "wrong or missing secret token")
    if services.telegram_state is not ChannelState.UP:
        # The Bot API has not accepted us yet (see bot.startup): Telegram keeps the update and
        # sends it again, where a 200 now would lose it.
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "Telegram is starting. Please try again.",
            headers={"Retry-After": "5"},
        )

    body = await _read_limited(request)
    try:
        data = json.loads(body) if body is not None else None
    except (ValueError, RecursionError):
        # ValueError covers bad JSON, bad UTF-8 and integers too long to convert.
        data = None
    event = text_message(data)
    if event is not None:
        # Plain text: nothing to acknowledge, no button was pressed.
        await services.accept(event)
        return {"ok": True}
    update = telegram.parse(data)
    if update is None:
        log.warning("acknowledged a Telegram webhook that was not a readable update")
        return {"ok": True}

    event = translate_update(update)
    if event is not None:
        await services.accept(event)
    else:
        log.info("acknowledged Telegram update %s with nothing to act on", update.update_id)
    # Every button press is answered, even in a group or on a replay, so no spinner is left.
    await telegram.acknowledge(update)
    return {"ok": True}


async def _read_limited(request: Request) -> bytes | None:
    """The request body, or None once it grows past MAX_BODY (without reading the rest)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
