"""The detector on the check sets: everyday messages worded like emergencies, and a few
emergencies beside them, written before the rules and training files were read.

Rules may be changed with these figures in view, but no training file copies them (see
tests/fixtures/safeguarding/README.md), so they show whether a fix for false alarms generalises
and costs no recall. They are held like the blind sets (`check_blind`): recall per language;
false alarms and questions over all languages; each language's own counts to RECORDED.
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
CHECK_FIGURES: dict[str, Figures] = {}

# language -> (false alarms, safety questions) on its everyday messages when last measured.
RECORDED: dict[str, tuple[int, int]] = {
    "ar": (0, 0),
    "bn": (0, 1),
    "cy": (0, 3),
    "en": (0, 1),
    "es": (0, 0),
    "gu": (0, 1),
    "lt": (0, 1),
    "pa": (0, 2),
    "pl": (0, 3),
    "pt": (0, 2),
    "ro": (0, 0),
    "so": (0, 1),
    "tr": (0, 0),
    "ur": (0, 4),
}

# (language or "all", goal) -> the figure measured when it was last run. Six or seven
# emergencies a language: one miss is under the goal.
SHORTFALLS: dict[tuple[str, str], str] = {
    ("gu", "recall"): "83.3 %",
    ("tr", "recall"): "83.3 %",
}


@pytest.mark.xfail(
    bool(SHORTFALLS), reason=shortfall_reason(SHORTFALLS), raises=GoalNotMet, strict=True
)
def test_check_set_goals() -> None:
    CHECK_FIGURES.update(score(rows("check_everyday.csv") + rows("check_emergency.csv")))
    check_blind(CHECK_FIGURES, RECORDED, SHORTFALLS)
