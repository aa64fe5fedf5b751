"""Sending through Twilio: the outbox, a fake Twilio over HTTP, and what each answer means."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from bot.channels.base import OutboundMessage
from bot.channels.gsm import is_gsm7, segments
from bot.channels.twilio import TwilioChannel, sms_parts
from bot.config import Settings
from bot.db import SessionFactory, transaction
from bot.outbound import Deliverer
from handlers.actions.delivery import OPTED_OUT
from handlers.conversation.events import Option
from models import ChannelIdentity, Contact, Message
from models.base import utcnow
from models.enums import Channel, DeliveryStatus, Direction
from tests.doubles.twilio_api import (
    NOT_A_NUMBER,
    SERVER_ERROR,
    TOO_MANY_REQUESTS,
    UNSUBSCRIBED,
    TwilioApiDouble,
    serve,
)
from tests.support.app import serving, settings_for
from tests.support.outbox import deliverer, load, make_due

ACCOUNT_SID = "AC" + "7a2c" * 8
AUTH_TOKEN = "3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c"
WHATSAPP_FROM = "whatsapp:+447700900100"
SMS_FROM = "+447700900200"
NUMBER = "+447700900321"


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[TwilioApiDouble]:
    with serve(ACCOUNT_SID, AUTH_TOKEN) as double:
        yield double


@pytest.fixture
async def channel(twilio_api: TwilioApiDouble) -> AsyncIterator[TwilioChannel]:
    twilio_api.reset()
    settings = settings_for(
        twilio=twilio_api,
        public_base_url="https://helpline.example.org",
        twilio_whatsapp_from=WHATSAPP_FROM,
        twilio_sms_from=SMS_FROM,
    )
    channel = TwilioChannel(settings)
    await channel.start()
    yield channel
    await channel.stop()


class Delivery:
    """Delivers one queued message through the real deliverer and says how it ended."""

    def __init__(self, deliverer: Deliverer, db: SessionFactory) -> None:
        self.deliverer = deliverer
        self.db = db

    async def deliver(self, message_id: int) -> DeliveryStatus:
        await self.deliverer.drain((await load(self.db, message_id)).identity_id)
        return (await load(self.db, message_id)).status


@pytest.fixture
def delivery(db: SessionFactory, channel: TwilioChannel) -> Delivery:
    return Delivery(deliverer(db, {Channel.WHATSAPP: channel, Channel.SMS: channel}), db)


async def queue(
    db: SessionFactory,
    channel: Channel,
    body: str = "Hello",
    *,
    payload: dict[str, Any] | None = None,
    opted_out: bool = False,
) -> int:
    """One queued outbound message to a new person on `channel`."""
    now = utcnow()
    async with transaction(db) as session:
        contact = Contact(display_name="Pat")
        session.add(contact)
        await session.flush()
        identity = ChannelIdentity(
            contact_id=contact.id,  # type: ignore[arg-type]
            channel=channel,
            external_id=NUMBER,
            phone=NUMBER,
            opted_out=opted_out,
        )
        session.add(identity)
        await session.flush()
        message = Message(
            contact_id=contact.id,  # type: ignore[arg-type]
            identity_id=identity.id,  # type: ignore[arg-type]
            channel=channel,
            direction=Direction.OUT,
            body=body,
            payload=payload or {},
            status=DeliveryStatus.QUEUED,
            next_attempt_at=now,
        )
        session.add(message)
        await session.flush()
        return message.id  # type: ignore[return-value]


async def row(db: SessionFactory, message_id: int) -> tuple[Message, ChannelIdentity]:
    async with db() as session:
        message = await session.get(Message, message_id)
        assert message is not None
        identity = await session.get(ChannelIdentity, message.identity_id)
        assert identity is not None
        return message, identity


async def test_whatsapp_text_with_numbered_options(
    delivery: Delivery, twilio_api: TwilioApiDouble, db: SessionFactory
) -> None:
    payload = {"options": [["food", "🍞 Food"], ["medicine", "Medicine"]]}
    message_id = await queue(db, Channel.WHATSAPP, "What do you need? 😊", payload=payload)
    assert await delivery.deliver(message_id) is DeliveryStatus.SENT
    [sent] = twilio_api.sent()
    assert sent.params["To"] == f"whatsapp:{NUMBER}"
    assert sent.params["From"] == WHATSAPP_FROM
    # WhatsApp shows emoji; only SMS is made GSM-7.
    assert sent.body == "What do you need? 😊\n\n1. 🍞 Food\n2. Medicine"
    message, _ = await row(db, message_id)
    assert message.provider_message_id == sent.sid
    assert sent.sid.startswith("SM")
    assert len(sent.sid) == 34


async def test_template_is_sent_by_content_sid(
    delivery: Delivery, twilio_api: TwilioApiDouble, db: SessionFactory
) -> None:
    template = {"content_sid": "HX" + "b" * 32, "variables": {"1": "HH-000123"}}
    message_id = await queue(
        db, Channel.WHATSAPP, "HH-000123: we have an update", payload={"template": template}
    )
    assert await delivery.deliver(message_id) is DeliveryStatus.SENT
    [sent] = twilio_api.sent()
    assert sent.params["ContentSid"] == "HX" + "b" * 32
    assert json.loads(sent.params["ContentVariables"]) == {"1": "HH-000123"}
    assert "Body" not in sent.params


async def test_a_long_sms_goes_as_several_short_ones(
    channel: TwilioChannel, twilio_api: TwilioApiDouble
) -> None:
    paragraphs = [
        "Here is what we found near you. " * 4,
        "Carers' Centre Leeds — open Monday to Friday… “drop in” any time. " * 3,
        "Please choose one.",
    ]
    options = tuple(Option(str(n), f"Service number {n}") for n in range(1, 7))
    outgoing = OutboundMessage(1, Channel.SMS, NUMBER, "\n\n".join(paragraphs), options)
    sid = await channel.send(outgoing)
    sent = twilio_api.sent()
    assert len(sent) >= 3
    assert sid == sent[-1].sid
    for part in sent:
        assert is_gsm7(part.body)
        assert segments(part.body) <= 2
        assert not part.body.startswith(" ") and not part.body.endswith(" ")
    joined = " ".join(part.body for part in sent)
    assert 'Carers\' Centre Leeds - open Monday to Friday... "drop in"' in joined
    # The numbered options arrive together in one SMS, in order.
    assert any(
        "\n".join(f"{n}. Service number {n}" for n in range(1, 7)) in part.body for part in sent
    )
    # Only the part we keep the SID of asks for status callbacks.
    assert [("StatusCallback" in s.params) for s in sent] == [False] * (len(sent) - 1) + [True]


async def test_a_long_sms_whose_second_part_fails_never_sends_the_first_again(
    delivery: Delivery, twilio_api: TwilioApiDouble, db: SessionFactory
) -> None:
    text = "\n\n".join(["Here is what we found near you. " * 4] * 8)
    message_id = await queue(db, Channel.SMS, text)
    parts = sms_parts(text)
    assert len(parts) >= 3
    # The first part is accepted, the second meets a broken Twilio.
    first = await delivery_of_first_part(delivery, twilio_api, message_id)
    message, _ = await row(db, message_id)
    assert message.status is DeliveryStatus.QUEUED
    assert message.sent_parts == [first.sid]

    await make_due(db, message_id)
    assert await delivery.deliver(message_id) is DeliveryStatus.SENT

    accepted = twilio_api.sent()
    assert [s.body for s in accepted] == parts  # each part once, in order
    message, _ = await row(db, message_id)
    assert message.sent_parts == [s.sid for s in accepted]
    assert message.provider_message_id == accepted[-1].sid
    assert not message.maybe_duplicate


async def delivery_of_first_part(
    delivery: Delivery, twilio_api: TwilioApiDouble, message_id: int
) -> Any:
    twilio_api.fail_after(1, SERVER_ERROR)
    assert await delivery.deliver(message_id) is DeliveryStatus.QUEUED
    [first] = twilio_api.sent()
    return first


def test_text_in_another_script_is_kept_whole() -> None:
    [part] = sms_parts("مرحبا، كيف يمكننا مساعدتك؟")
    assert part == "مرحبا، كيف يمكننا مساعدتك؟"


async def test_unsubscribed_recipient_opts_the_person_out(
    delivery: Delivery, twilio_api: TwilioApiDouble, db: SessionFactory
) -> None:
    twilio_api.fail_next(UNSUBSCRIBED)
    message_id = await queue(db, Channel.SMS)
    assert await delivery.deliver(message_id) is DeliveryStatus.FAILED
    message, identity = await row(db, message_id)
    assert message.status is DeliveryStatus.FAILED
    assert message.error == OPTED_OUT
    assert identity.opted_out


@pytest.mark.parametrize("failure", [TOO_MANY_REQUESTS, SERVER_ERROR])
async def test_busy_or_broken_twilio_is_retried(
    delivery: Delivery, twilio_api: TwilioApiDouble, db: SessionFactory, failure: Any
) -> None:
    twilio_api.fail_next(failure)
    message_id = await queue(db, Channel.SMS)
    assert await delivery.deliver(message_id) is DeliveryStatus.QUEUED
    message, identity = await row(db, message_id)
    assert message.status is DeliveryStatus.QUEUED
    assert message.next_attempt_at is not None
    assert not identity.opted_out


async def test_a_refused_message_is_not_retried(
    delivery: Delivery, twilio_api: TwilioApiDouble, db: SessionFactory
) -> None:
    twilio_api.fail_next(NOT_A_NUMBER)
    message_id = await queue(db, Channel.WHATSAPP)
    assert await delivery.deliver(message_id) is DeliveryStatus.FAILED
    message, _ = await row(db, message_id)
    assert message.error is not None
    assert "21211" in message.error
    assert "Invalid 'To' Phone Number" in message.error


async def test_nothing_is_sent_to_someone_who_opted_out(
    delivery: Delivery, twilio_api: TwilioApiDouble, db: SessionFactory
) -> None:
    message_id = await queue(db, Channel.WHATSAPP, opted_out=True)
    assert await delivery.deliver(message_id) is DeliveryStatus.FAILED
    message, _ = await row(db, message_id)
    assert message.error == "the person has opted out (STOP)"
    assert twilio_api.requests() == []


async def test_the_opt_out_notice_itself_is_sent(
    delivery: Delivery, twilio_api: TwilioApiDouble, db: SessionFactory
) -> None:
    message_id = await queue(
        db, Channel.WHATSAPP, "You will not get any more messages", payload={"notice": True}
    )
    async with transaction(db) as session:
        message = await session.get(Message, message_id)
        assert message is not None
        identity = await session.get(ChannelIdentity, message.identity_id)
        assert identity is not None
        identity.opted_out = True
    assert await delivery.deliver(message_id) is DeliveryStatus.SENT
    assert len(twilio_api.sent()) == 1


async def test_wrong_credentials_are_not_retried(
    twilio_api: TwilioApiDouble, db: SessionFactory
) -> None:
    settings = settings_for(twilio=twilio_api, twilio_auth_token="wrong", twilio_sms_from=SMS_FROM)
    channel = TwilioChannel(settings)
    await channel.start()
    try:
        delivery = Delivery(deliverer(db, {Channel.SMS: channel}), db)
        message_id = await queue(db, Channel.SMS)
        assert await delivery.deliver(message_id) is DeliveryStatus.FAILED
    finally:
        await channel.stop()
    assert channel.channels == (Channel.SMS,)


def test_twilio_settings_come_in_pairs() -> None:
    with pytest.raises(ValueError, match="TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"):
        Settings(_env_file=None, twilio_account_sid=ACCOUNT_SID)
    with pytest.raises(ValueError, match="TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"):
        Settings(_env_file=None, twilio_auth_token=AUTH_TOKEN)
    assert not Settings(
        _env_file=None, twilio_account_sid="AC1", twilio_auth_token="t"
    ).twilio_enabled


def test_the_webhooks_are_not_found_when_twilio_is_off(database_url: str) -> None:
    with serving(settings_for(database_url)) as url:
        for path in ("/webhooks/twilio", "/webhooks/twilio/status"):
            response = httpx.post(url + path, data={"From": "+447700900456"})
            assert response.status_code == 404
            assert "detail" in response.json()
