"""The fixed vocabularies the tables and the API share."""

from enum import IntEnum, StrEnum


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    SMS = "sms"
    VOICE = "voice"
    CONSOLE = "console"


class ContactRole(StrEnum):
    TENANT = "tenant"
    CARER = "carer"


class LanguageSource(StrEnum):
    """Where a contact's language came from; once set, nothing guesses it again."""

    RECORD = "record"  # an import or a member of staff
    CHANNEL = "channel"  # the person's app said (Telegram's language_code)
    DETECTED = "detected"  # the words of their first messages, read with confidence
    PERSON = "person"  # they chose it from the language menu


class TicketCategory(StrEnum):
    FOOD = "food"
    MEDICINE = "medicine"
    TRANSPORT = "transport"
    RESPITE = "respite"
    WELFARE = "welfare"
    CALLBACK = "callback"
    TELECARE = "telecare"
    OTHER = "other"


class TicketStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.IN_PROGRESS, TicketStatus.WAITING)


class TicketPriority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class DeliveryStatus(StrEnum):
    """Where a message is on its way. Inbound messages are simply `received`."""

    RECEIVED = "received"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


class OutboundPriority(IntEnum):
    """Which outbound messages go first when many are due; higher first, bulk last.

    Whoever queues a message sets it. Order per person still wins: a person's earlier message
    always goes before their later one, whatever either's priority.
    """

    BULK = 0
    REPLY = 50
    STAFF = 60
    EMERGENCY = 100


class EventKind(StrEnum):
    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    PRIORITY_CHANGED = "priority_changed"
    CATEGORY_CHANGED = "category_changed"
    ASSIGNED = "assigned"
    REFERRED = "referred"
    NOTE = "note"
    MESSAGE_IN = "message_in"
    MESSAGE_OUT = "message_out"
    ALERT = "alert"
    DELIVERY_FAILED = "delivery_failed"
    # What the person sent could not be handled automatically, however often it was tried.
    HANDLING_FAILED = "handling_failed"
    ONCALL_SENT = "oncall_sent"
    ONCALL_FAILED = "oncall_failed"


class OncallDestination(StrEnum):
    """Where an urgent ticket is announced to staff on duty, in the order they are tried."""

    TELEGRAM = "telegram"
    SMS = "sms"
    WEBHOOK = "webhook"


class PageStatus(StrEnum):
    """How one announcement to one destination went."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    # The ticket was taken up before this page went out.
    CANCELLED = "cancelled"


class ActorType(StrEnum):
    STAFF = "staff"
    CONTACT = "contact"
    SYSTEM = "system"
