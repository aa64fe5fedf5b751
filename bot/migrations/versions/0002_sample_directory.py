"""Sample respite and carer-support directory entries.

The entries are invented and marked as samples: their phone numbers are from Ofcom's ranges
reserved for drama, and their websites are on example.org, so nobody can be sent to a real
service by accident. Staff replace them with their own area's services.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SAMPLES = [
    (
        "LS6",
        "Headingley Carers Café",
        "0113 496 0101",
        53.8200,
        -1.5760,
        "A friendly weekly drop-in for unpaid carers, with tea and a chat.",
    ),
    (
        "LS7",
        "Chapeltown Sitting Service",
        "0113 496 0102",
        53.8260,
        -1.5330,
        "Trained volunteers sit with the person you care for so you can have a few hours off.",
    ),
    (
        "LS1",
        "Leeds City Carers Hub",
        "0113 496 0103",
        53.7970,
        -1.5480,
        "Advice on carer's assessments, benefits and short breaks.",
    ),
    (
        "M1",
        "Manchester Carers Centre",
        "0161 496 0104",
        53.4790,
        -2.2370,
        "Short breaks, carer's assessments and a support line.",
    ),
    (
        "M14",
        "Fallowfield Respite Day Club",
        "0161 496 0105",
        53.4440,
        -2.2200,
        "Day care twice a week for older people, giving carers a regular break.",
    ),
    (
        "SW1A",
        "Westminster Carers Network",
        "020 7946 0106",
        51.5010,
        -0.1410,
        "Emotional support and respite grants for unpaid carers.",
    ),
    (
        "E1",
        "Tower Hamlets Young Carers",
        "020 7946 0107",
        51.5150,
        -0.0600,
        "Activities and breaks for carers under 18.",
    ),
]


def upgrade() -> None:
    table = sa.table(
        "directory_entries",
        sa.column("name", sa.String),
        sa.column("area", sa.String),
        sa.column("phone", sa.String),
        sa.column("website", sa.String),
        sa.column("description", sa.String),
        sa.column("latitude", sa.Float),
        sa.column("longitude", sa.Float),
        sa.column("is_sample", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        table,
        [
            {
                "name": f"SAMPLE \u2013 {name}",
                "area": area,
                "phone": phone,
                "website": "https://example.org/sample-service",
                "description": f"{description} (Sample entry: not a real service.)",
                "latitude": lat,
                "longitude": lon,
                "is_sample": True,
                "created_at": now,
                "updated_at": now,
            }
            for area, name, phone, lat, lon, description in SAMPLES
        ],
    )


def downgrade() -> None:
    op.execute("DELETE FROM directory_entries WHERE is_sample")
