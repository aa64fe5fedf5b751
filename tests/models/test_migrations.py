"""Migrations build the same schema as the models, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel, select

from bot.db import create_engine, create_session_factory
from bot.migrate import is_ours, upgrade
from models import DirectoryEntry
from tests.conftest import POSTGRES_ADMIN_URL, postgres_only


@pytest.fixture(params=["sqlite", "postgresql"])
async def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A brand-new, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"helpbot_migrate_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def _differences(connection: Connection) -> list[object]:
    # The task engine's tables (PostgreSQL) are procrastinate's, applied from its own schema.
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": is_ours}
    )
    return list(compare_metadata(context, SQLModel.metadata))


# SQLite cannot reflect the PostgreSQL-only trigram indexes, and alembic says so.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
async def test_migrations_match_the_models_and_seed_marked_samples(fresh_url: str) -> None:
    await upgrade(fresh_url)
    await upgrade(fresh_url)  # running again changes nothing
    engine = create_engine(fresh_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
        async with create_session_factory(engine)() as session:
            entries = (await session.exec(select(DirectoryEntry))).all()
        assert len(entries) >= 5
        assert all(e.is_sample and e.name.startswith("SAMPLE") for e in entries)
        assert all("Sample entry" in e.description for e in entries)
    finally:
        await engine.dispose()


def test_the_task_engines_schema_copy_is_the_installed_releases() -> None:
    # Migration 0007 applies this copy. When procrastinate is upgraded this fails: add a revision
    # applying procrastinate's migration files since 3.10.0, then name the new release here.
    from procrastinate.schema import SchemaManager

    copy = Path(__file__).parents[2] / "bot" / "migrations" / "procrastinate" / "schema-3.10.0.sql"
    assert copy.read_text(encoding="utf-8") == SchemaManager.get_schema()


async def test_postgresql_gets_the_task_engines_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: sync.dialect.get_table_names(sync))
    finally:
        await engine.dispose()
    has_jobs = "procrastinate_jobs" in tables
    assert has_jobs is (not database_url.startswith("sqlite"))


@postgres_only
async def test_the_task_engines_open_jobs_are_found_by_their_lock(database_url: str) -> None:
    # Each job fetch asks whether an open job holds the same lock (0014_job_locks).
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            found = await connection.execute(
                text(
                    "SELECT indexdef FROM pg_indexes WHERE tablename = 'procrastinate_jobs' "
                    "AND indexname = 'ix_procrastinate_jobs_open_lock'"
                )
            )
            definition = found.scalar_one()
    finally:
        await engine.dispose()
    assert "(lock)" in definition
    assert "'todo'" in definition and "'doing'" in definition
