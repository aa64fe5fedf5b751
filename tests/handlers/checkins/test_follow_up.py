"""Following up: one reminder, then a person to phone; failed sends and opted-out people at
once; WhatsApp's template; alarm tests."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import col, select

from bot.db import transaction
from handlers.actions.checkin_results import (
    find_run_counts,
    list_overdue_alarm_tests,
    list_run_results,
    results_csv,
)
from handlers.actions.delivery import RetryRule, SendFailure, do_record_failure
from handlers.checkins.scripts import CheckinConfig
from models import ChannelIdentity, Contact
from models.checkins import CampaignKind, CheckinStatus
from models.enums import TicketCategory, TicketPriority
from tests.support.checkins import (
    campaign,
    checkins,
    delivered,
    import_people,
    london,
    person,
    run_now,
    say,
    sent_to,
    tick,
    tickets,
)

TUESDAY = london("2026-12-01 10:00")
PHONE = "+447700900001"


async def _run(db, rows: list[str], **given) -> int:
    await import_people(db, rows, TUESDAY)
    made = await campaign(db, TUESDAY, **given)
    run = await run_now(db, made.id or 0, TUESDAY)
    return run.id or 0


async def test_silence_earns_one_reminder_then_a_welfare_ticket_to_phone(db) -> None:
    run_id = await _run(db, [person("A", "07700900001")], reply_wait_minutes=60)
    await tick(db, TUESDAY)
    await delivered(db, TUESDAY)
    await tick(db, TUESDAY + timedelta(minutes=59))
    assert len(await sent_to(db, PHONE)) == 1
    await tick(db, TUESDAY + timedelta(minutes=60))
    messages = await sent_to(db, PHONE)
    assert len(messages) == 2
    assert messages[1].body.startswith("We have not heard back from you yet.")
    assert (await checkins(db))[0].status is CheckinStatus.REMINDED
    await delivered(db, TUESDAY + timedelta(minutes=60))
    await tick(db, TUESDAY + timedelta(minutes=119))
    assert await tickets(db) == []
    await tick(db, TUESDAY + timedelta(minutes=120))
    [ticket] = await tickets(db)
    assert (ticket.category, ticket.priority) == (TicketCategory.WELFARE, TicketPriority.HIGH)
    assert ticket.details["reason"] == "no_response"
    assert ticket.details["next_step"] == "no response - please phone"
    assert ticket.details["run_id"] == run_id
    assert len(await sent_to(db, PHONE)) == 2  # one reminder only
    async with db() as session:
        counts = await find_run_counts(session=session, run_id=run_id)
    assert (counts["targeted"], counts["sent"], counts["no_response"], counts["escalated"]) == (
        1,
        1,
        1,
        1,
    )


async def test_a_check_in_is_sent_when_its_message_goes_not_when_it_is_queued(db) -> None:
    # A long queue: the question waits 25 minutes in the outbox before it really goes.
    run_id = await _run(db, [person("A", "07700900001")], reply_wait_minutes=60)
    gone = TUESDAY + timedelta(minutes=25)
    await tick(db, TUESDAY)
    assert (await checkins(db))[0].sent_at is None
    await delivered(db, gone)
    assert (await checkins(db))[0].sent_at == gone
    # Sending the reminder later leaves the question's sending time as it was.
    await tick(db, gone + timedelta(minutes=60))
    await delivered(db, gone + timedelta(minutes=70))
    [found] = await checkins(db)
    assert (found.status, found.sent_at) == (CheckinStatus.REMINDED, gone)
    async with db() as session:
        [row] = results_csv(await list_run_results(session=session, run_id=run_id)).splitlines()[1:]
    assert row.split(",")[4] == gone.isoformat()


async def test_an_answer_after_the_reminder_still_counts(db) -> None:
    await _run(db, [person("A", "07700900001")])
    await tick(db, TUESDAY)
    await delivered(db, TUESDAY)
    await tick(db, TUESDAY + timedelta(minutes=60))
    await say(db, PHONE, TUESDAY + timedelta(minutes=70), "fine")
    await tick(db, TUESDAY + timedelta(minutes=200))
    assert (await checkins(db))[0].status is CheckinStatus.OK
    assert await tickets(db) == []


async def test_a_reminder_waits_for_the_window_to_open(db) -> None:
    await import_people(db, [person("A", "07700900001")], TUESDAY)
    made = await campaign(db, TUESDAY)
    late = london("2026-12-01 18:30")
    await run_now(db, made.id or 0, late)
    await tick(db, late)
    await delivered(db, late)
    await tick(db, late + timedelta(minutes=60))  # 19:30: quiet hours
    assert len(await sent_to(db, PHONE)) == 1
    await tick(db, london("2026-12-02 09:00"))
    assert len(await sent_to(db, PHONE)) == 2


async def test_a_failed_delivery_escalates_at_once_and_a_receipt_settles_nothing(db) -> None:
    run_id = await _run(db, [person("A", "07700900001"), person("B", "07700900002")])
    await tick(db, TUESDAY)
    first, second = await checkins(db)
    async with transaction(db) as session:
        # A's number is blocked for good; B's message is delivered.
        await do_record_failure(
            session=session,
            message_id=first.message_id or 0,
            failure=SendFailure(reason="blocked (21610)", retryable=False, opted_out=True),
            now=TUESDAY + timedelta(seconds=5),
            rule=RetryRule(),
        )
    await tick(db, TUESDAY + timedelta(minutes=1))
    [ticket] = await tickets(db)
    assert ticket.details["reason"] == "delivery_failed"
    assert (ticket.category, ticket.priority) == (TicketCategory.WELFARE, TicketPriority.HIGH)
    first, second = await checkins(db)
    assert first.status is CheckinStatus.OPTED_OUT and first.ticket_id == ticket.id
    assert second.status is CheckinStatus.SENT  # delivered, but not proof of being well
    async with db() as session:
        counts = await find_run_counts(session=session, run_id=run_id)
    assert (counts["sent"], counts["opted_out"], counts["escalated"]) == (1, 1, 1)


async def test_people_who_cannot_be_messaged_go_to_staff_not_into_silence(db) -> None:
    await import_people(db, [person("A", "07700900001")], TUESDAY)
    async with transaction(db) as session:
        identity = (await session.exec(select(ChannelIdentity))).one()
        identity.opted_out = True
    rows = ["T-9,Telegram Person,,telegram,True,False,2026-01-01,tenancy form\n"]
    run_id = await _run(db, rows)
    await tick(db, TUESDAY)
    found = await checkins(db)
    assert sorted(c.status for c in found) == [CheckinStatus.FAILED, CheckinStatus.OPTED_OUT]
    assert all(c.ticket_id for c in found)
    assert await sent_to(db, PHONE) == []
    reasons = sorted(t.details["delivery"] for t in await tickets(db))
    assert reasons == ["no way to message them on telegram", "opted_out"]
    async with db() as session:
        counts = await find_run_counts(session=session, run_id=run_id)
    assert (counts["failed"], counts["opted_out"], counts["sent"]) == (1, 1, 0)
    # Never sent: no sending time, on the check-in or in the run's CSV.
    assert [c.sent_at for c in found] == [None, None]
    async with db() as session:
        rows = results_csv(await list_run_results(session=session, run_id=run_id)).splitlines()
    assert [row.split(",")[4] for row in rows[1:]] == ["", ""]


async def test_whatsapp_after_24_hours_goes_as_the_approved_template(db) -> None:
    await _run(db, [person("A", "07700900001", channel="whatsapp")])
    await tick(db, TUESDAY, CheckinConfig(whatsapp_template_sid="HX123"))
    [message] = await sent_to(db, PHONE)
    assert message.payload["template"] == {"content_sid": "HX123", "variables": {}}


async def test_whatsapp_without_a_template_is_escalated_rather_than_skipped(db) -> None:
    await _run(db, [person("A", "07700900001", channel="whatsapp")])
    await tick(db, TUESDAY)
    assert await sent_to(db, PHONE) == []
    [ticket] = await tickets(db)
    assert ticket.details["reason"] == "delivery_failed"


async def test_alarm_tests_remind_record_done_and_report_failures(db) -> None:
    rows = [
        person("A", "07700900001", telecare=True),
        person("B", "07700900002", telecare=True),
        person("C", "07700900003", telecare=True),
    ]
    await import_people(db, rows, TUESDAY)
    async with transaction(db) as session:
        people = (await session.exec(select(Contact).order_by(col(Contact.id)))).all()
        people[0].next_alarm_test = date(2026, 11, 30)
        people[1].next_alarm_test = date(2026, 11, 1)
        people[2].next_alarm_test = date(2027, 1, 15)  # not due: not asked
    made = await campaign(db, TUESDAY, kind=CampaignKind.ALARM_TEST, audience={"telecare": True})
    await run_now(db, made.id or 0, TUESDAY)
    await tick(db, TUESDAY)
    assert len(await checkins(db)) == 2
    [asked] = await sent_to(db, PHONE)
    assert "press your alarm button" in asked.body
    await say(db, PHONE, TUESDAY + timedelta(minutes=5), "done")
    await say(db, "+447700900002", TUESDAY + timedelta(minutes=5), "it didn't work")
    [ticket] = await tickets(db)
    assert ticket.category is TicketCategory.TELECARE
    assert ticket.details["reason"] == "alarm_failed"
    async with db() as session:
        first = await session.get(Contact, people[0].id)
        overdue = await list_overdue_alarm_tests(
            session=session, before=TUESDAY - timedelta(days=7)
        )
    assert first is not None and first.next_alarm_test == date(2027, 1, 1)
    assert [c.tenant_ref for c in overdue] == ["B"]
