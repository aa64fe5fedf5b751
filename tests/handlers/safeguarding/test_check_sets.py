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
    "bn": (0, 7),
    "cy": (1, 5),
    "en": (0, 5),
    "es": (0, 6),
    "gu": (0, 7),
    "lt": (1, 3),
    "pa": (2, 5),
    "pl": (2, 7),
    "pt": (0, 5),
    "ro": (1, 6),
    "so": (0, 1),
    "tr": (0, 5),
    "ur": (4, 10),
}

# (language or "all", goal) -> the figure measured when it was last run. The hazards set's
# stuffy flats ("can't breathe in this heat, could we have a fan") are asked about by design.
SHORTFALLS: dict[tuple[str, str], str] = {
    ("all", "questions"): "13.1 %",
}


@pytest.mark.xfail(
    bool(SHORTFALLS), reason=shortfall_reason(SHORTFALLS), raises=GoalNotMet, strict=True
)
def test_check_set_goals() -> None:
    labelled = (
        rows("check_everyday.csv")
        + rows("check_emergency.csv")
        + rows("check_recall.csv")
        + rows("check_hazards.csv")
        + rows("check_es.csv")
    )
    CHECK_FIGURES.update(score(labelled))
    check_blind(CHECK_FIGURES, RECORDED, SHORTFALLS)
