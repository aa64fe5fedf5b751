"""Reading the labelled corpus in tests/fixtures/safeguarding and scoring the detector on it."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from handlers.safeguarding.detection import Outcome, assess
from handlers.safeguarding.training import training_files

CORPUS = Path(__file__).parents[2] / "fixtures" / "safeguarding"

# The goals of the issue, per language.
RECALL_GOAL = {"en": 0.97}
OTHER_RECALL_GOAL = 0.90
MAX_FALSE_ALARMS = 0.03
MAX_QUESTIONS = 0.10


def rows(name: str) -> list[dict[str, str]]:
    """The rows of one corpus file."""
    with (CORPUS / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass
class Figures:
    """One language's counts: emergencies caught, everyday messages alerted on or asked about."""

    emergencies: int = 0
    caught: int = 0
    everyday: int = 0
    false_alarms: int = 0
    questions: int = 0
    missed_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def recall(self) -> float:
        return self.caught / self.emergencies if self.emergencies else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.everyday if self.everyday else 0.0

    @property
    def question_rate(self) -> float:
        return self.questions / self.everyday if self.everyday else 0.0


def score(labelled: list[dict[str, str]]) -> dict[str, Figures]:
    """Per language: an emergency is caught when it alerts or asks; everyday when it does not."""
    figures: dict[str, Figures] = defaultdict(Figures)
    for row in labelled:
        outcome = assess(row["text"]).outcome
        language = figures[row["language"]]
        if row["label"] == "emergency":
            language.emergencies += 1
            if outcome is Outcome.NONE:
                language.missed_kinds[row["kind"]] = language.missed_kinds.get(row["kind"], 0) + 1
            else:
                language.caught += 1
        else:
            language.everyday += 1
            language.false_alarms += outcome is Outcome.CLEAR
            language.questions += outcome is Outcome.UNCLEAR
    return dict(figures)


def together(figures: dict[str, Figures]) -> Figures:
    """Every language's counts summed: the figures of the corpus as one."""
    whole = Figures()
    for f in figures.values():
        whole.emergencies += f.emergencies
        whole.caught += f.caught
        whole.everyday += f.everyday
        whole.false_alarms += f.false_alarms
        whole.questions += f.questions
    return whole


def goals(figures: dict[str, Figures]) -> dict[tuple[str, str], tuple[bool, str]]:
    """Each goal, per language: whether it is met, and the figure."""
    met: dict[tuple[str, str], tuple[bool, str]] = {}
    for code, f in sorted(figures.items()):
        want = RECALL_GOAL.get(code, OTHER_RECALL_GOAL)
        met[(code, "recall")] = (f.recall >= want, f"recall {f.recall:.1%} (goal {want:.0%})")
        met[(code, "false_alarms")] = (
            f.false_alarm_rate <= MAX_FALSE_ALARMS,
            f"false alarms {f.false_alarm_rate:.1%} (goal at most {MAX_FALSE_ALARMS:.0%})",
        )
        met[(code, "questions")] = (
            f.question_rate <= MAX_QUESTIONS,
            f"questions {f.question_rate:.1%} (goal at most {MAX_QUESTIONS:.0%})",
        )
    return met


class GoalNotMet(AssertionError):
    """A listed goal is still not met."""


def shortfall_reason(shortfalls: dict[tuple[str, str], str]) -> str:
    """Why a blind set's test is expected to fail: its unmet goals, each with its figure."""
    return "goals not met yet: " + "; ".join(
        f"{code} {goal} {figure}" for (code, goal), figure in sorted(shortfalls.items())
    )


def check_blind(
    figures: dict[str, Figures],
    recorded: dict[str, tuple[int, int]],
    shortfalls: dict[tuple[str, str], str],
) -> None:
    """Hold a blind set's figures to the goals: recall per language; false alarms and questions
    over all languages together; each language's own (false alarms, questions) to `recorded`.

    A language with few everyday messages is over a goal with one false alarm, so its counts
    are held to the record instead: more fails, and fewer fails until the record is lowered, so
    the record stays true. Goals in `shortfalls` raise GoalNotMet (an expected failure)."""
    per_language = {key: met for key, met in goals(figures).items() if key[1] == "recall"}
    measured = per_language | goals({"all": together(figures)})
    assert set(shortfalls) <= set(measured)
    counts = {code: (f.false_alarms, f.questions) for code, f in figures.items()}
    assert set(counts) == set(recorded), sorted(set(counts) ^ set(recorded))
    changed = {code: (recorded[code], now) for code, now in counts.items() if now != recorded[code]}
    worse = {
        code: pair
        for code, pair in changed.items()
        if any(now > was for was, now in zip(*pair, strict=True))
    }
    assert not worse, f"more false alarms or questions than recorded (was, now): {worse}"
    assert not changed, f"fewer than recorded, lower the record (was, now): {changed}"
    regressed = [
        f"{code} {figure}"
        for (code, goal), (met, figure) in measured.items()
        if not met and (code, goal) not in shortfalls
    ]
    assert not regressed, regressed
    # A goal met since it was listed must come off the list, so the list stays true.
    now_met = [f"{code} {goal}" for code, goal in shortfalls if measured[(code, goal)][0]]
    assert not now_met, f"now met, take off the shortfalls: {now_met}"
    if shortfalls:
        raise GoalNotMet(
            "; ".join(f"{code} {measured[code, goal][1]}" for code, goal in shortfalls)
        )


def table(title: str, figures: dict[str, Figures]) -> list[str]:
    """The figures as lines of a table, aggregates only, with every language together last."""
    rows = sorted(figures.items())
    if len(figures) > 1:
        rows.append(("all", together(figures)))
    lines = [title, "lang  recall           false alarms    questions"]
    for code, f in rows:
        lines.append(
            f"{code:<5} {f.caught:>3}/{f.emergencies:<3} {f.recall:>6.1%}   "
            f"{f.false_alarms:>2}/{f.everyday:<3} {f.false_alarm_rate:>5.1%}   "
            f"{f.questions:>2}/{f.everyday:<3} {f.question_rate:>5.1%}"
        )
    return lines


def unclear_message(language: str) -> str:
    """A development or training message in `language` that the detector asks about rather
    than alerts on.

    Picked at run time, so tests of the safety question follow whatever the retrained model
    finds unclear; the training files are searched too, as a better model may leave no dev
    message of a language in the unclear band.
    """
    labelled = rows("dev.csv")
    for path in training_files():
        if path.parent == CORPUS:
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            labelled.extend(csv.DictReader(handle))
    for row in labelled:
        result = assess(row["text"])
        if result.outcome is Outcome.UNCLEAR and row["language"] == result.language == language:
            return row["text"]
    raise AssertionError(f"no unclear {language} message in the dev half or the training data")
