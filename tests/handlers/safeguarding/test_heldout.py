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

from tests.handlers.safeguarding.corpus import Figures, goals, rows, score, together

# Read by tests/handlers/conftest.py, which prints them in pytest's summary.
HELDOUT_FIGURES: dict[str, Figures] = {}

# language -> (false alarms, safety questions) on its everyday messages when last measured.
RECORDED: dict[str, tuple[int, int]] = {
    "ar": (1, 1),
    "bn": (0, 1),
    "cy": (1, 2),
    "en": (2, 3),
    "es": (0, 1),
    "gu": (0, 2),
    "lt": (0, 1),
    "pa": (0, 2),
    "pl": (1, 1),
    "pt": (0, 0),
    "ro": (1, 0),
    "so": (1, 1),
    "tr": (1, 0),
    "ur": (1, 0),
}

# (language or "all", goal) -> the figure measured when it was last run.
SHORTFALLS: dict[tuple[str, str], str] = {
    ("all", "false_alarms"): "3.3 %",
    ("es", "recall"): "88.9 %",
}


class GoalNotMet(AssertionError):
    """A listed goal is still not met."""


def _reason() -> str:
    return "held-out goals not met yet: " + "; ".join(
        f"{code} {goal} {figure}" for (code, goal), figure in sorted(SHORTFALLS.items())
    )


def _measured(figures: dict[str, Figures]) -> dict[tuple[str, str], tuple[bool, str]]:
    """Recall per language; false alarms and questions over all languages together."""
    per_language = {key: met for key, met in goals(figures).items() if key[1] == "recall"}
    return per_language | goals({"all": together(figures)})


@pytest.mark.xfail(bool(SHORTFALLS), reason=_reason(), raises=GoalNotMet, strict=True)
def test_heldout_goals() -> None:
    HELDOUT_FIGURES.update(score(rows("heldout.csv")))
    measured = _measured(HELDOUT_FIGURES)
    assert set(SHORTFALLS) <= set(measured)
    counts = {code: (f.false_alarms, f.questions) for code, f in HELDOUT_FIGURES.items()}
    assert set(counts) == set(RECORDED), sorted(set(counts) ^ set(RECORDED))
    changed = {code: (RECORDED[code], now) for code, now in counts.items() if now != RECORDED[code]}
    worse = {
        code: pair
        for code, pair in changed.items()
        if any(now > was for was, now in zip(*pair, strict=True))
    }
    assert not worse, f"more false alarms or questions than recorded (was, now): {worse}"
    assert not changed, f"fewer than recorded, lower RECORDED (was, now): {changed}"
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
