"""The one test that reads the held-out half of the corpus: the detector's honest figures.

Nothing else reads heldout.csv: no rule, word list, threshold or training step. This test prints
per-language aggregates only (see tests/handlers/conftest.py), never a message.

The issue's goals: recall at least 97 % in English and 90 % in each other language; false alarms
at most 3 % and safety questions on at most 10 % of everyday messages, over all of them. Each
language has only 15 or 16 everyday messages, where one false alarm is over 6 %, so its own
false alarms and questions are held to what was last measured (RECORDED): the test fails when a
language has more, and when it has fewer until the record is lowered, so the record stays true.
Goals not met yet are listed in SHORTFALLS: the test is then an expected failure (strict).
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
HELDOUT_FIGURES: dict[str, Figures] = {}

# language -> (false alarms, safety questions) on its everyday messages when last measured.
RECORDED: dict[str, tuple[int, int]] = {
    "ar": (1, 0),
    "bn": (0, 0),
    "cy": (2, 1),
    "en": (2, 3),
    "es": (0, 0),
    "gu": (0, 1),
    "lt": (0, 0),
    "pa": (0, 2),
    "pl": (0, 1),
    "pt": (0, 0),
    "ro": (1, 0),
    "so": (0, 1),
    "tr": (1, 0),
    "ur": (1, 0),
}

# (language or "all", goal) -> the figure measured when it was last run.
SHORTFALLS: dict[tuple[str, str], str] = {}


@pytest.mark.xfail(
    bool(SHORTFALLS), reason=shortfall_reason(SHORTFALLS), raises=GoalNotMet, strict=True
)
def test_heldout_goals() -> None:
    HELDOUT_FIGURES.update(score(rows("heldout.csv")))
    check_blind(HELDOUT_FIGURES, RECORDED, SHORTFALLS)
