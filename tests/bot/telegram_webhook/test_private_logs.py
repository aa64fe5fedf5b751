"""What people write, their names and numbers never reach the log at INFO, in whole requests."""

from __future__ import annotations

import logging

import pytest

from bot.logs import quiet_libraries
from tests.bot.telegram_webhook.person import CHAT_ID, Person, text_of
from tests.support.privacy import private_log_lines


async def test_a_whole_conversation_logs_nothing_personal(
    person: Person, caplog: pytest.LogCaptureFixture
) -> None:
    quiet_libraries()  # as `helpbot serve` sets logging up
    caplog.set_level(logging.INFO)
    await person.onboard()
    await person.press("Call me back")
    await person.press("Any time")
    summary = text_of(await person.say("07700 900612"))
    assert "07700 900612" in summary
    await person.press("Yes, send it")
    await person.say("my purple wellington boots are soaked")
    await person.say("I have fallen and I can't get up")
    await person.say("my data")
    await person.press("Send me a copy")
    await person.say("delete my data")
    await person.press("Yes, delete it")

    # The service's own lines from its threads were captured, at INFO and above.
    logged = {record.name for record in caplog.records}
    assert {"handlers.safeguarding.response", "handlers.actions.data_rights"} <= logged
    needles = (
        "Margaret",
        str(CHAT_ID),
        "07700 900612",
        "07700900612",
        "7700900612",
        "purple wellington",
        "fallen",
    )
    assert private_log_lines(caplog.records, needles) == []
