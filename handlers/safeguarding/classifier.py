"""The project's own small classifier: how likely a message is an emergency, in any language.

Character n-grams (2 to 5, within words) of the folded text cope with typos, inflections and
every script; a logistic regression weighs them.  It is trained by `training.py` from CSV files in
this repository and stored in `data/model.joblib` with the thresholds chosen for it; nothing is
downloaded.  `warm_up` loads it once at start-up so the first message is not slowed.

scikit-learn (with scipy, seconds of CPU and tens of MB) is imported by the first `model()`, not
with this module: the task engine's worker imports the conversation engine but never reads a
message, and the web process loads it at start-up all the same (`warm_up`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from handlers.safeguarding.folding import MAX_CHARS

log = logging.getLogger(__name__)

MODEL_PATH: Final = Path(__file__).parent / "data" / "model.joblib"


@dataclass(frozen=True)
class Thresholds:
    """The probabilities at which the classifier's answer counts.

    At or above `clear` a message alerts on the classifier alone; at or above `unclear` it gets
    the safety question; from `hint` what the rules recognised counts (a clear rule alerts,
    a half-recognised word asks); below `floor` even a clear rule is taken for a word used in
    another sense ("this bill is killing me").
    """

    clear: float
    unclear: float
    hint: float
    floor: float


@dataclass(frozen=True)
class Model(Thresholds):
    """A fitted pipeline and its thresholds."""

    pipeline: Any = None

    def probability(self, text: str) -> float:
        """How likely the text is an emergency, from 0 to 1."""
        import sklearn  # imported already by `model()`: a look-up in `sys.modules`

        # The vectoriser's own output needs no checking for NaN and infinity, nor the
        # estimator's parameters re-validating: both cost a third of each prediction.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return float(self.pipeline.predict_proba([text[:MAX_CHARS]])[0][1])


@cache
def model() -> Model:
    """The committed model, read once."""
    import joblib

    payload = joblib.load(MODEL_PATH)
    return Model(
        pipeline=payload["pipeline"],
        clear=float(payload["clear"]),
        unclear=float(payload["unclear"]),
        hint=float(payload["hint"]),
        floor=float(payload["floor"]),
    )


def warm_up() -> float:
    """Load the model and every lexicon now; return the seconds it took."""
    from handlers.safeguarding.detection import assess

    started = time.perf_counter()
    assess("warm up: I have fallen and cannot get up")
    elapsed = time.perf_counter() - started
    log.info("safeguarding detector ready in %.2f s", elapsed)
    return elapsed
