"""Twilio webhooks that must not be lost: accepted means committed, or kept on disk until it is.

Twilio does not redeliver a message webhook (nor a status callback, nor a call's webhooks) that
failed. So each one is applied in its own transaction, and when that cannot happen (the database
is down, or too slow for Twilio's 15-second limit, or something unforeseen went wrong) the form
goes to the local spool (`bot.spool`) before it is acknowledged. A background task of the web
process applies the spool: at start-up, whenever something is spooled, and after an outage with
backoff until the database answers. Applying a form twice is harmless: a message's `MessageSid`
is unique per channel in the messages table, a delivery status never moves backwards, and a call's
end and answers are recorded once (`bot.call_inbound`).

While anything waits in the spool, new forms join the queue behind it, so one person's messages
are applied in the order they arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from datetime import datetime
from pathlib import Path

from bot.backoff import Background, Backoff
from bot.call_inbound import CALL_KINDS, apply_call_webhook
from bot.channels.twilio import StatusReport, translate_form
from bot.db import DATABASE_ERRORS, reachable, transaction
from bot.services import Services
from bot.spool import Batch, BatchBusy, Spool, Spooled
from handlers.actions.delivery_reports import (
    REPORTED_CHANNELS,
    do_expire_pending_reports,
    do_match_pending_reports,
)
from handlers.actions.outbox import do_record_delivery_status
from models.base import utcnow

log = logging.getLogger(__name__)

MESSAGE = "message"
STATUS = "status"
# Twilio gives up on a webhook after 15 seconds; past this, keep the form and answer.
APPLY_BUDGET = 10.0
# A line that fails this often while the database answers is set aside for an operator.
SET_ASIDE_AFTER = 3


class Unusable(Exception):
    """A spooled form that can never be applied (it no longer reads as a message or report)."""


class Inbound:
    """Applies Twilio webhooks, spooling what the database cannot take, and replays the spool."""

    def __init__(
        self,
        services: Services,
        spool: Spool,
        *,
        backoff: Backoff | None = None,
        idle_seconds: float = 30.0,
    ) -> None:
        self.services = services
        self.spool = spool
        self.backoff = backoff or Backoff(first=0.5, limit=30.0)
        self.idle_seconds = idle_seconds
        self._wake = asyncio.Event()
        self._task = Background("inbound-spool", self._run)
        # Lines of a batch already applied by this process, and failures per line.
        self._progress: dict[Path, int] = {}
        self._failures: Counter[tuple[Path, int]] = Counter()
        self._waiting_logged = False

    # --- the webhook side -----------------------------------------------------------------

    async def accept(self, kind: str, form: dict[str, str]) -> None:
        """Apply one webhook now, or keep it in the spool. Raises OSError only when the spool
        cannot be written either: then nothing was accepted."""
        item = Spooled(kind, form, utcnow())
        if await asyncio.to_thread(self.spool.waiting):
            await self._keep(item, "behind others already waiting", level=logging.INFO)
            return
        try:
            async with asyncio.timeout(APPLY_BUDGET):
                await self.apply(item)
        except DATABASE_ERRORS as exc:
            await self._keep(item, f"the database is unavailable ({type(exc).__name__})")
        except Exception:
            # A fault of ours must not lose what the person wrote: keep it, replay it later.
            log.exception("applying a Twilio %s failed", kind)
            await self._keep(item, "applying it failed")

    async def keep(self, kind: str, form: dict[str, str], why: str) -> None:
        """Keep one webhook to apply later, without trying it now (its caller just could not).
        Raises OSError when the spool cannot be written."""
        await self._keep(Spooled(kind, form, utcnow()), why)

    async def _keep(self, item: Spooled, why: str, level: int = logging.WARNING) -> None:
        await asyncio.to_thread(self.spool.append, item)
        log.log(level, "kept a Twilio %s in the spool to apply later: %s", item.kind, why)
        self._wake.set()

    async def apply(self, item: Spooled) -> bool:
        """Apply one webhook in its own transaction; False if it was applied before."""
        if item.kind == MESSAGE:
            event = translate_form(item.form)
            if event is None:
                raise Unusable("not a usable message")
            outcome = await self.services.receive(event, now=item.received_at)
            if outcome.duplicate:
                log.info("acknowledged a repeated Twilio message %s", event.provider_id)
            return not outcome.duplicate
        if item.kind == STATUS:
            report = StatusReport.of(item.form)
            if report is None:
                raise Unusable("not a usable status report")
            await self._record_status(report, utcnow())
            return True
        if item.kind in CALL_KINDS:
            applied = await apply_call_webhook(
                self.services, item.kind, item.form, item.received_at
            )
            if applied is None:
                raise Unusable(f"not a usable {item.kind}")
            return applied
        raise Unusable(f"unknown kind {item.kind[:20]!r}")

    async def _record_status(self, report: StatusReport, now: datetime) -> None:
        async with transaction(self.services.session_factory) as session:
            known = await do_record_delivery_status(
                session=session,
                channels=REPORTED_CHANNELS,
                provider_id=report.sid,
                status=report.delivery_status(),
                now=now,
                reason=report.reason,
                opted_out=report.opted_out,
            )
        if not known:
            # Usually the send's own record has not committed yet; it applies what was kept.
            log.info(
                "status %s came before its message was recorded: %s", report.status[:20], report.sid
            )

    # --- the background side --------------------------------------------------------------

    async def start(self) -> None:
        """Start the background task; its first round replays what a previous run left."""
        self._task.start()

    async def stop(self) -> None:
        await self._task.stop()

    async def _run(self) -> None:
        delay = 0.0
        loop = asyncio.get_running_loop()
        next_sweep = loop.time()
        while True:
            if delay:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
            self._wake.clear()
            if loop.time() >= next_sweep:
                await self.sweep_reports()
                next_sweep = loop.time() + self.idle_seconds
            try:
                done = await self.replay()
            except Exception:
                log.exception("replaying the spool failed")
                done = False
            if done:
                self.backoff.reset()
                # Forms spooled during the replay (behind it) go in the next round, at once.
                waiting = await asyncio.to_thread(self.spool.waiting)
                delay = 0.0 if waiting else self.idle_seconds
            else:
                # Wakes during a backoff are not honoured: each would be one more try.
                await asyncio.sleep(self.backoff.next_delay())
                delay = 0.0

    async def sweep_reports(self) -> None:
        """Apply kept delivery reports whose message is now recorded (a report and its send
        that crossed in flight), and forget those too old to match."""
        try:
            async with transaction(self.services.session_factory) as session:
                now = utcnow()
                matched = await do_match_pending_reports(session=session, now=now)
                expired = await do_expire_pending_reports(session=session, now=now)
        except DATABASE_ERRORS:
            return  # an outage; the replay says so, and the next sweep catches up
        except Exception:
            log.exception("sweeping kept delivery reports failed")
            return
        if matched or expired:
            log.info(
                "kept delivery reports: %d applied late, %d expired unmatched", matched, expired
            )

    async def replay(self) -> bool:
        """Apply everything spooled, oldest first; False when it must be tried again later."""
        paths = await asyncio.to_thread(self.spool.take)
        for path in paths:
            try:
                batch = await asyncio.to_thread(self.spool.claim, path)
            except BatchBusy:
                # Another process is on an older batch; newer ones wait, to keep the order.
                return False
            if batch is None:
                continue
            try:
                if not await self._replay_batch(batch):
                    return False
                await asyncio.to_thread(batch.finish)
            finally:
                batch.release()
        return True

    async def _replay_batch(self, batch: Batch) -> bool:
        start = self._progress.get(batch.path, 0)
        if start == 0:
            log.info("replaying %d spooled Twilio webhooks", len(batch.lines))
        applied = 0
        for index in range(start, len(batch.lines)):
            line = batch.lines[index]
            item = Spooled.from_line(line)
            try:
                if item is None:
                    raise Unusable("an unreadable line")
                applied += await self.apply(item)
            except Unusable as exc:
                log.warning("set aside a spooled webhook: %s", exc)
                await asyncio.to_thread(self.spool.set_aside, line)
            except Exception as exc:
                if not await reachable(self.services.session_factory):
                    if not self._waiting_logged:
                        log.warning("the database is unavailable; spooled webhooks wait for it")
                        self._waiting_logged = True
                    return False
                self._failures[batch.path, index] += 1
                tries = self._failures[batch.path, index]
                log.error(
                    "replaying a spooled webhook failed (%s, try %d)", type(exc).__name__, tries
                )
                if tries < SET_ASIDE_AFTER:
                    return False
                log.error("set aside a spooled webhook after %d tries", tries)
                await asyncio.to_thread(self.spool.set_aside, line)
            self._progress[batch.path] = index + 1
        self._progress.pop(batch.path, None)
        self._waiting_logged = False
        log.info("replayed a spooled batch: %d applied, the rest already were", applied)
        return True
