"""Liveness and readiness, for load balancers and container health checks."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.deps import SessionDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(session: SessionDep) -> dict[str, str] | JSONResponse:
    """The process can reach its database."""
    try:
        await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    except (DBAPIError, OSError):
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return {"status": "ok", "database": "ok"}
