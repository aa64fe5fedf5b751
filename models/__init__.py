"""Tables and their vocabularies. Importing this registers every table on `SQLModel.metadata`."""

from models.audit import AuditEntry
from models.checkins import Campaign, Checkin, CheckinRun, Invitation
from models.contacts import ChannelIdentity, Contact
from models.conversations import Conversation
from models.directory import DirectoryEntry
from models.limits import RateSlot
from models.messages import Message, PendingDeliveryReport
from models.staff import Staff, StaffToken
from models.staff_sessions import SignInFailure, StaffSession
from models.tickets import Ticket, TicketEvent

__all__ = [
    "AuditEntry",
    "Campaign",
    "ChannelIdentity",
    "Checkin",
    "CheckinRun",
    "Contact",
    "Conversation",
    "DirectoryEntry",
    "Invitation",
    "Message",
    "PendingDeliveryReport",
    "RateSlot",
    "SignInFailure",
    "Staff",
    "StaffSession",
    "StaffToken",
    "Ticket",
    "TicketEvent",
]
