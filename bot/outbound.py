"""Delivering the outbox: a person's due messages go to their channel, oldest first.

Flows and staff only ever queue messages, in the same transaction as the change that caused
them, and ask for delivery to that person (`handlers.actions.outbox.request_delivery`). A
delivery run for one person (`Deliverer.drain`) then sends what is due, each message on its own:
a failure to send or to record one message is that message's, never the run's. Which message is
next, and what a result means, is decided in `handlers.actions.delivery`; here are the sending,
the rate limits and the bookkeeping around them. The runs themselves are started by the task
engine on PostgreSQL (`bot.jobs`) or in the web process on SQLite (`bot.embedded`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import DeliveryError, OutboundMessage, Sender
from bot.db import SessionFactory, autocommit, transaction
from bot.in_flight import waiting_outside
from bot.limits import RateLimiter
from bot.outbound_work import Claim, Sent, Work, document_of, failure_of, work_of
from handlers.actions.checkin_calls import CallRetryRule
from handlers.actions.data_copies import do_prepare_copy
from handlers.actions.data_rights import do_finish_erasure
from handlers.actions.delivery import (
    OPTED_OUT,
    Claimed,
    RetryRule,
    SendFailure,
    Waiting,
    do_claim_next,
    do_record_failure,
    do_record_part,
    do_record_sent,
)
from handlers.actions.delivery_along import (
    do_give_back,
    do_record_sent_last,
    do_record_sent_together,
    recorded_together,
)
from models import ChannelIdentity, Contact
from models.base import utcnow
from models.enums import Channel, DeliveryStatus

log = logging.getLogger(__name__)

# Flood control asking for a pause this short is waited out by the send itself (a few times at
# most); a longer one puts the message back in the queue until then, freeing the worker.
IN_PLACE_PAUSE = timedelta(seconds=5)
# Channels that speak to the person: the message carries their language to the channel.
SPOKEN_CHANNELS = (Channel.VOICE,)
IN_PLACE_PAUSES = 5


class Deliverer:
    """Sends people's due messages through their channels, within the shared rate limits."""

    def __init__(
        self,
        session_factory: SessionFactory,
        senders: Mapping[Channel, Sender],
        limiter: RateLimiter,
        rule: RetryRule | None = None,
        public_base_url: str = "",
        *,
        call_rule: CallRetryRule | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.session_factory = session_factory
        self.senders = dict(senders)
        self.limiter = limiter
        self.rule = rule or RetryRule()
        # What an unanswered check-in call leads to (a call too late to ring counts as one).
        self.call_rule = call_rule or CallRetryRule()
        # "Now" for every decision (due, stale, inside a campaign's window): tests set it.
        self.clock = clock
        # Where a link to a copy of someone's data points (see handlers.actions.data_copies).
        self.public_base_url = public_base_url

    async def claim(self, session: AsyncSession, identity_id: int) -> Claim:
        """Claim the person's next messages in the caller's transaction, for `drain` to start
        from once it has committed: a step's replies claimed with the step itself."""
        return await self._claim(session, identity_id, None)

    async def _claim(
        self, session: AsyncSession, identity_id: int, identity: ChannelIdentity | None
    ) -> Claim:
        claimed = await do_claim_next(
            session=session,
            identity_id=identity_id,
            now=self.clock(),
            identity=identity,
            call_rule=self.call_rule,
            along=True,
        )
        return Claim(claimed, await self._take(session, claimed))

    async def give_back(self, message_ids: Sequence[int]) -> None:
        """Put messages claimed but never tried back in the queue, their attempt unspent; one
        no longer claimed, or never committed, is left as it is."""
        if not message_ids:
            return
        async with transaction(self.session_factory) as session:
            await do_give_back(session=session, message_ids=message_ids, now=self.clock())

    async def drain(self, identity_id: int, claim: Claim | None = None) -> datetime | None:
        """Send the person's due messages, oldest first, stopping at one that must wait;
        starting from `claim` when one was made and committed already (`claim`).

        Returns when the person's next message falls due (a retry), or None when none is left.
        Each claim takes the next message, with those queued right behind it that may go along
        (`delivery_along`), and their rate-limit turns; what was sent is recorded in the same
        transaction as the next claim: one short transaction per claim. A claim that held all
        the person's messages ends with one statement instead (`_record_last`).
        """
        sent: list[Sent] = []
        untried: list[int] = []
        identity: ChannelIdentity | None = None
        while True:
            if claim is None:
                try:
                    async with transaction(self.session_factory) as session:
                        await self._settle(session, sent, untried)
                        claim = await self._claim(session, identity_id, identity)
                except IntegrityError:
                    if not sent:
                        raise
                    # Another row already holds a provider id. The message went out all the
                    # same, and sending it again would be the real harm; only the id is not kept.
                    for one in sent:
                        await self._record(one)
                    async with transaction(self.session_factory) as session:
                        await self._settle(session, [], untried)
                    sent, untried = [], []
                    continue
                sent, untried = [], []
            claimed, works, claim = claim.claimed, claim.works, None
            if claimed is None:
                return None
            if isinstance(claimed, Waiting):
                return claimed.until
            # Only sends that all went through keep the person's identity as read: a failure
            # may have changed it (an opt-out).
            identity = claimed.identity
            for index, work in enumerate(works):
                outcome = await self._deliver(work)
                if work.last:
                    # An erasure's confirmation (never claimed along with others): recorded at
                    # once, then the person's address goes.
                    status = await self._record(outcome)
                    if status in (DeliveryStatus.SENT, DeliveryStatus.FAILED):
                        async with transaction(self.session_factory) as session:
                            await do_finish_erasure(
                                session=session, identity_id=identity_id, now=self.clock()
                            )
                    identity = None
                elif isinstance(outcome, Sent):
                    sent.append(outcome)
                else:
                    # Those behind a failure wait for it, each with its attempt unspent.
                    untried = [w.outgoing.message_id for w in works[index + 1 :]]
                    identity = None
                    break
            if claimed.whole and len(sent) == len(works):
                more = await self._record_last(identity_id, sent)
                if more is not None:
                    sent = []
                    if not more:
                        return None

    async def _record_last(self, identity_id: int, sent: list[Sent]) -> bool | None:
        """Record the sends of a claim that held all the person's unfinished messages, in one
        statement in autocommit, and say whether another has been queued since; None when
        they are left for the next claim's transaction to record (`_settle`)."""
        engine: AsyncEngine = self.session_factory.kw["bind"]
        if engine.dialect.name != "postgresql":
            return None  # SQLite has no update inside a WITH
        if not all(recorded_together(s.channel, s.parts) for s in sent):
            return None
        pairs = [(s.message_id, s.provider_id) for s in sent]
        try:
            async with autocommit(engine) as connection:
                return await do_record_sent_last(
                    connection=connection, identity_id=identity_id, sent=pairs, now=self.clock()
                )
        except IntegrityError:
            # A provider id held by another row: `_settle` keeps what it can.
            return None

    async def _settle(self, session: AsyncSession, sent: list[Sent], untried: list[int]) -> None:
        """Record the sends that went through, and give back messages claimed but not tried."""
        # More than one: claimed together, so plain replies (`delivery_along`).
        together = [s for s in sent if recorded_together(s.channel, s.parts)]
        if len(together) > 1:
            pairs = [(s.message_id, s.provider_id) for s in together]
            await do_record_sent_together(session=session, sent=pairs, now=self.clock())
            sent = [s for s in sent if s not in together]
        for one in sent:
            await self._save_sent(session, one)
        if untried:
            await do_give_back(session=session, message_ids=untried, now=self.clock())

    async def _take(self, session: AsyncSession, claimed: Claimed | Waiting | None) -> list[Work]:
        """The claimed messages' work, their rate-limit turns taken in the claim's
        transaction."""
        if not isinstance(claimed, Claimed):
            return []
        copy = await do_prepare_copy(session=session, message=claimed.message, now=self.clock())
        language = ""
        if claimed.message.channel in SPOKEN_CHANNELS:
            # A call names its language in its URL, to speak kindly even with no database.
            contact = await session.get(Contact, claimed.message.contact_id)
            language = contact.language if contact is not None else ""
        identity = claimed.identity
        works = [
            work_of(claimed.message, identity, document_of(copy, self.public_base_url), language)
        ]
        works += [work_of(message, identity, None, "") for message in claimed.along]
        head = works[0].outgoing
        sender = self.senders.get(head.channel)
        if sender is None or head.opted_out:
            return works
        connection = await session.connection()
        waits = await self.limiter.turns_in(sender.limits(head), len(works), connection)
        started = time.monotonic()
        return [
            dataclasses.replace(w, turn_at=started + wait)
            for w, wait in zip(works, waits, strict=True)
        ]

    async def send(self, work: Work) -> DeliveryStatus:
        """Send one claimed message and record how it went; returns the status it ended in."""
        return await self._record(await self._deliver(work))

    async def _record(self, outcome: Sent | DeliveryStatus) -> DeliveryStatus:
        """Record a send that went through (a failure is recorded already); its status."""
        if isinstance(outcome, Sent):
            try:
                async with transaction(self.session_factory) as session:
                    await self._save_sent(session, outcome)
            except IntegrityError:
                await self._record_sent_without_id(outcome)
            return DeliveryStatus.SENT
        return outcome

    async def _deliver(self, work: Work) -> Sent | DeliveryStatus:
        """Send one claimed message. A failure is recorded here, and its status returned; a
        send that went through is returned for its caller to record."""
        outgoing = work.outgoing
        if outgoing.opted_out:
            return await self._record_failure(outgoing, SendFailure(OPTED_OUT, retryable=False))
        sender = self.senders.get(outgoing.channel)
        if sender is None:
            off = SendFailure(f"the {outgoing.channel.value} channel is off", retryable=False)
            return await self._record_failure(outgoing, off)
        if work.resumed:
            log.info("message %s is sent again after an unknown outcome", outgoing.message_id)
        parts = sender.parts(outgoing)
        provider_id = ""
        turn_at = work.turn_at
        for index in range(work.sent_parts, len(parts)):
            last = index == len(parts) - 1
            try:
                provider_id = await self._send_part(sender, outgoing, parts[index], last, turn_at)
            except DeliveryError as exc:
                # The reason is kept on the message for staff; providers' texts can quote numbers.
                outcome = "will retry" if exc.retryable else "gave up"
                log.warning("delivery of message %s failed; %s", outgoing.message_id, outcome)
                if exc.retry_after is not None and not exc.channel_starting:
                    # A channel still starting here says nothing of the provider's limits.
                    await self._hold(sender, outgoing, exc.retry_after.total_seconds())
                return await self._record_failure(outgoing, failure_of(exc))
            except Exception as exc:
                log.exception("delivery of message %s raised", outgoing.message_id)
                unknown = SendFailure(type(exc).__name__, retryable=True, outcome_unknown=True)
                return await self._record_failure(outgoing, unknown)
            turn_at = None
            if not last:
                async with transaction(self.session_factory) as session:
                    await do_record_part(
                        session=session,
                        message_id=outgoing.message_id,
                        provider_id=provider_id,
                        now=self.clock(),
                    )
        return Sent(outgoing.message_id, provider_id, len(parts), outgoing.channel)

    async def _send_part(
        self,
        sender: Sender,
        outgoing: OutboundMessage,
        part: str,
        last: bool,
        turn_at: float | None = None,
    ) -> str:
        """Send one part in its turn (at `turn_at` when it was taken already, a monotonic time);
        a short flood-control pause is waited out here, so the message keeps its place instead
        of going back to the queue behind everyone else's."""
        pauses = 0
        while True:
            try:
                # Waiting for the turn and the provider's answer costs this process nothing: a
                # step's place at the worker's gate goes to another if it lasts (`bot.in_flight`).
                async with waiting_outside():
                    if turn_at is None:
                        await self.limiter.wait_turn(sender.limits(outgoing))
                    elif (wait := turn_at - time.monotonic()) > 0:
                        await asyncio.sleep(wait)
                    turn_at = None
                    return await sender.send_part(outgoing, part, last=last)
            except DeliveryError as exc:
                pause = exc.retry_after
                if (
                    pause is None
                    or exc.channel_starting
                    or pause > IN_PLACE_PAUSE
                    or pauses >= IN_PLACE_PAUSES
                ):
                    raise
                pauses += 1
                log.info("message %s waits out flood control in place", outgoing.message_id)
                # Held first, so this message's next turn comes only after the pause.
                await self._hold(sender, outgoing, pause.total_seconds())

    async def _save_sent(self, session: AsyncSession, sent: Sent) -> None:
        await do_record_sent(
            session=session,
            message_id=sent.message_id,
            provider_id=sent.provider_id,
            parts=sent.parts,
            now=self.clock(),
        )

    async def _record_sent_without_id(self, sent: Sent) -> None:
        note = f"sent, but the provider's id {sent.provider_id[:40]} is already recorded"
        async with transaction(self.session_factory) as session:
            await do_record_sent(
                session=session,
                message_id=sent.message_id,
                provider_id=None,
                parts=sent.parts,
                now=self.clock(),
                note=note,
            )

    async def _hold(self, sender: Sender, outgoing: OutboundMessage, seconds: float) -> None:
        # Flood control is the provider's word for every send under the limit, not just this one.
        limits = sender.limits(outgoing)
        if limits:
            await self.limiter.hold(limits[0].key, seconds)

    async def _record_failure(
        self, outgoing: OutboundMessage, failure: SendFailure
    ) -> DeliveryStatus:
        async with transaction(self.session_factory) as session:
            return await do_record_failure(
                session=session,
                message_id=outgoing.message_id,
                failure=failure,
                now=self.clock(),
                rule=self.rule,
            )
