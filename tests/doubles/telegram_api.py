"""A stand-in for the Telegram Bot API, served over real HTTP to the code under test.

It answers `POST /bot{token}/{method}` the way api.telegram.org does for the few methods the
service uses, records every call, and can be told to fail the next calls of a method.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import defaultdict, deque
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.servers import serve_double, wait_until

BOT_USER: dict[str, Any] = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Housing Help",
    "username": "housing_help_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

# python-telegram-bot sends str values as they are and JSON-encodes everything else, so a
# string parameter such as text="2" must not be decoded into the number 2.
STRING_PARAMS = frozenset(
    {"text", "callback_query_id", "url", "secret_token", "parse_mode", "caption", "ip_address"}
)


@dataclass(frozen=True)
class Call:
    """One request the double received, and what it answered."""

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]
    # When the request arrived (time.monotonic()), to check the pace of sends.
    at: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")


@dataclass(frozen=True)
class Failure:
    """A canned error answer for one call."""

    status: int
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


BLOCKED = Failure(403, "Forbidden: bot was blocked by the user")
SERVER_ERROR = Failure(500, "Internal Server Error")


def rate_limited(retry_after: int) -> Failure:
    """Telegram's flood-control answer."""
    return Failure(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
    )


def _decode(name: str, value: str) -> Any:
    if name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class TelegramApiDouble:
    """The fake Bot API: an ASGI app (`.app`) plus thread-safe records and failure injection."""

    def __init__(self, token: str) -> None:
        self.token = token
        # Where the double is served, once a test server has started it.
        self.base_url = ""
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._delays: dict[str, deque[float]] = defaultdict(deque)
        self._next_message_id = 1000
        self.app = Starlette(
            routes=[Route("/bot{token}/{method}", self._endpoint, methods=["POST", "GET"])]
        )

    # --- what tests use -------------------------------------------------------------------

    def fail_next(self, method: str, failure: Failure, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with `failure`."""
        with self._lock:
            self._failures[method].extend([failure] * times)

    def peek_message_id(self) -> int:
        """The message id the next delivered message will get."""
        with self._lock:
            return self._next_message_id

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Answer the next `times` calls of `method` normally, but only after `seconds`."""
        with self._lock:
            self._delays[method].extend([seconds] * times)

    def calls(self, method: str | None = None) -> list[Call]:
        """Every call so far, oldest first, optionally of one method only."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Messages delivered (answered ok), optionally to one chat only."""
        return [
            c
            for c in self.calls("sendMessage")
            if c.ok and (chat_id is None or c.params.get("chat_id") == chat_id)
        ]

    def reset(self) -> None:
        """Forget calls and pending failures."""
        with self._lock:
            self._calls.clear()
            self._failures.clear()
            self._delays.clear()

    async def wait_for_calls(self, method: str, count: int) -> list[Call]:
        """Wait (bounded) until at least `count` calls of `method` have arrived."""

        async def arrived() -> bool:
            return len(self.calls(method)) >= count

        await wait_until(arrived, f"{count} {method} calls")
        return self.calls(method)

    # --- the HTTP side --------------------------------------------------------------------

    async def _params(self, request: Request) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            body = await request.body()
            data = json.loads(body) if body else {}
            return dict(data) if isinstance(data, dict) else {}
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            params = {k: _decode(k, v) for k, v in form.items() if isinstance(v, str)}
            for key, value in form.items():
                if isinstance(value, UploadFile):
                    # A file sent with sendDocument: kept whole, as the person would receive it.
                    params[key] = {"filename": value.filename, "content": await value.read()}
            return params
        return {k: _decode(k, v) for k, v in request.query_params.items()}

    async def _endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        at = time.monotonic()
        params = await self._params(request)
        if request.path_params["token"] != self.token:
            status, body = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        else:
            status, body = self._answer(method, params)
        with self._lock:
            self._calls.append(Call(method, params, status, body, at))
            pending = self._delays.get(method)
            delay = pending.popleft() if pending else 0.0
        if delay:
            # The message is taken (recorded above); only the answer is late.
            await asyncio.sleep(delay)
        return JSONResponse(body, status_code=status)

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            pending = self._failures.get(method)
            failure = pending.popleft() if pending else None
        if failure is not None:
            return failure.status, failure.body()
        match method:
            case "getMe":
                return 200, {"ok": True, "result": BOT_USER}
            case "sendMessage":
                return 200, {"ok": True, "result": self._message(params)}
            case "sendDocument":
                message = self._message(params)
                del message["text"]
                message["caption"] = params.get("caption", "")
                upload = params.get("document")
                name = upload["filename"] if isinstance(upload, dict) else "file"
                message["document"] = {
                    "file_id": f"doc{message['message_id']}",
                    "file_name": name,
                    "file_unique_id": f"u{message['message_id']}",
                }
                return 200, {"ok": True, "result": message}
            case "answerCallbackQuery" | "setWebhook":
                return 200, {"ok": True, "result": True}
            case _:
                return 404, {
                    "ok": False,
                    "error_code": 404,
                    "description": "Not Found: method not found",
                }

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        with self._lock:
            message_id = self._next_message_id
            self._next_message_id += 1
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": {k: BOT_USER[k] for k in ("id", "is_bot", "first_name", "username")},
            "chat": {"id": chat_id, "type": "private"},
            "date": int(time.time()),
            "text": params.get("text", ""),
        }
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        return message


def serve(token: str) -> AbstractContextManager[TelegramApiDouble]:
    """A double for `token`, served over HTTP on 127.0.0.1 for the length of the block."""
    return serve_double(TelegramApiDouble(token))
