"""The development tool scores check sets row by row, and refuses the blind sets."""

from __future__ import annotations

import pytest

from bench.safeguarding_dev import main


@pytest.mark.parametrize("name", ["heldout.csv", "fresh.csv"])
def test_a_blind_set_is_never_scored_or_listed(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--file", name, "--misses"]) == 2
    printed = capsys.readouterr().out
    assert "blind set" in printed
    assert "|" not in printed  # no row's text


def test_a_check_set_is_scored_with_its_wrong_rows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--file", "check_es.csv", "--misses"]) == 0
    printed = capsys.readouterr().out
    assert "committed model" in printed
    assert "cs-ur-" in printed  # its two Urdu false alarms, listed with their rules
