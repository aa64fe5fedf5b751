"""The Twilio webhooks' edges: replays, signatures, media, buttons and delivery status callbacks."""

from __future__ import annotations

import uuid

import httpx
from sqlmodel import col
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bot.db import SessionFactory
from bot.routes.twilio import EMPTY_TWIML
from models import ChannelIdentity, Message, PendingDeliveryReport
from models.enums import Channel, DeliveryStatus, Direction
from tests.bot.twilio_webhook.texter import (
    ACCOUNT_SID,
    PUBLIC_BASE_URL,
    Texter,
    count,
    fixture,
    identity_of,
    inbound,
    message_by_sid,
    post_status,
    sign,
    text_of,
)
from tests.doubles.twilio_api import TwilioApiDouble
from tests.support.tickets import all_tickets

# --- replays and signatures ---------------------------------------------------------------


async def test_a_replayed_message_sid_is_answered_once(bill: Texter, db: SessionFactory) -> None:
    form = bill.form(Body="Hello")
    first = await bill.send(form)
    assert first
    assert await bill.send(form) == []
    assert await count(db, Message, col(Message.direction) == Direction.IN) == 1


async def test_signatures_are_checked(bill: Texter, app_url: str, db: SessionFactory) -> None:
    form = bill.form(Body="Hello")
    wrong_token = RequestValidator("not-the-token").compute_signature(
        PUBLIC_BASE_URL + "/webhooks/twilio", form
    )
    other_url = sign(app_url + "/webhooks/twilio", form)
    other_path = sign(PUBLIC_BASE_URL + "/webhooks/twilio/status", form)
    for signature in ("", "garbage", wrong_token, other_url, other_path):
        response = await bill.post(form, signature=signature)
        assert response.status_code == 403, signature
        assert "detail" in response.json()
    tampered = dict(form, Body="Goodbye")
    response = await bill.post(tampered, signature=sign(PUBLIC_BASE_URL + "/webhooks/twilio", form))
    assert response.status_code == 403
    assert await count(db, Message) == 0
    assert await count(db, ChannelIdentity) == 0
    assert bill.seen() == []


async def test_a_signed_but_unusable_form_is_acknowledged(bill: Texter, db: SessionFactory) -> None:
    for form in ({"AccountSid": ACCOUNT_SID, "Body": "no sender"}, bill.form(From="not-a-number")):
        response = await bill.post(form)
        assert response.status_code == 200
        assert response.text == EMPTY_TWIML
    assert await count(db, Message) == 0


# --- media, locations and buttons ---------------------------------------------------------


async def test_media_is_recorded_and_answered_kindly(mariam: Texter, db: SessionFactory) -> None:
    await mariam.onboard()
    photo = text_of(await mariam.send(mariam.form("whatsapp_image")))
    assert "I can't open photos" in photo
    voice = text_of(await mariam.send(mariam.form("whatsapp_voice")))
    assert "I can't open voice messages" in voice

    received = await inbound(db)
    image, audio = received[-2].payload["media"], received[-1].payload["media"]
    assert image[0]["kind"] == "photo"
    assert image[0]["content_type"] == "image/jpeg"
    assert image[0]["url"].startswith("https://api.twilio.com/2010-04-01/Accounts/")
    assert audio[0]["kind"] == "voice"
    assert audio[0]["content_type"] == "audio/ogg"


async def test_a_shared_location_answers_the_postcode(mariam: Texter, db: SessionFactory) -> None:
    await mariam.onboard()
    for answer in ("food", "me", "1", "no special diet", "today"):
        await mariam.say(answer)
    summary = text_of(await mariam.send(mariam.form("whatsapp_location")))
    assert "Deliver to: Shared location" in summary
    await mariam.say("1")
    [ticket] = await all_tickets(db)
    assert ticket.details["postcode"] == {"location": {"latitude": 53.8198, "longitude": -1.5772}}


async def test_a_button_payload_or_its_text_is_an_answer(mariam: Texter) -> None:
    await mariam.onboard()
    replies = await mariam.send(
        mariam.form("whatsapp_button", ButtonPayload="food", ButtonText="Food", Body="Food")
    )
    assert "Who is the food for?" in text_of(replies)
    # A template's quick reply carries its own payload; its words still count.
    replies = await mariam.send(
        mariam.form("whatsapp_button", ButtonPayload="tpl_me", ButtonText="Me", Body="Me")
    )
    assert "How many people" in text_of(replies)


async def test_readiness_shows_whatsapp_and_sms_up(client: httpx.AsyncClient) -> None:
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["channels"] == {
        "telegram": "off",
        "whatsapp": "up",
        "sms": "up",
        "voice": "off",
    }


# --- delivery status callbacks ------------------------------------------------------------


async def test_status_callbacks_move_forward_only(mariam: Texter, db: SessionFactory) -> None:
    replies = await mariam.say("Hi")
    sid = replies[-1].sid
    assert (await message_by_sid(db, sid)).status is DeliveryStatus.SENT
    assert replies[-1].params["StatusCallback"] == PUBLIC_BASE_URL + "/webhooks/twilio/status"

    for status, expected in (
        ("sending", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("sent", DeliveryStatus.DELIVERED),  # late and out of order: ignored
        ("undelivered", DeliveryStatus.DELIVERED),
        ("read", DeliveryStatus.READ),
        ("delivered", DeliveryStatus.READ),
    ):
        response = await post_status(mariam, sid, status)
        assert response.status_code == 200
        assert (await message_by_sid(db, sid)).status is expected, status


async def test_a_status_callback_before_the_send_is_recorded_is_applied_to_it(
    mariam: Texter, twilio_api: TwilioApiDouble, app_url: str, db: SessionFactory
) -> None:
    # Twilio reports "delivered" before it answers the request that sent the message.
    twilio_api.report_early("delivered", deliver_to=app_url)

    replies = await mariam.say("Hi")

    assert twilio_api.early_answers == [200]
    assert (await message_by_sid(db, replies[0].sid)).status is DeliveryStatus.DELIVERED
    assert await count(db, PendingDeliveryReport) == 0


async def test_failed_status_keeps_the_error(bill: Texter, db: SessionFactory) -> None:
    replies = await bill.say("Hi")
    first, last = replies[0].sid, replies[-1].sid
    assert (await post_status(bill, first, "undelivered", ErrorCode="30003")).status_code == 200
    message = await message_by_sid(db, first)
    assert message.status is DeliveryStatus.FAILED
    assert message.error is not None
    assert "30003" in message.error
    assert not (await identity_of(db, Channel.SMS, bill.number)).opted_out

    await post_status(bill, last, "failed", ErrorCode="21610")
    assert (await message_by_sid(db, last)).status is DeliveryStatus.FAILED
    assert (await identity_of(db, Channel.SMS, bill.number)).opted_out


async def test_status_for_an_unknown_sid_or_unsigned_is_handled(bill: Texter) -> None:
    response = await post_status(bill, "SM" + uuid.uuid4().hex, "delivered")
    assert response.status_code == 200
    form = fixture("status_sms")
    response = await bill.post(form, path="/webhooks/twilio/status", signature="bad")
    assert response.status_code == 403
    assert "detail" in response.json()
