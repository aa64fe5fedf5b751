"""The FastAPI application: webhooks, health and the staff API, with its lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from admin import api as admin_api
from bot.config import Settings, get_settings
from bot.db import DATABASE_ERRORS, SessionFactory, transaction
from bot.inbound import Inbound
from bot.routes import health, telegram, twilio
from bot.services import running
from bot.spool import Spool
from handlers.actions.reply_window import ReplyWindows
from handlers.actions.staff import do_ensure_bootstrap_admin
from models.base import utcnow

log = logging.getLogger(__name__)


async def _bootstrap_admin(settings: Settings, session_factory: SessionFactory) -> None:
    token = settings.helpbot_bootstrap_admin_token
    if not token:
        return
    try:
        async with transaction(session_factory) as session:
            staff = await do_ensure_bootstrap_admin(session=session, token=token, now=utcnow())
    except IntegrityError:
        # Another process starting at the same moment created it first; that is the goal.
        log.info("The bootstrap admin was created by another process")
        return
    log.info("The bootstrap admin %s can use HELPBOT_BOOTSTRAP_ADMIN_TOKEN", staff.email)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for the given settings (by default, the environment's)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(settings) as services:
            await _bootstrap_admin(settings, services.session_factory)
            inbound = Inbound(services, Spool(settings.inbound_spool_dir))
            app.state.services = services
            app.state.inbound = inbound
            await inbound.start()
            try:
                yield
            finally:
                await inbound.stop()

    app = FastAPI(
        title="housing-help-bot",
        summary="Help requests from tenants and carers over Telegram, WhatsApp and SMS.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.include_router(health.router)
    app.include_router(telegram.router)
    app.include_router(twilio.router)
    app.include_router(admin_api.router, prefix="/api/v1")
    admin_api.add_error_handlers(app)
    app.state.reply_windows = ReplyWindows(settings.twilio_template_reply_sid)

    async def _database_down(request: Request, exc: Exception) -> JSONResponse:
        # Telegram redelivers an update answered 503, so it is not lost; Twilio's forms never
        # get here (see bot.inbound).
        log.error(
            "database error on %s %s: %s", request.method, request.url.path, type(exc).__name__
        )
        return JSONResponse(
            {"detail": "The database is unavailable. Please try again."},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    for error in DATABASE_ERRORS:
        app.add_exception_handler(error, _database_down)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "Internal server error."}, status_code=500)

    return app
