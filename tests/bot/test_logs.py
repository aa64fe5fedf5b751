"""A logged traceback says what failed and where, never the exception's message."""

from __future__ import annotations

import logging
import sys

from bot.logs import PrivateFormatter


def _record_of(error: BaseException) -> logging.LogRecord:
    try:
        raise error
    except BaseException:
        exc_info = sys.exc_info()
    return logging.LogRecord("helpbot", logging.INFO, __file__, 1, "step failed", (), exc_info)


def _lookup(phone: str) -> None:
    raise KeyError(f"no contact with the number {phone}")


# Kept out of the raising lines: a traceback quotes the source, which holds no one's data.
PHONE = "07700 900612"
SAID = "Margaret said: I have fallen"


def test_a_traceback_keeps_each_exceptions_type_and_frames_but_not_its_message() -> None:
    try:
        try:
            _lookup(PHONE)
        except KeyError as error:
            raise RuntimeError(SAID) from error
    except RuntimeError as error:
        record = _record_of(error)

    written = PrivateFormatter("%(levelname)s %(message)s").format(record)

    assert written.startswith("INFO step failed\nTraceback (most recent call last):")
    assert "builtins.KeyError (message withheld)" in written
    assert "builtins.RuntimeError (message withheld)" in written
    assert "in _lookup" in written
    assert "07700" not in written and "Margaret" not in written and "fallen" not in written


def test_a_traceback_another_handler_wrote_in_full_is_written_again_without_messages() -> None:
    record = _record_of(ValueError(SAID))
    assert "Margaret" in logging.Formatter().format(record)  # caches the traceback on the record
    assert "Margaret" not in PrivateFormatter().format(record)
