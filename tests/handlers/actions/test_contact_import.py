"""A contact list imported through each database driver an operator may name in DATABASE_URL:
SQLite, and PostgreSQL by psycopg and by asyncpg."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlmodel import col, select

from bot.db import SessionFactory, create_engine, create_session_factory, transaction
from handlers.actions.contact_import import do_import_contacts
from models import ChannelIdentity, Contact
from tests.conftest import empty_tables

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
HEADER = (
    "tenant_ref,name,phone,channel,language,vulnerable,telecare,next_alarm_test,"
    "consent_at,consent_source\n"
)
ROWS = (
    "T1,Ann Jones,07700900001,sms,cy,true,true,2026-12-14,2026-01-02,tenancy form\n"
    "T2,Bo Nowak,07700900002,whatsapp,pl,false,false,,,\n"
)


def _urls(database_url: str) -> list[str]:
    if database_url.startswith("sqlite"):
        return [database_url]
    # The test database's URL names psycopg; the same database by asyncpg too.
    return [database_url, database_url.replace("+psycopg", "+asyncpg", 1)]


@pytest.fixture
async def by_each_driver(database_url: str) -> AsyncIterator[list[tuple[str, SessionFactory]]]:
    engines = [create_engine(url) for url in _urls(database_url)]
    try:
        yield [(str(engine.url.drivername), create_session_factory(engine)) for engine in engines]
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_list_imports_and_updates_by_every_supported_driver(
    by_each_driver: list[tuple[str, SessionFactory]],
) -> None:
    for driver, db in by_each_driver:
        await empty_tables(db.kw["bind"])
        async with transaction(db) as session:
            made = await do_import_contacts(session=session, text=HEADER + ROWS, now=NOW)
        assert (made.created, made.updated, made.rejected) == (2, 0, []), driver
        async with transaction(db) as session:
            again = await do_import_contacts(session=session, text=HEADER + ROWS, now=NOW)
        assert (again.created, again.updated) == (0, 2), driver
        async with db() as session:
            people = (await session.exec(select(Contact).order_by(col(Contact.id)))).all()
            phones = (await session.exec(select(ChannelIdentity.external_id))).all()
        ann, bo = people
        assert (ann.tenant_ref, ann.display_name, ann.language, ann.vulnerable) == (
            "T1",
            "Ann Jones",
            "cy",
            True,
        ), driver
        assert ann.next_alarm_test == date(2026, 12, 14) and ann.consented_at is not None
        assert (bo.language, bo.telecare, bo.consented_at) == ("pl", False, None), driver
        assert sorted(phones) == ["+447700900001", "+447700900002"], driver
