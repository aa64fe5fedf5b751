"""Liveness and readiness, for load balancers and container health checks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from bot.db import reachable
from bot.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(services: ServicesDep) -> dict[str, Any] | JSONResponse:
    """Whether the process can reach its database, and where each channel is (`up`,
    `starting` or `off`). Only the database decides readiness: a channel still starting is
    retried in the background, and the webhook of one that is off is simply not served."""
    channels = services.channel_states()
    if not await reachable(services.session_factory):
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable", "channels": channels},
            status_code=503,
        )
    return {"status": "ok", "database": "ok", "channels": channels}
