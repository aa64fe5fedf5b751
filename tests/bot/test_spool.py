"""The spool on a real directory: durable lines, private files, batches one process at a time."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.spool import ACTIVE, SET_ASIDE, BatchBusy, Spool, Spooled

WHEN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def item(sid: str, body: str = "Hello") -> Spooled:
    return Spooled("message", {"MessageSid": sid, "Body": body, "From": "+447700900456"}, WHEN)


def test_lines_round_trip_and_the_files_are_private(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    assert not spool.waiting()
    spool.append(item("SM1", "Zoë needs milk"))
    spool.append(item("SM2"))

    assert spool.waiting()
    assert stat.S_IMODE((tmp_path / "spool").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "spool" / ACTIVE).stat().st_mode) == 0o600
    [path] = spool.take()
    batch = spool.claim(path)
    assert batch is not None
    read = [Spooled.from_line(line) for line in batch.lines]
    assert read == [item("SM1", "Zoë needs milk"), item("SM2")]
    batch.finish()
    assert not spool.waiting()
    assert spool.take() == []


def test_a_directory_others_can_read_is_made_private(tmp_path: Path) -> None:
    directory = tmp_path / "spool"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    Spool(directory).append(item("SM1"))
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_lines_appended_after_a_batch_was_taken_wait_for_the_next(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append(item("SM1"))
    [first] = spool.take()
    spool.append(item("SM2"))
    batch = spool.claim(first)
    assert batch is not None
    assert len(batch.lines) == 1
    batch.finish()

    assert spool.waiting()
    [second] = spool.take()
    later = spool.claim(second)
    assert later is not None
    assert [Spooled.from_line(line) for line in later.lines] == [item("SM2")]
    later.release()


def test_a_batch_is_replayed_by_one_holder_at_a_time(tmp_path: Path) -> None:
    # Two Spool objects open the files separately, as two processes sharing a volume would.
    ours, theirs = Spool(tmp_path), Spool(tmp_path)
    ours.append(item("SM1"))
    [path] = ours.take()
    batch = ours.claim(path)
    assert batch is not None
    with pytest.raises(BatchBusy):
        theirs.claim(path)
    batch.release()  # given up (say the database went away): still there for the next try
    again = theirs.claim(path)
    assert again is not None
    again.finish()
    assert theirs.claim(path) is None


def test_unreadable_lines_are_recognised_and_set_aside(tmp_path: Path) -> None:
    assert Spooled.from_line(b'{"v": 1, "kind": "message", "form": {"Body": "He') is None
    assert Spooled.from_line(b'{"kind": "message", "form": [], "received_at": "x"}') is None
    naive = b'{"kind": "message", "form": {}, "received_at": "2026-11-23T09:00:00"}'
    assert Spooled.from_line(naive) is None
    spool = Spool(tmp_path)
    spool.set_aside(b"torn")
    assert (tmp_path / SET_ASIDE).read_bytes() == b"torn\n"
    assert stat.S_IMODE((tmp_path / SET_ASIDE).stat().st_mode) == 0o600
    assert not spool.waiting()  # set-aside lines are for an operator, not for replay
