"""An append-only local spool for provider webhooks the database could not take at the time.

Twilio never redelivers a message webhook, so a form that arrives while the database is down is
written here, flushed to disk, and only then acknowledged; `bot.inbound` applies it once the
database is back. The directory (mode 0700, files 0600: it holds people's messages) contains:

- `inbound.jsonl`: new lines are appended here, one JSON object per form.
- `batch-<id>.jsonl`: lines taken for replay. A batch is deleted once every line in it has been
  committed. Whoever replays a batch holds an exclusive lock on it, so processes sharing the
  directory never replay one batch at once; the batch of a process that died is taken up again
  (replaying a line twice is harmless: a provider's message id is unique in the database).
- `set-aside.jsonl`: lines that could not be applied after several tries, kept for an operator.

All of it is blocking file I/O: call it from a thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ACTIVE = "inbound.jsonl"
SET_ASIDE = "set-aside.jsonl"
BATCH_PREFIX = "batch-"
FORMAT = 1


@dataclass(frozen=True)
class Spooled:
    """One webhook as it was received: which kind (`message` or `status`), its form and when."""

    kind: str
    form: Mapping[str, str]
    received_at: datetime

    def to_line(self) -> bytes:
        data = {
            "v": FORMAT,
            "kind": self.kind,
            "received_at": self.received_at.isoformat(),
            "form": dict(self.form),
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> Spooled | None:
        """The webhook in a spooled line; None for a line that cannot be read (a torn write)."""
        try:
            data: Any = json.loads(line)
            form = data["form"]
            received_at = datetime.fromisoformat(data["received_at"])
            if not isinstance(form, dict) or received_at.tzinfo is None:
                return None
            return cls(str(data["kind"]), {str(k): str(v) for k, v in form.items()}, received_at)
        except (ValueError, KeyError, TypeError):
            return None


def _fsync_directory(directory: Path) -> None:
    # A new, renamed or deleted file is only durable once its directory entry is.
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Spool:
    """The spool directory: append a webhook, take batches to replay, set lines aside."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _ready(self) -> None:
        if not self.directory.is_dir():
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            _fsync_directory(self.directory.parent)
        if self.directory.stat().st_mode & 0o077:
            # Only the service's own user may read what people wrote.
            self.directory.chmod(0o700)

    def _append(self, name: str, data: bytes) -> None:
        """Append `data` to a file under an exclusive lock, flushed to disk before returning."""
        self._ready()
        path = self.directory / name
        while True:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    current = os.stat(path).st_ino
                except FileNotFoundError:
                    current = None
                if current != os.fstat(fd).st_ino:
                    # Taken for replay between our open and our lock: write to the new file.
                    continue
                new = os.fstat(fd).st_size == 0
                _write_all(fd, data)
                os.fsync(fd)
                if new:
                    _fsync_directory(self.directory)
                return
            finally:
                os.close(fd)

    def append(self, item: Spooled) -> None:
        """Keep one webhook; once this returns, it survives a crash of the process or machine."""
        self._append(ACTIVE, item.to_line())

    def set_aside(self, line: bytes) -> None:
        """Keep a line that cannot be applied where an operator will find it."""
        self._append(SET_ASIDE, line if line.endswith(b"\n") else line + b"\n")

    def waiting(self) -> bool:
        """Whether any webhook waits to be applied."""
        try:
            names = os.listdir(self.directory)
        except OSError:
            # Missing, or not ours to read: nothing in it can be replayed by us anyway, and a
            # spool we cannot read must not hold up messages the database can take.
            return False
        for name in names:
            if name == ACTIVE or name.startswith(BATCH_PREFIX):
                with contextlib.suppress(FileNotFoundError):
                    if (self.directory / name).stat().st_size > 0:
                        return True
        return False

    def _rotate(self) -> None:
        """Move the lines appended so far into a batch of their own."""
        path = self.directory / ACTIVE
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            with contextlib.suppress(FileNotFoundError):
                if os.stat(path).st_ino == os.fstat(fd).st_ino and os.fstat(fd).st_size > 0:
                    os.rename(path, self.directory / f"{BATCH_PREFIX}{uuid.uuid4().hex}.jsonl")
                    _fsync_directory(self.directory)
        finally:
            os.close(fd)

    def take(self) -> list[Path]:
        """Move what was appended so far into a batch; every batch waiting, oldest first."""
        if not self.directory.is_dir():
            return []
        self._rotate()
        found = []
        for path in self.directory.glob(f"{BATCH_PREFIX}*.jsonl"):
            with contextlib.suppress(FileNotFoundError):
                found.append((path.stat().st_mtime, path))
        return [path for _, path in sorted(found)]

    def claim(self, path: Path) -> Batch | None:
        """The batch at `path`, locked for this process, or None when it is gone (replayed).
        Raises `BatchBusy` while another process replays it. Release it (or `finish` it)."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BatchBusy(path.name) from None
            if os.fstat(fd).st_nlink == 0:
                os.close(fd)  # replayed and deleted while we opened it
                return None
            with os.fdopen(os.dup(fd), "rb") as file:
                lines = [line for line in file.read().split(b"\n") if line.strip()]
        except BaseException:
            os.close(fd)
            raise
        return Batch(path, lines, fd)


class BatchBusy(Exception):
    """Another process is replaying this batch."""


@dataclass
class Batch:
    """Lines taken for replay, locked for this process until `finish` or `release`."""

    path: Path
    lines: list[bytes]
    _fd: int | None

    def finish(self) -> None:
        """Every line is committed: delete the batch, then let go of it."""
        self.path.unlink(missing_ok=True)
        _fsync_directory(self.path.parent)
        self.release()

    def release(self) -> None:
        """Let go of the batch (its lock), leaving it for a later replay."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
