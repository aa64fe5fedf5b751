"""Embedded mode (SQLite): the web process runs the same check-in tick on a clock, and sends
through the same delivery, with no worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.db import SessionFactory
from models.base import utcnow
from tests.doubles.twilio_api import TwilioApiDouble, serve
from tests.support.app import serving, settings_for
from tests.support.checkins import campaign, checkins, import_people, person, run_now

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
pytestmark = sqlite_only


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[TwilioApiDouble]:
    with serve("AC" + "3" * 32, "clock-auth-token") as double:
        yield double


async def test_the_web_process_starts_a_run_and_sends_its_check_ins(
    db: SessionFactory, database_url: str, twilio_api: TwilioApiDouble
) -> None:
    now = utcnow()
    await import_people(db, [person("A", "07700900001"), person("B", "07700900002")], now)
    made = await campaign(
        db, now, window_start="00:00", window_end="24:00", skip_bank_holidays=False
    )
    await run_now(db, made.id or 0, now)
    settings = settings_for(database_url, twilio=twilio_api, twilio_sms_from="+447700900999")
    with serving(settings):
        sent = await twilio_api.wait_for(2)
    assert sorted(s.to for s in sent) == ["+447700900001", "+447700900002"]
    assert all("How are you today?" in s.body for s in sent)
    assert {c.status.value for c in await checkins(db)} == {"sent"}
