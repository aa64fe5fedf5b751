"""Hooks for the service tests."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import pytest

from bot.db import SessionFactory, create_engine, create_session_factory
from tests.support.outage import OutageDatabase, outage_database


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the longest SMS the Twilio tests made the bot send, whenever they ran."""
    # Looked up rather than imported, so a run that never collected the module prints nothing.
    module = sys.modules.get(f"{__package__}.twilio_webhook.texter")
    figures: dict[str, int] = getattr(module, "SMS_FIGURES", {})
    if not figures.get("messages"):
        return
    terminalreporter.write_line(
        f"sms: {figures['messages']} messages checked, all GSM-7 and at most 2 segments; "
        f"longest {figures['longest_chars']} characters in {figures['longest_segments']} segments"
    )


@pytest.fixture
async def outage() -> AsyncIterator[OutageDatabase]:
    """A PostgreSQL database of the test's own, behind a connection the test can cut."""
    async with outage_database() as database:
        yield database


@pytest.fixture
async def direct(outage: OutageDatabase) -> AsyncIterator[SessionFactory]:
    """Sessions on the outage database, past the relay the service goes through."""
    engine = create_engine(outage.direct_url)
    yield create_session_factory(engine)
    await engine.dispose()
