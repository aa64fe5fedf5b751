"""Settings, read once from the environment or a `.env` file. Nothing else reads the environment."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from handlers.actions.due_dates import (
    BANK_HOLIDAY_REGIONS,
    DEFAULT_CATEGORY_HOURS,
    DEFAULT_PRIORITY_HOURS,
    BusinessHours,
    DuePolicy,
    parse_business_hours,
)
from handlers.actions.oncall_pages import OncallPolicy
from handlers.actions.retention import RetentionRules
from models.enums import OncallDestination, TicketCategory, TicketPriority

SUPPORTED_DATABASES = ("sqlite+aiosqlite://", "postgresql+asyncpg://", "postgresql+psycopg://")

TargetHours = Annotated[float, Field(gt=0, le=10_000)]

_CHAT_ID = re.compile(r"^-?[0-9]{1,20}$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")

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
    # Automated welfare calls: the number they come from, calls a second (Twilio's own cap
    # for an account is 1 unless raised), and how often an unanswered call is tried again.
    twilio_voice_from: str | None = None
    twilio_voice_max_per_second: Annotated[float, Field(ge=0)] = 1
    twilio_voice_retries: Annotated[int, Field(ge=0, le=5)] = 2
    twilio_voice_retry_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 60
    # Approved WhatsApp template for a check-in outside the 24-hour window (no variables).
    twilio_template_checkin_sid: str | None = None
    # The bot's @username for invitation links; unset, the running bot's own is asked.
    telegram_bot_username: str | None = None

    helpbot_bootstrap_admin_token: str | None = None

    # Twilio webhooks the database could not take wait here (see bot/spool.py).
    inbound_spool_dir: Path = Path("helpbot-spool")

    conversation_idle_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 30
    # A worker's step that fails on a kept update is tried this many more times, the pauses
    # doubling from 2 s (10: about 34 minutes), before the update goes to staff as a ticket
    # (within the minute, by the inbox's sweep);
    # at most 15 (18 hours), so the last try comes before retention deletes the update (a day).
    inbound_retries: Annotated[int, Field(ge=1, le=15)] = 10
    # `helpbot worker` lowers its CPU priority by this much (0 leaves it): on a machine it
    # shares with a web process, a provider waiting for a webhook's answer goes first, and jobs
    # wait their turn. It matters only when the CPU is all in use. The lowest (19): at 10 the
    # webhook's p99 at 300/s was 27-81 ms on bench (a), at 19 it was 10-31 ms, the workers
    # answering as many people (their jobs wait for nothing but the CPU the web leaves).
    worker_niceness: Annotated[int, Field(ge=0, le=19)] = 19
    # A web process keeps this many database connections and opens no more: in a burst, a
    # webhook waits its turn for one (a few milliseconds) where it would open another, a new
    # server process each time, when the database is busiest. Bench (a), webhooks at 300/s with
    # the workers busy: p99 0.4-3.3 s with 5 kept and up to 10 more opened and closed as bursts
    # came and went, 0.3-1.5 s with 15 kept, 21-132 ms with 20 (a run or two each, on a noisy
    # machine). Two web processes (20, and 4 for jobs) and two workers (up to 15, and 6) stay
    # within PostgreSQL's default 100 connections; more replicas, or a smaller
    # `max_connections`, need fewer each.
    web_database_connections: Annotated[int, Field(ge=1, le=1000)] = 20
    # Sends per second, shared by every process: per bot, and per sending number; 0 lifts it.
    telegram_max_per_second: Annotated[float, Field(ge=0)] = 30
    # Telegram asks for about one message a second in one chat, allowing short bursts.
    telegram_max_per_chat_per_second: Annotated[float, Field(ge=0)] = 1
    twilio_max_per_second: Annotated[float, Field(ge=0)] = 10
    log_level: str = "INFO"

    # When tickets are due: working hours per priority and per category (the sooner wins),
    # counted in the team's business hours, less the region's bank holidays.
    due_hours_by_priority: dict[TicketPriority, TargetHours] = Field(
        default_factory=lambda: dict(DEFAULT_PRIORITY_HOURS)
    )
    due_hours_by_category: dict[TicketCategory, TargetHours] = Field(
        default_factory=lambda: dict(DEFAULT_CATEGORY_HOURS)
    )
    business_hours: str = "mon-fri 09:00-17:00"
    business_timezone: str = "Europe/London"
    bank_holidays: Literal["england-and-wales", "scotland", "northern-ireland", "none"] = (
        "england-and-wales"
    )

    # The staff web page's sign-in.
    staff_session_idle_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 60
    staff_session_max_hours: Annotated[int, Field(ge=1, le=7 * 24)] = 12
    sign_in_max_failures: Annotated[int, Field(ge=1, le=100)] = 5
    sign_in_max_failures_per_address: Annotated[int, Field(ge=1, le=10_000)] = 20
    sign_in_lockout_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 15
    staff_page_poll_seconds: Annotated[int, Field(ge=1, le=600)] = 10

    # Staff on duty hear of every new urgent ticket here (see handlers/actions/oncall_pages.py).
    oncall_telegram_chat_id: str | None = None
    oncall_sms_to: str | None = None
    oncall_webhook_url: str | None = None
    oncall_webhook_secret: str | None = None
    oncall_repeat_minutes: Annotated[float, Field(gt=0, le=24 * 60)] = 15
    # How long finished tickets keep their words, in months; safeguarding ones longer.
    retention_months: Annotated[int, Field(ge=1, le=1200)] = 24
    safeguarding_retention_months: Annotated[int, Field(ge=1, le=1200)] = 84

    @field_validator("business_hours")
    @classmethod
    def _readable_hours(cls, value: str) -> str:
        parse_business_hours(value)
        return value

    @field_validator("business_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be a time zone like Europe/London") from None
        return value

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
        if self.safeguarding_retention_months < self.retention_months:
            raise ValueError(
                "SAFEGUARDING_RETENTION_MONTHS must be at least RETENTION_MONTHS: safeguarding "
                "records are kept longer, never shorter"
            )
        if bool(self.twilio_account_sid) != bool(self.twilio_auth_token):
            raise ValueError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together")
        self._check_oncall()
        return self

    def _check_oncall(self) -> None:
        """Each on-call destination set must be usable, so an emergency never pages nowhere."""
        if self.oncall_telegram_chat_id is not None:
            if not _CHAT_ID.match(self.oncall_telegram_chat_id):
                raise ValueError("ONCALL_TELEGRAM_CHAT_ID must be a Telegram chat id (a number)")
            if not self.telegram_enabled:
                raise ValueError("ONCALL_TELEGRAM_CHAT_ID needs TELEGRAM_BOT_TOKEN")
        if self.oncall_sms_to is not None:
            if not _E164.match(self.oncall_sms_to):
                raise ValueError("ONCALL_SMS_TO must be a phone number like +447700900123")
            if not (self.twilio_account_sid and self.twilio_sms_from):
                raise ValueError("ONCALL_SMS_TO needs Twilio SMS (TWILIO_SMS_FROM)")
        if self.oncall_webhook_url is not None:
            if not self.oncall_webhook_url.startswith(("http://", "https://")):
                raise ValueError("ONCALL_WEBHOOK_URL must be an http:// or https:// address")
            if not self.oncall_webhook_secret:
                raise ValueError("ONCALL_WEBHOOK_SECRET is required with ONCALL_WEBHOOK_URL")

    def oncall_policy(self) -> OncallPolicy:
        """The on-call destinations set, in the order they are paged, and the repeat time."""
        set_ = {
            OncallDestination.TELEGRAM: self.oncall_telegram_chat_id,
            OncallDestination.SMS: self.oncall_sms_to,
            OncallDestination.WEBHOOK: self.oncall_webhook_url,
        }
        return OncallPolicy(
            destinations=tuple(d for d, value in set_.items() if value is not None),
            repeat=timedelta(minutes=self.oncall_repeat_minutes),
        )

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
    def voice_enabled(self) -> bool:
        """Whether automated calls can be placed (an account and a from-number)."""
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_voice_from)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        """Whether the service is reached over TLS, so cookies are sent only over TLS."""
        return self.public_base_url.startswith("https://")

    def due_policy(self) -> DuePolicy:
        """The due-date targets and business hours these settings describe."""
        days, opens, closes = parse_business_hours(self.business_hours)
        hours = BusinessHours(
            days=days,
            opens=opens,
            closes=closes,
            zone=ZoneInfo(self.business_timezone),
            region=BANK_HOLIDAY_REGIONS[self.bank_holidays],
        )
        return DuePolicy(
            hours=hours,
            by_priority={**DEFAULT_PRIORITY_HOURS, **self.due_hours_by_priority},
            by_category={**DEFAULT_CATEGORY_HOURS, **self.due_hours_by_category},
        )

    def retention_rules(self) -> RetentionRules:
        """How long finished tickets keep their words."""
        return RetentionRules(self.retention_months, self.safeguarding_retention_months)

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
