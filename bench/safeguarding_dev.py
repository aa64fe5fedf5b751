"""The detector's figures on the development half, out of fold: no dev row scored by a model
that was fitted to it.

Run `.venv/bin/python -m bench.safeguarding_dev`; `--misses` lists the dev rows it gets wrong
with the rules that fired; `--unseen` fits on the training files alone and scores dev with that
model, which says how far the project's own training data carries to new wording.
`--file NAME` scores another file of the corpus folder (a check set) with the committed model;
with `--misses` it lists that file's wrong rows the same way.

The committed model is trained on the dev half too, so `tests/handlers/safeguarding/
test_corpus.py` measures a ceiling. Here each dev row's probability comes from the grouped
cross-validation that `training.py` uses to choose thresholds, and the thresholds are the ones
chosen from those same scores. The rules were written with the dev half in view, so these
figures still flatter them. Only dev.csv and the training files are read; the held-out half
never is.
"""

from __future__ import annotations

import sys
from collections import defaultdict

from handlers.safeguarding.bot_phrases import bot_phrases
from handlers.safeguarding.classifier import Thresholds, model
from handlers.safeguarding.detection import Evidence, Outcome, decide, gather
from handlers.safeguarding.training import (
    DEV,
    choose_thresholds,
    fit,
    out_of_fold,
    read_examples,
    training_files,
)
from tests.handlers.safeguarding.corpus import Figures, rows, table


def _tally(
    labelled: list[dict[str, str]],
    scores: list[float],
    evidence: list[Evidence],
    thresholds: Thresholds,
) -> tuple[dict[str, Figures], list[str]]:
    """Per-language figures of scored rows, and a line for each row the detector gets wrong."""
    figures: dict[str, Figures] = defaultdict(Figures)
    misses: list[str] = []
    for row, p, ev in zip(labelled, scores, evidence, strict=True):
        outcome = decide(ev, p, thresholds).outcome
        f = figures[row["language"]]
        rules = ",".join(sorted({f"{h.signal}{'!' if h.clear else '?'}" for h in ev.found}))
        english = ev.english.signal if ev.english else "-"
        note = f"p={p:.2f} en={english} rules={rules or '-'}"
        if row["label"] == "emergency":
            f.emergencies += 1
            if outcome is Outcome.NONE:
                f.missed_kinds[row["kind"]] = f.missed_kinds.get(row["kind"], 0) + 1
                misses.append(f"MISS    {row['id']} {row['kind']} {note} | {row['text']}")
            else:
                f.caught += 1
        else:
            f.everyday += 1
            f.false_alarms += outcome is Outcome.CLEAR
            f.questions += outcome is Outcome.UNCLEAR
            if outcome is not Outcome.NONE:
                misses.append(
                    f"{outcome.upper():<6}{row['id']} {row['kind']} {note} | {row['text']}"
                )
    return dict(figures), misses


# Read only by their own tests, which print aggregates: never scored or listed here.
_BLIND = frozenset({"heldout.csv", "fresh.csv"})


def _score_file(name: str, argv: list[str]) -> int:
    """Score one corpus file with the committed model and its thresholds."""
    if name in _BLIND:
        print(f"{name} is a blind set: only tests/handlers/safeguarding measures it")
        return 2
    labelled = rows(name)
    current = model()
    scores = [current.probability(row["text"]) for row in labelled]
    evidence = [gather(row["text"]) for row in labelled]
    figures, misses = _tally(labelled, scores, evidence, current)
    for line in table(f"{name}, committed model", figures):
        print(line)
    if "--misses" in argv:
        print("\n".join(sorted(misses)))
    return 0


def main(argv: list[str]) -> int:
    """Print per-language recall, false alarms and questions on dev, out of fold."""
    if "--file" in argv:
        return _score_file(argv[argv.index("--file") + 1], argv)
    dev_rows = rows("dev.csv")
    everyday = [text for _, text in bot_phrases()]
    if "--unseen" in argv:
        own = read_examples(training_files()[:-1])
        own_scores = out_of_fold(own, everyday)
        thresholds = choose_thresholds(own, own_scores, [gather(e.text) for e in own])
        fitted = fit([e.text for e in own], [e.emergency for e in own], everyday)
        examples = read_examples([DEV])
        scores = [float(p) for p in fitted.predict_proba([e.text for e in examples])[:, 1]]
        evidence = [gather(example.text) for example in examples]
    else:
        examples = read_examples(training_files())
        scores = out_of_fold(examples, everyday)
        evidence = [gather(example.text) for example in examples]
        thresholds = choose_thresholds(examples, scores, evidence)
    offset = len(examples) - len(dev_rows)
    assert all(e.group.startswith(f"{DEV.stem}:") for e in examples[offset:])
    figures, misses = _tally(dev_rows, scores[offset:], evidence[offset:], thresholds)
    print(
        f"thresholds: clear {thresholds.clear:.3f} unclear {thresholds.unclear:.3f} "
        f"hint {thresholds.hint:.3f} floor {thresholds.floor:.3f}"
    )
    for line in table("dev, out of fold", figures):
        print(line)
    if "--misses" in argv:
        print("\n".join(sorted(misses)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
