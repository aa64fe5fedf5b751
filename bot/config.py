"""Settings, read once from the environment or a `.env` file. Nothing else reads the environment."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Self

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SUPPORTED_DATABASES = ("sqlite+aiosqlite://", "postgresql+asyncpg://", "postgresql+psycopg://")

# Telegram accepts 1-256 characters from this set for the webhook secret token.
_TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class Settings(BaseSettings):
    """Everything the service can be told. The defaults run it on SQLite with no channels on."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    database_url: str = "sqlite+aiosqlite:///./helpbot.db"
    public_base_url: str = "http://127.0.0.1:8000"

    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org"

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_whatsapp_from: str | None = None
    twilio_sms_from: str | None = None
    twilio_api_base_url: str | None = None
    twilio_template_reply_sid: str | None = None

    helpbot_bootstrap_admin_token: str | None = None

    conversation_idle_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 30
    # Sends per second, shared by every process: per bot, and per sending number; 0 lifts it.
    telegram_max_per_second: Annotated[float, Field(ge=0)] = 30
    # Telegram asks for about one message a second in one chat, allowing short bursts.
    telegram_max_per_chat_per_second: Annotated[float, Field(ge=0)] = 1
    twilio_max_per_second: Annotated[float, Field(ge=0)] = 10
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.database_url.startswith("postgresql://"):
            # psycopg, so a delivery job is written in the same transaction as its message.
            object.__setattr__(
                self, "database_url", "postgresql+psycopg://" + self.database_url[13:]
            )
        if not self.database_url.startswith(SUPPORTED_DATABASES):
            raise ValueError(
                "DATABASE_URL must start with one of " + ", ".join(SUPPORTED_DATABASES)
            )
        if not self.public_base_url.startswith(("http://", "https://")):
            raise ValueError("PUBLIC_BASE_URL must be an http:// or https:// address")
        if self.telegram_bot_token:
            if not self.telegram_webhook_secret:
                raise ValueError(
                    "TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_BOT_TOKEN is set"
                )
            if not _TELEGRAM_SECRET.match(self.telegram_webhook_secret):
                raise ValueError(
                    "TELEGRAM_WEBHOOK_SECRET may hold only letters, digits, _ and -, "
                    "up to 256 characters"
                )
        if bool(self.twilio_account_sid) != bool(self.twilio_auth_token):
            raise ValueError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together")
        return self

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def twilio_enabled(self) -> bool:
        """Whether Twilio can send on at least one channel (WhatsApp or SMS)."""
        return bool(
            self.twilio_account_sid
            and self.twilio_auth_token
            and (self.twilio_whatsapp_from or self.twilio_sms_from)
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_psycopg(self) -> bool:
        """Whether sessions run on psycopg, whose connections the task engine can write on."""
        return self.database_url.startswith("postgresql+psycopg://")

    @property
    def libpq_url(self) -> str:
        """The PostgreSQL URL without the driver, as the task engine's own pool wants it."""
        return "postgresql://" + self.database_url.split("://", 1)[1]


class SettingsError(Exception):
    """Settings that cannot be used, with one line that says which and why."""


def load_settings() -> Settings:
    """Read the settings, turning validation errors into one readable line."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]).upper()
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{where}: {message}" if where else message) from None


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return load_settings()
