"""Liveness and readiness, for load balancers and container health checks."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from bot.db import DATABASE_ERRORS, reachable
from bot.deps import ServicesDep
from bot.inbox import read_backlog
from bot.services import Services

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(services: ServicesDep) -> dict[str, Any] | JSONResponse:
    """Whether the process can reach its database, and where each channel is (`up`,
    `starting` or `off`). Only the database decides readiness: a channel still starting is
    retried in the background, and the webhook of one that is off is simply not served.

    On PostgreSQL it also tells the inbox's backlog and how many workers are alive, which do
    not decide readiness either: a web process takes messages with no worker running, and
    none of them is answered until one does."""
    channels = services.channel_states()
    if not await reachable(services.session_factory):
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable", "channels": channels},
            status_code=503,
        )
    ready: dict[str, Any] = {"status": "ok", "database": "ok", "channels": channels}
    if not services.settings.is_sqlite:
        ready.update(await _backlog(services))
    return ready


async def _backlog(services: Services) -> dict[str, Any]:
    """`inbox` and `workers`, or nulls when they could not be read."""
    try:
        backlog = await read_backlog(services.engine)
    except DATABASE_ERRORS as exc:
        log.warning("the inbox's backlog could not be read (%s)", type(exc).__name__)
        return {"inbox": None, "workers": None}
    inbox = {"waiting": backlog.waiting, "oldest_seconds": backlog.oldest_seconds}
    return {"inbox": inbox, "workers": backlog.workers}
