"""The one test that reads fresh.csv, the second blind set: written after the detector existed,
without reading it, and read by nothing else (see tests/fixtures/safeguarding/README.md).

It is held to the issue's goals by the same rules as the held-out half (`check_blind`): recall
per language; false alarms and safety questions over all everyday messages; each language's own
counts held to RECORDED. It prints per-language aggregates only, never a message.
"""

from __future__ import annotations

import pytest

from tests.handlers.safeguarding.corpus import (
    Figures,
    GoalNotMet,
    check_blind,
    rows,
    score,
    shortfall_reason,
)

# Read by tests/handlers/conftest.py, which prints them in pytest's summary.
FRESH_FIGURES: dict[str, Figures] = {}

# language -> (false alarms, safety questions) on its everyday messages when last measured.
RECORDED: dict[str, tuple[int, int]] = {
    "ar": (0, 1),
    "bn": (0, 1),
    "cy": (0, 0),
    "en": (0, 0),
    "es": (0, 0),
    "gu": (0, 0),
    "lt": (0, 1),
    "pa": (0, 1),
    "pl": (0, 1),
    "pt": (0, 1),
    "ro": (0, 1),
    "so": (1, 1),
    "tr": (0, 0),
    "ur": (1, 0),
}

# (language or "all", goal) -> the figure measured when it was last run.
SHORTFALLS: dict[tuple[str, str], str] = {}


@pytest.mark.xfail(
    bool(SHORTFALLS), reason=shortfall_reason(SHORTFALLS), raises=GoalNotMet, strict=True
)
def test_fresh_goals() -> None:
    FRESH_FIGURES.update(score(rows("fresh.csv")))
    check_blind(FRESH_FIGURES, RECORDED, SHORTFALLS)
