"""Someone who sent STOP on SMS or WhatsApp writes an emergency: the provider's rules keep the
answer from them, so staff are told twice over, by the on-call SMS and on the ticket."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlmodel import col, select

from bot.db import SessionFactory
from handlers.actions.delivery import OPTED_OUT
from models import Message, TicketEvent
from models.enums import DeliveryStatus, EventKind, TicketPriority
from tests.bot.twilio_webhook.texter import ACCOUNT_SID, AUTH_TOKEN, Texter, texting_settings
from tests.doubles.twilio_api import TwilioApiDouble, serve
from tests.support.app import serving
from tests.support.servers import wait_until
from tests.support.tickets import all_tickets

ONCALL_PHONE = "+447700900999"
EMERGENCY = "My husband Derek is having a heart attack, he has chest pain"


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[TwilioApiDouble]:
    with serve(ACCOUNT_SID, AUTH_TOKEN) as double:
        yield double


@pytest.fixture(scope="module")
def app_url(database_url: str, twilio_api: TwilioApiDouble) -> Iterator[str]:
    with serving(texting_settings(database_url, twilio_api, oncall_sms_to=ONCALL_PHONE)) as url:
        yield url


@pytest.fixture
async def client(app_url: str, twilio_api: TwilioApiDouble) -> AsyncIterator[httpx.AsyncClient]:
    twilio_api.reset()
    async with httpx.AsyncClient(base_url=app_url, timeout=10.0) as client:
        yield client


@pytest.mark.parametrize("whatsapp", [False, True], ids=["sms", "whatsapp"])
async def test_after_stop_an_emergency_pages_on_call_and_shows_the_answer_was_not_sent(
    client: httpx.AsyncClient, twilio_api: TwilioApiDouble, db: SessionFactory, whatsapp: bool
) -> None:
    person = Texter(client, twilio_api, db, whatsapp=whatsapp, number="+447700900456")
    await person.onboard()
    await person.say("STOP")
    before = len(person.seen())

    await person.say(EMERGENCY)

    [ticket] = await all_tickets(db)
    assert ticket.priority is TicketPriority.URGENT
    # Nothing went to the person...
    assert len(person.seen()) == before

    # ...the on-call phone was paged, with nothing of what they said...
    async def paged() -> bool:
        return len(twilio_api.sent(ONCALL_PHONE)) == 1

    await wait_until(paged, "the on-call SMS")
    [page] = twilio_api.sent(ONCALL_PHONE)
    assert ticket.ref in page.body and "/staff/tickets/" in page.body
    for word in ("Derek", "heart", "chest", "husband", "Mariam"):
        assert word.lower() not in page.body.lower()

    # ...and the ticket says the page went and the answer with the numbers did not.
    async def events() -> list[TicketEvent]:
        async with db() as session:
            statement = (
                select(TicketEvent)
                .where(TicketEvent.ticket_id == ticket.id)
                .order_by(col(TicketEvent.id))
            )
            return list((await session.exec(statement)).all())

    async def recorded() -> bool:
        return EventKind.ONCALL_SENT in [e.kind for e in await events()]

    await wait_until(recorded, "the page on the timeline")
    assert EventKind.ALERT in [e.kind for e in await events()]
    [answer_id] = [e.message_id for e in await events() if e.kind == EventKind.MESSAGE_OUT]
    async with db() as session:
        answer = await session.get(Message, answer_id)
    assert answer is not None and "999" in answer.body
    assert answer.status is DeliveryStatus.FAILED
    assert answer.error == OPTED_OUT
