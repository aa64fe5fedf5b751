"""The safeguarding detector's time per message, against a plain casefold of the same messages.

Run `.venv/bin/python -m bench.safeguarding_latency`. Messages are the development half of the
corpus and the critical phrases (never the held-out half), each timed on its own after warm-up,
as the engine reads one message per turn. The baseline is `str.casefold` over the same messages
in the same run, so the figures say what the detector adds on this machine today.
"""

from __future__ import annotations

import csv
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from handlers.safeguarding.classifier import warm_up
from handlers.safeguarding.detection import assess

CORPUS = Path(__file__).parents[1] / "tests" / "fixtures" / "safeguarding"
ROUNDS = 3


def _messages() -> list[str]:
    texts: list[str] = []
    for name in ("dev.csv", "critical.csv"):
        with (CORPUS / name).open(encoding="utf-8", newline="") as handle:
            texts.extend(row["text"] for row in csv.DictReader(handle))
    return texts


def _times(work: Callable[[str], object], texts: list[str]) -> list[float]:
    times: list[float] = []
    for _ in range(ROUNDS):
        for text in texts:
            started = time.perf_counter()
            work(text)
            times.append(time.perf_counter() - started)
    return times


def _line(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000
    return f"{name:<22} p50 {p50:8.3f} ms   p99 {p99:8.3f} ms   max {ordered[-1] * 1000:8.3f} ms"


def main() -> None:
    """Print warm-up time and p50/p99 per message for the detector and the baseline."""
    print(f"warm-up (model and word lists): {warm_up():.2f} s")
    texts = _messages()
    print(f"{len(texts)} messages x {ROUNDS} rounds")
    print(_line("baseline str.casefold", _times(str.casefold, texts)))
    print(_line("detector assess()", _times(assess, texts)))


if __name__ == "__main__":
    main()
