"""The detector on the check sets: everyday messages worded like emergencies, and emergencies
of the kinds most often missed, written before the rules and training files were read.

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
    "ar": (0, 1),
    "bn": (0, 2),
    "cy": (1, 3),
    "en": (0, 2),
    "es": (0, 1),
    "gu": (0, 3),
    "lt": (1, 2),
    "pa": (1, 2),
    "pl": (1, 4),
    "pt": (0, 3),
    "ro": (0, 2),
    "so": (0, 1),
    "tr": (0, 2),
    "ur": (1, 4),
}

# (language or "all", goal) -> the figure measured when it was last run. Nine to nineteen
# emergencies a language: one miss may be under the goal.
SHORTFALLS: dict[tuple[str, str], str] = {
    ("gu", "recall"): "88.9 %",
}


@pytest.mark.xfail(
    bool(SHORTFALLS), reason=shortfall_reason(SHORTFALLS), raises=GoalNotMet, strict=True
)
def test_check_set_goals() -> None:
    labelled = rows("check_everyday.csv") + rows("check_emergency.csv") + rows("check_recall.csv")
    CHECK_FIGURES.update(score(labelled))
    check_blind(CHECK_FIGURES, RECORDED, SHORTFALLS)
