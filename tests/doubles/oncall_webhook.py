"""A landlord's system receiving on-call alerts: it checks each one's HMAC signature with the
shared secret, as the real receiver must, records what arrived, and can be told to fail."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections import deque
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.servers import serve_double, wait_until

PATH = "/helpline/alerts"


@dataclass(frozen=True)
class Received:
    """One alert as it arrived: its body, whether its signature held, and what we answered."""

    body: bytes
    signed: bool
    status: int

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


class AlertReceiver:
    """The receiving end of `ONCALL_WEBHOOK_URL`, served over real HTTP."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.base_url = ""
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._failures: deque[int] = deque()
        self.app = Starlette(routes=[Route(PATH, self._endpoint, methods=["POST"])])

    @property
    def url(self) -> str:
        return self.base_url + PATH

    def fail_next(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def accepted(self) -> list[Received]:
        """Alerts answered 2xx: what the landlord's system took in."""
        return [r for r in self.received() if r.status == 200]

    def reset(self) -> None:
        with self._lock:
            self._received.clear()
            self._failures.clear()

    async def wait_for(self, count: int) -> list[Received]:
        async def arrived() -> bool:
            return len(self.received()) >= count

        await wait_until(arrived, f"{count} on-call webhook calls")
        return self.received()

    async def _endpoint(self, request: Request) -> JSONResponse:
        body = await request.body()
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        given = request.headers.get("X-Helpbot-Signature", "")
        signed = hmac.compare_digest(expected, given)
        with self._lock:
            status = self._failures.popleft() if self._failures else 200
            if not signed:
                status = 401
            self._received.append(Received(body, signed, status))
        return JSONResponse({"ok": status == 200}, status_code=status)


def serve(secret: str) -> AbstractContextManager[AlertReceiver]:
    """A receiver for `secret`, served on 127.0.0.1 for the length of the block."""
    return serve_double(AlertReceiver(secret))
