"""Tickets as the staff API reads and writes them, and the timeline that comes with each."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from admin.schemas.common import (
    Actor,
    ContactActor,
    Cursor,
    Limit,
    StaffActor,
    SystemActor,
    reject_nulls,
    staff_actor,
)
from handlers.actions.paging import Page
from handlers.actions.ticket_rows import ListedTicket
from handlers.actions.ticket_search import TicketQuery, TicketSort
from handlers.actions.ticket_timeline import TicketRecord, TimelineEntry
from handlers.actions.ticket_work import TicketChanges
from models import Message, Ticket
from models.enums import (
    ActorType,
    Channel,
    ContactRole,
    DeliveryStatus,
    Direction,
    EventKind,
    LanguageSource,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)
from models.text import (
    MAX_DB_ID,
    BodyId,
    DbId,
    LanguageCode,
    LongText,
    SearchText,
    UTCTimestamp,
)

TICKET_EXAMPLE: dict[str, Any] = {
    "ref": "HH-000123",
    "id": 123,
    "category": "food",
    "status": "new",
    "priority": "normal",
    "channel": "telegram",
    "contact_id": 42,
    "language": "cy",
    "assignee_id": None,
    "details": {"for_whom": "me", "people": "2", "postcode": "LS6 2AB"},
    "due_at": None,
    "created_at": "2026-11-23T09:00:00Z",
    "updated_at": "2026-11-23T09:00:00Z",
    "resolved_at": None,
    "referred_at": None,
}


class MessagePublic(BaseModel):
    """A message in or out, with where its delivery stands."""

    id: int
    direction: Direction
    channel: Channel
    text: str
    status: DeliveryStatus
    error: str | None
    # An attempt's outcome was unknown and the message was sent again: it may have come twice.
    maybe_duplicate: bool = False
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, message: Message) -> Self:
        """A stored message as the timeline shows it."""
        return cls(
            id=message.id or 0,
            direction=message.direction,
            channel=message.channel,
            text=message.body,
            status=message.status,
            error=message.error,
            maybe_duplicate=message.maybe_duplicate,
            created_at=message.created_at,
            updated_at=message.updated_at,
        )


def _actor(entry: TimelineEntry) -> Actor:
    event = entry.event
    if event.actor_type == ActorType.STAFF and entry.staff is not None:
        return staff_actor(entry.staff)
    if event.actor_type == ActorType.STAFF:
        return StaffActor(id=event.actor_id or 0, email="", name="Former staff member")
    if event.actor_type == ActorType.CONTACT:
        return ContactActor()
    return SystemActor()


class TimelineEventPublic(BaseModel):
    """One entry of a ticket's timeline; `data` holds the change, `message` a message's text."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "kind": "status_changed",
                    "actor": {
                        "type": "staff",
                        "id": 3,
                        "email": "sam@example.org",
                        "name": "Sam Patel",
                    },
                    "created_at": "2026-11-23T10:15:00Z",
                    "data": {"from": "new", "to": "in_progress"},
                    "message": None,
                }
            ]
        }
    )

    id: int
    kind: EventKind
    actor: Actor
    created_at: datetime
    data: dict[str, Any]
    message: MessagePublic | None = None

    @classmethod
    def of(cls, entry: TimelineEntry) -> Self:
        """A timeline entry with its actor and message as the API shows them."""
        return cls(
            id=entry.event.id or 0,
            kind=entry.event.kind,
            actor=_actor(entry),
            created_at=entry.event.created_at,
            data=entry.event.data,
            message=MessagePublic.of(entry.message) if entry.message is not None else None,
        )


class TicketPublic(BaseModel):
    """A ticket as lists show it."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [TICKET_EXAMPLE]}
    )

    ref: str
    id: int
    category: TicketCategory
    status: TicketStatus
    priority: TicketPriority
    channel: Channel
    contact_id: int
    language: str = Field(description="The person's language when they asked (BCP 47).")
    assignee_id: int | None
    details: dict[str, Any]
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    referred_at: datetime | None = None

    @classmethod
    def of(cls, ticket: Ticket | ListedTicket) -> Self:
        """A ticket as the API shows it."""
        return cls.model_validate(ticket, from_attributes=True)


class ContactSummary(BaseModel):
    """Who a ticket is for, in brief."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    display_name: str | None
    role: ContactRole | None
    language: str
    language_source: LanguageSource | None = Field(
        description="Where the language came from: `record` (import or staff), `channel` "
        "(the person's app), `detected` (their first words), `person` (they chose it), or "
        "null when nothing chose it yet and English is spoken."
    )
    vulnerable: bool
    telecare: bool
    has_carer: bool


class TicketDetail(TicketPublic):
    """A ticket with its contact and its whole timeline, oldest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **TICKET_EXAMPLE,
                    "status": "waiting",
                    "contact": {
                        "id": 42,
                        "display_name": "Margaret",
                        "role": "tenant",
                        "language": "cy",
                        "language_source": "channel",
                        "vulnerable": False,
                        "telecare": True,
                        "has_carer": False,
                    },
                    "assignee": None,
                    "timeline": [
                        {
                            "id": 1,
                            "kind": "created",
                            "actor": {"type": "contact"},
                            "created_at": "2026-11-23T09:00:00Z",
                            "data": {"category": "food", "priority": "normal"},
                            "message": None,
                        },
                        {
                            "id": 2,
                            "kind": "message_out",
                            "actor": {
                                "type": "staff",
                                "id": 3,
                                "email": "sam@example.org",
                                "name": "Sam Patel",
                            },
                            "created_at": "2026-11-23T10:02:00Z",
                            "data": {},
                            "message": {
                                "id": 17,
                                "direction": "out",
                                "channel": "telegram",
                                "text": "HH-000123: A parcel can come on Friday. Is that OK?",
                                "status": "sent",
                                "error": None,
                                "maybe_duplicate": False,
                                "created_at": "2026-11-23T10:02:00Z",
                                "updated_at": "2026-11-23T10:02:01Z",
                            },
                        },
                    ],
                }
            ]
        }
    )

    contact: ContactSummary
    assignee: StaffActor | None
    timeline: list[TimelineEventPublic]

    @classmethod
    def of_record(cls, record: TicketRecord) -> Self:
        """A ticket with its contact, assignee and timeline as the API shows them."""
        return cls(
            **TicketPublic.of(record.ticket).model_dump(),
            contact=ContactSummary.model_validate(record.contact, from_attributes=True),
            assignee=staff_actor(record.assignee) if record.assignee is not None else None,
            timeline=[TimelineEventPublic.of(entry) for entry in record.timeline],
        )


class TicketsPublic(BaseModel):
    """One page of tickets; pass `next_cursor` back as `cursor` for the next."""

    items: list[TicketPublic]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[ListedTicket]) -> Self:
        """A page of tickets as the API shows it."""
        return cls(items=[TicketPublic.of(t) for t in page.items], next_cursor=page.next_cursor)


def _check_assignee(value: str) -> str:
    if value.isdigit() and int(value) > MAX_DB_ID:
        raise ValueError("is not a staff id")
    return value


AssigneeFilter = Annotated[
    str,
    StringConstraints(pattern=r"^(none|me|[1-9][0-9]{0,9})$"),
    AfterValidator(_check_assignee),
    Field(description="A staff id, `none` for unassigned, or `me`."),
]


class TicketFilters(BaseModel):
    """What `GET /tickets` can narrow by; repeat a parameter to allow several values."""

    model_config = ConfigDict(extra="forbid")

    status: list[TicketStatus] = Field(default_factory=list)
    category: list[TicketCategory] = Field(default_factory=list)
    priority: list[TicketPriority] = Field(default_factory=list)
    channel: list[Channel] = Field(default_factory=list)
    language: list[LanguageCode] = Field(
        default_factory=list, description="The person's language, e.g. `cy` or `ar`."
    )
    assignee: AssigneeFilter | None = None
    contact_id: DbId | None = None
    q: SearchText | None = Field(
        default=None, description="Words in the details, the notes or the person's name."
    )
    created_after: UTCTimestamp | None = None
    created_before: UTCTimestamp | None = None
    sort: TicketSort = Field(
        default=TicketSort.NEWEST,
        description="`-created_at` newest first; `priority` urgent first, then oldest; "
        "`due_at` soonest first, undated last.",
    )
    cursor: Cursor | None = None
    limit: Limit = 50

    def query(self, staff_id: int) -> TicketQuery:
        """The domain's query for these filters; `me` is the staff member asking."""
        assignee_id = None
        if self.assignee == "me":
            assignee_id = staff_id
        elif self.assignee is not None and self.assignee != "none":
            assignee_id = int(self.assignee)
        return TicketQuery(
            status=self.status,
            category=self.category,
            priority=self.priority,
            channel=self.channel,
            language=self.language,
            assignee_id=assignee_id,
            unassigned=self.assignee == "none",
            contact_id=self.contact_id,
            words=self.q,
            created_after=self.created_after,
            created_before=self.created_before,
            sort=self.sort,
            cursor=self.cursor,
            limit=self.limit,
        )


class TicketUpdate(BaseModel):
    """Changes to a ticket; only the fields given change. `assignee_id: null` unassigns."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status": "in_progress", "assignee_id": 3}]},
    )

    status: TicketStatus | SkipJsonSchema[None] = None
    priority: TicketPriority | SkipJsonSchema[None] = None
    category: TicketCategory | SkipJsonSchema[None] = None
    assignee_id: BodyId | None = None
    referred: StrictBool | SkipJsonSchema[None] = Field(
        default=None,
        description="Whether staff referred the person to a partner (a food bank, Age UK, "
        "their GP, the council); the impact reports count referrals.",
    )

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        reject_nulls(self, "status", "priority", "category", "referred")
        return self

    def changes(self) -> TicketChanges:
        """The domain's changes: only the fields the request gave."""
        return TicketChanges(**self.model_dump(exclude_unset=True))


class NoteCreate(BaseModel):
    """An internal note: staff see it, the person never does."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "Called the food bank; delivery on Friday."}]}
    )

    text: LongText
