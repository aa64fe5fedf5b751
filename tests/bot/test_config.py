"""Settings as an operator gives them."""

from __future__ import annotations

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
