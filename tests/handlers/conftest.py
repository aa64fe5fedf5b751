"""Hooks for the handler tests."""

from __future__ import annotations

import sys

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the safeguarding detector's recall and false alarms whenever they were measured."""
    # Looked up rather than imported, so a run that never collected the module prints nothing.
    module = sys.modules.get(f"{__package__}.safeguarding.test_detection")
    figures: dict[str, int] = getattr(module, "SAFEGUARDING_FIGURES", {})
    if not figures:
        return
    caught, expected = figures["caught"], figures["expected"]
    alarms, everyday = figures["false_alarms"], figures["everyday"]
    terminalreporter.write_line(
        f"safeguarding: recall {caught}/{expected} ({caught / expected:.1%}), "
        f"false alarms {alarms}/{everyday} ({alarms / everyday:.1%})"
    )
