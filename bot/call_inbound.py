"""Applying a call's webhooks that must not be lost: how it ended, the answer gathered on it,
and that it was answered when nothing could be asked.

Twilio posts a call's status callback once, and an answer gathered on it once; when the
database cannot take one at the time, the route keeps its form in the inbound spool
(`bot.inbound`) with the message it is about, and it is applied here when the database is back,
as of the moment it arrived. Applying one twice is harmless: a call's end is recorded once, and
an answer's id (the call and which gather) is recognised as a repeat.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.channels.voice import CallReport, CallScript, answer_event
from bot.db import transaction
from bot.services import Services
from handlers.actions.voice_calls import (
    CallMessage,
    do_note_call_unheard,
    do_record_call_end,
    do_take_call_answer,
    find_call_message,
    same_call,
)

log = logging.getLogger(__name__)

CALL_STATUS = "call_status"
CALL_ANSWER = "call_answer"
# A call answered while its question could not be read: kept so that its end counts as unanswered.
CALL_UNHEARD = "call_unheard"
CALL_KINDS = (CALL_STATUS, CALL_ANSWER, CALL_UNHEARD)
# Fields of our own added to a kept form: the message whose call it is, and which gather.
MESSAGE_FIELD = "HelpbotMessageId"
ATTEMPT_FIELD = "HelpbotGather"


def kept_form(form: Mapping[str, str], message_id: int, attempt: int = 1) -> dict[str, str]:
    """A call webhook's form as it is kept: with the message it names and its gather."""
    return {**form, MESSAGE_FIELD: str(message_id), ATTEMPT_FIELD: str(attempt)}


def script_of(call: CallMessage) -> CallScript:
    """What the call says, as the TwiML and its answers need it."""
    return CallScript(
        message_id=call.message_id,
        text=call.text,
        options=call.options,
        language=call.language,
        external_id=call.external_id,
    )


def _message_id(form: Mapping[str, str]) -> int | None:
    text = form.get(MESSAGE_FIELD, "")
    return int(text) if text.isdigit() else None


async def apply_call_webhook(
    services: Services, kind: str, form: Mapping[str, str], received_at: datetime
) -> bool | None:
    """Apply a kept call webhook; whether it changed anything, or None when it is unusable."""
    message_id = _message_id(form)
    if message_id is None:
        return None
    if kind == CALL_STATUS:
        return await _apply_status(services, message_id, form, received_at)
    if kind == CALL_ANSWER:
        return await _apply_answer(services, message_id, form, received_at)
    if kind == CALL_UNHEARD:
        async with transaction(services.session_factory) as session:
            return await do_note_call_unheard(
                session=session, message_id=message_id, call_sid=form.get("CallSid") or ""
            )
    return None


async def _apply_status(
    services: Services, message_id: int, form: Mapping[str, str], received_at: datetime
) -> bool | None:
    report = CallReport.of(form)
    if report is None or not report.final:
        return None
    async with transaction(services.session_factory) as session:
        recorded = await do_record_call_end(
            session=session,
            message_id=message_id,
            call_sid=report.sid,
            outcome=report.outcome,
            answered_by=report.answered_by,
            now=received_at,
            rule=services.deliverer.call_rule,
        )
    if recorded is None:
        log.warning("a call status named no call of ours (message %s)", message_id)
    return recorded is not None


async def _apply_answer(
    services: Services, message_id: int, form: Mapping[str, str], received_at: datetime
) -> bool | None:
    async with services.session_factory() as session:
        call = await find_call_message(session=session, message_id=message_id)
    if call is None or not same_call(call, form.get("CallSid") or ""):
        return None
    attempt = 2 if form.get(ATTEMPT_FIELD) == "2" else 1
    event = answer_event(form, script_of(call), attempt=attempt)
    if event is None:
        return False  # a key that picks nothing: nothing to record, nothing to set aside
    idle = timedelta(minutes=services.settings.conversation_idle_minutes)
    async with transaction(services.session_factory) as session:
        answer = await do_take_call_answer(
            session=session,
            event=event,
            message_id=message_id,
            now=received_at,
            idle_after=idle,
        )
    return answer.understood
