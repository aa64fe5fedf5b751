"""What the detector reports: how serious a message is, and a short label for what it saw."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AlertKind(StrEnum):
    """How serious an alert is, which decides the number the reply gives."""

    EMERGENCY = "emergency"
    SUICIDE = "suicide"
    URGENT = "urgent"


@dataclass(frozen=True)
class Alert:
    """The kind of help to offer and a short machine label for what was seen."""

    kind: AlertKind
    signal: str
