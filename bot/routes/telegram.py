"""`POST /webhooks/telegram`: check the secret, translate the update, hand it to the engine."""

from __future__ import annotations

import hmac
import json
import logging

from fastapi import APIRouter, HTTPException, Request, status

from bot.channels.telegram import translate_update
from bot.deps import ServicesDep

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

    body = await request.body()
    try:
        data = json.loads(body) if len(body) <= MAX_BODY else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    update = telegram.parse(data)
    if update is None:
        log.warning("acknowledged a Telegram webhook that was not a readable update")
        return {"ok": True}

    event = translate_update(update)
    if event is None:
        log.info("acknowledged Telegram update %s with nothing to act on", update.update_id)
        return {"ok": True}
    outcome = await services.receive(event)
    if not outcome.duplicate:
        await telegram.acknowledge(update)
    return {"ok": True}
