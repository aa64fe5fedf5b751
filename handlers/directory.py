"""Finding respite and carer-support services near a person."""

from __future__ import annotations

import math
import re

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import DirectoryEntry

_DISTRICT = re.compile(r"^([A-Z]{1,2})(\d{1,2})([A-Z]?)$")
_EARTH_KM = 6371.0
_NEARBY_KM = 40.0


def _district_distance(wanted: str, area: str) -> float | None:
    """How far apart two postcode districts are by their codes, or None if unrelated.

    Without a table of district centres this can only say that LS6 is closer to LS7 than to
    LS27: the same postcode area, ranked by district number. It is a stand-in for distance.
    """
    a, b = _DISTRICT.match(wanted), _DISTRICT.match(area.upper())
    if a is None or b is None or a.group(1) != b.group(1):
        return None
    if wanted == area.upper():
        return 0.0
    return 1.0 + abs(int(a.group(2)) - int(b.group(2)))


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(math.sqrt(h))


async def find_services(
    *,
    session: AsyncSession,
    district: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    limit: int = 3,
) -> list[DirectoryEntry]:
    """Services near a postcode district or a point, nearest first."""
    entries = list((await session.exec(select(DirectoryEntry))).all())
    ranked: list[tuple[float, int, DirectoryEntry]] = []
    for entry in entries:
        distance: float | None = None
        if latitude is not None and longitude is not None:
            if entry.latitude is not None and entry.longitude is not None:
                km = _km(latitude, longitude, entry.latitude, entry.longitude)
                distance = km if km <= _NEARBY_KM else None
        elif district is not None:
            distance = _district_distance(district.upper(), entry.area)
        if distance is not None:
            ranked.append((distance, entry.id or 0, entry))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [entry for _, _, entry in ranked[:limit]]
