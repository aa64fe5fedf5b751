"""the task engine's tables (procrastinate), on PostgreSQL only

The schema is applied from a copy kept next to the migrations, of the procrastinate release
pinned in uv.lock, so this revision builds the same tables whatever version is installed later.
Upgrading procrastinate: add a revision that applies, in order, the files in procrastinate's
`sql/migrations/` newer than the copy's version (the release notes list them), then replace the
copy's name in `tests/models/test_migrations.py`, which fails until both are done. SQLite runs
background work in the web process and needs none of it.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence
from pathlib import Path

from alembic import op
from sqlalchemy.util import await_only

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = Path(__file__).parents[1] / "procrastinate" / "schema-3.10.0.sql"


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    # The schema is many statements with functions and `$$` bodies: both drivers (asyncpg and
    # psycopg) run such a script as it is, on the migration's own connection and transaction.
    driver = connection.connection.driver_connection
    assert driver is not None
    await_only(driver.execute(SCHEMA.read_text(encoding="utf-8")))


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    op.execute(
        "DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, "
        "procrastinate_jobs, procrastinate_workers CASCADE"
    )
    op.execute(
        "DROP TYPE IF EXISTS procrastinate_job_status, procrastinate_job_event_type, "
        "procrastinate_job_to_defer_v1 CASCADE"
    )
