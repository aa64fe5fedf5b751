"""The CPU time processes use, read from /proc: a benchmark's figure for what each update cost,
which drifts less with a shared machine's speed than a rate does."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable


def cpu_seconds(pids: Iterable[int]) -> dict[int, float]:
    """The CPU time (user and system, in seconds) each of these processes has used so far; one
    that has ended is left out."""
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[int, float] = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / tick
    return used


def postgres_pids() -> list[int]:
    """This machine's PostgreSQL processes, its connections' included."""
    found: list[int] = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                if f.read().startswith(b"postgres"):
                    found.append(int(name))
        except OSError:
            continue
    return found


class CpuMeter:
    """CPU time used by a set of processes between `start` and `stop`; `pids` is asked again
    each time, so processes that begin meanwhile (database connections) count too."""

    def __init__(self, pids: Callable[[], Iterable[int]]) -> None:
        self.pids = pids
        self.before: dict[int, float] = {}

    def start(self) -> None:
        self.before = cpu_seconds(self.pids())

    def stop(self) -> float:
        after = cpu_seconds(self.pids())
        return sum(used - self.before.get(pid, 0.0) for pid, used in after.items())
