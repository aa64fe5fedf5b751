"""A lean Twilio Messages API double for the benchmarks, in its own process: answers
`POST /2010-04-01/Accounts/{sid}/Messages.json` at once with a real-shaped message resource and
records when each one arrived, to whom. `/_count` says how many it accepted; `/_stats` hands
the records to the benchmark.

Run: .venv/bin/python bench/twilioapi.py PORT ACCOUNT_SID
"""

from __future__ import annotations

import argparse
import itertools
import time
from email.utils import formatdate
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

API_VERSION = "2010-04-01"


def make_app(account_sid: str) -> Starlette:
    records: list[tuple[str, str, float]] = []
    ids = itertools.count(1)

    async def messages(request: Request) -> JSONResponse:
        form = await request.form()
        to, sender = str(form.get("To", "")), str(form.get("From", ""))
        body = str(form.get("Body", ""))
        now = time.time()
        if request.path_params["sid"] != account_sid or not to or not sender:
            return JSONResponse({"code": 21604, "message": "bad request", "status": 400}, 400)
        records.append((to, body, now))
        sid = f"SM{next(ids):032x}"
        uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}"
        stamp = formatdate(now, usegmt=True)
        resource: dict[str, Any] = {
            "account_sid": account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": stamp,
            "date_sent": None,
            "date_updated": stamp,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender,
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": to,
            "uri": f"{uri}.json",
        }
        return JSONResponse(resource, status_code=201)

    async def count(request: Request) -> JSONResponse:
        return JSONResponse({"total": len(records)})

    async def stats(request: Request) -> JSONResponse:
        since = int(request.query_params.get("since", 0))
        return JSONResponse({"records": records[since:], "total": len(records)})

    return Starlette(
        routes=[
            Route("/_count", count),
            Route("/_stats", stats),
            Route(f"/{API_VERSION}/Accounts/{{sid}}/Messages.json", messages, methods=["POST"]),
        ]
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("account_sid")
    args = parser.parse_args()
    uvicorn.run(
        make_app(args.account_sid),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )
