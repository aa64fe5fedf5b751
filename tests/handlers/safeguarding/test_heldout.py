"""The one test that reads the held-out half of the corpus: the detector's honest figures.

Nothing else reads heldout.csv: no rule, word list, threshold or training step. This test prints
per-language aggregates only (see tests/handlers/conftest.py), never a message.

Goals not met yet are listed with their figures in SHORTFALLS: the test is then an expected
failure (strict). It fails outright when any other goal stops being met, and when a listed goal
is met, until it is taken off the list.
"""

from __future__ import annotations

import pytest

from tests.handlers.safeguarding.corpus import Figures, goals, rows, score

# Read by tests/handlers/conftest.py, which prints them in pytest's summary.
HELDOUT_FIGURES: dict[str, Figures] = {}

# (language, goal) -> the figure measured when it was last run.
SHORTFALLS: dict[tuple[str, str], str] = {
    ("ar", "false_alarms"): "6.7 %",
    ("cy", "false_alarms"): "6.2 %",
    ("cy", "questions"): "12.5 %",
    ("gu", "questions"): "13.3 %",
    ("pa", "questions"): "13.3 %",
    ("pl", "false_alarms"): "6.2 %",
    ("so", "false_alarms"): "6.2 %",
    ("tr", "false_alarms"): "6.2 %",
}


class GoalNotMet(AssertionError):
    """A listed goal is still not met."""


def _reason() -> str:
    return "held-out goals not met yet: " + "; ".join(
        f"{code} {goal} {figure}" for (code, goal), figure in sorted(SHORTFALLS.items())
    )


@pytest.mark.xfail(bool(SHORTFALLS), reason=_reason(), raises=GoalNotMet, strict=True)
def test_heldout_goals() -> None:
    HELDOUT_FIGURES.update(score(rows("heldout.csv")))
    measured = goals(HELDOUT_FIGURES)
    assert set(SHORTFALLS) <= set(measured)
    regressed = [
        f"{code} {figure}"
        for (code, goal), (met, figure) in measured.items()
        if not met and (code, goal) not in SHORTFALLS
    ]
    assert not regressed, regressed
    # A goal met since it was listed must come off the list, so the list stays true.
    now_met = [f"{code} {goal}" for code, goal in SHORTFALLS if measured[(code, goal)][0]]
    assert not now_met, f"now met, take off SHORTFALLS: {now_met}"
    short = [
        f"{code} {measured[(code, goal)][1]}"
        for code, goal in SHORTFALLS
        if not measured[(code, goal)][0]
    ]
    if short:
        raise GoalNotMet("; ".join(short))
