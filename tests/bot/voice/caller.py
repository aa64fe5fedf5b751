"""A person with only a landline, called by the service through the fake Twilio."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from bot.channels.voice import VoiceChannel
from bot.config import Settings
from bot.db import SessionFactory, transaction
from handlers.actions.outbox import queue_reply
from handlers.conversation.events import Option, Reply
from models import ChannelIdentity, Checkin, CheckinRun, Contact, Message, Ticket
from models.base import utcnow
from models.enums import Channel, OutboundPriority
from tests.doubles.twilio_api import TwilioApiDouble
from tests.doubles.twilio_calls import Call
from tests.support.app import settings_for
from tests.support.checkins import campaign, checkins, import_people, person, run_now, tick
from tests.support.outbox import deliverer
from tests.support.servers import wait_until

ACCOUNT_SID = "AC" + "7c2a" * 8
AUTH_TOKEN = "4e6a8c0b2d4f46a8b0c2e4a6c8e0a2b4"
VOICE_FROM = "+441632960100"
# What Twilio is told to call; the service itself listens elsewhere, as behind a proxy.
PUBLIC_BASE_URL = "https://helpline.example.org"
QUESTION = "Hello, this is your housing team. How are you today?"
OPTIONS = (
    Option("checkin_ok", "I'm OK"),
    Option("checkin_help", "I need help"),
    Option("checkin_call", "Please call me"),
)

_numbers = itertools.count(1)
_checkin_numbers = itertools.count(1)


def calling_settings(database_url: str, api: TwilioApiDouble, **overrides: Any) -> Settings:
    """The service with calls on against the fake Twilio, behind our public URL."""
    return settings_for(
        database_url,
        twilio=api,
        public_base_url=PUBLIC_BASE_URL,
        twilio_voice_from=VOICE_FROM,
        **overrides,
    )


@dataclass
class Landline:
    """Someone reached by phone: their record, and the calls the service places to them."""

    db: SessionFactory
    api: TwilioApiDouble
    settings: Settings
    contact: Contact
    identity: ChannelIdentity

    @property
    def number(self) -> str:
        return self.identity.external_id

    async def queue_call(self, text: str = QUESTION, options: tuple[Option, ...] = OPTIONS) -> int:
        """A message to them on the voice channel, as a check-in queues it; its id."""
        async with transaction(self.db) as session:
            identity = await session.get(ChannelIdentity, self.identity.id)
            assert identity is not None
            message = await queue_reply(
                session=session,
                identity=identity,
                reply=Reply(text, options),
                now=utcnow(),
                priority=OutboundPriority.BULK,
            )
            assert message.id is not None
            return message.id

    async def deliver(self) -> None:
        """Run delivery for them (the service's own may get there first: either places it)."""
        channel = VoiceChannel(self.settings)
        await channel.start()
        try:
            await deliverer(self.db, {Channel.VOICE: channel}).drain(self.identity.id or 0)
        finally:
            await channel.stop()

    async def next_call(self, count: int = 1) -> Call:
        """Wait until `count` calls have been placed to them; the last."""

        async def rung() -> bool:
            return len(self.api.calls.placed(self.number)) >= count

        await wait_until(rung, f"call {count} to the landline")
        return self.api.calls.placed(self.number)[count - 1]

    async def called(self) -> Call:
        """A call queued, placed and waiting to be answered."""
        before = len(self.api.calls.placed(self.number))
        await self.queue_call()
        await self.deliver()
        return await self.next_call(before + 1)

    async def messages(self) -> list[Message]:
        async with self.db() as session:
            rows = await session.exec(
                select(Message)
                .where(Message.identity_id == self.identity.id)
                .order_by(col(Message.id))
            )
            return list(rows.all())

    async def tickets(self) -> list[Ticket]:
        async with self.db() as session:
            rows = await session.exec(
                select(Ticket).where(Ticket.contact_id == self.contact.id).order_by(col(Ticket.id))
            )
            return list(rows.all())


async def landline(
    db: SessionFactory,
    api: TwilioApiDouble,
    settings: Settings,
    *,
    language: str = "en",
    name: str = "Dorothy Evans",
) -> Landline:
    """A consented person known only by a landline number."""
    number = f"+44113496{next(_numbers):04d}"
    now = utcnow()
    async with transaction(db) as session:
        contact = Contact(
            display_name=name,
            language=language,
            vulnerable=True,
            consent_version="import",
            consented_at=now,
            created_at=now,
            updated_at=now,
        )
        session.add(contact)
        await session.flush()
        identity = ChannelIdentity(
            contact_id=contact.id,  # type: ignore[arg-type]
            channel=Channel.VOICE,
            external_id=number,
            phone=number,
            created_at=now,
        )
        session.add(identity)
        await session.flush()
    return Landline(db, api, settings, contact, identity)


async def imported_landline(
    db: SessionFactory, api: TwilioApiDouble, settings: Settings, number: str
) -> Landline:
    """The person imported with this landline number, as their record and identity."""
    async with db() as session:
        identity = (
            await session.exec(
                select(ChannelIdentity).where(
                    ChannelIdentity.channel == Channel.VOICE, ChannelIdentity.external_id == number
                )
            )
        ).one()
        contact = await session.get(Contact, identity.contact_id)
    assert contact is not None
    return Landline(db, api, settings, contact, identity)


class CheckinCall:
    """One person's check-in run by phone: their landline, the run, and the call."""

    def __init__(self, db: SessionFactory, person: Landline, run: CheckinRun) -> None:
        self.db = db
        self.person = person
        self.run = run

    async def checkin(self) -> Checkin:
        return next(c for c in await checkins(self.db) if c.contact_id == self.person.contact.id)

    async def call(self, count: int = 1) -> Call:
        """Deliver what is due to them; the call number `count`."""
        await self.person.deliver()
        return await self.person.next_call(count)


async def ask_by_phone(
    db: SessionFactory, api: TwilioApiDouble, settings: Settings, language: str = "en"
) -> CheckinCall:
    """A vulnerable tenant with only a landline, speaking `language`, asked now by a campaign
    open all day."""
    now = utcnow()
    number = f"+44113497{next(_checkin_numbers):04d}"
    ref = f"VC{number[-4:]}"
    await import_people(db, [person(ref, number, channel="voice")], now)
    # Set before the run: the service may place the call as soon as the check-in is queued.
    async with transaction(db) as session:
        contact = (await session.exec(select(Contact).where(Contact.tenant_ref == ref))).one()
        contact.language = language
    made = await campaign(
        db, now, window_start="00:00", window_end="24:00", skip_bank_holidays=False
    )
    run = await run_now(db, made.id or 0, now)
    await tick(db, now)
    asked = CheckinCall(db, await imported_landline(db, api, settings, number), run)

    # The service's own tick (on the worker) may be the one that queued it.
    async def queued() -> bool:
        return (await asked.checkin()).message_id is not None

    await wait_until(queued, "the check-in call to be queued")
    return asked
