"""`POST /webhooks/twilio` and its status callback: check the signature, then translate.

Twilio signs each request with the account's auth token over the URL it called and the form
fields. That URL is ours as the world sees it (`PUBLIC_BASE_URL`), not the address this process
listens on behind a proxy.

Twilio sends each webhook once, so a signed, usable form is acknowledged only once it is
committed or kept in the local spool (`bot.inbound`); only when neither can take it is the
answer 503.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol
from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response
from starlette.datastructures import ImmutableMultiDict

from bot.channels.twilio import StatusReport, TwilioChannel
from bot.deps import InboundDep, ServicesDep
from bot.inbound import MESSAGE, STATUS, Inbound
from bot.services import Services

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


class Signed(Protocol):
    """A Twilio channel: the address Twilio calls us at, and its signature check."""

    public_base_url: str

    def signature_ok(self, url: str, params: Any, signature: str) -> bool: ...


async def signed_form(request: Request, twilio: Signed) -> ImmutableMultiDict[str, str]:
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


async def accept_form(inbound: Inbound, kind: str, form: dict[str, str]) -> Response:
    """Apply a signed form now or keep it in the spool; empty TwiML, or 503 if neither can."""
    try:
        await inbound.accept(kind, form)
    except OSError:
        # Neither the database nor the spool could take it: only now is the answer an error.
        log.exception("could not keep a Twilio %s: the spool cannot be written", kind)
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "The service cannot take messages now."
        ) from None
    return _twiml()


@router.post("/webhooks/twilio", include_in_schema=False)
async def twilio_webhook(request: Request, services: ServicesDep, inbound: InboundDep) -> Response:
    """Receive one WhatsApp or SMS message; anything signed but unusable is acknowledged."""
    twilio = _channel(services)
    form = dict(await signed_form(request, twilio))
    if twilio.translate_form(form) is None:
        log.warning("acknowledged a Twilio webhook that was not a usable message")
        return _twiml()
    return await accept_form(inbound, MESSAGE, form)


@router.post("/webhooks/twilio/status", include_in_schema=False)
async def twilio_status(request: Request, services: ServicesDep, inbound: InboundDep) -> Response:
    """Record a delivery status callback on the message it is about."""
    twilio = _channel(services)
    form = dict(await signed_form(request, twilio))
    if StatusReport.of(form) is None:
        log.warning("acknowledged a Twilio status callback without a message or status")
        return _twiml()
    return await accept_form(inbound, STATUS, form)
