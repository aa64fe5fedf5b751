"""Answering a check-in: "How are you today?" by button, number or words.

The engine asks here first, after safeguarding, whenever the person has a check-in waiting and
is not in the middle of a request (a request in progress keeps its own answers). Words that do
not answer the check-in go on to the menu as usual, and the check-in keeps waiting.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from handlers.actions.checkin_followup import do_escalate_checkin
from handlers.actions.tickets import find_open_alert_ticket
from handlers.checkins.reading import READINGS, UNSURE, negated, read_words, reading_words
from handlers.checkins.scripts import answers_for, options_for, question_for
from handlers.conversation.events import Option
from handlers.conversation.matching import match_option
from handlers.conversation.turn import State, Turn
from models import Campaign, Checkin, CheckinRun, Contact
from models.checkins import WAITING_STATUSES, CampaignKind, CheckinStatus

# States where a check-in's answer may come: not mid-request, consent or role.
OPEN_STATES = (State.NEW, State.MENU)


def read_answer(kind: CampaignKind, turn: Turn) -> str | None:
    """The option the person's button, number or words pick, `UNSURE` when their words are
    too mixed to tell, else None."""
    answers = answers_for(kind)
    if turn.event.choice in answers:
        return turn.event.choice
    if not turn.text:
        return None
    # Words first: a label's loose match could read "nie dobrze" as "Czuję się dobrze".
    listed = reading_words(kind, turn.lang)
    said = read_words(kind, turn.text, listed)
    if said is not None:
        return said
    picked = match_option(turn.text, [(o.id, o.label) for o in _options(kind, turn)])
    if picked == READINGS[kind].well and negated(turn.text, listed):
        return UNSURE
    return picked


def _options(kind: CampaignKind, turn: Turn) -> list[Option]:
    return options_for(kind, turn.lang, turn.identity.channel.value)


async def find_waiting_checkin(turn: Turn) -> tuple[Checkin, Campaign] | None:
    """The person's newest check-in still waiting for an answer on this channel."""
    statement = (
        select(Checkin, Campaign)
        .join(CheckinRun, col(CheckinRun.id) == Checkin.run_id)
        .join(Campaign, col(Campaign.id) == CheckinRun.campaign_id)
        .where(
            Checkin.identity_id == turn.identity.id,
            col(Checkin.status).in_(WAITING_STATUSES),
        )
        .order_by(col(Checkin.id).desc())
        .limit(1)
        .with_for_update(of=Checkin)
    )
    found = (await turn.session.exec(statement)).first()
    return (found[0], found[1]) if found else None


async def waiting_checkin_id(turn: Turn) -> int | None:
    """The id of the check-in the person was last asked and may answer now, if any."""
    if turn.new_identity or turn.state not in OPEN_STATES:
        return None
    found = await find_waiting_checkin(turn)
    return found[0].id if found else None


async def ask_checkin_again(turn: Turn, checkin_id: int, lead: str) -> State | None:
    """Ask check-in `checkin_id` again with its buttons, after `lead`; None when it no longer
    waits (answered or closed meanwhile)."""
    found = await find_waiting_checkin(turn)
    if found is None or found[0].id != checkin_id:
        return None
    channel = turn.identity.channel.value
    question = question_for(found[1], turn.lang, channel, reminder=False)
    turn.say(f"{lead}\n\n{question}", _options(found[1].kind, turn))
    return turn.state


async def answer_checkin(turn: Turn) -> State | None:
    """Record an answer to a waiting check-in and reply; None when this is not one.

    Mid-request (someone who went quiet and was then asked), only the check-in's own buttons
    count: a typed "1" there answers the request's question.
    """
    # A check-in names the identity it went to, so a first message answers none.
    found = None if turn.new_identity else await find_waiting_checkin(turn)
    if found is None:
        return None
    checkin, campaign = found
    if turn.state in OPEN_STATES:
        option = read_answer(campaign.kind, turn)
    else:
        button = turn.event.choice
        option = button if button in answers_for(campaign.kind) else None
    if option is None:
        return None
    if option == UNSURE:
        # Too mixed to tell (a "fine" with a "not" in it): ask again rather than guess.
        turn.say(turn.t("checkin.unsure"), _options(campaign.kind, turn))
        return turn.state
    outcome = answers_for(campaign.kind)[option]
    checkin.status = CheckinStatus(outcome)
    checkin.answered_at = turn.now
    checkin.updated_at = turn.now
    if outcome == "ok":
        turn.say(turn.t("checkin.thanks"))
        return turn.state
    if outcome == "alarm_done":
        await _next_alarm_test(turn.contact, turn)
        turn.say(turn.t("telecare.thanks"))
        return turn.state
    ticket = await do_escalate_checkin(
        session=turn.session, checkin=checkin, reason=outcome, now=turn.now, identity=turn.identity
    )
    if outcome == "needs_help":
        return turn.show_menu(turn.t("checkin.help_reply", ref=ticket.ref))
    key = "checkin.call_reply" if outcome == "call_me" else "telecare.failed_reply"
    turn.say(turn.t(key, ref=ticket.ref), ticket=ticket)
    return turn.state


async def _next_alarm_test(contact: Contact, turn: Turn) -> None:
    """A test done: the next one is due in a month."""
    today = turn.now.date()
    month = today.month % 12 + 1
    year = today.year + (1 if today.month == 12 else 0)
    day = min(today.day, 28)
    contact.next_alarm_test = today.replace(year=year, month=month, day=day)
    contact.updated_at = turn.now


async def settle_after_alert(turn: Turn) -> None:
    """An emergency reported while a check-in waits: safeguarding has it, so the check-in is
    recorded as a call for help on the emergency's own ticket, not followed up again."""
    found = await find_waiting_checkin(turn)
    if found is None:
        return
    checkin, _ = found
    ticket = await find_open_alert_ticket(
        session=turn.session, contact_id=turn.contact.id or 0, since=turn.now - timedelta(days=1)
    )
    checkin.status = CheckinStatus.NEEDS_HELP
    checkin.answered_at = turn.now
    checkin.updated_at = turn.now
    if ticket is not None:
        checkin.ticket_id = ticket.id
