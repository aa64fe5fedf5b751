"""The threshold search counts what `decide` will do: a story of a suicide is always asked."""

from __future__ import annotations

from handlers.safeguarding.alerts import AlertKind
from handlers.safeguarding.detection import Evidence
from handlers.safeguarding.lexicon import Hit
from handlers.safeguarding.training import MAX_QUESTIONS, Example, choose_thresholds


def _examples(framed_everyday: int) -> tuple[list[Example], list[float], list[Evidence]]:
    story = Hit("suicide", AlertKind.SUICIDE, False, "en", framed=True)
    examples, scores, evidence = [], [], []
    for n in range(50):
        examples.append(Example(f"emergency {n}", True, f"e{n}", "en"))
        scores.append(0.9)
        evidence.append(Evidence(None, (), "en"))
    for n in range(50):
        examples.append(Example(f"everyday {n}", False, f"d{n}", "en"))
        scores.append(0.1)
        evidence.append(Evidence(None, (story,) if n < framed_everyday else (), "en"))
    return examples, scores, evidence


def test_framed_stories_count_against_the_question_budget() -> None:
    over = int(50 * MAX_QUESTIONS) + 1
    # Every threshold asks these, so none keeps questions within the budget.
    assert choose_thresholds(*_examples(over)).clear > 1.0
    assert choose_thresholds(*_examples(0)).clear <= 0.9
