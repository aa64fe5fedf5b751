"""A running service keeps what start-up loaded out of the garbage collector's full passes."""

from __future__ import annotations

import gc
from pathlib import Path

from bot.services import running
from handlers.safeguarding import classifier
from tests.support.app import settings_for


def _tracked(thing: object) -> bool:
    return any(one is thing for one in gc.get_objects())


async def test_start_ups_objects_are_set_aside_from_full_collections_while_the_service_runs(
    tmp_path: Path,
) -> None:
    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'heap.db'}")
    async with running(settings) as services:
        # Each full collection walked these (the detector's model among them) for hundreds of
        # milliseconds, during which no webhook was answered.
        assert not _tracked(services)
        assert not _tracked(classifier.model().pipeline)
        # What the service makes from now on is collected as ever.
        made_later = type("Later", (), {})()
        assert _tracked(made_later)
    # Given back when the service stops, so a process that starts it again frees the old one.
    assert _tracked(services)
