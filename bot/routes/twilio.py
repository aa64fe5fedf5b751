"""`POST /webhooks/twilio` and its status callback: check the signature, then translate.

Twilio signs each request with the account's auth token over the URL it called and the form
fields. That URL is ours as the world sees it (`PUBLIC_BASE_URL`), not the address this process
listens on behind a proxy.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response
from starlette.datastructures import ImmutableMultiDict

from bot.channels.twilio import StatusReport, TwilioChannel
from bot.db import transaction
from bot.deps import ServicesDep
from bot.services import Services
from handlers.actions.outbox import do_record_delivery_status
from models.base import utcnow
from models.enums import Channel

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])

SIGNATURE_HEADER = "X-Twilio-Signature"
# Twilio's largest form (a 1600-character body, ten media URLs) is a few kilobytes.
MAX_BODY = 64_000
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _channel(services: Services) -> TwilioChannel:
    if services.twilio is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the WhatsApp and SMS channels are off")
    return services.twilio


async def _signed_form(request: Request, twilio: TwilioChannel) -> ImmutableMultiDict[str, str]:
    """The request's form fields, once its signature is Twilio's; 403 otherwise."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "the form is too large")
    form = ImmutableMultiDict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    url = twilio.public_base_url + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not twilio.signature_ok(url, form, request.headers.get(SIGNATURE_HEADER, "")):
        log.warning("refused a Twilio webhook with a wrong or missing signature")
        raise HTTPException(status.HTTP_403_FORBIDDEN, "wrong or missing X-Twilio-Signature")
    return form


def _twiml() -> Response:
    # An empty response: replies go out through the outbox, not in this answer.
    return Response(EMPTY_TWIML, media_type="text/xml")


@router.post("/webhooks/twilio", include_in_schema=False)
async def twilio_webhook(request: Request, services: ServicesDep) -> Response:
    """Receive one WhatsApp or SMS message; anything signed but unusable is acknowledged."""
    twilio = _channel(services)
    form = await _signed_form(request, twilio)
    event = twilio.translate_form(dict(form))
    if event is None:
        log.warning("acknowledged a Twilio webhook that was not a usable message")
        return _twiml()
    outcome = await services.receive(event)
    if outcome.duplicate:
        log.info("acknowledged a repeated Twilio message %s", event.provider_id)
    return _twiml()


@router.post("/webhooks/twilio/status", include_in_schema=False)
async def twilio_status(request: Request, services: ServicesDep) -> Response:
    """Record a delivery status callback on the message it is about."""
    twilio = _channel(services)
    form = await _signed_form(request, twilio)
    report = StatusReport.of(dict(form))
    if report is None:
        log.warning("acknowledged a Twilio status callback without a message or status")
        return _twiml()
    async with transaction(services.session_factory) as session:
        known = await do_record_delivery_status(
            session=session,
            channels=(Channel.WHATSAPP, Channel.SMS),
            provider_id=report.sid,
            status=report.delivery_status(),
            now=utcnow(),
            reason=report.reason,
            opted_out=report.opted_out,
        )
    if not known:
        log.info("status %s for a message we do not know: %s", report.status[:20], report.sid)
    return _twiml()
