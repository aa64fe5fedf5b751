"""Sending on-call pages: a staff Telegram chat, an SMS to the on-call phone, and a signed JSON
webhook to the landlord's own system.

Which page is due, and what a result means, is decided in `handlers.actions.oncall`; here are the
words and the sending. A page says where to look (the reference, the kind of emergency, the
channel and a link to the ticket) and never the person's words, name or health. Pages run as
jobs on the task engine on PostgreSQL (`bot.jobs`), or in the web process on SQLite
(`EmbeddedPaging`), through the same `Pager`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from collections.abc import Iterable
from datetime import datetime

import httpx

from bot.background import BackgroundTask
from bot.channels.base import DeliveryError, OutboundMessage
from bot.channels.telegram import TelegramChannel
from bot.channels.twilio import TwilioChannel
from bot.config import Settings
from bot.db import SessionFactory, transaction
from handlers.actions.oncall import (
    OncallAlert,
    PageWork,
    do_claim_page,
    do_record_page_failure,
    do_record_page_sent,
    do_repeat_unanswered,
    find_next_page_due,
    list_due_pages,
    page_text,
)
from handlers.actions.oncall_pages import PageRequest
from models.base import utcnow
from models.enums import Channel, OncallDestination

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Helpbot-Signature"
WEBHOOK_TIMEOUT = 10.0


class PageError(Exception):
    """A destination did not take the page; `retryable` says whether trying again may help."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for `body`: `sha256=` and the hex HMAC-SHA256."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class Pager:
    """Sends due pages to their destinations and records how each attempt went."""

    def __init__(
        self,
        settings: Settings,
        session_factory: SessionFactory,
        *,
        telegram: TelegramChannel | None = None,
        twilio: TwilioChannel | None = None,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.telegram = telegram
        self.twilio = twilio
        self.base_url = settings.public_base_url.rstrip("/")

    def link(self, alert: OncallAlert) -> str:
        return f"{self.base_url}/staff/tickets/{alert.ref}"

    def text(self, alert: OncallAlert) -> str:
        return page_text(alert, self.link(alert))

    def payload(self, alert: OncallAlert) -> dict[str, object]:
        """The webhook's JSON body."""
        return {
            "event": "urgent_ticket",
            "ref": alert.ref,
            "kind": alert.kind,
            "channel": alert.channel.value,
            "url": self.link(alert),
            "created_at": alert.created_at.isoformat(),
            "page": alert.step + 1,
        }

    async def page(self, page_id: int) -> datetime | None:
        """Send one page if it is due; returns when it is to be tried again, if it is."""
        async with transaction(self.session_factory) as session:
            work = await do_claim_page(session=session, page_id=page_id, now=utcnow())
        if work is None:
            return None
        try:
            await self._send(work)
        except Exception as exc:
            # Whatever went wrong counts as an attempt, so a fault never pages forever.
            failure = exc if isinstance(exc, PageError) else PageError(type(exc).__name__)
            log.warning(
                "on-call page %s to %s failed (attempt %s)",
                page_id,
                work.destination.value,
                work.attempt,
                exc_info=not isinstance(exc, PageError),
            )
            async with transaction(self.session_factory) as session:
                return await do_record_page_failure(
                    session=session,
                    page_id=page_id,
                    reason=failure.reason,
                    retryable=failure.retryable,
                    now=utcnow(),
                )
        async with transaction(self.session_factory) as session:
            await do_record_page_sent(session=session, page_id=page_id, now=utcnow())
        log.info("on-call page %s sent to %s", page_id, work.destination.value)
        return None

    async def repeat(self, now: datetime | None = None) -> list[int]:
        """Page the next destination of every alert nobody has taken up in time."""
        async with transaction(self.session_factory) as session:
            return await do_repeat_unanswered(session=session, now=now or utcnow())

    async def _send(self, work: PageWork) -> None:
        settings = self.settings
        chat, phone = settings.oncall_telegram_chat_id, settings.oncall_sms_to
        match work.destination:
            case OncallDestination.TELEGRAM if chat is not None:
                await self._message(self.telegram, Channel.TELEGRAM, chat, work)
            case OncallDestination.SMS if phone is not None:
                await self._message(self.twilio, Channel.SMS, phone, work)
            case OncallDestination.WEBHOOK if settings.oncall_webhook_url is not None:
                await self._webhook(work)
            case _:
                # A page made under other settings (the destination since taken out).
                raise PageError(f"no {work.destination.value} destination is set", retryable=False)

    async def _message(
        self,
        sender: TelegramChannel | TwilioChannel | None,
        channel: Channel,
        to: str,
        work: PageWork,
    ) -> None:
        if sender is None:
            raise PageError(f"the {channel.value} channel is off", retryable=False)
        outgoing = OutboundMessage(
            message_id=0, channel=channel, external_id=to, text=self.text(work.alert)
        )
        try:
            for part in sender.parts(outgoing):
                # Not `last`: a page is not in the outbox, so it asks for no delivery reports.
                await sender.send_part(outgoing, part, last=False)
        except DeliveryError as exc:
            raise PageError(exc.reason, retryable=exc.retryable) from exc

    async def _webhook(self, work: PageWork) -> None:
        url, secret = self.settings.oncall_webhook_url, self.settings.oncall_webhook_secret
        assert url is not None and secret is not None  # checked with the settings
        body = json.dumps(self.payload(work.alert), separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body)}
        try:
            async with httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT) as client:
                response = await client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise PageError(f"could not reach the webhook ({type(exc).__name__})") from exc
        if response.is_success:
            return
        status = response.status_code
        # A 4xx other than a timeout or a rate limit will not change on its own.
        retryable = status >= 500 or status in (408, 429)
        raise PageError(f"the webhook answered HTTP {status}", retryable=retryable)


class EmbeddedPaging(BackgroundTask):
    """Pages inside the web process (SQLite): due pages and repeats, every few seconds or at
    once when a commit asks for a page."""

    IDLE_SECONDS = 5.0

    name = "embedded-paging"

    def __init__(self, pager: Pager) -> None:
        super().__init__()
        self.pager = pager
        self._wake = asyncio.Event()

    def notify(self, requests: Iterable[PageRequest]) -> None:
        """Pages were committed: look for due ones now."""
        if list(requests):
            self._wake.set()

    async def run_once(self) -> None:
        """Repeat unanswered alerts, then send every due page."""
        await self.pager.repeat()
        async with transaction(self.pager.session_factory) as session:
            due = await list_due_pages(session=session, due_by=utcnow())
        for page_id in due:
            await self.pager.page(page_id)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            timeout = self.IDLE_SECONDS
            try:
                await self.run_once()
                async with transaction(self.pager.session_factory) as session:
                    due = await find_next_page_due(session=session)
                if due is not None:
                    timeout = min(timeout, max(0.05, (due - utcnow()).total_seconds()))
            except Exception:
                # A database hiccup must not end paging for the life of the process.
                log.exception("an on-call round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)
