"""WhatsApp and SMS end to end: signed Twilio forms over HTTP in, replies to a fake Twilio out."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import col, select
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bot.app import create_app
from bot.channels.gsm import is_gsm7, segments
from bot.config import Settings
from bot.db import SessionFactory
from bot.routes.twilio import EMPTY_TWIML
from models import ChannelIdentity, Message, Ticket
from models.enums import Channel, DeliveryStatus, Direction, TicketCategory, TicketPriority
from tests.doubles.twilio_api import Sent, TwilioApiDouble, serve
from tests.support.servers import ThreadedServer, wait_for_idle_outbox

ACCOUNT_SID = "AC" + "5f3e" * 8
AUTH_TOKEN = "9c1b7e0d4a2f46b8a3e5c7d9f1b3a5c7"
WHATSAPP_FROM = "whatsapp:+447700900100"
SMS_FROM = "+447700900200"
# What Twilio is told to call; the service itself listens elsewhere, as behind a proxy.
PUBLIC_BASE_URL = "https://helpline.example.org"
FIXTURES = Path(__file__).parents[2] / "fixtures" / "twilio"
REF = re.compile(r"\bHH-\d{6}\b")
NUMBERED = re.compile(r"^\d+\. ", re.MULTILINE)

# The longest SMS the double received in this run, shown at the end (see tests/bot/conftest.py).
SMS_FIGURES: dict[str, int] = {"messages": 0, "longest_chars": 0, "longest_segments": 0}


def fixture(name: str, **fields: str) -> dict[str, str]:
    """A stored Twilio form, with a fresh message SID and our account."""
    data: dict[str, str] = json.loads((FIXTURES / f"{name}.json").read_text())
    sid = data.get("MessageSid", "SM")[:2] + uuid.uuid4().hex
    for key in ("MessageSid", "SmsMessageSid", "SmsSid"):
        if key in data:
            data[key] = sid
    data["AccountSid"] = ACCOUNT_SID
    data.update(fields)
    return data


def sign(url: str, form: dict[str, str]) -> str:
    """The signature Twilio sends: the library's own computation."""
    signature: str = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    return signature


def text_of(sent: list[Sent]) -> str:
    return "\n".join(s.body for s in sent)


class Texter:
    """Someone messaging the helpline from a phone, on WhatsApp or by SMS."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        api: TwilioApiDouble,
        db: SessionFactory,
        *,
        whatsapp: bool,
        number: str,
        name: str = "Mariam",
    ) -> None:
        self.client = client
        self.api = api
        self.db = db
        self.whatsapp = whatsapp
        self.number = number
        self.name = name
        self.address = f"whatsapp:{number}" if whatsapp else number

    def form(self, name: str | None = None, **fields: str) -> dict[str, str]:
        """An inbound form from this person, from a stored fixture with fields replaced."""
        data = fixture(name or ("whatsapp_text" if self.whatsapp else "sms_text"))
        data["From"] = self.address
        data["To"] = WHATSAPP_FROM if self.whatsapp else SMS_FROM
        if self.whatsapp:
            data["WaId"] = self.number.removeprefix("+")
            data["ProfileName"] = self.name
        data.update(fields)
        return data

    async def post(
        self,
        form: dict[str, str],
        *,
        path: str = "/webhooks/twilio",
        signature: str | None = None,
    ) -> httpx.Response:
        if signature is None:
            signature = sign(PUBLIC_BASE_URL + path, form)
        return await self.client.post(path, data=form, headers={"X-Twilio-Signature": signature})

    async def send(self, form: dict[str, str]) -> list[Sent]:
        """Deliver a form, wait for the bot's answers to reach Twilio, and return them."""
        before = len(self.seen())
        response = await self.post(form)
        assert response.status_code == 200, response.text
        assert response.text == EMPTY_TWIML
        assert response.headers["content-type"].startswith("text/xml")
        await wait_for_idle_outbox(self.db)
        return self.seen()[before:]

    async def say(self, text: str) -> list[Sent]:
        return await self.send(self.form(Body=text))

    def seen(self) -> list[Sent]:
        return self.api.sent(self.address)

    async def onboard(self) -> list[Sent]:
        """Hello, agree by number, say "tenant": the numbered menu shows."""
        await self.say("Hello")
        await self.say("1")
        menu = await self.say("tenant")
        assert "1. Food" in text_of(menu)
        return menu


async def count(db: SessionFactory, model: Any, *where: Any) -> int:
    async with db() as session:
        statement = select(func.count()).select_from(model).where(*where)
        return int((await session.exec(statement)).one())


async def identity_of(db: SessionFactory, channel: Channel, number: str) -> ChannelIdentity:
    async with db() as session:
        statement = select(ChannelIdentity).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == number
        )
        return (await session.exec(statement)).one()


async def message_by_sid(db: SessionFactory, sid: str) -> Message:
    async with db() as session:
        statement = select(Message).where(Message.provider_message_id == sid)
        return (await session.exec(statement)).one()


async def inbound(db: SessionFactory) -> list[Message]:
    async with db() as session:
        statement = (
            select(Message).where(Message.direction == Direction.IN).order_by(col(Message.id))
        )
        return list((await session.exec(statement)).all())


async def tickets(db: SessionFactory) -> list[Ticket]:
    async with db() as session:
        return list((await session.exec(select(Ticket).order_by(col(Ticket.id)))).all())


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[TwilioApiDouble]:
    with serve(ACCOUNT_SID, AUTH_TOKEN) as double:
        yield double


@pytest.fixture(scope="module")
def app_url(database_url: str, twilio_api: TwilioApiDouble) -> Iterator[str]:
    """The service over HTTP, sending to the fake Twilio, once per database kind."""
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        public_base_url=PUBLIC_BASE_URL,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_from=WHATSAPP_FROM,
        twilio_sms_from=SMS_FROM,
        twilio_api_base_url=twilio_api.base_url,
    )
    server = ThreadedServer(create_app(settings)).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
async def client(app_url: str, twilio_api: TwilioApiDouble) -> AsyncIterator[httpx.AsyncClient]:
    twilio_api.reset()
    async with httpx.AsyncClient(base_url=app_url, timeout=10.0) as client:
        yield client
    # Every SMS any test made the bot send must be plain GSM-7 and at most two segments.
    for sent in twilio_api.sent():
        if sent.to.startswith("whatsapp:") or "Body" not in sent.params:
            continue
        assert is_gsm7(sent.body), sent.body
        assert segments(sent.body) <= 2, sent.body
        SMS_FIGURES["messages"] += 1
        if len(sent.body) > SMS_FIGURES["longest_chars"]:
            SMS_FIGURES["longest_chars"] = len(sent.body)
            SMS_FIGURES["longest_segments"] = segments(sent.body)


@pytest.fixture
def mariam(client: httpx.AsyncClient, twilio_api: TwilioApiDouble, db: SessionFactory) -> Texter:
    return Texter(client, twilio_api, db, whatsapp=True, number="+447700900789")


@pytest.fixture
def bill(client: httpx.AsyncClient, twilio_api: TwilioApiDouble, db: SessionFactory) -> Texter:
    return Texter(client, twilio_api, db, whatsapp=False, number="+447700900456", name="Bill")


# --- whole requests -----------------------------------------------------------------------


async def test_whatsapp_food_request_end_to_end(mariam: Texter, db: SessionFactory) -> None:
    first = await mariam.say("Hi")
    assert "Hello, Mariam!" in first[0].body
    assert first[-1].body.endswith("1. Yes, I agree\n2. No, thank you")
    assert all(s.params["From"] == WHATSAPP_FROM for s in first)

    await mariam.say("1")
    menu = await mariam.say("tenant")
    assert "1. Food\n2. Medicine\n3. Transport" in text_of(menu)

    who = await mariam.say("1")
    assert "Who is the food for?" in text_of(who)
    assert "1. Me\n2. The person I care for\n3. Someone else" in text_of(who)
    assert "How many people" in text_of(await mariam.say("me"))
    assert "special diet" in text_of(await mariam.say("2"))
    assert "How soon" in text_of(await mariam.say("halal"))
    assert "postcode" in text_of(await mariam.say("tomorow"))
    summary = text_of(await mariam.say("ls6 2ab"))
    for line in ("For: Me", "People: 2", "Diet: Halal", "When: Tomorrow", "Deliver to: LS6 2AB"):
        assert line in summary
    assert summary.endswith("1. Yes, send it\n2. Go back\n3. Cancel")

    done = text_of(await mariam.say("1"))
    refs = REF.findall(done)
    assert len(refs) == 1, done
    assert "Your request has been sent" in done

    [ticket] = await tickets(db)
    assert ticket.ref == refs[0]
    assert ticket.category is TicketCategory.FOOD
    assert ticket.channel is Channel.WHATSAPP
    assert ticket.details["diet"] == "halal"
    identity = await identity_of(db, Channel.WHATSAPP, "+447700900789")
    assert identity.phone == "+447700900789"
    assert identity.profile == {"wa_id": "447700900789", "profile_name": "Mariam"}
    assert not identity.opted_out


async def test_sms_food_request_end_to_end(bill: Texter, db: SessionFactory) -> None:
    await bill.onboard()
    assert "Who is the food for?" in text_of(await bill.say("food"))
    assert "How many people" in text_of(await bill.say("2"))
    assert "special diet" in text_of(await bill.say("Three"))
    assert "How soon" in text_of(await bill.say("Halal"))
    assert "postcode" in text_of(await bill.say("3"))
    summary = text_of(await bill.say("M14 5RQ"))
    assert "Diet: Halal" in summary
    assert "When: This week" in summary
    # On SMS the way out of a request is never the word CANCEL, which would opt out.
    assert summary.endswith("1. Yes, send it\n2. Go back\n3. Don't send it")
    assert "cancel" not in summary.lower()

    done = text_of(await bill.say("yes send it"))
    assert len(REF.findall(done)) == 1, done
    [ticket] = await tickets(db)
    assert ticket.channel is Channel.SMS
    assert ticket.details["people"] == 3
    assert all(s.params["From"] == SMS_FROM for s in bill.seen())
    assert all(NUMBERED.search(s.body) for s in bill.seen() if "1. Food" in s.body)


async def test_sms_help_never_offers_cancel_and_long_replies_split(bill: Texter) -> None:
    await bill.onboard()
    await bill.say("food")
    replies = await bill.say("HELP")
    text = text_of(replies)
    assert "menu - see the choices" in text
    assert "cancel" not in text.lower()
    assert "Who is the food for?" in text
    # Help and the question together pass two segments, so they go as two SMS; the numbered
    # options stay together in one of them.
    assert len(replies) >= 2
    assert any("1. Me\n2. The person I care for\n3. Someone else" in s.body for s in replies)


async def test_whatsapp_cancel_ends_the_request_but_sms_cancel_opts_out(
    mariam: Texter, bill: Texter, db: SessionFactory
) -> None:
    await mariam.onboard()
    await mariam.say("food")
    cancelled = text_of(await mariam.say("cancel"))
    assert "I have stopped that request" in cancelled
    assert "1. Food" in cancelled
    assert not (await identity_of(db, Channel.WHATSAPP, mariam.number)).opted_out

    await bill.onboard()
    await bill.say("food")
    assert await bill.say("Cancel") == [], "Twilio confirms an SMS opt-out itself"
    assert (await identity_of(db, Channel.SMS, bill.number)).opted_out


# --- opting out and in --------------------------------------------------------------------


async def test_sms_stop_and_start(bill: Texter, db: SessionFactory) -> None:
    await bill.onboard()
    assert await bill.say("STOP") == []
    identity = await identity_of(db, Channel.SMS, bill.number)
    assert identity.opted_out

    # While opted out nothing is sent, but what they send is kept.
    assert await bill.say("menu") == []
    assert await bill.say("food please") == []
    assert [m.body for m in await inbound(db)][-2:] == ["menu", "food please"]

    back = text_of(await bill.say("start"))
    assert "Welcome back" in back
    assert "1. Food" in back
    assert not (await identity_of(db, Channel.SMS, bill.number)).opted_out


async def test_whatsapp_stop_is_confirmed_then_silence(mariam: Texter, db: SessionFactory) -> None:
    await mariam.onboard()
    confirmed = text_of(await mariam.say("Stop"))
    assert "You will not get any more messages from us" in confirmed
    assert "999" in confirmed
    assert (await identity_of(db, Channel.WHATSAPP, mariam.number)).opted_out
    assert await mariam.say("hello?") == []
    assert "Welcome back" in text_of(await mariam.say("START"))


async def test_an_emergency_after_stop_reaches_staff(bill: Texter, db: SessionFactory) -> None:
    await bill.onboard()
    await bill.say("STOP")
    assert await bill.say("I have fallen and can't get up") == []
    [ticket] = await tickets(db)
    assert ticket.priority is TicketPriority.URGENT
    assert ticket.category is TicketCategory.WELFARE


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
    [ticket] = await tickets(db)
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


# --- delivery status callbacks ------------------------------------------------------------


async def post_status(texter: Texter, sid: str, status: str, **fields: str) -> httpx.Response:
    form = fixture(
        "status_whatsapp" if texter.whatsapp else "status_sms",
        MessageSid=sid,
        SmsSid=sid,
        MessageStatus=status,
        SmsStatus=status,
        **fields,
    )
    return await texter.post(form, path="/webhooks/twilio/status")


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
