"""A lean Bot API double for the benchmarks, in its own process: answers sendMessage at once
(or after `--delay-ms`, as a real provider's round trip takes), records when each message
arrived, and on request enforces a rate limit (429 with retry_after) or answers 429 or 500 for
a while. `/_stats` hands the records to the benchmark.

Run: .venv/bin/python bench/botapi.py PORT [--limit N] [--delay-ms MS]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from collections import deque
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BOT = {"id": 123456, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}


class State:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.recent: deque[float] = deque()
        self.records: list[tuple[int, str, float, int]] = []
        self.fault: tuple[int, float] | None = None  # (status, until)
        self.ids = itertools.count(1)


def make_app(limit: int, delay: float = 0.0) -> Starlette:
    state = State(limit)

    async def api(request: Request) -> JSONResponse:
        method = request.path_params["method"]
        if method == "getMe":
            return JSONResponse({"ok": True, "result": BOT})
        if method in ("setWebhook", "deleteWebhook", "answerCallbackQuery"):
            return JSONResponse({"ok": True, "result": True})
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            params: dict[str, Any] = await request.json()
        else:
            params = dict(await request.form())
        chat = int(params.get("chat_id", 0))
        text = str(params.get("text", ""))
        now = time.time()
        status, body = 200, None
        if state.fault is not None and now < state.fault[1]:
            status = state.fault[0]
        elif state.limit:
            while state.recent and state.recent[0] <= now - 1.0:
                state.recent.popleft()
            if len(state.recent) >= state.limit:
                status = 429
        if status == 429:
            body = {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
        elif status == 500:
            body = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        else:
            state.recent.append(now)
            body = {
                "ok": True,
                "result": {
                    "message_id": next(state.ids),
                    "from": BOT,
                    "chat": {"id": chat, "type": "private"},
                    "date": int(now),
                    "text": text,
                },
            }
        state.records.append((chat, text, now, status))
        if delay:
            await asyncio.sleep(delay)
        return JSONResponse(body, status_code=status)

    async def stats(request: Request) -> JSONResponse:
        since = int(request.query_params.get("since", 0))
        return JSONResponse({"records": state.records[since:], "total": len(state.records)})

    async def fault(request: Request) -> JSONResponse:
        data = await request.json()
        state.fault = (int(data["status"]), time.time() + float(data["seconds"]))
        return JSONResponse({"ok": True})

    async def set_limit(request: Request) -> JSONResponse:
        state.limit = int((await request.json())["limit"])
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/_stats", stats),
            Route("/_fault", fault, methods=["POST"]),
            Route("/_limit", set_limit, methods=["POST"]),
            Route("/bot{token}/{method}", api, methods=["GET", "POST"]),
        ]
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    args = parser.parse_args()
    uvicorn.run(
        make_app(args.limit, args.delay_ms / 1000),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )
