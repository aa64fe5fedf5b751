"""Partial changes: a field left as KEEP stays as it is, so None can still mean "clear it"."""

from __future__ import annotations

from enum import Enum
from typing import Final


class Keep(Enum):
    """The one value that means "leave this field alone"."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP
