"""Hooks for the handler tests."""

from __future__ import annotations

import sys

import pytest


def _module(name: str) -> object:
    # Looked up rather than imported, so a run that never collected the module prints nothing.
    return sys.modules.get(f"{__package__}.safeguarding.{name}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the safeguarding detector's figures whenever they were measured."""
    module = _module("test_detection")
    figures: dict[str, int] = getattr(module, "SAFEGUARDING_FIGURES", {})
    if figures:
        caught, expected = figures["caught"], figures["expected"]
        alarms, everyday = figures["false_alarms"], figures["everyday"]
        terminalreporter.write_line(
            f"safeguarding: recall {caught}/{expected} ({caught / expected:.1%}), "
            f"false alarms {alarms}/{everyday} ({alarms / everyday:.1%})"
        )
    corpus = _module("corpus")
    for name, title, attribute in (
        ("test_corpus", "safeguarding, development half (tuned on: a ceiling)", "DEV_FIGURES"),
        ("test_heldout", "safeguarding, held-out half", "HELDOUT_FIGURES"),
        ("test_fresh", "safeguarding, fresh blind set", "FRESH_FIGURES"),
        ("test_check_sets", "safeguarding, check sets (near-miss wording)", "CHECK_FIGURES"),
    ):
        measured = getattr(_module(name), attribute, {})
        if corpus is not None and measured:
            for line in corpus.table(title, measured):  # type: ignore[attr-defined]
                terminalreporter.write_line(line)
