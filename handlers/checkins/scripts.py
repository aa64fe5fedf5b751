"""What a check-in says: the question in the person's language, its options, and how it goes
on each channel (WhatsApp past its 24-hour window takes an approved template)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handlers.actions.reply_window import WHATSAPP_WINDOW
from handlers.conversation.catalog import t
from handlers.conversation.events import Option
from models import Campaign
from models.checkins import CampaignKind
from models.enums import Channel

# Option id -> the answer it records.
CHECKIN_ANSWERS = {"checkin_ok": "ok", "checkin_help": "needs_help", "checkin_call": "call_me"}
ALARM_ANSWERS = {"alarm_done": "alarm_done", "alarm_failed": "alarm_failed"}


@dataclass(frozen=True)
class CheckinConfig:
    """The deployment's rules for check-ins: WhatsApp's template, and how long a pause in a
    request must last before a check-in may interrupt it."""

    whatsapp_template_sid: str | None = None
    idle_after: timedelta = timedelta(minutes=30)


def answers_for(kind: CampaignKind) -> dict[str, str]:
    """The options a check-in of this kind offers, by id, with what each records."""
    return CHECKIN_ANSWERS if kind is CampaignKind.CHECKIN else ALARM_ANSWERS


def options_for(kind: CampaignKind, language: str, channel: str) -> list[Option]:
    """The options, labelled in the person's language."""
    section = "checkin" if kind is CampaignKind.CHECKIN else "telecare"
    return [
        Option(option_id, t(f"{section}.{option_id}", language, variant=channel))
        for option_id in answers_for(kind)
    ]


def question_for(campaign: Campaign, language: str, channel: str, *, reminder: bool) -> str:
    """The question (the campaign's own words in that language, else the catalog's)."""
    section = "checkin" if campaign.kind is CampaignKind.CHECKIN else "telecare"
    question = campaign.messages.get(language) or t(
        f"{section}.question", language, variant=channel
    )
    if reminder:
        return f"{t(f'{section}.reminder', language, variant=channel)}\n\n{question}"
    return question


def payload_for(
    *,
    options: list[Option],
    channel: Channel,
    last_inbound_at: datetime | None,
    now: datetime,
    config: CheckinConfig,
) -> dict[str, Any] | None:
    """The outbound payload, or None when the channel allows no message now (WhatsApp after
    24 hours with no template configured)."""
    payload: dict[str, Any] = {"options": [[o.id, o.label] for o in options]}
    if channel is Channel.WHATSAPP and (
        last_inbound_at is None or now - last_inbound_at > WHATSAPP_WINDOW
    ):
        if config.whatsapp_template_sid is None:
            return None
        payload["template"] = {"content_sid": config.whatsapp_template_sid, "variables": {}}
    return payload
