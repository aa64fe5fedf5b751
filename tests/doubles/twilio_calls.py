"""Twilio's Calls API and what it does during a call, for the Twilio double.

`POST /2010-04-01/Accounts/{sid}/Calls.json` creates a call (status `queued`), as api.twilio.com
does. Nothing happens on the line until the test says so, one step at a time, each as Twilio
would do it over HTTP: `answer` fetches the call's TwiML `Url` (with `AnsweredBy` when machine
detection was asked for), `press` and `speak` post a gathered answer to the `<Gather>` action,
`stay_silent` lets the gather time out and carries on with the verbs after it (following a
`<Redirect>`), and `end` posts the `StatusCallback` (`completed`, `busy`, `no-answer`, `failed`).
Every request is signed as Twilio signs, with the library's RequestValidator, over the URL the
service gave (its public address); it is sent to `deliver_to`, where the service listens.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any

import httpx
from starlette.requests import Request
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

API_VERSION = "2010-04-01"
ENDED = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
# Real-shaped forms the double's own are made from (our numbers and SIDs put in).
FIXTURES = Path(__file__).parents[1] / "fixtures" / "twilio"
# The SIP answer Twilio reports with each way a call ends.
SIP_CODES = {
    "completed": "200",
    "busy": "486",
    "no-answer": "487",
    "failed": "404",
    "canceled": "487",
}


def fixture(name: str) -> dict[str, str]:
    form: dict[str, str] = json.loads((FIXTURES / f"{name}.json").read_text())
    return form


@dataclass
class Call:
    """One call the service placed, and what happened on it so far."""

    sid: str
    params: dict[str, str]
    status: str = "queued"
    answered_by: str | None = None
    # Everything the person heard, in order, and each webhook's answer status.
    heard: list[str] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    # The verbs still to run after the gather waiting for input (None: not waiting).
    gather: ET.Element | None = None
    rest: list[ET.Element] = field(default_factory=list)
    hung_up: bool = False
    sequence: int = 0
    # When the double received the request that created it (time.monotonic()).
    at: float = field(default_factory=time.monotonic)

    @property
    def to(self) -> str:
        return self.params.get("To", "")

    @property
    def last_said(self) -> str:
        return self.heard[-1] if self.heard else ""


class TwilioCalls:
    """The calls side of the double: created over HTTP, then driven by the test."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.validator = RequestValidator(auth_token)
        # Where the service really listens; the URLs it gives Twilio name its public address.
        self.deliver_to = ""
        self._lock = threading.Lock()
        self._calls: dict[str, Call] = {}
        self._counter = itertools.count(1)
        # Statuses to post for the next calls created, before answering the request.
        self._early: list[str] = []

    # --- what tests use -------------------------------------------------------------------

    def placed(self, to: str | None = None) -> list[Call]:
        """Calls created so far, oldest first, optionally to one number."""
        with self._lock:
            calls = list(self._calls.values())
        return [c for c in calls if to is None or c.to == to]

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._early.clear()

    def end_early(self, status: str) -> None:
        """The next call created ends at once (`failed`, `busy`), and Twilio reports it before
        it answers the request that created it: its callbacks and answers travel separately."""
        with self._lock:
            self._early.append(status)

    async def answer(self, call: Call, answered_by: str = "human") -> Call:
        """Someone (or a machine: `machine_start`, `fax`, ...) picks up: fetch the TwiML."""
        call.status = "in-progress"
        if self._detects_machines(call):
            call.answered_by = answered_by
        await self._run(call, await self._post(call, call.params["Url"], {}))
        return call

    async def press(self, call: Call, digits: str) -> Call:
        """Keys pressed during the gather."""
        return await self._gathered(call, {**fixture("call_gather_digits"), "Digits": digits})

    async def speak(self, call: Call, words: str, confidence: float = 0.92) -> Call:
        """Words said during the gather, as Twilio's speech recognition heard them."""
        heard = {
            **fixture("call_gather_speech"),
            "SpeechResult": words,
            "Confidence": f"{confidence:.8f}",
        }
        if call.gather is not None and call.gather.get("language"):
            heard["Language"] = call.gather.get("language", "")
        return await self._gathered(call, heard)

    async def stay_silent(self, call: Call) -> Call:
        """Nothing said or pressed: the gather times out and the call goes on after it."""
        if call.gather is None:
            raise AssertionError("the call is not waiting for an answer")
        call.gather = None
        rest, call.rest = call.rest, []
        document = ET.Element("Response")
        document.extend(rest)
        await self._run(call, document)
        return call

    async def end(self, call: Call, status: str = "completed", duration: int = 30) -> int:
        """The call is over (or never connected): post its StatusCallback; the answer's code."""
        if status not in ENDED:
            raise ValueError(f"not a final call status: {status}")
        call.status = status
        call.gather = None
        callback = call.params.get("StatusCallback")
        if not callback:
            return 0
        form = self._form(call)
        shape = "call_status_completed" if status == "completed" else "call_status_busy"
        form.update(fixture(shape))
        form.update(
            CallStatus=status,
            CallDuration=str(duration if status == "completed" else 0),
            Duration=str(max(1, -(-duration // 60)) if status == "completed" else 0),
            SipResponseCode=SIP_CODES[status],
            Timestamp=formatdate(usegmt=True),
            SequenceNumber=str(call.sequence),
        )
        call.sequence += 1
        async with httpx.AsyncClient(timeout=10.0) as client:
            answer = await self._send(client, callback, form)
        code: int = answer.status_code
        call.answers.append(code)
        return code

    # --- the HTTP side --------------------------------------------------------------------

    async def create(self, request: Request, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Answer a Calls.json request whose authentication has been checked."""
        if not params.get("To") or not params.get("From"):
            return 400, _error(21201, "No 'To' number is specified")
        if not (params.get("Url") or params.get("Twiml")):
            return 400, _error(21205, "Url parameter is required.")
        sid = f"CA{next(self._counter):032x}"
        call = Call(sid, params)
        with self._lock:
            self._calls[sid] = call
            early = self._early.pop(0) if self._early else None
        if early is not None:
            await self.end(call, early, duration=0)
        return 201, self._resource(call)

    def _resource(self, call: Call) -> dict[str, Any]:
        now = formatdate(usegmt=True)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{call.sid}"
        return {
            "account_sid": self.account_sid,
            "answered_by": None,
            "api_version": API_VERSION,
            "caller_name": None,
            "date_created": now,
            "date_updated": now,
            "direction": "outbound-api",
            "duration": None,
            "end_time": None,
            "forwarded_from": None,
            "from": call.params["From"],
            "from_formatted": call.params["From"],
            "parent_call_sid": None,
            "phone_number_sid": None,
            "price": None,
            "price_unit": "USD",
            "queue_time": "0",
            "sid": call.sid,
            "start_time": None,
            "status": "queued",
            "subresource_uris": {"recordings": f"{uri}/Recordings.json"},
            "to": call.params["To"],
            "to_formatted": call.params["To"],
            "trunk_sid": None,
            "uri": f"{uri}.json",
        }

    def _detects_machines(self, call: Call) -> bool:
        return call.params.get("MachineDetection") in ("Enable", "DetectMessageEnd")

    def _form(self, call: Call) -> dict[str, str]:
        form = fixture("call_answered")
        sender = call.params["From"]
        form.update(
            AccountSid=self.account_sid,
            CallSid=call.sid,
            CallStatus=call.status,
            Called=call.to,
            To=call.to,
            Caller=sender,
            From=sender,
        )
        if call.answered_by is not None:
            form["AnsweredBy"] = call.answered_by
            form["MachineDetectionDuration"] = "2310"
        return form

    async def _send(self, client: httpx.AsyncClient, url: str, form: dict[str, str]) -> Any:
        signature = self.validator.compute_signature(url, form)
        target = httpx.URL(url)
        where = httpx.URL(self.deliver_to).copy_with(path=target.path, query=target.query)
        return await client.post(where, data=form, headers={"X-Twilio-Signature": signature})

    async def _post(self, call: Call, url: str, extra: dict[str, str]) -> ET.Element | None:
        """Post a call webhook; the TwiML it answered, or None for an unusable answer (Twilio
        would play its "application error" message and hang up)."""
        form = {**self._form(call), **extra}
        async with httpx.AsyncClient(timeout=10.0) as client:
            answer = await self._send(client, url, form)
        call.answers.append(answer.status_code)
        if answer.status_code != 200:
            return None
        try:
            return ET.fromstring(answer.content)
        except ET.ParseError:
            return None

    async def _gathered(self, call: Call, extra: dict[str, str]) -> Call:
        gather = call.gather
        if gather is None:
            raise AssertionError("the call is not waiting for an answer")
        call.gather = None
        call.rest = []
        # Twilio posts to the current document's URL when a gather names no action.
        action = gather.get("action") or call.params["Url"]
        await self._run(call, await self._post(call, action, extra))
        return call

    async def _run(self, call: Call, document: ET.Element | None) -> None:
        """Run a fetched document up to a gather or the end, following redirects over HTTP;
        an unusable document ends the call."""
        while True:
            if document is None or document.tag != "Response":
                call.hung_up = True
                return
            redirect = self._walk(call, list(document))
            if redirect is None:
                return
            document = await self._post(call, (redirect.text or "").strip(), {})

    def _walk(self, call: Call, verbs: list[ET.Element]) -> ET.Element | None:
        """Run verbs until a gather waits (None), the call hangs up (None), or a redirect
        comes (returned, for the caller to fetch)."""
        for index, verb in enumerate(verbs):
            if verb.tag == "Say":
                call.heard.append((verb.text or "").strip())
            elif verb.tag == "Gather":
                call.heard.extend((s.text or "").strip() for s in verb if s.tag == "Say")
                call.gather = verb
                call.rest = verbs[index + 1 :]
                return None
            elif verb.tag == "Redirect":
                return verb
            elif verb.tag == "Hangup":
                call.hung_up = True
                return None
        # The end of a document hangs up, as on Twilio.
        call.hung_up = True
        return None


def _error(code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": 400,
    }
