"""Hooks for the service tests."""

from __future__ import annotations

import sys

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the longest SMS the Twilio tests made the bot send, whenever they ran."""
    # Looked up rather than imported, so a run that never collected the module prints nothing.
    module = sys.modules.get(f"{__package__}.twilio_webhook.texter")
    figures: dict[str, int] = getattr(module, "SMS_FIGURES", {})
    if not figures.get("messages"):
        return
    terminalreporter.write_line(
        f"sms: {figures['messages']} messages checked, all GSM-7 and at most 2 segments; "
        f"longest {figures['longest_chars']} characters in {figures['longest_segments']} segments"
    )
