"""Applying the Alembic migrations from code, on SQLite or PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from bot.db import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def is_ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Whether a database object belongs to our models; the task engine's tables do not."""
    return not (name or "").startswith("procrastinate_")


def alembic_config() -> Config:
    """The Alembic configuration, independent of the working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at `database_url` up to `revision`."""
    engine = create_engine(database_url)

    def _upgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    try:
        async with engine.connect() as connection:
            await connection.run_sync(_upgrade)
            await connection.commit()
    finally:
        await engine.dispose()
