"""The FastAPI application: webhooks, health and the staff API, with its lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from admin import api as admin_api
from admin import web as staff_web
from bot.config import Settings, get_settings
from bot.db import DATABASE_ERRORS, SessionFactory, transaction
from bot.inbound import Inbound
from bot.routes import health, my_data, telegram, twilio, voice
from bot.services import running
from bot.spool import Spool
from handlers.actions.reply_window import ReplyWindows
from handlers.actions.staff import do_ensure_bootstrap_admin
from handlers.actions.staff_sessions import SessionRules
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


def _sign_in_rules(settings: Settings) -> SessionRules:
    return SessionRules(
        idle=timedelta(minutes=settings.staff_session_idle_minutes),
        longest=timedelta(hours=settings.staff_session_max_hours),
        max_failures=settings.sign_in_max_failures,
        max_failures_per_address=settings.sign_in_max_failures_per_address,
        lockout=timedelta(minutes=settings.sign_in_lockout_minutes),
    )


def _web_config(settings: Settings) -> staff_web.WebConfig:
    return staff_web.WebConfig(
        rules=_sign_in_rules(settings),
        secure_cookies=settings.secure_cookies,
        zone=ZoneInfo(settings.business_timezone),
        poll_seconds=settings.staff_page_poll_seconds,
    )


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
    app.include_router(my_data.router)
    app.include_router(voice.router)
    app.include_router(admin_api.router, prefix="/api/v1")
    admin_api.add_error_handlers(app)
    app.state.reply_windows = ReplyWindows(settings.twilio_template_reply_sid)
    app.state.sign_in_rules = _sign_in_rules(settings)
    staff_web.mount(app, _web_config(settings))

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
