"""People who talk to the helpline, and the channel identities they talk from."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_type, utcnow
from models.enums import Channel, ContactRole, LanguageSource


class Contact(SQLModel, table=True):
    """One person. They may reach us from several channels; each is a `ChannelIdentity`."""

    __tablename__ = "contacts"
    # Finding people by part of their name (PostgreSQL; SQLite reads every row instead).
    __table_args__ = (
        sa.Index(
            "ix_contacts_name_trgm",
            sa.func.lower(sa.literal_column("display_name")).label("name"),
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: int | None = Field(default=None, primary_key=True)
    display_name: str | None = Field(default=None, max_length=200)
    role: ContactRole | None = Field(default=None, sa_type=enum_type(ContactRole))
    language: str = Field(default="en", max_length=10)
    # None until the language is chosen; English is spoken meanwhile.
    language_source: LanguageSource | None = Field(default=None, sa_type=enum_type(LanguageSource))
    vulnerable: bool = False
    telecare: bool = False
    has_carer: bool = False
    notes: str | None = Field(default=None, max_length=4000)
    consent_version: str | None = Field(default=None, max_length=20)
    consented_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Where an imported consent came from (e.g. "tenancy form"); chat consent leaves it empty.
    consent_source: str | None = Field(default=None, max_length=200)
    # The landlord's own reference: imports match on it, so a second import updates.
    tenant_ref: str | None = Field(default=None, max_length=64, unique=True, index=True)
    phone: str | None = Field(default=None, max_length=32, index=True)
    # How the landlord says to reach them: whatsapp, sms, telegram or voice.
    preferred_channel: str | None = Field(default=None, max_length=16)
    next_alarm_test: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChannelIdentity(SQLModel, table=True):
    """Who someone is on one channel: a Telegram chat, a WhatsApp or SMS number, a console user.

    Unique per channel and external id; a phone number alone never identifies a person, since
    the same number on WhatsApp and SMS may be two different people's devices.
    """

    __tablename__ = "channel_identities"
    __table_args__ = (sa.UniqueConstraint("channel", "external_id", name="uq_identity_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", index=True)
    channel: Channel = Field(sa_type=enum_type(Channel))
    external_id: str = Field(max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    profile: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    opted_out: bool = False
    last_inbound_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
