"""Driving the flows with plain events, as a channel would, and reading what the bot queued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from bot.db import SessionFactory, transaction
from handlers.conversation.engine import Outcome, handle_event
from handlers.conversation.events import IncomingEvent, Location, Media, MediaKind
from models import Message
from models.enums import Channel

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday morning


@dataclass
class Said:
    """One reply as the person would see it."""

    text: str
    options: list[tuple[str, str]]

    @property
    def labels(self) -> list[str]:
        return [label for _, label in self.options]


class Chat:
    """One person talking to the bot over `channel`, with a clock the test controls."""

    def __init__(
        self,
        db: SessionFactory,
        *,
        channel: Channel = Channel.CONSOLE,
        external_id: str = "ann",
        name: str | None = "Ann",
        phone: str | None = None,
        now: datetime = START,
        language: str | None = None,
    ) -> None:
        self.db = db
        self.channel = channel
        self.external_id = external_id
        self.name = name
        self.phone = phone
        self.now = now
        # The language the person's app says it is set to (Telegram's language_code).
        self.language = language
        self.replies: list[Said] = []
        self.last_outcome = Outcome()
        self._counter = 0

    def wait(self, **delta: float) -> None:
        """Let time pass, e.g. `chat.wait(minutes=31)`."""
        self.now += timedelta(**delta)

    async def send(
        self,
        text: str | None = None,
        *,
        choice: str | None = None,
        location: tuple[float, float] | None = None,
        media: MediaKind | None = None,
        provider_id: str | None = None,
    ) -> list[Said]:
        """Send one event and return the replies it produced."""
        self._counter += 1
        event = IncomingEvent(
            channel=self.channel,
            external_id=self.external_id,
            provider_id=provider_id,
            text=text,
            choice=choice,
            location=Location(*location) if location else None,
            media=(Media(media),) if media else (),
            display_name=self.name,
            phone=self.phone,
            language=self.language,
        )
        async with transaction(self.db) as session:
            self.last_outcome = await handle_event(session=session, event=event, now=self.now)
        self.now += timedelta(seconds=20)
        async with self.db() as session:
            rows = (
                await session.exec(
                    select(Message)
                    .where(col(Message.id).in_(self.last_outcome.outbound_ids))
                    .order_by(col(Message.id))
                )
            ).all()
        self.replies = [
            Said(row.body, [(str(i), str(label)) for i, label in row.payload.get("options", [])])
            for row in rows
        ]
        return self.replies

    @property
    def last(self) -> Said:
        return self.replies[-1]

    @property
    def text(self) -> str:
        """Everything the last event made the bot say, joined."""
        return "\n".join(said.text for said in self.replies)

    async def press(self, label: str) -> list[Said]:
        """Press the button with this label among the options last shown."""
        for said in reversed(self.replies):
            for option_id, shown in said.options:
                if shown == label:
                    return await self.send(choice=option_id)
        raise AssertionError(f"no option {label!r} in {[s.labels for s in self.replies]}")

    async def onboard(self, role: str = "I'm a tenant") -> None:
        """Say hello, agree to the privacy notice and pick a role, arriving at the menu."""
        await self.send("hello")
        await self.press("Yes, I agree")
        await self.press(role)
