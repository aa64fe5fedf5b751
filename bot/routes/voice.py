"""An automated call's webhooks: its TwiML, the answer gathered on it, and how it ended.

Each is signed by Twilio over the public URL the service gave it when placing the call, which
names the call's message; a wrong or missing signature gets 403. Anything else that cannot be
used (a message that is not a call, another call's SID, an empty answer) still gets TwiML that
ends or carries on the call kindly, never an error the person would hear as a fault.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response

from bot.channels.voice import CallReport, CallScript, Twiml, VoiceChannel, answer_event
from bot.db import DATABASE_ERRORS, transaction
from bot.deps import ServicesDep
from bot.routes.twilio import EMPTY_TWIML, signed_form
from bot.services import Services
from handlers.actions.voice_calls import (
    CallMessage,
    do_record_call_end,
    do_take_call_answer,
    find_call_message,
    same_call,
)
from models.base import utcnow

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])

PREFIX = "/webhooks/twilio/voice/{message_id}"


def _voice(services: Services) -> VoiceChannel:
    if services.voice is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "automated calls are off")
    return services.voice


def _xml(document: str) -> Response:
    return Response(document, media_type="text/xml")


def _script(call: CallMessage) -> CallScript:
    return CallScript(
        message_id=call.message_id,
        text=call.text,
        options=call.options,
        language=call.language,
        external_id=call.external_id,
    )


async def _call(services: Services, message_id: int, call_sid: str) -> CallMessage | None:
    async with services.session_factory() as session:
        call = await find_call_message(session=session, message_id=message_id)
    if call is None or not same_call(call, call_sid):
        log.warning("a call webhook named no call of ours (message %s)", message_id)
        return None
    return call


def _again(request: Request) -> bool:
    return request.query_params.get("again") == "1"


@router.post(PREFIX, include_in_schema=False)
async def call_twiml(message_id: int, request: Request, services: ServicesDep) -> Response:
    """What the call says when it is answered (and once more after silence)."""
    voice = _voice(services)
    form = await signed_form(request, voice)
    call = await _call(services, message_id, form.get("CallSid") or "")
    if call is None:
        return _xml(Twiml.hang_up())
    answered_by = (form.get("AnsweredBy") or "").lower()
    if answered_by.startswith("machine") or answered_by == "fax":
        # A message left on a machine could be heard by anyone; the call is tried again later.
        log.info("a machine answered the call for message %s", message_id)
        return _xml(Twiml.hang_up())
    twiml = Twiml(call.language)
    if _again(request):
        return _xml(
            twiml.ask(
                _script(call),
                answer_url=voice.url(message_id, "answer", again=True),
                again_url=None,
                lead=twiml.t("voice.again"),
            )
        )
    return _xml(
        twiml.ask(
            _script(call),
            answer_url=voice.url(message_id, "answer"),
            again_url=voice.url(message_id, again=True),
        )
    )


@router.post(PREFIX + "/answer", include_in_schema=False)
async def call_answer(message_id: int, request: Request, services: ServicesDep) -> Response:
    """A key pressed or words said: handled as a message would be, the replies said back."""
    voice = _voice(services)
    form = await signed_form(request, voice)
    call = await _call(services, message_id, form.get("CallSid") or "")
    if call is None:
        return _xml(Twiml.hang_up())
    again = _again(request)
    script = _script(call)
    twiml = Twiml(call.language)
    event = answer_event(form, script, attempt=2 if again else 1)
    if event is not None:
        idle = timedelta(minutes=services.settings.conversation_idle_minutes)
        try:
            async with transaction(services.session_factory) as session:
                answer = await do_take_call_answer(
                    session=session,
                    event=event,
                    message_id=message_id,
                    now=utcnow(),
                    idle_after=idle,
                )
        except DATABASE_ERRORS as exc:
            # The check-in still waits, so silence's follow-up reaches the person later.
            log.error("could not record an answer on a call: %s", type(exc).__name__)
            return _xml(twiml.goodbye_unheard("voice.trouble"))
        if answer.understood:
            return _xml(twiml.replies(answer.texts))
    if again:
        return _xml(twiml.goodbye_unheard("voice.not_understood"))
    return _xml(
        twiml.ask(
            script,
            answer_url=voice.url(message_id, "answer", again=True),
            again_url=None,
            lead=twiml.t("voice.not_understood"),
        )
    )


@router.post(PREFIX + "/status", include_in_schema=False)
async def call_status(message_id: int, request: Request, services: ServicesDep) -> Response:
    """How the call ended, kept on its message (and acted on: see handlers.actions.voice_calls)."""
    voice = _voice(services)
    form = await signed_form(request, voice)
    report = CallReport.of(form)
    if report is None or not report.final:
        if report is None:
            log.warning("acknowledged a call status callback without a call or status")
        return _xml(EMPTY_TWIML)
    async with transaction(services.session_factory) as session:
        recorded = await do_record_call_end(
            session=session,
            message_id=message_id,
            call_sid=report.sid,
            outcome=report.outcome,
            answered_by=report.answered_by,
            now=utcnow(),
            rule=services.deliverer.call_rule,
        )
    if recorded is None:
        log.warning("a call status named no call of ours (message %s)", message_id)
    else:
        log.info("the call for message %s ended: %s", message_id, report.outcome)
    return _xml(EMPTY_TWIML)
