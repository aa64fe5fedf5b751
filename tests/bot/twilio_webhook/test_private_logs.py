"""WhatsApp and SMS: no body, name, number or link token in the log at INFO, in whole requests."""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from bot.logs import quiet_libraries
from tests.bot.twilio_webhook.texter import Texter, text_of
from tests.support.privacy import private_log_lines


async def test_a_whole_conversation_over_whatsapp_logs_nothing_personal(
    mariam: Texter, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    quiet_libraries()  # as `helpbot serve` sets logging up
    caplog.set_level(logging.INFO)
    await mariam.onboard()
    await mariam.say("5")  # Call me back
    await mariam.say("4")  # Any time
    assert "07700 900789" in text_of(await mariam.say("1"))  # Yes, that number
    assert "HH-" in text_of(await mariam.say("1"))  # Yes, send it
    await mariam.say("my purple wellington boots are soaked")
    await mariam.say("my data")
    copy = text_of(await mariam.say("1"))
    found = re.search(r"/my-data/([A-Za-z0-9_-]+)", copy)
    assert found is not None, copy
    assert (await client.post(found.group(0))).status_code == 200
    await mariam.say("delete my data")
    await mariam.say("1")

    logged = {record.name for record in caplog.records}
    assert "handlers.actions.data_rights" in logged
    needles = ("Mariam", "447700900789", "07700 900789", "purple wellington", found.group(1))
    assert private_log_lines(caplog.records, needles) == []
