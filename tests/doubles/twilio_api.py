"""A stand-in for Twilio's REST API, served over real HTTP to the code under test.

It answers `POST /2010-04-01/Accounts/{sid}/Messages.json` as api.twilio.com does: HTTP basic
auth with the account SID and auth token, form parameters in, a Message resource out (status
`queued`); `Calls.json` likewise, with the call then driven by the test (`.calls`, see
tests/doubles/twilio_calls.py). It records every request and can be told to fail the next
ones, or to post a message's status callback before it answers the request that created the
message (Twilio's callbacks and its answers travel separately, so that order happens).
"""

from __future__ import annotations

import base64
import itertools
import threading
from collections import deque
from contextlib import AbstractContextManager
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bot.channels.gsm import segments
from tests.doubles.twilio_calls import TwilioCalls
from tests.support.servers import serve_double, wait_until

API_VERSION = "2010-04-01"


@dataclass(frozen=True)
class Sent:
    """One Messages.json request the double received, and what it answered."""

    params: dict[str, str]
    status: int
    response: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status == 201

    @property
    def to(self) -> str:
        return self.params.get("To", "")

    @property
    def body(self) -> str:
        return self.params.get("Body", "")

    @property
    def sid(self) -> str:
        return str(self.response.get("sid", ""))


@dataclass(frozen=True)
class Failure:
    """A canned Twilio error answer."""

    status: int
    code: int
    message: str

    def body(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


UNSUBSCRIBED = Failure(400, 21610, "Attempt to send to unsubscribed recipient")
TOO_MANY_REQUESTS = Failure(429, 20429, "Too Many Requests")
SERVER_ERROR = Failure(500, 20500, "Internal Server Error")
NOT_A_NUMBER = Failure(400, 21211, "Invalid 'To' Phone Number")


class TwilioApiDouble:
    """The fake REST API: an ASGI app (`.app`) plus thread-safe records and failure injection."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.base_url = ""
        self._lock = threading.Lock()
        self._sent: list[Sent] = []
        # None in the queue means "answer this one normally".
        self._failures: deque[Failure | None] = deque()
        self._counter = itertools.count(1)
        # (status, where the service listens) for the next message, and the answers it got.
        self._early: deque[tuple[str, str]] = deque()
        self.early_answers: list[int] = []
        # Calls.json, and what happens on a call when the test says so.
        self.calls = TwilioCalls(account_sid, auth_token)
        self.app = Starlette(
            routes=[
                Route(
                    f"/{API_VERSION}/Accounts/{{sid}}/Messages.json",
                    self._messages,
                    methods=["POST"],
                ),
                Route(
                    f"/{API_VERSION}/Accounts/{{sid}}/Calls.json",
                    self._create_call,
                    methods=["POST"],
                ),
            ]
        )

    # --- what tests use -------------------------------------------------------------------

    def fail_next(self, failure: Failure, times: int = 1) -> None:
        """Answer the next `times` message requests with `failure`."""
        with self._lock:
            self._failures.extend([failure] * times)

    def report_early(self, status: str, deliver_to: str) -> None:
        """For the next message created, post its status callback before answering: signed for
        its StatusCallback URL, as Twilio does, and sent to that path at `deliver_to`."""
        with self._lock:
            self._early.append((status, deliver_to))

    def fail_after(self, successes: int, failure: Failure) -> None:
        """Accept the next `successes` message requests, then answer one with `failure`."""
        with self._lock:
            self._failures.extend([None] * successes + [failure])

    def requests(self) -> list[Sent]:
        """Every message request so far, oldest first, failed ones included."""
        with self._lock:
            return list(self._sent)

    def sent(self, to: str | None = None) -> list[Sent]:
        """Messages accepted, optionally to one address (e.g. `whatsapp:+44...`)."""
        return [s for s in self.requests() if s.ok and (to is None or s.to == to)]

    def reset(self) -> None:
        with self._lock:
            self._sent.clear()
            self._failures.clear()
            self._early.clear()
            self.early_answers.clear()
        self.calls.reset()

    async def wait_for(self, count: int) -> list[Sent]:
        """Wait (bounded) until at least `count` requests have arrived."""

        async def arrived() -> bool:
            return len(self.requests()) >= count

        await wait_until(arrived, f"{count} Twilio message requests")
        return self.requests()

    # --- the HTTP side --------------------------------------------------------------------

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("authorization", "") == f"Basic {expected}"

    async def _messages(self, request: Request) -> JSONResponse:
        form = await request.form()
        params = {k: v for k, v in form.items() if isinstance(v, str)}
        if not self._authorised(request) or request.path_params["sid"] != self.account_sid:
            status, body = 401, Failure(401, 20003, "Authenticate").body()
        else:
            status, body = self._answer(params)
        if status == 201 and params.get("StatusCallback"):
            await self._post_early_status(params["StatusCallback"], body)
        with self._lock:
            self._sent.append(Sent(params, status, body))
        return JSONResponse(body, status_code=status)

    async def _create_call(self, request: Request) -> JSONResponse:
        form = await request.form()
        params = {k: v for k, v in form.items() if isinstance(v, str)}
        # A repeated parameter (StatusCallbackEvent) keeps every value, space-separated.
        for key in {k for k in form if len(form.getlist(k)) > 1}:
            params[key] = " ".join(str(v) for v in form.getlist(key))
        if not self._authorised(request) or request.path_params["sid"] != self.account_sid:
            return JSONResponse(Failure(401, 20003, "Authenticate").body(), status_code=401)
        with self._lock:
            failure = self._failures.popleft() if self._failures else None
        if failure is not None:
            return JSONResponse(failure.body(), status_code=failure.status)
        status, body = await self.calls.create(request, params)
        return JSONResponse(body, status_code=status)

    async def _post_early_status(self, callback_url: str, message: dict[str, Any]) -> None:
        with self._lock:
            if not self._early:
                return
            status, deliver_to = self._early.popleft()
        form = {
            "MessageSid": message["sid"],
            "SmsSid": message["sid"],
            "MessageStatus": status,
            "SmsStatus": status,
            "AccountSid": self.account_sid,
            "From": message["from"],
            "To": message["to"],
            "ApiVersion": API_VERSION,
        }
        signature = RequestValidator(self.auth_token).compute_signature(callback_url, form)
        path = httpx.URL(callback_url).path
        async with httpx.AsyncClient(base_url=deliver_to, timeout=10.0) as client:
            answer = await client.post(path, data=form, headers={"X-Twilio-Signature": signature})
        with self._lock:
            self.early_answers.append(answer.status_code)

    def _answer(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            failure = self._failures.popleft() if self._failures else None
        if failure is not None:
            return failure.status, failure.body()
        if not params.get("To") or not params.get("From"):
            return 400, Failure(400, 21604, "A 'To' phone number is required.").body()
        if not params.get("Body") and not params.get("ContentSid"):
            return 400, Failure(400, 21602, "Message body is required.").body()
        return 201, self._resource(params)

    def _resource(self, params: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            number = next(self._counter)
        sid = f"SM{number:032x}"
        body = params.get("Body", "")
        now = formatdate(usegmt=True)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        is_sms = not params["To"].startswith("whatsapp:")
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": params["From"],
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": str(max(1, segments(body)) if is_sms else 1),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": params["To"],
            "uri": f"{uri}.json",
        }


def serve(account_sid: str, auth_token: str) -> AbstractContextManager[TwilioApiDouble]:
    """A double for one account, served over HTTP on 127.0.0.1 for the length of the block."""
    return serve_double(TwilioApiDouble(account_sid, auth_token))
