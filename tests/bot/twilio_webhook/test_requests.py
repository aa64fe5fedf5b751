"""WhatsApp and SMS end to end: whole requests, and opting out and in."""

from __future__ import annotations

from bot.db import SessionFactory
from models.enums import Channel, TicketCategory, TicketPriority
from tests.bot.twilio_webhook.texter import (
    NUMBERED,
    REF,
    SMS_FROM,
    WHATSAPP_FROM,
    Texter,
    identity_of,
    inbound,
    text_of,
)
from tests.support.tickets import all_tickets

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

    [ticket] = await all_tickets(db)
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
    [ticket] = await all_tickets(db)
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
    [ticket] = await all_tickets(db)
    assert ticket.priority is TicketPriority.URGENT
    assert ticket.category is TicketCategory.WELFARE
