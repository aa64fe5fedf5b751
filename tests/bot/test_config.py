"""Settings as an operator gives them."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import Settings


def test_a_plain_postgresql_url_selects_psycopg() -> None:
    settings = Settings(_env_file=None, database_url="postgresql://helpbot@db:5432/helpbot")
    assert settings.database_url == "postgresql+psycopg://helpbot@db:5432/helpbot"
    assert settings.is_psycopg
    assert settings.libpq_url == "postgresql://helpbot@db:5432/helpbot"


def test_rate_limits_default_to_the_providers_and_zero_lifts_them() -> None:
    defaults = Settings(_env_file=None)
    assert (defaults.telegram_max_per_second, defaults.twilio_max_per_second) == (30, 10)
    assert defaults.telegram_max_per_chat_per_second == 1
    lifted = Settings(_env_file=None, telegram_max_per_second=0, twilio_max_per_second=0)
    assert (lifted.telegram_max_per_second, lifted.twilio_max_per_second) == (0, 0)
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        Settings(_env_file=None, twilio_max_per_second=-1)


def test_web_database_connections_are_read_from_the_environment_and_at_least_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings(_env_file=None).web_database_connections == 20
    monkeypatch.setenv("WEB_DATABASE_CONNECTIONS", "8")
    assert Settings(_env_file=None).web_database_connections == 8
    monkeypatch.setenv("WEB_DATABASE_CONNECTIONS", "0")
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        Settings(_env_file=None)


ONCALL_READY: dict[str, Any] = {
    "telegram_bot_token": "123:abc",
    "telegram_webhook_secret": "s3cret",
    "twilio_account_sid": "AC123",
    "twilio_auth_token": "token",
    "twilio_sms_from": "+447700900123",
}


def test_on_call_destinations_are_paged_in_order_chat_phone_webhook() -> None:
    settings = Settings(
        _env_file=None,
        oncall_webhook_url="https://landlord.example.org/alerts",
        oncall_webhook_secret="shared",
        oncall_sms_to="+447700900456",
        oncall_telegram_chat_id="-1001234567890",
        oncall_repeat_minutes=10,
        **ONCALL_READY,
    )
    policy = settings.oncall_policy()
    assert [d.value for d in policy.destinations] == ["telegram", "sms", "webhook"]
    assert policy.repeat.total_seconds() == 600
    assert Settings(_env_file=None).oncall_policy().destinations == ()


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"oncall_telegram_chat_id": "staff-room"}, "ONCALL_TELEGRAM_CHAT_ID"),
        ({"oncall_sms_to": "07700 900456"}, "ONCALL_SMS_TO"),
        ({"oncall_webhook_url": "https://example.org/alerts"}, "ONCALL_WEBHOOK_SECRET"),
        ({"oncall_webhook_url": "ftp://example.org", "oncall_webhook_secret": "x"}, "http"),
    ],
)
def test_an_unusable_on_call_destination_stops_start_up(values: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        Settings(_env_file=None, **ONCALL_READY, **values)


def test_an_on_call_destination_needs_its_channel() -> None:
    with pytest.raises(ValueError, match="needs TELEGRAM_BOT_TOKEN"):
        Settings(_env_file=None, oncall_telegram_chat_id="-100123")
    with pytest.raises(ValueError, match="needs Twilio SMS"):
        Settings(_env_file=None, oncall_sms_to="+447700900456")
