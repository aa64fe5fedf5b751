"""The FastAPI application: webhooks, health, and (later) the staff API, with its lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from telegram.error import TelegramError

from admin import api as admin_api
from bot import migrate
from bot.channels.telegram import TelegramChannel
from bot.channels.twilio import TwilioChannel
from bot.config import Settings, get_settings
from bot.db import SessionFactory, transaction
from bot.outbound import InProcessDispatcher, OutboxDelivery, Sender
from bot.routes import health, telegram, twilio
from bot.services import Services, database
from handlers.actions.staff import do_ensure_bootstrap_admin
from models.base import utcnow
from models.enums import Channel

log = logging.getLogger(__name__)


async def _start_telegram(settings: Settings) -> TelegramChannel | None:
    if not settings.telegram_enabled:
        log.info(
            "Telegram is off: set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET to turn it on"
        )
        return None
    channel = TelegramChannel(settings)
    try:
        await channel.start()
    except TelegramError as exc:
        log.error("Telegram is off: the Bot API did not accept the token (%s)", type(exc).__name__)
        return None
    log.info("Telegram is on")
    return channel


async def _start_twilio(settings: Settings) -> TwilioChannel | None:
    if not settings.twilio_enabled:
        if settings.twilio_account_sid:
            log.info("WhatsApp and SMS are off: set TWILIO_WHATSAPP_FROM or TWILIO_SMS_FROM")
        else:
            log.info("WhatsApp and SMS are off: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        return None
    channel = TwilioChannel(settings)
    await channel.start()
    names = {Channel.WHATSAPP: "WhatsApp", Channel.SMS: "SMS"}
    on = " and ".join(names[c] for c in channel.channels)
    off = [name for c, name in names.items() if c not in channel.channels]
    log.info("Twilio is on for %s%s", on, f"; {off[0]} is off (no from-number)" if off else "")
    return channel


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
        if settings.is_sqlite:
            # Embedded mode needs no separate step; on PostgreSQL `helpbot migrate` runs first.
            await migrate.upgrade(settings.database_url)
        engine, session_factory = database(settings)
        await _bootstrap_admin(settings, session_factory)
        telegram_channel = await _start_telegram(settings)
        senders: dict[Channel, Sender] = {}
        if telegram_channel is not None:
            senders[Channel.TELEGRAM] = telegram_channel
        twilio_channel = await _start_twilio(settings)
        if twilio_channel is not None:
            for channel in twilio_channel.channels:
                senders[channel] = twilio_channel
        delivery = OutboxDelivery(session_factory, senders)
        dispatcher = InProcessDispatcher(delivery)
        app.state.services = Services(
            settings=settings,
            engine=engine,
            session_factory=session_factory,
            delivery=delivery,
            dispatcher=dispatcher,
            telegram=telegram_channel,
            senders=senders,
        )
        await dispatcher.start()
        try:
            yield
        finally:
            await dispatcher.stop()
            if telegram_channel is not None:
                await telegram_channel.stop()
            if twilio_channel is not None:
                await twilio_channel.stop()
            await engine.dispose()

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

    @app.exception_handler(DBAPIError)
    async def _database_down(request: Request, exc: DBAPIError) -> JSONResponse:
        log.error(
            "database error on %s %s: %s", request.method, request.url.path, type(exc).__name__
        )
        return JSONResponse(
            {"detail": "The database is unavailable. Please try again."}, status_code=503
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "Internal server error."}, status_code=500)

    return app
