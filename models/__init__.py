"""Tables and their vocabularies. Importing this registers every table on `SQLModel.metadata`."""

from models.audit import AuditEntry
from models.checkins import Campaign, Checkin, CheckinRun, Invitation
from models.contacts import ChannelIdentity, Contact
from models.conversations import Conversation
from models.directory import DirectoryEntry
from models.inbox import InboundEvent
from models.limits import RateSlot
from models.messages import Message, PendingDeliveryReport
from models.oncall import OncallPage
from models.privacy import AnonymisedTicket, DataLink, DataRequest, Erasure
from models.staff import Staff, StaffToken
from models.staff_sessions import SignInFailure, StaffSession
from models.tickets import Ticket, TicketEvent

__all__ = [
    "AnonymisedTicket",
    "AuditEntry",
    "Campaign",
    "ChannelIdentity",
    "Checkin",
    "CheckinRun",
    "Contact",
    "Conversation",
    "DataLink",
    "DataRequest",
    "DirectoryEntry",
    "Erasure",
    "InboundEvent",
    "Invitation",
    "Message",
    "OncallPage",
    "PendingDeliveryReport",
    "RateSlot",
    "SignInFailure",
    "Staff",
    "StaffSession",
    "StaffToken",
    "Ticket",
    "TicketEvent",
]
