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


class ActorType(StrEnum):
    STAFF = "staff"
    CONTACT = "contact"
    SYSTEM = "system"
