"""Shared fixtures: every database test runs on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import SQLModel

from bot.db import SessionFactory, create_engine, create_session_factory
from bot.migrate import upgrade
from handlers.conversation.catalog import extra_locales

POSTGRES_ADMIN_URL = os.environ.get(
    "HELPBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@asynccontextmanager
async def postgres_database(prefix: str = "helpbot_test") -> AsyncIterator[str]:
    """A migrated, empty PostgreSQL database for the length of the block, then dropped."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        await upgrade(url)
        yield url
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A migrated, empty database of each kind, made for this test run and removed after it."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "helpbot.db"
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade(url)
        yield url
        return
    async with postgres_database() as url:
        yield url


postgres_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
"""For a test of what exists on PostgreSQL alone (the task engine): `database_url`, and every
fixture built on it, is then only ever the PostgreSQL database, so the test is never collected
for SQLite rather than skipped there."""


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def empty_tables(engine: AsyncEngine) -> None:
    """Delete every row, children first, so each test starts from nothing."""
    async with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            await connection.execute(table.delete())


@pytest.fixture
async def db(engine: AsyncEngine) -> SessionFactory:
    """A session factory on an empty database (SQLite or PostgreSQL)."""
    await empty_tables(engine)
    return create_session_factory(engine)


PLACEHOLDER_LOCALES = Path(__file__).parent / "fixtures" / "locales"


@pytest.fixture
def placeholder_catalogs() -> Iterator[None]:
    """A few Welsh, Polish and Arabic words (tests/fixtures/locales) for testing the language
    mechanism itself, read before the real catalogs while the test runs."""
    with extra_locales(PLACEHOLDER_LOCALES):
        yield
