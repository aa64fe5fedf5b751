"""The detector on the corpus written without looking at it: critical phrases and the dev half.

Critical phrases are each their own case and must each be a clear alert: they are the plainest
way of saying the gravest things ("I've taken all my tablets", "there's a fire in my kitchen"),
where a question would cost time. The development half is what rules and training were tuned on,
so its figures are the ceiling, not the estimate: test_heldout.py measures that.
"""

from __future__ import annotations

import pytest

from handlers.safeguarding.classifier import model
from handlers.safeguarding.detection import Outcome, assess
from handlers.safeguarding.training import train
from tests.handlers.safeguarding.corpus import Figures, goals, rows, score

CRITICAL = rows("critical.csv")
DEV = rows("dev.csv")

# Read by tests/handlers/conftest.py, which prints them in pytest's summary.
DEV_FIGURES: dict[str, Figures] = {}

# Goals not met even on the half that was tuned on, with the figure last measured: each is a
# strict expected failure, so meeting it fails the test until it is taken off this list.
DEV_SHORTFALLS: dict[str, str] = {}


@pytest.mark.parametrize("row", CRITICAL, ids=[row["id"] for row in CRITICAL])
def test_a_critical_phrase_is_a_clear_alert(row: dict[str, str]) -> None:
    result = assess(row["text"])
    assert result.outcome is Outcome.CLEAR, result
    # Where the row names the signal, the advice given must be that one: a threat from someone
    # else is violence, not suicide.
    if row.get("signal"):
        assert result.alert is not None and result.alert.signal == row["signal"], result


def test_the_corpus_has_every_language_and_no_overlap() -> None:
    languages = {row["language"] for row in DEV}
    assert languages == {row["language"] for row in CRITICAL}
    assert len(languages) == 14
    dev_texts = {row["text"] for row in DEV}
    assert not dev_texts & {row["text"] for row in CRITICAL}


def _dev_goals() -> list[object]:
    DEV_FIGURES.update(score(DEV))
    params: list[object] = []
    for (code, goal), (met, figure) in goals(DEV_FIGURES).items():
        name = f"{code}-{goal}"
        marks = []
        if name in DEV_SHORTFALLS:
            reason = f"dev {name} {DEV_SHORTFALLS[name]}"
            marks.append(pytest.mark.xfail(reason=reason, raises=AssertionError, strict=True))
        params.append(pytest.param(met, figure, id=name, marks=marks))
    return params


@pytest.mark.parametrize(("met", "figure"), _dev_goals())
def test_dev_goal(met: bool, figure: str) -> None:
    assert met, figure


def test_retraining_from_the_repository_gives_the_committed_model() -> None:
    retrained = train()
    committed = model()
    texts = [row["text"] for row in DEV]
    # The catalogs' short phrases are training data too (`bot_phrases`): a changed label
    # needs `helpbot train-safeguarding` and the new model committed.
    # Retraining the same data on another machine moves probabilities by up to 5.4e-7
    # (floating-point order); one catalog phrase fewer moves them by up to 3.0e-4, one
    # training message fewer by up to 1.8e-2. 1e-5 tells the two apart.
    assert list(retrained["pipeline"].predict_proba(texts)[:, 1]) == pytest.approx(
        list(committed.pipeline.predict_proba(texts)[:, 1]), abs=1e-5
    ), "the committed model is not what the repository trains: run helpbot train-safeguarding"
    assert (retrained["clear"], retrained["unclear"], retrained["hint"], retrained["floor"]) == (
        committed.clear,
        committed.unclear,
        committed.hint,
        committed.floor,
    )
