"""An automated call's webhooks: its TwiML, the answer gathered on it, and how it ended.

Each is signed by Twilio over the public URL the service gave it when placing the call, which
names the call's message; a wrong or missing signature gets 403. Twilio sends each once: how a
call ended, and an answer the database cannot take at the time, are kept in the inbound spool
and applied when it is back (`bot.inbound`). Anything else that cannot be
used (a message that is not a call, another call's SID, an empty answer) still gets TwiML that
ends or carries on the call kindly, never an error the person would hear as a fault.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response

from bot.call_inbound import CALL_ANSWER, CALL_STATUS, CALL_UNHEARD, kept_form, script_of
from bot.channels.voice import CallReport, Twiml, VoiceChannel, answer_event
from bot.db import DATABASE_ERRORS, transaction
from bot.deps import InboundDep, ServicesDep
from bot.inbound import Inbound
from bot.routes.twilio import EMPTY_TWIML, accept_form, signed_form
from bot.services import Services
from handlers.actions.voice_calls import (
    CallMessage,
    do_take_call_answer,
    find_call_message,
    same_call,
)
from handlers.safeguarding.detection import check_text
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
async def call_twiml(
    message_id: int, request: Request, services: ServicesDep, inbound: InboundDep
) -> Response:
    """What the call says when it is answered (and once more after silence)."""
    voice = _voice(services)
    form = await signed_form(request, voice)
    answered_by = (form.get("AnsweredBy") or "").lower()
    if answered_by.startswith("machine") or answered_by == "fax":
        # A message left on a machine could be heard by anyone; the call is tried again later.
        log.info("a machine answered the call for message %s", message_id)
        return _xml(Twiml.hang_up())
    try:
        call = await _call(services, message_id, form.get("CallSid") or "")
    except DATABASE_ERRORS as exc:
        return await _unheard(inbound, form, message_id, request, exc)
    if call is None:
        return _xml(Twiml.hang_up())
    twiml = Twiml(call.language)
    if _again(request):
        return _xml(
            twiml.ask(
                script_of(call),
                answer_url=voice.url(message_id, "answer", again=True, language=twiml.language),
                again_url=None,
                lead=twiml.t("voice.again"),
            )
        )
    return _xml(
        twiml.ask(
            script_of(call),
            answer_url=voice.url(message_id, "answer", language=twiml.language),
            again_url=voice.url(message_id, again=True, language=twiml.language),
        )
    )


@router.post(PREFIX + "/answer", include_in_schema=False)
async def call_answer(
    message_id: int, request: Request, services: ServicesDep, inbound: InboundDep
) -> Response:
    """A key pressed or words said: handled as a message would be, the replies said back."""
    voice = _voice(services)
    form = await signed_form(request, voice)
    again = _again(request)
    try:
        call = await _call(services, message_id, form.get("CallSid") or "")
    except DATABASE_ERRORS as exc:
        return await _answer_later(inbound, form, message_id, request, again, exc)
    if call is None:
        return _xml(Twiml.hang_up())
    script = script_of(call)
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
            return await _answer_later(inbound, form, message_id, request, again, exc)
        if answer.understood:
            return _xml(twiml.replies(answer.texts))
    if again:
        return _xml(twiml.goodbye_unheard("voice.not_understood"))
    return _xml(
        twiml.ask(
            script,
            answer_url=voice.url(message_id, "answer", again=True, language=twiml.language),
            again_url=None,
            lead=twiml.t("voice.not_understood"),
        )
    )


async def _unheard(
    inbound: Inbound,
    form: Mapping[str, str],
    message_id: int,
    request: Request,
    exc: BaseException,
) -> Response:
    """The question cannot be read now: a kind word in the person's language (the URL names it)
    and goodbye, rather than Twilio's own error. A first asking is kept as unheard, so the
    call's end counts as not answered and it is tried again, as one nobody picked up is."""
    if not _again(request):
        try:
            await inbound.keep(
                CALL_UNHEARD,
                kept_form(form, message_id),
                f"the database is unavailable ({type(exc).__name__})",
            )
        except OSError:
            # The end then counts as answered: the check-in's own wait still follows it up.
            log.exception("could not keep an unheard call: the spool cannot be written")
    twiml = Twiml(request.query_params.get("lang") or "")
    return _xml(twiml.goodbye_unheard("voice.trouble"))


async def _answer_later(
    inbound: Inbound,
    form: Mapping[str, str],
    message_id: int,
    request: Request,
    again: bool,
    exc: BaseException,
) -> Response:
    """The database cannot take an answer now: keep it to apply when it can, and say so kindly.

    An emergency said is answered at once, in words that do not claim the team knows: their
    alarm goes only when the kept answer is applied (and never, should keeping it fail)."""
    twiml = Twiml(request.query_params.get("lang") or "")
    said = (form.get("Digits") or form.get("SpeechResult") or "").strip()
    if not said:
        return _xml(twiml.goodbye_unheard("voice.trouble"))
    alert = check_text(form.get("SpeechResult"))
    try:
        await inbound.keep(
            CALL_ANSWER,
            kept_form(form, message_id, 2 if again else 1),
            f"the database is unavailable ({type(exc).__name__})",
        )
    except OSError:
        log.exception("could not keep an answer on a call: the spool cannot be written")
        if alert is None:
            return _xml(twiml.goodbye_unheard("voice.trouble"))
    if alert is not None:
        # Whatever else failed, someone in danger hears to hang up and dial 999.
        return _xml(twiml.replies([twiml.alert(alert.kind.value, told=False)]))
    return _xml(twiml.replies([twiml.t("voice.answer_kept")]))


@router.post(PREFIX + "/status", include_in_schema=False)
async def call_status(
    message_id: int, request: Request, services: ServicesDep, inbound: InboundDep
) -> Response:
    """How the call ended, kept on its message (and acted on: see handlers.actions.voice_calls);
    kept in the spool when the database cannot take it now (see bot.inbound)."""
    voice = _voice(services)
    form = await signed_form(request, voice)
    report = CallReport.of(form)
    if report is None or not report.final:
        if report is None:
            log.warning("acknowledged a call status callback without a call or status")
        return _xml(EMPTY_TWIML)
    log.info("the call for message %s ended: %s", message_id, report.outcome)
    return await accept_form(inbound, CALL_STATUS, kept_form(form, message_id))
