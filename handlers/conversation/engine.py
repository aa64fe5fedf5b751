"""The conversation engine: one incoming event in, replies queued out, in one transaction.

Every channel calls `handle_event`. It records the message (a redelivered one is recognised by
the database and ignored), checks for an emergency first, applies "menu", "back", "cancel" and
"help", and hands the event to the step for the stored state. The replies are written to the
outbox in the same transaction as the state and any ticket, so nothing is lost or sent twice.

An emergency is kept before anything else can fail: its urgent ticket, the timeline event and
the answer with the numbers are committed in a transaction of their own, and the step then runs in
the next one, so a fault in a flow (even a failed write) never takes the alert back with it.

A carrier keyword (STOP, START) comes first of all: someone who opted out gets no replies until
they opt back in, though an emergency they report still reaches staff as an urgent ticket, and
the answer is queued so that its failed delivery ("opted out") shows on the ticket for staff.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.identities import ReadAhead, apply_opt_word, identify
from handlers.actions.inserts import Along, insert_unless_present
from handlers.actions.invitations import do_accept_invitation
from handlers.actions.outbox import queue_replies, record_inbound
from handlers.checkins.conversation import answer_checkin, settle_after_alert
from handlers.conversation import forms
from handlers.conversation.events import IncomingEvent, Keyword
from handlers.conversation.keeping import keep
from handlers.conversation.languages import choose_language
from handlers.conversation.navigation import (
    IN_FLOW,
    command_in,
    current_form,
    navigate,
    reprompt,
    resume,
)
from handlers.conversation.turn import LANGUAGE_OPTION, State, Turn
from handlers.flows import language, my_data, respite, start
from handlers.flows import menu as menu_flow
from handlers.flows.registry import MENU_ITEMS
from handlers.safeguarding import safety
from handlers.safeguarding.alerts import Alert, AlertKind
from handlers.safeguarding.detection import Assessment, assess
from handlers.safeguarding.detection import Outcome as Seen
from handlers.safeguarding.response import do_raise_alert
from models import ChannelIdentity, Conversation
from models.base import utcnow
from models.enums import OutboundPriority, TicketPriority

log = logging.getLogger(__name__)

IDLE_AFTER = timedelta(minutes=30)


@dataclass
class Outcome:
    """What handling an event did: nothing, if it was a redelivery; else the replies queued."""

    duplicate: bool = False
    outbound_ids: list[int] = field(default_factory=list)


async def _load_conversation(
    session: AsyncSession, identity: ChannelIdentity, now: datetime, *, new: bool
) -> Conversation:
    """The person's conversation, locked for this transaction; made if they have none.

    `new`: the identity was made in this transaction, so no one else can have made it one; the
    conversation is then written only when its step is done (`keeping.keep`), once rather than
    inserted and then updated.
    """
    if new:
        return Conversation(
            identity_id=identity.id,  # type: ignore[arg-type]
            state=State.NEW.value,
            data={},
            updated_at=now,
        )
    # FOR UPDATE serialises two messages from one person on PostgreSQL; SQLite has one writer.
    statement = (
        select(Conversation).where(Conversation.identity_id == identity.id).with_for_update()
    )
    conversation = (await session.exec(statement)).first()
    if conversation is not None:
        return conversation
    # Two first messages may race here too: the loser reads (and waits for) the winner's row.
    fresh: dict[str, object] = {
        "identity_id": identity.id,
        "state": State.NEW.value,
        "data": {},
        "updated_at": now,
    }
    made = await insert_unless_present(session, Conversation, fresh, ("identity_id",))
    return made if made is not None else (await session.exec(statement)).one()


def _media_kind_name(turn: Turn) -> str:
    return turn.t(f"media.{turn.event.media[0].kind.value}")


async def _step(
    turn: Turn, last_seen: datetime, idle_after: timedelta, assessment: Assessment
) -> State:
    """Decide what to do with the event for the current state; a clear alert in it was
    already raised (`_alert_first`)."""
    alert = _clear_alert(assessment)
    if alert is not None:
        await settle_after_alert(turn)
        if alert.kind is AlertKind.URGENT and turn.state is State.QUESTION:
            # Not life-threatening: after the 111 advice the answer still counts, so the request
            # goes on (a medicine form marks itself urgent) rather than waiting unseen.
            return await forms.answer_question(turn, current_form(turn), advised=True)
        if turn.state in IN_FLOW:
            # Show again what the request is waiting for, so the next words are not taken
            # as the answer to a question that has scrolled out of sight.
            return reprompt(turn, turn.t("alert.carry_on"))
        return turn.state
    if assessment.outcome is Seen.UNCLEAR:
        return await safety.ask(turn, assessment)
    command = command_in(turn)
    if turn.state is State.SAFETY and command not in ("menu", "cancel"):
        # "help" or "back" typed at "are you in danger?" is an answer, not navigation.
        return await safety.answer(turn)
    if turn.state is State.LANGUAGE:
        return language.choose(turn, command)
    if command == "language" or (turn.state is State.MENU and turn.chosen() == LANGUAGE_OPTION):
        return language.open_menu(turn)
    # An answer to a waiting check-in ("fine thanks", "2"), unless a request is in progress.
    answered = await answer_checkin(turn)
    if answered is not None:
        return answered
    if turn.state is State.NEW:
        return start.greet(turn)

    privacy = my_data.command_in(turn)
    if privacy is not None:
        return await my_data.begin(turn, privacy)
    if turn.state is State.CONSENT:
        if command == "help":
            return start.ask_consent(turn, turn.t("help.text"))
        if turn.event.media and not turn.text:
            return start.ask_consent(turn, turn.t("media.unsupported", kind=_media_kind_name(turn)))
        return start.consent(turn)

    navigated = navigate(turn, command, last_seen, idle_after)
    if navigated is not None:
        return navigated

    if turn.event.media and not turn.text and turn.event.location is None:
        return reprompt(turn, turn.t("media.unsupported", kind=_media_kind_name(turn)))
    if turn.event.location is not None and turn.state is not State.QUESTION:
        return reprompt(turn, turn.t("media.location_not_needed"))

    match turn.state:
        case State.ROLE:
            return start.role(turn)
        case State.QUESTION:
            return await forms.answer_question(turn, current_form(turn))
        case State.CONFIRM:
            return await forms.confirm(turn, current_form(turn))
        case State.RESPITE_OFFER:
            return await respite.offer_callback(turn)
        case State.RESUME:
            return resume(turn)
        case State.MY_DATA:
            return await my_data.answer(turn)
        case State.ERASE_CONFIRM:
            return await my_data.confirm_erase(turn)
        case _:
            return await menu_flow.menu(turn)


def _opt_out(turn: Turn) -> State:
    """After a STOP (applied by `apply_opt_word`): forget the request under way, and confirm
    unless the provider does so itself."""
    turn.data.clear()
    if not turn.event.provider_confirms_opt_out:
        turn.say(turn.t("optout.confirmed"))
    return State.MENU if turn.contact.consented_at else State.NEW


def _opt_in(turn: Turn) -> State:
    """After a START (applied by `apply_opt_word`): show where to start, the menu or the
    privacy notice."""
    turn.data.clear()
    if turn.contact.consented_at is None:
        return start.ask_consent(turn, turn.t("optout.welcome_back"))
    return turn.show_menu(f"{turn.t('optout.welcome_back')}\n\n{turn.t('menu.prompt')}")


async def _while_opted_out(turn: Turn, assessment: Assessment) -> None:
    """Someone who sent STOP still matters: an emergency reaches staff. Only its answer is
    queued, and delivery records it as not sent (opted out) on the urgent ticket, so staff
    see at once that the person did not get the numbers and must be phoned."""
    alert = _clear_alert(assessment)
    if alert is not None:
        await do_raise_alert(turn, alert)
    turn.replies[:] = [(reply, ticket) for reply, ticket in turn.replies if ticket is not None]


def _remember_options(turn: Turn, before: State, after: State) -> None:
    """Keep the options last shown, so a typed number or label can be matched next time."""
    shown = [reply.options for reply, _ in turn.replies if reply.options]
    if shown:
        turn.data["options"] = [[o.id, o.label] for o in shown[-1]]
    elif after is not before:
        turn.data.pop("options", None)


async def handle_event(
    *,
    session: AsyncSession,
    event: IncomingEvent,
    now: datetime | None = None,
    idle_after: timedelta = IDLE_AFTER,
    assessment: Assessment | None = None,
    read: ReadAhead | None = None,
) -> Outcome:
    """Handle one incoming event inside the caller's transaction and queue the replies;
    `assessment` is the event's words already read by the detector, and `read` its person, if
    the caller read them."""
    now = now or utcnow()
    found = await identify(
        session=session, event=event, now=now, last_inbound_at=now, read=read, record=True
    )
    identity, new = found.identity, found.new
    # "/start <token>" from an invitation link joins this chat to the invited person's record,
    # and what it said so far (this message, if recorded with a new person) goes with it.
    contact = await do_accept_invitation(
        session=session, identity=identity, contact=found.contact, text=event.text, now=now
    )
    # A new person's message was recorded with them.
    inbound = (
        found.inbound
        if new
        else await record_inbound(session=session, identity=identity, event=event, now=now)
    )
    if inbound is None:
        log.info("ignored a redelivered %s event", event.channel.value)
        return Outcome(duplicate=True)
    if not new and (read is None or read.heard_at is None or read.heard_at < now):
        # A new identity was stored with it, and the caller's read may have stored it: setting
        # it again, even to the same time, would cost a flush before the next statement.
        identity.last_inbound_at = now
    if choose_language(contact, event):
        contact.updated_at = now

    conversation = await _load_conversation(session, identity, now, new=new)
    try:
        state = State(conversation.state)
    except ValueError:
        state = State.MENU if contact.consented_at else State.NEW
    turn = Turn(
        session=session,
        event=event,
        contact=contact,
        identity=identity,
        inbound=inbound,
        state=state,
        data=copy.deepcopy(conversation.data),
        now=now,
        menu=MENU_ITEMS,
        new_identity=new,
    )
    keyword = apply_opt_word(identity, event, event.keyword or my_data.typed_keyword(event))
    outcome = Outcome()
    if keyword is Keyword.OPT_OUT:
        after = _opt_out(turn)
    elif keyword is Keyword.OPT_IN:
        after = _opt_in(turn)
    elif identity.opted_out:
        await _while_opted_out(turn, assessment or assess(event.text))
        return Outcome(outbound_ids=await _queue_replies(turn, keyword))
    else:
        assessment = assessment or assess(event.text)
        alert = _clear_alert(assessment)
        if alert is not None:
            language = safety.answer_language(turn, assessment)
            outcome.outbound_ids += await _alert_first(turn, alert, conversation, language)
        elif assessment.outcome is Seen.NONE and (yes := safety.yes_alert(turn)) is not None:
            # "Yes, someone is in danger" is kept like a clear alert, whatever fails after it.
            outcome.outbound_ids += await _alert_first(turn, yes[0], conversation, yes[1])
            safety.mark_raised(turn)
        after = await _safe_step(turn, conversation, idle_after, assessment)

    _remember_options(turn, state, after)
    along = await keep(session, conversation, after, turn)
    outcome.outbound_ids += await _queue_replies(turn, keyword, along)
    return outcome


def _clear_alert(assessment: Assessment) -> Alert | None:
    """The alert to raise at once: a clear one (an unclear message gets the safety question)."""
    return assessment.alert if assessment.outcome is Seen.CLEAR else None


async def _alert_first(
    turn: Turn, alert: Alert, conversation: Conversation, language: str
) -> list[int]:
    """Raise the alert in `language`, queue its answer and commit them, before the step runs;
    returns the answer's outbound ids."""
    await do_raise_alert(turn, alert, language=language)
    queued = await _queue_replies(turn, None)
    # A first message's conversation is kept with the alert (see `_load_conversation`).
    turn.session.add(conversation)
    await turn.session.commit()
    # The commit let go of the conversation's row: take it again for the rest of the step.
    await turn.session.refresh(conversation, with_for_update=True)
    return queued


async def _queue_replies(
    turn: Turn, keyword: Keyword | None, along: Along | None = None
) -> list[int]:
    """Queue the turn's replies in order (with the write `along`, if any), and forget them;
    returns their outbound ids."""
    if not turn.replies:
        return []
    # An emergency answer (an urgent ticket's) goes before every other waiting message.
    urgent = any(t is not None and t.priority == TicketPriority.URGENT for _, t in turn.replies)
    priority = OutboundPriority.EMERGENCY if urgent else OutboundPriority.REPLY
    messages = await queue_replies(
        session=turn.session,
        identity=turn.identity,
        replies=turn.replies,
        now=turn.now,
        priority=priority,
        inline=turn.event.replies_inline,
        along=along,
    )
    if keyword is Keyword.OPT_OUT:
        for message in messages:
            # The one message delivery still sends to someone who opted out: saying it worked.
            message.payload = {**message.payload, "notice": True}
    turn.replies.clear()
    return [message.id for message in messages]  # type: ignore[misc]


async def _safe_step(
    turn: Turn, conversation: Conversation, idle_after: timedelta, assessment: Assessment
) -> State:
    """Run the step; a fault answers with an apology and the menu rather than nothing."""
    state = turn.state
    contact = turn.contact
    try:
        async with turn.session.begin_nested():
            after = await _step(turn, conversation.updated_at, idle_after, assessment)
    except DBAPIError:
        raise
    except Exception:
        # A fault in a flow must not leave the person without an answer, nor loop on a redelivery.
        log.exception("a conversation step failed in state %s", state.value)
        turn.replies.clear()
        turn.data = {}
        if contact.consented_at is None:
            turn.state = State.CONSENT
            after = start.ask_consent(turn, turn.t("error.generic"))
        else:
            turn.state = State.MENU
            after = turn.show_menu(turn.t("error.generic"))
    return after
